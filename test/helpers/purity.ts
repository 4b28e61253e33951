// The pure-core rules of STYLE §1, checked on the TypeScript syntax tree rather than on
// lines of text: a rule that a comment, a string or a `from 'fs'` without `node:` can slip
// past is a rule kept by convention. The walk follows every import the core makes, however
// many hops away, so a helper folder cannot become a back door to the edges.
import ts from 'typescript';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { repoRoot } from './shared.js';

export interface Finding {
  /** Path relative to the analysed root, with forward slashes. */
  file: string;
  line: number;
  reason: string;
  /** Files from an entry point to `file`, each importing the next. */
  chain: string[];
}

export interface PurityReport {
  findings: Finding[];
  /** Every file the walk read, entries included. */
  reached: string[];
}

/** The folders where the core's entry points live. */
export const CORE_DIRS = ['src/protocol', 'src/node'];
/** What the core may reach. src/crypto is where the one I/O-free native edge (sodium-native, node:crypto) lives. */
const REACHABLE_DIRS = ['src/protocol', 'src/node', 'src/crypto', 'src/util', 'src/controller'];
const EDGE_DIRS = ['src/net', 'src/service', 'src/cli', 'src/demo', 'src/docker', 'src/k8s', 'src/cni'];
/** Files inside reachable folders that are edges all the same. */
const FORBIDDEN_FILES: Array<[RegExp, string]> = [
  [/^src\/controller\/file-store/, 'the controller store on disk is an edge (I/O); the core sees only the store interface'],
  [/^src\/crypto\/random\.ts$/, 'secure randomness is drawn by the host (host.random), not by the core'],
];

const FORBIDDEN_MODULES: Record<string, string> = {
  fs: 'file I/O belongs to the service',
  net: 'network I/O belongs to src/net',
  dgram: 'network I/O belongs to src/net',
  http: 'network I/O belongs to the service',
  https: 'network I/O belongs to the service',
  http2: 'network I/O belongs to the service',
  child_process: 'processes belong to the service',
  worker_threads: 'threads belong to the service',
  cluster: 'processes belong to the service',
  perf_hooks: 'no clock: time comes in as nowMs',
  timers: 'no timers: the host calls tick() at the deadline it returned',
  os: 'the host machine is the service\'s business',
  winston: 'logging is the service\'s job; the core reports through host.event()',
  yargs: 'command lines belong to cmd/ and src/cli',
  '@kubernetes/client-node': 'Kubernetes belongs to src/k8s',
};
/** Only src/crypto may use these; everyone else calls src/crypto. */
const CRYPTO_MODULES = new Set(['sodium-native', 'crypto']);

const NO_CLOCK = 'no clock: time comes in as nowMs';
const NO_TIMERS = 'no timers: the host calls tick() at the deadline it returned';
const NO_RANDOM = 'no randomness of its own: it comes from host.random()';
const FORBIDDEN_GLOBALS: Record<string, string> = {
  setTimeout: NO_TIMERS,
  setInterval: NO_TIMERS,
  setImmediate: NO_TIMERS,
  queueMicrotask: NO_TIMERS,
  clearTimeout: NO_TIMERS,
  clearInterval: NO_TIMERS,
  clearImmediate: NO_TIMERS,
  Date: NO_CLOCK,
  performance: NO_CLOCK,
  process: 'no process: the core has no environment, arguments, clock or exit',
  crypto: NO_RANDOM,
  require: 'no require(): CommonJS loading goes around the import rules',
  globalThis: 'no global object: it reaches around these rules',
  global: 'no global object: it reaches around these rules',
  console: 'no console: the core reports through host.event() and the service logs',
  fetch: 'no network I/O',
  Promise: 'no promises: the core is synchronous',
};
const NO_ASYNC = 'no async code: the core is synchronous; the host drives it';

const SOURCE = /(?<!\.d)\.ts$/;

/** All .ts sources under the core folders of `root`, found afresh each run (files move between them). */
export function coreEntries(root: string): string[] {
  const walk = (dir: string): string[] =>
    !existsSync(dir)
      ? []
      : readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(dir, e.name)) : SOURCE.test(e.name) ? [join(dir, e.name)] : [],
        );
  return CORE_DIRS.flatMap((d) => walk(join(root, d))).map((f) => posix(relative(root, f)));
}

/** Walks the imports of `entries` (paths relative to `root`) and checks each file it reaches. */
export function analysePurity(root: string, entries: string[]): PurityReport {
  const findings = new Map<string, Finding>();
  const report = (f: Finding): void => void findings.set(`${f.file}:${f.line}:${f.reason}`, f);
  // A file reached only through `import type` is never loaded: its imports are still held to
  // the rules (the dependency direction matters for types too), its code is not.
  const seen = new Set<string>();
  const runtimeChains = new Map<string, string[]>();
  // Everything loaded at run time is found before anything reached only through types, so
  // no file is walked (and reported) in both modes.
  type Visit = { file: string; mode: 'runtime' | 'types'; chain: string[] };
  const queues: Record<Visit['mode'], Visit[]> = { runtime: entries.map((e) => ({ file: e, mode: 'runtime', chain: [e] })), types: [] };
  while (queues.runtime.length > 0 || queues.types.length > 0) {
    const { file, mode, chain } = (queues.runtime.shift() ?? queues.types.shift())!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (mode === 'runtime') runtimeChains.set(file, chain);
    const sf = sourceFile(join(root, file));
    for (const edge of importsOf(sf)) {
      const line = lineOf(sf, edge.node);
      const typesOnly = mode === 'types' || edge.typeOnly;
      const note = typesOnly ? ' (type-only)' : '';
      if (edge.specifier === null) {
        report({ file, line, reason: `${edge.kind} with a computed specifier cannot be checked`, chain });
        continue;
      }
      const target = classify(root, file, edge.specifier);
      if (target.reason) {
        report({ file, line, reason: `import of '${edge.specifier}'${note}: ${target.reason}`, chain });
      } else if (target.file) {
        const next = typesOnly ? 'types' : 'runtime';
        queues[next].push({ file: target.file, mode: next, chain: [...chain, target.file] });
      }
    }
  }
  const runtime = [...runtimeChains.keys()];
  if (runtime.length > 0) {
    const program = ts.createProgram({ rootNames: runtime.map((f) => join(root, f)), options: COMPILER_OPTIONS, host: compilerHost });
    const checker = program.getTypeChecker();
    for (const file of runtime) {
      const sf = program.getSourceFile(join(root, file))!;
      for (const { node, reason } of globalsAndAsync(sf, program, checker)) report({ file, line: lineOf(sf, node), reason, chain: runtimeChains.get(file)! });
    }
  }
  const byPlace = (a: Finding, b: Finding): number => a.file.localeCompare(b.file) || a.line - b.line || a.reason.localeCompare(b.reason);
  return { findings: [...findings.values()].sort(byPlace), reached: [...seen.keys()].sort() };
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}: ${f.reason}  [reached by ${f.chain.join(' → ')}]`;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  typeRoots: [join(repoRoot, 'node_modules', '@types')],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
};

// Parsing lib.*.d.ts and @types/node is most of the cost; every analysis in a run shares them.
const compilerHost = ((): ts.CompilerHost => {
  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const cache = new Map<string, ts.SourceFile | undefined>();
  const get = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!cache.has(fileName)) cache.set(fileName, get(fileName, languageVersion, onError, shouldCreate));
    return cache.get(fileName);
  };
  return host;
})();

function sourceFile(path: string): ts.SourceFile {
  const sf = compilerHost.getSourceFile(path, ts.ScriptTarget.ES2022);
  if (!sf) throw new Error(`cannot read ${path}`);
  return sf;
}

function lineOf(sf: ts.SourceFile, node: ts.Node): number {
  return sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
}

function posix(p: string): string {
  return p.split(sep).join('/');
}

interface Edge {
  kind: 'import' | 'export … from' | 'import()' | 'require()' | 'import = require()' | 'import type()';
  /** null when the specifier is not a string literal. */
  specifier: string | null;
  typeOnly: boolean;
  node: ts.Node;
}

function importsOf(sf: ts.SourceFile): Edge[] {
  const out: Edge[] = [];
  const literal = (e: ts.Node | undefined): string | null => (e && (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) ? e.text : null);
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n)) {
      const c = n.importClause;
      // `import { type A, type B }` is erased like `import type`; one value binding keeps the import.
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      out.push({ kind: 'import', specifier: literal(n.moduleSpecifier), typeOnly, node: n });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier) {
      const named = n.exportClause && ts.isNamedExports(n.exportClause) ? n.exportClause.elements : undefined;
      const typeOnly = n.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly));
      out.push({ kind: 'export … from', specifier: literal(n.moduleSpecifier), typeOnly, node: n });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      out.push({ kind: 'import = require()', specifier: literal(n.moduleReference.expression), typeOnly: n.isTypeOnly, node: n });
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      out.push({ kind: 'import()', specifier: literal(n.arguments[0]), typeOnly: false, node: n });
    } else if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'require') {
      out.push({ kind: 'require()', specifier: literal(n.arguments[0]), typeOnly: false, node: n });
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) {
      out.push({ kind: 'import type()', specifier: literal(n.argument.literal), typeOnly: true, node: n });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Where an import leads: a file to follow, a reason it is forbidden, or (allowed package) neither. */
function classify(root: string, from: string, specifier: string): { file?: string; reason?: string } {
  const fromDir = posix(dirname(from));
  if (!specifier.startsWith('.') && !specifier.startsWith('/')) return { reason: moduleReason(fromDir, specifier) };
  const base = resolve(root, dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  const rel = posix(relative(root, found ?? candidates[0]));
  const inside = (dir: string): boolean => rel === dir || rel.startsWith(`${dir}/`);
  const edge = EDGE_DIRS.find(inside);
  if (edge) return { reason: `${edge} is an edge; the core never imports it` };
  for (const [re, why] of FORBIDDEN_FILES) if (re.test(rel)) return { reason: why };
  if (!REACHABLE_DIRS.some(inside)) return { reason: `${rel} is outside the folders the core may reach (${REACHABLE_DIRS.join(', ')})` };
  if (!found) return { reason: `does not resolve to a source file (${rel})` };
  return { file: rel };
}

function moduleReason(fromDir: string, specifier: string): string | undefined {
  const bare = specifier.replace(/^node:/, '');
  const parts = bare.split('/');
  const name = bare.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const forbidden = FORBIDDEN_MODULES[name];
  if (forbidden) return forbidden;
  if (CRYPTO_MODULES.has(name)) return fromDir === 'src/crypto' || fromDir.startsWith('src/crypto/') ? undefined : 'only src/crypto imports sodium-native and node:crypto';
  return builtinModules.includes(name) ? 'not a Node module the core needs (none are allowed outside src/crypto)' : 'not a package the core may use (none are allowed outside src/crypto)';
}

/** Forbidden globals and async code, by what the names resolve to rather than how they are spelled. */
function globalsAndAsync(sf: ts.SourceFile, program: ts.Program, checker: ts.TypeChecker): Array<{ node: ts.Node; reason: string }> {
  const out: Array<{ node: ts.Node; reason: string }> = [];
  const fromLibraries = (d: ts.Declaration): boolean => {
    const f = d.getSourceFile();
    return program.isSourceFileDefaultLibrary(f) || program.isSourceFileFromExternalLibrary(f) || f.isDeclarationFile;
  };
  const isGlobal = (id: ts.Identifier): boolean => {
    const symbol = ts.isShorthandPropertyAssignment(id.parent) ? checker.getShorthandAssignmentValueSymbol(id.parent) : checker.getSymbolAtLocation(id);
    // A name nothing in the program declares can only be a global at run time.
    const decls = symbol?.declarations ?? [];
    return decls.length === 0 || decls.every(fromLibraries);
  };
  const memberName = (n: ts.Node): string | undefined =>
    ts.isPropertyAccessExpression(n) ? n.name.text : ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression) ? n.argumentExpression.text : undefined;
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && ts.getCombinedModifierFlags(n as ts.Declaration) & ts.ModifierFlags.Async) out.push({ node: n, reason: `async function: ${NO_ASYNC}` });
    else if (ts.isAwaitExpression(n)) out.push({ node: n, reason: `await: ${NO_ASYNC}` });
    else if (ts.isForOfStatement(n) && n.awaitModifier) out.push({ node: n, reason: `for await: ${NO_ASYNC}` });
    else if (ts.isIdentifier(n) && isReference(n)) {
      const parent = n.parent;
      const member = (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === n ? memberName(parent) : undefined;
      if (n.text === 'Math' && isGlobal(n)) {
        // Math is fine, Math.random is not; a Math passed around whole would hide which one is used.
        if (member === 'random') out.push({ node: n, reason: `Math.random: ${NO_RANDOM}` });
        else if (member === undefined) out.push({ node: n, reason: `Math used whole: write Math.<function> so that Math.random stays visible` });
      } else if (Object.hasOwn(FORBIDDEN_GLOBALS, n.text) && isGlobal(n)) {
        const viaGlobal = (n.text === 'globalThis' || n.text === 'global') && member && Object.hasOwn(FORBIDDEN_GLOBALS, member);
        const what = member ? `${n.text}.${member}` : n.text;
        out.push({ node: n, reason: `${what}: ${viaGlobal ? FORBIDDEN_GLOBALS[member] : FORBIDDEN_GLOBALS[n.text]}` });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** False for names that only label a member or a declaration, which can never be the global. */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if ((ts.isPropertyAccessExpression(p) || ts.isQualifiedName(p)) && (ts.isPropertyAccessExpression(p) ? p.name : p.right) === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p) || ts.isMethodSignature(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isEnumMember(p)) && p.name === id) return false;
  if ((ts.isBindingElement(p) || ts.isImportSpecifier(p)) && p.propertyName === id) return false;
  // In `export { a as b } from 'm'` the `a` names m's export; without `from` it is a local reference.
  if (ts.isExportSpecifier(p) && p.parent.parent.moduleSpecifier && (p.propertyName ?? p.name) === id) return false;
  if ((ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) && p.label === id) return false;
  return true;
}

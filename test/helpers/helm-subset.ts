// A renderer for the small subset of Helm's template language the ztkube chart uses, so the
// chart can be checked on a machine without helm. Supported, with Helm's meaning:
//   references   `.Values.a.b`, `.Chart.Name`, `.Release.Namespace`, `.` and `.x` inside range
//                (the element), `$.Values…` (the root scope), string literals "…", integers
//   pipelines    `{{ x | f a | g }}`: the piped value becomes the last argument
//   functions    required (fails the render with its message), quote, default, toYaml, nindent, indent, b64enc, replace (sprig's order:
//                replace old new s), trimSuffix, printf with %s/%d/%v, eq, ne, not, and, or
//   blocks       `if <pipeline>` … `else if <pipeline>` … `else` … `end`; `range <pipeline>` … `end`
//   trimming     `{{-` and `-}}`; comments `{{/* … */}}`
// Any other action is refused with its file and text, so a template that outgrows the subset
// fails the manifests test instead of rendering wrongly.
import { dumpYaml } from '@kubernetes/client-node';
import { ConfigError } from '../../src/util/errors.js';

export interface RenderScope {
  Values: Record<string, unknown>;
  Chart: Record<string, unknown>;
  Release: Record<string, unknown>;
}

type Node = { text: string } | { value: string } | { cond: string; then: Node[]; otherwise: Node[] } | { range: string; body: Node[] };

/** Go templates' truth: false, 0, nil, and empty strings, maps and lists are false. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** What Go's fmt prints for a value with %v (and what `{{ x }}` emits): nil prints nothing here, as Helm renders it. */
function printed(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function indentLines(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return s.split('\n').map((l) => pad + l).join('\n');
}

/** sigs.k8s.io/yaml as Helm's toYaml uses it: sorted keys, no trailing newline. */
function toYaml(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  return dumpYaml(v, { sortKeys: true, lineWidth: -1, noArrayIndent: true }).replace(/\n$/, '');
}

const FUNCTIONS: Record<string, (args: unknown[]) => unknown> = {
  required: ([message, v]) => {
    if (v === undefined || v === null || v === '') throw new ConfigError(String(message));
    return v;
  },
  quote: (a) => a.map((x) => JSON.stringify(printed(x))).join(' '),
  default: ([d, v]) => (truthy(v) ? v : d),
  toYaml: ([v]) => toYaml(v),
  nindent: ([n, s]) => '\n' + indentLines(Number(n), printed(s)),
  indent: ([n, s]) => indentLines(Number(n), printed(s)),
  b64enc: ([s]) => Buffer.from(printed(s)).toString('base64'),
  replace: ([from, to, s]) => printed(s).split(printed(from)).join(printed(to)),
  trimSuffix: ([suffix, s]) => (printed(s).endsWith(printed(suffix)) ? printed(s).slice(0, -printed(suffix).length) : printed(s)),
  printf: ([format, ...rest]) => {
    let i = 0;
    return printed(format).replace(/%[sdv%]/g, (m) => (m === '%%' ? '%' : printed(rest[i++])));
  },
  eq: ([a, b]) => a === b,
  ne: ([a, b]) => a !== b,
  not: ([a]) => !truthy(a),
  and: (a) => a.reduce((acc, x) => (truthy(acc) ? x : acc), true),
  or: (a) => a.reduce((acc, x) => (truthy(acc) ? acc : x), false),
};

class Evaluator {
  constructor(
    private readonly root: RenderScope,
    private readonly file: string,
  ) {}

  private refuse(action: string): never {
    throw new ConfigError(`${this.file}: template action "${action}" is outside the supported subset`);
  }

  /** Splits a command into words: references, "strings" and numbers. */
  private words(command: string, action: string): string[] {
    const out: string[] = [];
    const re = /\s*("(?:[^"\\]|\\.)*"|[^\s"]+)/gy;
    for (let m = re.exec(command); m !== null; m = re.exec(command)) out.push(m[1]);
    return out;
  }

  private operand(word: string, dot: unknown, action: string): unknown {
    if (word.startsWith('"')) return JSON.parse(word);
    if (/^-?\d+$/.test(word)) return Number(word);
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === '.') return dot;
    if (word === '$') return this.root;
    const m = /^(\$|)((\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(word);
    if (!m) this.refuse(action);
    const start: unknown = m[1] === '$' ? this.root : dot;
    if (m[1] === '' && dot === this.root && !/^\.(Values|Chart|Release)(\.|$)/.test(m[2])) this.refuse(action);
    return m[2].slice(1).split('.').reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined), start);
  }

  /** Evaluates a pipeline `a | f x | g` with `.` bound to dot. */
  pipeline(action: string, dot: unknown): unknown {
    let piped: { value: unknown } | undefined;
    for (const command of action.split(/\|(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((c) => c.trim())) {
      const [head, ...rest] = this.words(command, action);
      if (head === undefined) this.refuse(action);
      const args = rest.map((w) => this.operand(w, dot, action));
      if (piped) args.push(piped.value);
      if (/^[A-Za-z][A-Za-z0-9]*$/.test(head) && !['true', 'false'].includes(head)) {
        const f = FUNCTIONS[head];
        if (f === undefined) this.refuse(action);
        try {
          piped = { value: f(args) };
        } catch (e) {
          if (e instanceof ConfigError) throw new ConfigError(`${this.file}: ${e.message}`);
          throw e;
        }
      } else {
        if (args.length > 0) this.refuse(action);
        piped = { value: this.operand(head, dot, action) };
      }
    }
    return piped!.value;
  }

  emit(nodes: Node[], dot: unknown): string {
    return nodes
      .map((n) => {
        if ('text' in n) return n.text;
        if ('value' in n) return printed(this.pipeline(n.value, dot));
        if ('cond' in n) return this.emit(truthy(this.pipeline(n.cond, dot)) ? n.then : n.otherwise, dot);
        const list = this.pipeline(n.range, dot);
        const items = Array.isArray(list) ? list : typeof list === 'object' && list !== null ? Object.keys(list).sort().map((k) => (list as Record<string, unknown>)[k]) : [];
        return items.map((item) => this.emit(n.body, item)).join('');
      })
      .join('');
  }
}

function parse(template: string, file: string): Node[] {
  const tokens: ({ text: string } | { action: string })[] = [];
  const re = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    let text = template.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] === '-') text = text.replace(/\s+$/, '');
    tokens.push({ text });
    if (!/^\/\*.*\*\/$/s.test(m[2])) tokens.push({ action: m[2] });
    trimNext = m[3] === '-';
    last = re.lastIndex;
  }
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  tokens.push({ text: tail });

  let i = 0;
  // Reads nodes up to an `end` or `else…` at this depth and returns which one ended them.
  const block = (isNested: boolean): { nodes: Node[]; ender: string } => {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const t = tokens[i++];
      if ('text' in t) {
        if (t.text !== '') nodes.push(t);
        continue;
      }
      const a = t.action;
      if (a === 'end' || a === 'else' || a.startsWith('else if ')) {
        if (!isNested) throw new ConfigError(`${file}: "{{ ${a} }}" without a matching "{{ if }}"`);
        return { nodes, ender: a };
      }
      const cond = /^if\s+(.+)$/s.exec(a);
      const range = /^range\s+(.+)$/s.exec(a);
      if (cond) nodes.push(ifChain(cond[1]));
      else if (range) {
        const body = block(true);
        if (body.ender !== 'end') throw new ConfigError(`${file}: "{{ range ${range[1]} }}" has an "{{ ${body.ender} }}"`);
        nodes.push({ range: range[1], body: body.nodes });
      } else nodes.push({ value: a });
    }
    if (isNested) throw new ConfigError(`${file}: "{{ if }}" without "{{ end }}"`);
    return { nodes, ender: '' };
  };
  const ifChain = (cond: string): Node => {
    const then = block(true);
    if (then.ender === 'end') return { cond, then: then.nodes, otherwise: [] };
    if (then.ender === 'else') {
      const otherwise = block(true);
      if (otherwise.ender !== 'end') throw new ConfigError(`${file}: "{{ if ${cond} }}" has two "{{ else }}"`);
      return { cond, then: then.nodes, otherwise: otherwise.nodes };
    }
    return { cond, then: then.nodes, otherwise: [ifChain(then.ender.slice('else if '.length))] };
  };
  return block(false).nodes;
}

export function renderTemplate(template: string, scope: RenderScope, file: string): string {
  const ev = new Evaluator(scope, file);
  return ev.emit(parse(template, file), scope);
}

// The test API server as a process:
//   node dist/test/kube-apiserver/main.js [--port N] [--enforce-rbac] [--token-auth-file F]
// Prints `listening <url>` on stdout once it serves, and stops on SIGTERM or SIGINT. With
// --enforce-rbac, bearer tokens are authorized by the stored RBAC objects and every refusal
// is printed on stderr as `rbac: denied <user> cannot <verb> <resource> …`; the token file
// has kube-apiserver's format, one `token,user[,uid[,"group1,group2"]]` per line.
import { readFileSync } from 'node:fs';
import { createKubeApiServer } from './server.js';

const USAGE = 'usage: main.js [--port N] [--enforce-rbac] [--token-auth-file F]';

function fail(message: string): never {
  process.stderr.write(`kube-apiserver: ${message}\n`);
  process.exit(2);
}

function parsePort(argv: string[]): number {
  const i = argv.indexOf('--port');
  if (i < 0) return 0;
  const v = argv[i + 1];
  const n = Number(v);
  if (!/^\d+$/.test(v ?? '') || n > 65535) fail(`--port must be 0-65535, got ${JSON.stringify(v ?? '')}`);
  return n;
}

function parseTokens(argv: string[]): Record<string, string> {
  const i = argv.indexOf('--token-auth-file');
  if (i < 0) return {};
  const file = argv[i + 1];
  if (file === undefined) fail('--token-auth-file needs a file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(`--token-auth-file ${file}: cannot be read (${(e as Error).message})`);
  }
  const tokens: Record<string, string> = {};
  text.split('\n').forEach((line, n) => {
    if (line.trim() === '') return;
    const [token, user] = line.split(',');
    if (!token || !user) fail(`${file}:${n + 1}: expected "token,user[,uid[,groups]]", got ${JSON.stringify(line)}`);
    tokens[token] = user;
  });
  return tokens;
}

const args = process.argv.slice(2);
const withValue = new Set(['--port', '--token-auth-file']);
const unknown = args.filter((a, i) => a.startsWith('-') && !withValue.has(a) && a !== '--enforce-rbac' && !withValue.has(args[i - 1] ?? ''));
if (unknown.length > 0) fail(`unknown option ${unknown[0]}; ${USAGE}`);
const server = await createKubeApiServer({
  port: parsePort(args),
  enforceRbac: args.includes('--enforce-rbac'),
  tokens: parseTokens(args),
  onDenied: (line) => process.stderr.write(`rbac: denied ${line}\n`),
}).catch((e: Error) => {
  process.stderr.write(`kube-apiserver: cannot listen: ${e.message}\n`);
  process.exit(1);
});
process.stdout.write(`listening ${server.url}\n`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// The test API server as a process: `node dist/test/kube-apiserver/main.js [--port N]`.
// Prints `listening <url>` on stdout once it serves, and stops on SIGTERM or SIGINT.
import { createKubeApiServer } from './server.js';

function parsePort(argv: string[]): number {
  const i = argv.indexOf('--port');
  if (i < 0) return 0;
  const v = argv[i + 1];
  const n = Number(v);
  if (!/^\d+$/.test(v ?? '') || n > 65535) {
    process.stderr.write(`kube-apiserver: --port must be 0-65535, got ${JSON.stringify(v ?? '')}\n`);
    process.exit(2);
  }
  return n;
}

const known = new Set(['--port']);
const unknown = process.argv.slice(2).filter((a, i, all) => a.startsWith('-') && !known.has(a) && !known.has(all[i - 1]));
if (unknown.length > 0) {
  process.stderr.write(`kube-apiserver: unknown option ${unknown[0]}; usage: main.js [--port N]\n`);
  process.exit(2);
}
const server = await createKubeApiServer({ port: parsePort(process.argv.slice(2)) }).catch((e: Error) => {
  process.stderr.write(`kube-apiserver: cannot listen: ${e.message}\n`);
  process.exit(1);
});
process.stdout.write(`listening ${server.url}\n`);
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

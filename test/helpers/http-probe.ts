// Runs HTTP requests against <host>:<port> and prints the answers as JSON: a small program
// for tests that must ask from inside a network namespace (lab.exec), where the test process
// itself cannot connect. Usage: node http-probe.js <port> '<json array of ProbeRequest>' [host]
// (host 127.0.0.1 by default). A refused connection is answered as status 0.
import http from 'node:http';

export interface ProbeRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ProbeReply {
  status: number;
  contentType: string | null;
  body: string;
}

export function probe(port: number, r: ProbeRequest, host = '127.0.0.1'): Promise<ProbeReply> {
  return new Promise((resolve, reject) => {
    const body = r.body ?? '';
    const headers = { ...(r.headers ?? {}), ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) };
    const req = http.request({ host, port, method: r.method, path: r.path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, body: text }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNREFUSED' ? resolve({ status: 0, contentType: null, body: e.code }) : reject(e)));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const requests = JSON.parse(process.argv[3]) as ProbeRequest[];
  const out: ProbeReply[] = [];
  for (const r of requests) out.push(await probe(port, r, process.argv[4] ?? '127.0.0.1'));
  process.stdout.write(JSON.stringify(out));
}

if (process.argv[1]?.endsWith('http-probe.js')) {
  main().catch((e: Error) => {
    process.stderr.write(`http-probe: ${e.message}\n`);
    process.exitCode = 1;
  });
}

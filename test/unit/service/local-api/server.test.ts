// The HTTP server on loopback (ephemeral ports): auth before routing, 1.14.1's headers,
// requests without Host, HEAD, JSONP, body limit, a busy port, and the port free after stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import winston from 'winston';
import { LocalApiServer } from '../../../../src/service/local-api/server.js';
import { PortInUseError } from '../../../../src/util/errors.js';
import { FakeLocalService } from '../../../helpers/fake-local-service.js';

const TOKEN = 'abcdefghijklmnopqrstuvwx';
const silent = winston.createLogger({ silent: true });

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function started(svc = new FakeLocalService()): Promise<{ server: LocalApiServer; port: number; svc: FakeLocalService }> {
  const port = await freePort();
  const server = new LocalApiServer({ port, tokens: { auth: TOKEN }, service: svc, nowMs: () => 1, log: silent });
  await server.start();
  return { server, port, svc };
}

/** Bytes on a raw socket, as zerotier-cli sends them (no Host header); the whole answer. */
function raw(port: number, request: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, host);
    let out = '';
    c.on('data', (d) => {
      out += d;
      // One response is enough: headers plus Content-Length bytes.
      const m = /Content-Length: (\d+)\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/i.exec(out);
      if (m && Buffer.byteLength(m[2]) >= Number(m[1])) c.end();
    });
    c.on('end', () => resolve(out));
    c.on('error', reject);
    c.write(request);
  });
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('401 {} without the token; the request zerotier-cli sends is answered', async () => {
  const { server, port } = await started();
  try {
    const denied = await raw(port, 'GET /status HTTP/1.1\r\n\r\n');
    assert.match(denied, /^HTTP\/1\.1 401 Unauthorized\r\n/);
    assert.match(denied, /\r\nContent-Type: application\/json\r\n/);
    assert.match(denied, /\r\nKeep-Alive: timeout=5, max=5\r\n/);
    assert.ok(denied.endsWith('\r\n\r\n{}'));
    const ok = await raw(port, `GET /status HTTP/1.1\r\nX-ZT1-Auth: ${TOKEN}\r\n\r\n`);
    assert.match(ok, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(ok, /"address":"0123456789"/);
    assert.equal((await get(port, '/peer', { Authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal((await get(port, `/peer?auth=${TOKEN}`)).status, 200);
    assert.equal((await get(port, '/peer', { 'X-ZT1-Auth': 'wrong', Authorization: `Bearer ${TOKEN}` })).status, 401);
    assert.equal((await get(port, '/nope')).status, 401, 'auth comes before routing');
  } finally {
    await server.stop();
  }
});

test('404 without a body or type; HEAD has headers only; JSONP', async () => {
  const { server, port } = await started();
  const auth = { 'X-ZT1-Auth': TOKEN };
  try {
    const nf = await get(port, '/nope', auth);
    assert.equal(nf.status, 404);
    assert.equal(nf.body, '');
    assert.equal(nf.headers['content-type'], undefined);
    assert.equal(nf.headers['content-length'], '0');
    const head = await get(port, '/status', auth, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 100);
    const jsonp = await get(port, '/network?jsonp=cb', auth);
    assert.equal(jsonp.body, 'cb([]);');
    assert.equal(jsonp.headers['content-type'], 'application/javascript');
    assert.equal((await get(port, '/status?jsonp=cb')).body, 'cb({});', '401 under JSONP');
  } finally {
    await server.stop();
  }
});

test('POST /network/<nwid> joins through the server, with its body', async () => {
  const { server, port, svc } = await started();
  try {
    const body = '{"allowDNS":true}';
    const res = await raw(port, `POST /network/55bd869199fbd649 HTTP/1.1\r\nContent-Length: ${body.length}\r\nContent-Type: application/json\r\nX-ZT1-Auth: ${TOKEN}\r\n\r\n${body}`);
    assert.match(res, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(res, /"allowDNS":true/);
    assert.deepEqual(svc.joins, [{ nwid: 0x55bd869199fbd649n, settings: { allowDNS: true } }]);
  } finally {
    await server.stop();
  }
});

test('listens on ::1 too when the host has it', async (t) => {
  const { server, port } = await started();
  try {
    if (!server.listening.some((l) => l.startsWith('::1/'))) return t.skip('no IPv6 on loopback here');
    const res = await raw(port, `GET /status HTTP/1.1\r\nX-ZT1-Auth: ${TOKEN}\r\n\r\n`, '::1');
    assert.match(res, /^HTTP\/1\.1 200 OK\r\n/);
  } finally {
    await server.stop();
  }
});

test('a busy port is a PortInUseError (TCP); stop frees the port, also with a client still connected', async () => {
  const { server, port } = await started();
  const second = new LocalApiServer({ port, tokens: { auth: TOKEN }, service: new FakeLocalService(), nowMs: () => 1, log: silent });
  await assert.rejects(second.start(), (e: unknown) => e instanceof PortInUseError && e.protocol === 'TCP' && e.port === port && /^TCP port \d+ is already in use on 127\.0\.0\.1/.test(e.message));
  // A kept-alive connection must not hold the port after stop.
  const idle = net.connect(port, '127.0.0.1');
  await new Promise((r) => idle.once('connect', r));
  idle.write(`GET /status HTTP/1.1\r\nX-ZT1-Auth: ${TOKEN}\r\n\r\n`);
  await new Promise((r) => idle.once('data', r));
  await server.stop();
  const again = new LocalApiServer({ port, tokens: { auth: TOKEN }, service: new FakeLocalService(), nowMs: () => 1, log: silent, hosts: ['127.0.0.1'] });
  await again.start();
  await again.stop();
  idle.destroy();
});

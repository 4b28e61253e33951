// `ztkube tcp-relay` and the daemon's TCP fallback flags as an operator meets them: a bad
// --listen, a port in use and contradictory flags end in one sentence and an exit code; the
// relay runs until SIGTERM and stops cleanly. Loopback only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { waitFor } from '../helpers/netns.js';
import { exited } from '../helpers/daemon-process.js';

const bin = join(repoRoot, 'bin', 'ztkube');
const env = { ...process.env, ZTKUBE_SAFETY: 'test' };
const children: ChildProcess[] = [];
const servers: net.Server[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of servers) s.close();
});

function run(args: string[]): { code: number | null; err: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 20_000, env });
  return { code: r.status, err: String(r.stderr) };
}

function assertOneLine(r: { code: number | null; err: string }, code: number, re: RegExp): void {
  assert.equal(r.code, code, r.err);
  assert.equal(r.err.split('\n').length, 2, `one line, got:\n${r.err}`);
  assert.match(r.err, re);
}

async function busyPort(): Promise<number> {
  const s = net.createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as net.AddressInfo).port;
}

test('tcp-relay: a bad --listen is refused naming the flag', () => {
  for (const bad of ['443', '0.0.0.0', 'localhost:443', '1.2.3.4:0', '1.2.3.4:70000', '::1:443', '300.1.1.1:443']) {
    assertOneLine(run(['tcp-relay', '--listen', bad]), 2, new RegExp(`^ztkube: --listen must be ADDR:PORT with a port of 1-65535 \\(e\\.g\\. 0\\.0\\.0\\.0:443 or \\[::\\]:443\\), got "${bad.replace(/[.[\]]/g, '\\$&')}"\\n$`));
  }
});

test('tcp-relay: a port in use is one sentence and exit 1', async () => {
  const port = await busyPort();
  assertOneLine(run(['tcp-relay', '--listen', `127.0.0.1:${port}`]), 1, new RegExp(`^ztkube: TCP 127\\.0\\.0\\.1 port ${port} is already in use \\(EADDRINUSE\\): stop what listens there or give another --listen\\n$`));
});

test('tcp-relay: runs, accepts a node, and stops on SIGTERM with exit 0', async () => {
  const port = await busyPort();
  servers.pop()!.close(); // a port that was free a moment ago
  await new Promise((r) => setTimeout(r, 50));
  const child = spawn(bin, ['tcp-relay', '--listen', `127.0.0.1:${port}`, '--log-format', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  await waitFor('the relay to listen', () => log.includes('"message":"tcp relay listening"'), 10_000, 50);
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write(Uint8Array.of(0x17, 3, 3, 0, 4, 1, 14, 0, 1));
  await waitFor('the relay to log the client', () => log.includes('"message":"relay client connected"'), 10_000, 50);
  s.destroy();
  child.kill('SIGTERM');
  assert.equal(await exited(child), 0, log);
  assert.match(log, /"message":"tcp relay stopped"/);
});

test('daemon: a bad --tcp-fallback-relay and contradictory relay flags are refused', () => {
  assertOneLine(run(['daemon', '--home', '/nonexistent-ztkube-home', '--tcp-fallback-relay', '204.80.128.1:443']), 2, /^ztkube: --tcp-fallback-relay must be IP\/port \(e\.g\. 204\.80\.128\.1\/443\), got "204\.80\.128\.1:443"\n$/);
  assertOneLine(run(['daemon', '--home', '/nonexistent-ztkube-home', '--force-tcp-relay', '--no-allow-tcp-fallback-relay']), 2, /^ztkube: --force-tcp-relay needs the TCP relay, which --no-allow-tcp-fallback-relay turns off: give one of them\n$/);
});

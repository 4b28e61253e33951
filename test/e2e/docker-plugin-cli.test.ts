// `ztkube docker-plugin` and `ztkube daemon --docker-plugin` as processes on loopback (no
// TAPs, no dockerd): a bad socket path is one sentence and exit 2; the daemon answers the
// plugin protocol on its socket, refuses a socket another plugin holds, and removes its own
// socket when it stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { request } from 'node:http';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { waitFor } from '../helpers/netns.js';
import { makeHomes } from '../helpers/zt-homes.js';
import { exited } from '../helpers/daemon-process.js';

const bin = join(repoRoot, 'bin', 'ztkube');
let work = '';
const children: ChildProcess[] = [];

before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-dockercli-${process.pid}-`));
  chmodSync(work, 0o755);
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function run(args: string[]): { code: number | null; err: string } {
  const r = spawnSync(bin, args, { cwd: work, encoding: 'utf8', timeout: 20_000, env: { ...process.env, ZTKUBE_SAFETY: 'test' } });
  return { code: r.status, err: String(r.stderr) };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function post(socketPath: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST' }, (res) => {
      let t = '';
      res.on('data', (d) => (t += d));
      res.on('end', () => resolve(JSON.parse(t)));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a bad --docker-plugin-socket is one sentence and exit 2', () => {
  const r = run(['docker-plugin', '--home', join(work, 'x'), '--docker-plugin-socket', 'plugins/ztkube.sock']);
  assert.equal(r.code, 2, r.err);
  assert.equal(r.err, 'ztkube: --docker-plugin-socket must be an absolute path ending in .sock, got "plugins/ztkube.sock"\n');
});

test('ztkube docker-plugin serves the plugin protocol; a second one on the same socket is refused; the socket goes at stop', async () => {
  const root = dgram.createSocket('udp4');
  await new Promise<void>((r) => root.bind(0, '127.0.0.1', r));
  const homes = makeHomes(join(work, 'nodes'), ['root', 'a', 'b'], 'root', `127.0.0.1/${root.address().port}`);
  const sock = join(work, 'plugins', 'ztkube.sock');
  try {
    const p = startPluginCommand(homes.home('a'), await freePort(), sock);
    await waitFor('the plugin socket', () => existsSync(sock), 20_000);
    assert.deepEqual(await post(sock, '/Plugin.Activate'), { Implements: ['NetworkDriver', 'IpamDriver'] });
    assert.deepEqual(await post(sock, '/NetworkDriver.GetCapabilities'), { Scope: 'local', ConnectivityScope: 'global' });
    const second = run(['daemon', '--home', homes.home('b'), '--port', String(await freePort()), '--bind', '127.0.0.1', '--no-allow-secondary-port', '--no-taps', '--docker-plugin', '--docker-plugin-socket', sock, '--log-level', 'error']);
    assert.equal(second.code, 1, second.err);
    assert.equal(second.err, `ztkube: ${sock}: another Docker plugin is listening there; stop it or choose another --docker-plugin-socket\n`);
    p.kill('SIGTERM');
    assert.equal(await exited(p), 0);
    assert.ok(!existsSync(sock), 'the socket removed at stop');
  } finally {
    root.close();
  }
});

/** `ztkube docker-plugin …` as a child (ended by PID in `after` if the test does not). */
function startPluginCommand(home: string, port: number, sock: string): ChildProcess {
  const c = spawn(bin, ['docker-plugin', '--home', home, '--port', String(port), '--bind', '127.0.0.1', '--no-allow-secondary-port', '--no-taps', '--docker-plugin-socket', sock, '--log-format', 'json'], {
    env: { ...process.env, ZTKUBE_SAFETY: 'test' },
    stdio: 'ignore',
  });
  children.push(c);
  return c;
}

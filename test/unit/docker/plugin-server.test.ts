// The plugin's socket and protocol (07 §3.2–3.3) over a real Unix socket: Activate, the
// content type, errors in each interface's own field, 404 for methods we do not implement,
// one sentence for a bug, and the socket file: a stale one replaced, a live one or another
// kind of file left alone, removed on stop. Also the state file in the home.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpamDriver } from '../../../src/docker/ipam-driver.js';
import { NetworkDriver } from '../../../src/docker/network-driver.js';
import { PluginRouter, PLUGIN_CONTENT_TYPE } from '../../../src/docker/plugin-router.js';
import { PluginServer } from '../../../src/docker/plugin-server.js';
import { DockerStateFile } from '../../../src/docker/docker-state-file.js';
import { MemoryStateStore } from '../../../src/docker/plugin-state.js';
import { StateError } from '../../../src/util/errors.js';
import { FakeLinks, FakeZeroTier } from '../../helpers/docker-fakes.js';

const dir = mkdtempSync(join(tmpdir(), `ztkube-plugin-${process.pid}-`));
after(() => rmSync(dir, { recursive: true, force: true }));

function router(bugs: string[] = [], calls: string[] = []): PluginRouter {
  const store = new MemoryStateStore();
  const state = store.load();
  const zt = new FakeZeroTier();
  // A ZeroTier side that breaks: what a bug looks like to the router.
  zt.join = () => {
    throw new Error('engine exploded');
  };
  const network = new NetworkDriver({ store, state, zerotier: zt, links: new FakeLinks(), delay: async () => undefined, random: (n) => new Uint8Array(n) });
  return new PluginRouter({ network, ipam: new IpamDriver(store, state), onBug: (m) => bugs.push(m), onCall: (m, refusal) => calls.push(`${m}${refusal === null ? '' : ` refused: ${refusal}`}`) });
}

function post(socketPath: string, path: string, body: string, method = 'POST'): Promise<{ status: number; type: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method, headers: { Accept: PLUGIN_CONTENT_TYPE } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('over the socket: Activate, capabilities with an empty body, errors in Err / Error, 404, 405, one sentence for a bug', async () => {
  const sock = join(dir, 'a', 'ztkube.sock');
  const bugs: string[] = [];
  const calls: string[] = [];
  const server = new PluginServer(sock, router(bugs, calls));
  await server.start();
  try {
    const a = await post(sock, '/Plugin.Activate', '');
    assert.deepEqual(a, { status: 200, type: PLUGIN_CONTENT_TYPE, json: { Implements: ['NetworkDriver', 'IpamDriver'] } });
    assert.deepEqual((await post(sock, '/NetworkDriver.GetCapabilities', 'null')).json, { Scope: 'local', ConnectivityScope: 'global' });
    assert.deepEqual((await post(sock, '/IpamDriver.GetCapabilities', '{}')).json, { RequiresMACAddress: false, RequiresRequestReplay: false });
    const ipamErr = await post(sock, '/IpamDriver.RequestPool', JSON.stringify({ AddressSpace: 'x', Pool: '', SubPool: '10.0.0.0/26', Options: {}, V6: false }));
    assert.equal(ipamErr.status, 200);
    assert.deepEqual(ipamErr.json, { Error: '--ip-range needs --subnet' });
    const netErr = await post(sock, '/NetworkDriver.CreateEndpoint', JSON.stringify({ NetworkID: 'n', EndpointID: 'e', Interface: {} }));
    assert.deepEqual(netErr.json, { Err: 'CreateEndpoint: n is not a ztkube network on this host' });
    assert.deepEqual((await post(sock, '/NetworkDriver.Join', '{not json')).json, { Err: 'NetworkDriver.Join: the request body is not JSON' });
    const unknown = await post(sock, '/NetworkDriver.AllocateNetwork', '{}');
    assert.equal(unknown.status, 404);
    assert.equal((await post(sock, '/Plugin.Activate', '', 'GET')).status, 405);
    const bug = await post(sock, '/NetworkDriver.CreateNetwork', JSON.stringify({ NetworkID: 'n', Options: { 'com.docker.network.generic': { 'ztkube.network': '8056c2e21c000001' } } }));
    assert.deepEqual(bug.json, { Err: 'ztkube failed on NetworkDriver.CreateNetwork: engine exploded' });
    assert.deepEqual(bugs, ['NetworkDriver.CreateNetwork']);
    assert.deepEqual(calls.slice(0, 4), ['Plugin.Activate', 'NetworkDriver.GetCapabilities', 'IpamDriver.GetCapabilities', 'IpamDriver.RequestPool refused: --ip-range needs --subnet']);
    // Idempotent deletes for things never made.
    for (const m of ['NetworkDriver.DeleteNetwork', 'NetworkDriver.DeleteEndpoint', 'NetworkDriver.Leave']) assert.deepEqual((await post(sock, `/${m}`, JSON.stringify({ NetworkID: 'n', EndpointID: 'e' }))).json, {});
    assert.deepEqual((await post(sock, '/IpamDriver.ReleasePool', JSON.stringify({ PoolID: 'gone' }))).json, {});
  } finally {
    await server.stop();
  }
  assert.ok(!existsSync(sock), 'the socket is removed on stop');
});

test('the socket file: a stale one is replaced; a live socket or a regular file is left alone with one sentence', async () => {
  const stale = join(dir, 'stale.sock');
  const held = createServer();
  await new Promise<void>((r) => held.listen(stale, () => r()));
  await assert.rejects(new PluginServer(stale, router()).start(), (e: unknown) => e instanceof StateError && e.message === `${stale}: another Docker plugin is listening there; stop it or choose another --docker-plugin-socket`);
  // A killed plugin leaves its socket file behind.
  await new Promise<void>((r) => held.close(() => r()));
  spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.ok(statSync(stale).isSocket(), 'a stale socket file');
  const s = new PluginServer(stale, router());
  await s.start();
  assert.equal((await post(stale, '/Plugin.Activate', '')).status, 200);
  await s.stop();
  const file = join(dir, 'regular.sock');
  writeFileSync(file, 'mine');
  await assert.rejects(new PluginServer(file, router()).start(), (e: unknown) => e instanceof StateError && e.message === `${file}: exists and is not a socket; move it away or choose another --docker-plugin-socket`);
  assert.equal(readFileSync(file, 'utf8'), 'mine', 'untouched');
});

test('the state file: round trip, mode 0600, a damaged file is one sentence', () => {
  const home = join(dir, 'home');
  const f = new DockerStateFile(home);
  assert.deepEqual(f.load(), { version: 1, pools: {}, networks: {}, endpoints: {} });
  const s = f.load();
  s.pools.p = { id: 'p', family: 4, pool: '10.0.0.0/24', range: '10.0.0.0/24', gateway: '10.0.0.1', allocated: ['10.0.0.2'], refs: 1 };
  f.save(s);
  assert.deepEqual(new DockerStateFile(home).load(), s);
  assert.equal(statSync(f.path).mode & 0o777, 0o600);
  writeFileSync(f.path, '{"version":1');
  assert.throws(() => f.load(), (e: unknown) => e instanceof StateError && e.message.startsWith(`${f.path}: not readable JSON (`) && e.message.endsWith('); move it away to start the Docker plugin afresh'));
  writeFileSync(f.path, '{"version":2}');
  assert.throws(() => f.load(), /not a ztkube Docker plugin state/);
});

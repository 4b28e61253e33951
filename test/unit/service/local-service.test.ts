// EngineLocalService over a stub engine and a fake network port: the service's
// side of joining (settings file, TAP name) and of status and peers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineLocalService } from '../../../src/service/local-service.js';
import { NetworkLocalConfStore } from '../../../src/service/network-local-conf.js';
import type { NetworkPort, NetworkPortsView } from '../../../src/service/local-service.js';
import type { NetworkSettings } from '../../../src/service/local-api/service-port.js';
import type { VirtualNetworkConfig } from '../../../src/node/virtual-network.js';
import { macForMember } from '../../../src/protocol/member-mac.js';
import type { Engine } from '../../../src/service/engine.js';
import { parseInetAddress } from '../../../src/protocol/inet-address.js';
import { testIdentity } from '../../sim/zt-net.js';

const identity = testIdentity('local-service');
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), `ztkube-ls-${process.pid}-`));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Joined networks as a fresh join shows them, before any controller answer. */
class FakeNetworkPort implements NetworkPort {
  private readonly joined = new Map<bigint, VirtualNetworkConfig>();
  join(nwid: bigint): void {
    if (!this.joined.has(nwid)) {
      this.joined.set(nwid, {
        nwid, mac: macForMember(nwid, identity.address), name: '', status: 'REQUESTING_CONFIGURATION', type: 'PRIVATE', mtu: 2800,
        isBridgeAllowed: false, isBroadcastEnabled: false, portError: 0, netconfRevision: 0, assignedAddresses: [], routes: [], dns: null, multicastLimit: 0, multicastSubscriptions: [], authenticationUrl: '',
      });
    }
  }
  leave(nwid: bigint): boolean {
    return this.joined.delete(nwid);
  }
  list(): VirtualNetworkConfig[] {
    return [...this.joined.values()].sort((a, b) => (a.nwid < b.nwid ? -1 : 1));
  }
}

function stubEngine(): Engine {
  const node = {
    address: identity.address,
    identity,
    status: () => ({ address: identity.address, isOnline: true, isRoot: false, planet: { id: 7n, timestamp: 8n }, moons: [], surfaceAddresses: [parseInetAddress('192.0.2.1/9993')!], cachedPeers: 0, drops: {}, receivedTotal: 0, sentTotal: 0, ignoredTotal: 0 }),
    peerInfo: () => [{ address: 0x62f865ae71, latencyMs: 5, paths: [], role: 'PLANET', version: { protocol: 12, major: 1, minor: 14, revision: 1 } }],
  };
  return { node, now: () => 1_700_000_000_000 } as unknown as Engine;
}

function service(home: string): EngineLocalService {
  const engine = stubEngine();
  return new EngineLocalService({
    engine,
    networks: new FakeNetworkPort(),
    localConfs: new NetworkLocalConfStore(home),
    homeDir: home,
    metrics: () => '',
    primaryPort: 9993,
    secondaryPort: () => 0,
    listeningOn: () => [parseInetAddress('127.0.0.1/9993')!],
  });
}

test('status and peers come from the running node', () => {
  const svc = service(dir);
  const st = svc.status();
  assert.equal(st.publicIdentity, identity.toString(false));
  assert.equal(st.isOnline, true);
  assert.deepEqual(st.planet, { id: 7n, timestamp: 8n });
  assert.equal(st.primaryPort, 9993);
  assert.equal(st.listeningOn.length, 1);
  assert.deepEqual(svc.peers().map((p) => [p.address, p.isTunneled]), [[0x62f865ae71, false]]);
});

test('join saves the settings file every time, merges changes, lists sorted; leave removes the file', () => {
  const home = mkdtempSync(join(dir, 'h'));
  const svc = service(home);
  const conf = (n: string): string => join(home, 'networks.d', `${n}.local.conf`);
  const v = svc.join(0x8056c2e21c000001n, {});
  assert.equal(v.status, 'REQUESTING_CONFIGURATION');
  assert.equal(v.portDeviceName, 'ztmjfmfyq5', '06 §8.1 example');
  assert.deepEqual(v.settings, { allowManaged: true, allowGlobal: false, allowDefault: false, allowDNS: false });
  assert.equal(readFileSync(conf('8056c2e21c000001'), 'utf8'), 'allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=0\n');
  svc.join(0x8056c2e21c000001n, { allowDNS: true });
  assert.equal(svc.join(0x8056c2e21c000001n, { allowGlobal: true }).settings.allowDNS, true, 'earlier changes stay');
  assert.equal(readFileSync(conf('8056c2e21c000001'), 'utf8'), 'allowManaged=1\nallowGlobal=1\nallowDefault=0\nallowDNS=1\n');
  svc.join(0x15b70a629d1379c5n, {});
  assert.deepEqual(svc.networks().map((n) => n.nwid), [0x15b70a629d1379c5n, 0x8056c2e21c000001n]);
  assert.equal(svc.network(0x1n), undefined);
  assert.equal(svc.leave(0x8056c2e21c000001n), true);
  assert.equal(existsSync(conf('8056c2e21c000001')), false);
  assert.equal(svc.leave(0x8056c2e21c000001n), false);
  assert.deepEqual(svc.networks().map((n) => n.nwid), [0x15b70a629d1379c5n]);
});

test('settings saved before (or by hand) are read when the network is joined', () => {
  const home = mkdtempSync(join(dir, 'h'));
  mkdirSync(join(home, 'networks.d'));
  writeFileSync(join(home, 'networks.d', '15b70a629d1379c5.local.conf'), 'allowManaged=0\nallowDefault=1\n');
  const v = service(home).join(0x15b70a629d1379c5n, {});
  assert.deepEqual(v.settings, { allowManaged: false, allowGlobal: false, allowDefault: true, allowDNS: false });
});

test('with network ports: the device name and the settings are the port’s, and a POST re-syncs it', () => {
  const home = mkdtempSync(join(dir, 'h'));
  const calls: string[] = [];
  const portSettings = new Map<bigint, NetworkSettings>();
  const ports: NetworkPortsView = {
    settings: (nwid) => portSettings.get(nwid),
    updateSettings: (nwid, s) => {
      calls.push(`${nwid.toString(16)} managed=${s.allowManaged} default=${s.allowDefault}`);
      portSettings.set(nwid, s);
    },
    deviceName: () => 'ztmjfmfyq6',
  };
  const svc = new EngineLocalService({ engine: stubEngine(), networks: new FakeNetworkPort(), localConfs: new NetworkLocalConfStore(home), homeDir: home, primaryPort: 9993, secondaryPort: () => 0, listeningOn: () => [], ports, metrics: () => '' });
  // The port read its settings when the network came up (here: a whitelist kept in memory only).
  portSettings.set(0x8056c2e21c000001n, { allowManaged: true, allowGlobal: false, allowDefault: false, allowDNS: false });
  const v = svc.join(0x8056c2e21c000001n, { allowDefault: true });
  assert.equal(v.portDeviceName, 'ztmjfmfyq6', 'the TAP’s own name (a collision took the next trial)');
  assert.deepEqual(v.multicastSubscriptions, [], 'the node’s list (the port feeds it)');
  assert.equal(v.settings.allowDefault, true);
  assert.deepEqual(calls, ['8056c2e21c000001 managed=true default=true']);
});

// The remote IPAM driver against the request bodies dockerd 20.10 sent (vectors/07/README.md):
// pools from a per-host range, gateway and container addresses, releases (also of things
// already gone), never the same address twice, exhaustion and bad options as one sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpamDriver, UNCHECKED_POOL } from '../../../src/docker/ipam-driver.js';
import { emptyState, MemoryStateStore } from '../../../src/docker/plugin-state.js';
import { PluginError } from '../../../src/docker/plugin-error.js';

function ipam(): { d: IpamDriver; store: MemoryStateStore } {
  const store = new MemoryStateStore();
  return { d: new IpamDriver(store, store.load()), store };
}

/** Observed: RequestPool without --subnet / --ipam-opt. */
const OBSERVED_POOL = { AddressSpace: 'ztkube-local', Pool: '', SubPool: '', Options: {}, V6: false };
const withRange = (range: string): object => ({ ...OBSERVED_POOL, Options: { 'ztkube.range': range } });
const GATEWAY = { RequestAddressType: 'com.docker.network.gateway' };

function refuses(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof PluginError && e.code === code && message.test(e.message));
}

test('capabilities and address spaces', () => {
  const { d } = ipam();
  assert.deepEqual(d.getCapabilities(), { RequiresMACAddress: false, RequiresRequestReplay: false });
  assert.deepEqual(d.getDefaultAddressSpaces(), { LocalDefaultAddressSpace: 'ztkube-local', GlobalDefaultAddressSpace: 'ztkube-global' });
});

test('the observed sequence with --ipam-opt ztkube.range: pool, gateway, a container address, releases', () => {
  const { d, store } = ipam();
  const pool = d.requestPool(withRange('10.147.17.128/26'));
  // dockerd is told 0.0.0.0/0 (it re-asks forever for a pool overlapping a host route).
  assert.equal(pool.Pool, UNCHECKED_POOL);
  const id = pool.PoolID as string;
  assert.deepEqual(d.requestAddress({ PoolID: id, Address: '', Options: GATEWAY }), { Address: '10.147.17.129/26', Data: {} });
  assert.deepEqual(d.requestAddress({ PoolID: id, Address: '', Options: null }), { Address: '10.147.17.130/26', Data: {} });
  assert.deepEqual(d.requestAddress({ PoolID: id, Address: '', Options: null }), { Address: '10.147.17.131/26', Data: {} });
  assert.deepEqual(d.releaseAddress({ PoolID: id, Address: '10.147.17.130' }), {}); // no prefix length, as observed
  assert.deepEqual(d.requestAddress({ PoolID: id, Address: '', Options: null }), { Address: '10.147.17.130/26', Data: {} }, 'a released address is handed out again');
  assert.deepEqual(d.releaseAddress({ PoolID: id, Address: '10.147.17.129' }), {}); // the gateway, at network rm
  assert.deepEqual(d.releasePool({ PoolID: id }), {});
  assert.deepEqual(store.load().pools, {});
  // Already gone: still fine (dockerd repeats after a plugin restart).
  assert.deepEqual(d.releaseAddress({ PoolID: id, Address: '10.147.17.131' }), {});
  assert.deepEqual(d.releasePool({ PoolID: id }), {});
});

test('with --subnet (observed "Pool":"10.147.17.0/24") the pool is shown and --ip must lie in this host’s range', () => {
  const { d } = ipam();
  const pool = d.requestPool({ ...OBSERVED_POOL, Pool: '10.147.17.0/24', Options: { 'ztkube.range': '10.147.17.48/28' } });
  assert.equal(pool.Pool, '10.147.17.0/24');
  const id = pool.PoolID as string;
  assert.deepEqual(d.requestAddress({ PoolID: id, Address: '', Options: GATEWAY }), { Address: '10.147.17.48/24', Data: {} });
  assert.deepEqual(d.requestAddress({ PoolID: id, Address: '10.147.17.50', Options: null }), { Address: '10.147.17.50/24', Data: {} });
  refuses(() => d.requestAddress({ PoolID: id, Address: '10.147.17.50', Options: null }), 'docker_exhausted', /^the address 10\.147\.17\.50 is already in use on this ztkube network$/);
  refuses(() => d.requestAddress({ PoolID: id, Address: '10.147.17.10', Options: null }), 'docker_bad_request', /^--ip 10\.147\.17\.10 is outside this host's range 10\.147\.17\.48\/28$/);
  assert.deepEqual(d.requestAddress({ PoolID: id, Address: '', Options: null }), { Address: '10.147.17.49/24', Data: {} });
  // --subnet alone: the whole subnet, without its network and broadcast addresses.
  const whole = d.requestPool({ ...OBSERVED_POOL, Pool: '10.148.0.0/30' });
  assert.deepEqual(d.requestAddress({ PoolID: whole.PoolID, Address: '', Options: GATEWAY }), { Address: '10.148.0.1/30', Data: {} });
  assert.deepEqual(d.requestAddress({ PoolID: whole.PoolID, Address: '', Options: null }), { Address: '10.148.0.2/30', Data: {} });
  refuses(() => d.requestAddress({ PoolID: whole.PoolID, Address: '', Options: null }), 'docker_exhausted', /^no free address is left in this host's range 10\.148\.0\.0\/30 \(2 in use, gateway included\)$/);
});

test('identical requests share one pool (refcounted); an overlapping range is refused', () => {
  const { d } = ipam();
  const a = d.requestPool(withRange('10.147.17.128/26'));
  const b = d.requestPool(withRange('10.147.17.128/26'));
  assert.equal(a.PoolID, b.PoolID);
  refuses(() => d.requestPool(withRange('10.147.17.160/27')), 'docker_bad_request', /^the range 10\.147\.17\.160\/27 overlaps 10\.147\.17\.128\/26, which another ztkube network on this host uses$/);
  d.releasePool({ PoolID: a.PoolID });
  assert.ok(d.requestAddress({ PoolID: a.PoolID, Address: '', Options: null }), 'still held once');
  d.releasePool({ PoolID: a.PoolID });
  refuses(() => d.requestAddress({ PoolID: a.PoolID, Address: '', Options: null }), 'docker_not_found', /no ztkube address pool/);
});

test('without a range: a pending pool whose gateway is a placeholder, one per pool; no container address before CreateNetwork binds it', () => {
  const { d, store } = ipam();
  const a = d.requestPool(OBSERVED_POOL);
  const b = d.requestPool(OBSERVED_POOL);
  assert.deepEqual(a, { PoolID: 'ztkube-v4-auto-1', Pool: UNCHECKED_POOL, Data: {} });
  assert.equal(b.PoolID, 'ztkube-v4-auto-2');
  assert.deepEqual(d.requestAddress({ PoolID: a.PoolID, Address: '', Options: GATEWAY }), { Address: '0.0.0.1/8', Data: {} });
  assert.deepEqual(d.requestAddress({ PoolID: b.PoolID, Address: '', Options: GATEWAY }), { Address: '0.0.0.2/8', Data: {} });
  refuses(() => d.requestAddress({ PoolID: a.PoolID, Address: '', Options: null }), 'docker_not_found', /^the ztkube address pool ztkube-v4-auto-1 has no range yet/);
  refuses(() => d.requestAddress({ PoolID: b.PoolID, Address: '10.0.0.1', Options: GATEWAY }), 'docker_bad_request', /^--gateway needs --subnet/);
  // Bound (as CreateNetwork does): addresses from the range with the LAN's prefix length.
  const state = store.load();
  Object.assign(state.pools[a.PoolID as string], { range: '10.147.17.224/27', pool: '10.147.17.0/24', addressBits: 24 });
  const bound = new IpamDriver(store, state);
  assert.deepEqual(bound.requestAddress({ PoolID: a.PoolID, Address: '', Options: null }), { Address: '10.147.17.224/24', Data: {} });
  bound.releasePool({ PoolID: a.PoolID });
  assert.equal(bound.requestPool(OBSERVED_POOL).PoolID, 'ztkube-v4-auto-1', 'the id is free again');
});

test('never the same address twice, also across a restart (state from the store)', () => {
  const { d, store } = ipam();
  const id = d.requestPool(withRange('10.147.17.0/28')).PoolID;
  const seen = new Set<string>();
  for (let i = 0; i < 7; i++) seen.add(d.requestAddress({ PoolID: id, Address: '', Options: null }).Address as string);
  const again = new IpamDriver(store, store.load());
  for (let i = 0; i < 7; i++) seen.add(again.requestAddress({ PoolID: id, Address: '', Options: null }).Address as string);
  assert.equal(seen.size, 14, [...seen].join(' '));
  refuses(() => again.requestAddress({ PoolID: id, Address: '', Options: null }), 'docker_exhausted', /no free address is left in this host's range 10\.147\.17\.0\/28/);
});

test('bad requests and options are one sentence naming the option', () => {
  const { d } = ipam();
  refuses(() => d.requestPool({ ...OBSERVED_POOL, V6: true }), 'docker_bad_request', /needs --subnet for an IPv6 pool/);
  refuses(() => d.requestPool(withRange('10.147.17.128')), 'docker_bad_request', /^--ipam-opt ztkube\.range must be an IPv4 CIDR like 10\.147\.17\.128\/26, got "10\.147\.17\.128"$/);
  refuses(() => d.requestPool(withRange('10.147.17.128/32')), 'docker_bad_request', /^the range 10\.147\.17\.128\/32 is too small: it needs room for a gateway and at least one container$/);
  refuses(() => d.requestPool({ ...OBSERVED_POOL, Options: { 'ztkube.rnage': '10.0.0.0/24' } }), 'docker_bad_request', /^--ipam-opt ztkube\.rnage is not an option of the ztkube IPAM driver/);
  refuses(() => d.requestPool({ ...OBSERVED_POOL, SubPool: '10.0.0.0/26' }), 'docker_bad_request', /^--ip-range needs --subnet$/);
  refuses(() => d.requestPool({ ...OBSERVED_POOL, Pool: '10.0.0.0/24', Options: { 'ztkube.range': '10.1.0.0/26' } }), 'docker_bad_request', /^the range 10\.1\.0\.0\/26 is not inside --subnet 10\.0\.0\.0\/24$/);
  refuses(() => d.requestPool({ ...OBSERVED_POOL, AddressSpace: 7 }), 'docker_bad_request', /^RequestPool: AddressSpace must be a non-empty string, got 7$/);
  refuses(() => d.requestPool([1]), 'docker_bad_request', /^RequestPool: the request body must be a JSON object$/);
  const id = d.requestPool(withRange('10.147.17.128/26')).PoolID;
  refuses(() => d.requestAddress({ PoolID: id, Address: 'fd00::1', Options: null }), 'docker_bad_request', /^--ip must be an IPv4 address, got "fd00::1"$/);
  refuses(() => d.releaseAddress({ PoolID: id, Address: 'x' }), 'docker_bad_request', /^ReleaseAddress: Address must be an IP address, got "x"$/);
  assert.deepEqual(emptyState().pools, {});
});

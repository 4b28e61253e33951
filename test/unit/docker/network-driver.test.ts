// The remote network driver with fakes of the engine and the host links, against the bodies
// dockerd 20.10 sent (vectors/07/README.md): CreateNetwork joining and checking the ZeroTier
// network, endpoints with their MACs and 6PLANE addresses, Join's answer, deletes of things
// already gone, and a restart from the saved state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkDriver, bridgeName, hostEnd, peerEnd } from '../../../src/docker/network-driver.js';
import { MemoryStateStore } from '../../../src/docker/plugin-state.js';
import { IpamDriver } from '../../../src/docker/ipam-driver.js';
import { PluginError } from '../../../src/docker/plugin-error.js';
import { firstOctetForNetwork } from '../../../src/protocol/member-mac.js';
import { FakeLinks, FakeZeroTier, route, ztConfig } from '../../helpers/docker-fakes.js';

const NWID = 0x8056c2e21c000001n;
const NID = '5f3a'.padEnd(64, '1');
const EID = '9c1e'.padEnd(64, '2');
const EID2 = '7a0b'.padEnd(64, '3');

interface Rig {
  d: NetworkDriver;
  zt: FakeZeroTier;
  links: FakeLinks;
  store: MemoryStateStore;
}

function rig(store = new MemoryStateStore(), zt = new FakeZeroTier(), links = new FakeLinks()): Rig {
  let n = 0;
  const d = new NetworkDriver({
    store, state: store.load(), zerotier: zt, links, configWaitMs: 1000,
    delay: async () => undefined,
    random: (k) => Uint8Array.from({ length: k }, () => (n = (n * 73 + 41) & 0xff)),
  });
  return { d, zt, links, store };
}

/** The observed CreateNetwork body, with our option instead of the stand-in's. */
function createBody(generic: Record<string, string>, networkId = NID): object {
  return {
    NetworkID: networkId,
    Options: { 'com.docker.network.enable_ipv6': false, 'com.docker.network.generic': generic },
    IPv4Data: [{ AddressSpace: 'ztkube-local', Gateway: '10.147.17.129/26', Pool: '0.0.0.0/0' }],
    IPv6Data: [],
  };
}

/** The observed CreateEndpoint body (with --mac-address). */
const OBSERVED_ENDPOINT = {
  NetworkID: NID, EndpointID: EID,
  Interface: { Address: '10.147.17.50/24', AddressIPv6: '', MacAddress: '02:00:00:00:00:50' },
  Options: { 'com.docker.network.endpoint.exposedports': [], 'com.docker.network.endpoint.macaddress': 'AgAAAABQ', 'com.docker.network.portmap': [] },
};

/** The same with a MAC this network allows (02:… is its member prefix: see the refusal below). */
const ENDPOINT = { ...OBSERVED_ENDPOINT, Interface: { ...OBSERVED_ENDPOINT.Interface, MacAddress: '0e:00:00:00:00:50' } };

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof PluginError && e.code === code && message.test(e.message));
}

test('capabilities: local scope, global connectivity', () => {
  assert.deepEqual(rig().d.getCapabilities(), { Scope: 'local', ConnectivityScope: 'global' });
});

test('CreateNetwork joins the ZeroTier network, puts its TAP on a bridge and the host’s addresses on that bridge', async () => {
  const r = rig();
  assert.deepEqual(await r.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' })), {});
  const bridge = bridgeName(NWID);
  assert.match(bridge, /^ztb[0-9a-f]{12}$/);
  assert.deepEqual(r.zt.calls, ['join 8056c2e21c000001']);
  assert.deepEqual(r.links.calls, [`bridge ${bridge} ${r.zt.tapName(NWID)} 2800`]);
  assert.equal(r.zt.addressDevices.get(NWID), bridge);
  assert.deepEqual(r.store.load().networks[NID], { networkId: NID, nwid: '8056c2e21c000001', mode: 'bridge', mtu: 2800, ifPrefix: 'eth', isJoinedByPlugin: true });
});

test('CreateNetwork refusals are one sentence, and a network the plugin joined is left again', async () => {
  // The observed body carried the stand-in's own key: ours is missing.
  await rejects(rig().d.createNetwork(createBody({ 'zt.network': '8056c2e21c000001' })), 'docker_bad_request', /^the ztkube network driver needs -o ztkube\.network=<ZeroTier network ID>$/);
  const nf = rig();
  nf.zt.onJoin = (n) => ztConfig(n, { status: 'NOT_FOUND' });
  await rejects(nf.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' })), 'docker_zerotier', /^ZeroTier network 8056c2e21c000001 does not exist: its controller does not know it$/);
  assert.deepEqual(nf.zt.calls, ['join 8056c2e21c000001', 'leave 8056c2e21c000001']);
  const denied = rig();
  denied.zt.onJoin = (n) => ztConfig(n, { status: 'ACCESS_DENIED' });
  await rejects(denied.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' })), 'docker_zerotier', /^this host \(member e290b75015\) is not authorized on ZeroTier network 8056c2e21c000001; authorize it at the controller$/);
  const silent = rig();
  silent.zt.onJoin = (n) => ztConfig(n, { status: 'REQUESTING_CONFIGURATION' });
  await rejects(silent.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' })), 'docker_zerotier', /^no configuration for ZeroTier network 8056c2e21c000001 from its controller within 1 s; is the controller online\?$/);
  const outside = rig();
  await rejects(outside.d.createNetwork({ ...createBody({ 'ztkube.network': '8056c2e21c000001' }), IPv4Data: [{ Gateway: '10.99.0.1/28', Pool: '0.0.0.0/0' }] }), 'docker_bad_request', /^the IPv4 range 10\.99\.0\.0\/28 is outside the routes of ZeroTier network 8056c2e21c000001 \(10\.147\.17\.0\/24\); choose a range inside one$/);
  const foreign = rig();
  foreign.zt.onJoin = (n) => ztConfig(n, { isBridgeAllowed: false });
  await rejects(foreign.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' })), 'docker_zerotier', /^-o ztkube\.mode=bridge needs this host \(member e290b75015\) to be an active bridge on ZeroTier network 8056c2e21c000001; allow Ethernet bridging for it at the controller, or use -o ztkube\.mode=sixplane$/);
  assert.deepEqual(foreign.zt.calls, ['join 8056c2e21c000001', 'bridge 8056c2e21c000001', 'leave 8056c2e21c000001']);
  for (const [k, v, msg] of [
    ['ztkube.mode', 'tunnel', /^-o ztkube\.mode must be bridge or sixplane, got "tunnel"$/],
    ['ztkube.ifprefix', 'Eth-', /^-o ztkube\.ifprefix must be 1-8 lower-case letters or digits/],
    ['com.docker.network.driver.mtu', '1279', /^-o com\.docker\.network\.driver\.mtu must be a number from 1280 to 10000, got "1279"$/],
    ['ztkube.bogus', 'x', /^-o ztkube\.bogus is not an option of the ztkube network driver/],
    ['com.docker.network.driver.mtu', '9000', /^-o com\.docker\.network\.driver\.mtu=9000 is above the MTU of ZeroTier network 8056c2e21c000001 \(2800\)$/],
  ] as const) {
    await rejects(rig().d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001', [k]: v })), 'docker_bad_request', msg);
  }
});

test('our own controller makes this host an active bridge; a network joined before Docker is not left', async () => {
  const r = rig();
  r.zt.own.add(NWID);
  r.zt.onJoin = (n) => ztConfig(n, { isBridgeAllowed: false });
  r.zt.configs.set(NWID, ztConfig(NWID, { isBridgeAllowed: false })); // joined before Docker
  await r.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001', 'com.docker.network.driver.mtu': '1400' }));
  assert.deepEqual(r.zt.calls, ['bridge 8056c2e21c000001']);
  assert.equal(r.store.load().networks[NID].mtu, 1400);
  await r.d.deleteNetwork({ NetworkID: NID });
  assert.deepEqual(r.zt.calls, ['bridge 8056c2e21c000001'], 'not left: the user had joined it');
  assert.equal(r.zt.addressDevices.get(NWID), null, 'the addresses back on the TAP');
});

test('endpoints: a MAC docker gave comes back empty, ours is unicast, local, never a member MAC and follows the IPv4 address; Join answers with the veth and the managed routes', async () => {
  const r = rig();
  r.zt.onJoin = (n) => ztConfig(n, { routes: [route('10.147.17.0/24'), route('0.0.0.0/0', '10.147.17.1'), route('172.27.0.0/16', '10.147.17.1')] });
  await r.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' }));
  // The observed MAC starts with this network's member octet (07 §7.2): frames to it would go
  // to the ZeroTier address it encodes, so it is refused rather than silently unreachable.
  assert.throws(() => r.d.createEndpoint(OBSERVED_ENDPOINT), /^PluginError: --mac-address 02:00:00:00:00:50 starts with 02, which marks ZeroTier member MACs on network 8056c2e21c000001; choose another first octet$/);
  assert.deepEqual(r.d.createEndpoint(ENDPOINT), { Interface: {} });
  const made = r.d.createEndpoint({ NetworkID: NID, EndpointID: EID2, Interface: { Address: '10.147.17.130/26', AddressIPv6: '', MacAddress: '' }, Options: {} });
  const mac = (made.Interface as { MacAddress: string }).MacAddress;
  const first = parseInt(mac.slice(0, 2), 16);
  assert.equal(first & 3, 2, `${mac} unicast and locally administered`);
  assert.notEqual(first, firstOctetForNetwork(NWID));
  // From the IPv4 address, as Docker's own bridge does: an address given out again comes back
  // with its MAC, so members' ARP entries for it stay right (the member octet 02 makes it 06).
  assert.equal(mac, '06:7a:0a:93:11:82');
  const joined = await r.d.join({ NetworkID: NID, EndpointID: EID, SandboxKey: '/var/run/docker/netns/2b7d', Options: {} });
  assert.deepEqual(joined, {
    InterfaceName: { SrcName: peerEnd(EID), DstPrefix: 'eth' },
    Gateway: '10.147.17.1',
    StaticRoutes: [{ Destination: '172.27.0.0/16', RouteType: 0, NextHop: '10.147.17.1' }], // 10.147.17.0/24 is the interface's own
    DisableGatewayService: true,
  });
  const other = await r.d.join({ NetworkID: NID, EndpointID: EID2, SandboxKey: '/x', Options: {} });
  assert.deepEqual(other.StaticRoutes, [{ Destination: '10.147.17.0/24', RouteType: 1 }, { Destination: '172.27.0.0/16', RouteType: 0, NextHop: '10.147.17.1' }]);
  assert.deepEqual(r.links.calls.filter((c) => c.startsWith('veth')), [
    `veth ${hostEnd(EID)} ${peerEnd(EID)} 0e:00:00:00:00:50 2800 ${bridgeName(NWID)}`,
    `veth ${hostEnd(EID2)} ${peerEnd(EID2)} ${mac} 2800 ${bridgeName(NWID)}`,
  ]);
  assert.ok(hostEnd(EID).length <= 15 && peerEnd(EID).length <= 15);
  assert.deepEqual(r.d.endpointOperInfo({ NetworkID: NID, EndpointID: EID }), { Value: { 'ztkube.network': '8056c2e21c000001', 'ztkube.mode': 'bridge', hostInterface: hostEnd(EID), mac: '0e:00:00:00:00:50' } });
});

test('Leave, DeleteEndpoint and DeleteNetwork succeed for things already gone; the last network leaves ZeroTier and removes the bridge', async () => {
  const r = rig();
  await r.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' }));
  await r.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' }, 'b'.repeat(64)));
  r.d.createEndpoint(ENDPOINT);
  await r.d.join({ NetworkID: NID, EndpointID: EID, SandboxKey: '/x', Options: {} });
  r.links.links.delete(hostEnd(EID)); // the kernel deleted the pair with the container
  assert.deepEqual(await r.d.leave({ NetworkID: NID, EndpointID: EID }), {});
  assert.deepEqual(await r.d.deleteEndpoint({ NetworkID: NID, EndpointID: EID }), {});
  assert.deepEqual(await r.d.deleteEndpoint({ NetworkID: NID, EndpointID: EID }), {});
  assert.deepEqual(await r.d.leave({ NetworkID: NID, EndpointID: 'f'.repeat(64) }), {});
  assert.deepEqual(r.d.endpointOperInfo({ NetworkID: NID, EndpointID: EID }), { Value: {} });
  assert.deepEqual(await r.d.deleteNetwork({ NetworkID: NID }), {});
  assert.ok(r.zt.isJoined(NWID), 'still used by the other Docker network');
  assert.deepEqual(await r.d.deleteNetwork({ NetworkID: 'b'.repeat(64) }), {});
  assert.deepEqual(await r.d.deleteNetwork({ NetworkID: 'b'.repeat(64) }), {});
  assert.ok(!r.zt.isJoined(NWID));
  assert.ok(r.links.calls.includes(`rmbridge ${bridgeName(NWID)}`));
  assert.deepEqual(r.store.load().endpoints, {});
  await assert.rejects(r.d.join({ NetworkID: NID, EndpointID: EID, SandboxKey: '/x', Options: {} }), /is not a ztkube network on this host/);
});

test('sixplane: addresses from the host’s 6PLANE /80 (::2 on), routed through fe80::1; needs 6PLANE and IPv6 forwarding', async () => {
  const r = rig();
  await r.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001', 'ztkube.mode': 'sixplane', 'ztkube.ifprefix': 'zt' }));
  assert.deepEqual(r.links.calls, [], 'no bridge');
  const a = r.d.createEndpoint({ NetworkID: NID, EndpointID: EID, Interface: { Address: '10.147.17.130/26', AddressIPv6: '', MacAddress: '0e:00:00:00:00:01' }, Options: {} });
  const b = r.d.createEndpoint({ NetworkID: NID, EndpointID: EID2, Interface: { Address: '10.147.17.131/26', AddressIPv6: '', MacAddress: '0e:00:00:00:00:02' }, Options: {} });
  // 6PLANE of 8056c2e21c000001 for e290b75015: fc + (nwid ^ nwid >> 32) low 32 bits + address.
  assert.deepEqual(a, { Interface: { AddressIPv6: 'fc9c:56c2:e3e2:90b7:5015::2/128' } });
  assert.deepEqual(b, { Interface: { AddressIPv6: 'fc9c:56c2:e3e2:90b7:5015::3/128' } });
  const joined = await r.d.join({ NetworkID: NID, EndpointID: EID, SandboxKey: '/x', Options: {} });
  assert.deepEqual(joined, { InterfaceName: { SrcName: peerEnd(EID), DstPrefix: 'zt' }, StaticRoutes: [{ Destination: 'fc9c:56c2:e300::/40', RouteType: 0, NextHop: 'fe80::1' }], DisableGatewayService: true });
  assert.deepEqual(r.links.calls, [`veth ${hostEnd(EID)} ${peerEnd(EID)} 0e:00:00:00:00:01 2800 -`, `route6 fc9c:56c2:e3e2:90b7:5015::2 ${hostEnd(EID)}`]);
  await r.d.deleteEndpoint({ NetworkID: NID, EndpointID: EID });
  const c = r.d.createEndpoint({ NetworkID: NID, EndpointID: 'c'.repeat(64), Interface: { Address: '', AddressIPv6: '', MacAddress: '0e:00:00:00:00:03' }, Options: {} });
  assert.deepEqual(c, { Interface: { AddressIPv6: 'fc9c:56c2:e3e2:90b7:5015::2/128' } }, 'a freed address is used again');
  const no6 = rig();
  no6.zt.onJoin = (n) => ztConfig(n, { assignedAddresses: [] });
  await rejects(no6.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001', 'ztkube.mode': 'sixplane' })), 'docker_zerotier', /does not assign 6PLANE addresses, which -o ztkube\.mode=sixplane needs/);
  const noFwd = rig();
  noFwd.links.isForwarding = false;
  await rejects(noFwd.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001', 'ztkube.mode': 'sixplane' })), 'docker_host', /set net\.ipv6\.conf\.all\.forwarding=1$/);
});

test('a restarted plugin carries on from the saved state: Join and deletes for endpoints made before', async () => {
  const before = rig();
  await before.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' }));
  before.d.createEndpoint(ENDPOINT);
  const after = rig(before.store, before.zt, before.links);
  const j = await after.d.join({ NetworkID: NID, EndpointID: EID, SandboxKey: '/x', Options: {} });
  assert.deepEqual(j.InterfaceName, { SrcName: peerEnd(EID), DstPrefix: 'eth' });
  // A new TAP after an engine restart is put on the bridge again.
  before.links.calls.length = 0;
  await after.d.reconcile();
  assert.deepEqual(before.links.calls, [`bridge ${bridgeName(NWID)} ${before.zt.tapName(NWID)} 2800`]);
  assert.deepEqual(await after.d.deleteEndpoint({ NetworkID: NID, EndpointID: EID }), {});
  assert.deepEqual(await after.d.deleteNetwork({ NetworkID: NID }), {});
  assert.ok(!before.zt.isJoined(NWID));
});

test('a range given without --subnet: after CreateNetwork containers get the ZeroTier subnet’s prefix length (the LAN on-link)', async () => {
  const store = new MemoryStateStore();
  const state = store.load();
  const zt = new FakeZeroTier();
  zt.onJoin = (n) => ztConfig(n, { routes: [route('10.147.0.0/16'), route('10.147.17.0/24')] });
  const d = new NetworkDriver({ store, state, zerotier: zt, links: new FakeLinks(), delay: async () => undefined, random: (k) => new Uint8Array(k).fill(6) });
  const ipam = new IpamDriver(store, state);
  const id = ipam.requestPool({ AddressSpace: 'ztkube-local', Pool: '', Options: { 'ztkube.range': '10.147.17.128/26' }, V6: false }).PoolID;
  const gw = ipam.requestAddress({ PoolID: id, Address: '', Options: { RequestAddressType: 'com.docker.network.gateway' } }).Address;
  assert.equal(gw, '10.147.17.129/26');
  await d.createNetwork({ NetworkID: NID, Options: { 'com.docker.network.generic': { 'ztkube.network': '8056c2e21c000001' } }, IPv4Data: [{ Gateway: gw, Pool: '0.0.0.0/0' }] });
  assert.deepEqual(ipam.requestAddress({ PoolID: id, Address: '', Options: null }), { Address: '10.147.17.130/24', Data: {} }, 'the most specific route holding the range');
  assert.equal(store.load().pools[id as string].addressBits, 24, 'saved');
});

test('deleting the bridge-mode network while a sixplane one stays: the bridge goes, the ZeroTier network stays joined', async () => {
  const r = rig();
  await r.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001' }));
  await r.d.createNetwork(createBody({ 'ztkube.network': '8056c2e21c000001', 'ztkube.mode': 'sixplane' }, 'b'.repeat(64)));
  await r.d.deleteNetwork({ NetworkID: NID });
  assert.ok(r.links.calls.includes(`rmbridge ${bridgeName(NWID)}`));
  assert.equal(r.zt.addressDevices.get(NWID), null);
  assert.ok(r.zt.isJoined(NWID));
  await r.d.deleteNetwork({ NetworkID: 'b'.repeat(64) });
  assert.ok(!r.zt.isJoined(NWID));
});

test('no range given, a network our controller runs: CreateNetwork reserves a block outside the members’ addresses and takes it out of the pools', async () => {
  const store = new MemoryStateStore();
  const state = store.load();
  const zt = new FakeZeroTier();
  zt.own.add(NWID);
  // A member at .230 rules out the top /27; the one below it is free.
  zt.controller.set(NWID, { ipAssignmentPools: [{ ipRangeStart: '10.147.17.1', ipRangeEnd: '10.147.17.254' }], memberIps: ['10.147.17.5', '10.147.17.230'] });
  const d = new NetworkDriver({ store, state, zerotier: zt, links: new FakeLinks(), delay: async () => undefined, random: (k) => new Uint8Array(k).fill(6) });
  const ipam = new IpamDriver(store, state);
  const create = async (networkId: string): Promise<string> => {
    const id = ipam.requestPool({ AddressSpace: 'ztkube-local', Pool: '', Options: {}, V6: false }).PoolID as string;
    const gw = ipam.requestAddress({ PoolID: id, Address: '', Options: { RequestAddressType: 'com.docker.network.gateway' } }).Address;
    await d.createNetwork({ NetworkID: networkId, Options: { 'com.docker.network.generic': { 'ztkube.network': '8056c2e21c000001' } }, IPv4Data: [{ Gateway: gw, Pool: '0.0.0.0/0' }] });
    return id;
  };
  const a = await create(NID);
  assert.equal(store.load().pools[a].range, '10.147.17.192/27');
  assert.deepEqual(ipam.requestAddress({ PoolID: a, Address: '', Options: null }), { Address: '10.147.17.192/24', Data: {} });
  assert.deepEqual(zt.controller.get(NWID)!.ipAssignmentPools, [
    { ipRangeStart: '10.147.17.1', ipRangeEnd: '10.147.17.191' }, { ipRangeStart: '10.147.17.224', ipRangeEnd: '10.147.17.254' },
  ]);
  // A second Docker network on the same ZeroTier network gets a block of its own.
  const b = await create('6e'.padEnd(64, '4'));
  assert.equal(store.load().pools[b].range, '10.147.17.160/27');
  // Released and made again: the host's earlier block comes back, the controller is not asked.
  await d.deleteNetwork({ NetworkID: NID });
  ipam.releasePool({ PoolID: a });
  const reserved = zt.calls.filter((c) => c.startsWith('reserve')).length;
  const again = await create(NID);
  assert.equal(store.load().pools[again].range, '10.147.17.192/27');
  assert.equal(zt.calls.filter((c) => c.startsWith('reserve')).length, reserved);
});

test('no range given, a network another controller runs: CreateNetwork says to pass ztkube.range', async () => {
  const store = new MemoryStateStore();
  const state = store.load();
  const zt = new FakeZeroTier();
  const d = new NetworkDriver({ store, state, zerotier: zt, links: new FakeLinks(), delay: async () => undefined, random: (k) => new Uint8Array(k).fill(6) });
  const ipam = new IpamDriver(store, state);
  const id = ipam.requestPool({ AddressSpace: 'ztkube-local', Pool: '', Options: {}, V6: false }).PoolID;
  const gw = ipam.requestAddress({ PoolID: id, Address: '', Options: { RequestAddressType: 'com.docker.network.gateway' } }).Address;
  await rejects(d.createNetwork({ NetworkID: NID, Options: { 'com.docker.network.generic': { 'ztkube.network': '8056c2e21c000001' } }, IPv4Data: [{ Gateway: gw, Pool: '0.0.0.0/0' }] }),
    'docker_bad_request', /^ZeroTier network 8056c2e21c000001 is not run by this host's controller, so no IPv4 range can be reserved for this host automatically; give one with --ipam-opt ztkube\.range=CIDR/);
  assert.ok(zt.calls.includes('leave 8056c2e21c000001'), 'the network the plugin joined is left again');
});

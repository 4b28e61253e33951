// The ztkube controller and members on the simulated internet (issue #7): private and
// public networks, authorization through the /controller API, unique and stable addresses,
// pushes after changes, revocations after deauthorization, a controller that goes away.
import { controllerApi, runSettling, startSimController } from './sim-controller.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerParts } from '../../src/controller/controller.js';
import { MemoryStore } from '../../src/controller/memory-store.js';
import type { Json, JsonObject } from '../../src/controller/json-read.js';
import { ztNet, type ZtNet } from './zt-net.js';

interface World {
  zt: ZtNet;
  store: MemoryStore;
  ctl: ControllerParts;
  api(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Json): Promise<JsonObject>;
  /** Runs virtual time in steps, letting the controller's store operations settle between them. */
  run(ms: number): Promise<void>;
  members: string[];
}



async function world(seed: number, members = ['m1', 'm2', 'm3']): Promise<World> {
  const zt = ztNet({
    seed,
    latencyMs: 5,
    hosts: [
      { name: 'root', public: '203.0.113.1', rootEndpoints: ['203.0.113.1/9993'] },
      { name: 'ctl', public: '203.0.113.2' },
      ...members.map((m, i) => ({ name: m, public: `203.0.113.${10 + i}` })),
    ],
  });
  const store = new MemoryStore();
  const w: World = {
    zt,
    store,
    ctl: startSimController(zt, store, `ctl:${seed}`),
    members,
    api: (method, path, body) => controllerApi(w.ctl, zt, method, path, body),
    run: (ms) => runSettling(zt, ms, () => w.ctl.handler.expireAuthorizations(zt.net.now)),
  };
  // Let the root learn everyone (it verifies one new identity at a time).
  await w.run(16_000);
  return w;
}

const addr = (w: World, name: string): string => w.zt.id(name).address.toString(16).padStart(10, '0');
const status = (w: World, name: string, nwid: bigint): string | undefined => w.zt.node(name).network(nwid)?.status;
const ips = (w: World, name: string, nwid: bigint): string[] =>
  (w.zt.node(name).network(nwid)?.assignedAddresses ?? []).filter((a) => a.family === 4).map((a) => `${a.ip.join('.')}/${a.bits}`);

async function privateNetwork(w: World, extra: JsonObject = {}): Promise<bigint> {
  const n = await w.api('POST', `controller/network/${addr(w, 'ctl')}______`, {
    name: 'sim-net',
    ipAssignmentPools: [{ ipRangeStart: '10.147.20.10', ipRangeEnd: '10.147.20.13' }],
    routes: [{ target: '10.147.20.0/24' }],
    v4AssignMode: { zt: true },
    rules: [{ type: 'ACTION_ACCEPT' }],
    ...extra,
  });
  return BigInt('0x' + (n.id as string));
}

test('private network: REQUESTING → ACCESS_DENIED → OK once authorized, unique addresses that survive a controller restart', async () => {
  const w = await world(81);
  const nwid = await privateNetwork(w);
  for (const m of w.members) w.zt.node(m).join(w.zt.net.now, nwid);
  assert.equal(status(w, 'm1', nwid), 'REQUESTING_CONFIGURATION');
  await w.run(7000);
  for (const m of w.members) assert.equal(status(w, m, nwid), 'ACCESS_DENIED', m);
  const listed = (await w.ctl.api.handle('GET', ['controller', 'network', nwid.toString(16), 'member'], undefined, w.zt.net.now)).body as JsonObject;
  assert.deepEqual(Object.keys(listed).sort(), w.members.map((m) => addr(w, m)).sort(), 'refused members are listed for an administrator');
  for (const m of w.members) await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, m)}`, { authorized: true });
  await w.run(6000);
  const assigned = new Set<string>();
  for (const m of w.members) {
    assert.equal(status(w, m, nwid), 'OK', m);
    const mine = ips(w, m, nwid);
    assert.equal(mine.length, 1, m);
    assigned.add(mine[0]);
  }
  assert.equal(assigned.size, 3, 'unique addresses from a pool of three (the end address is never handed out, 05 §4.5)');
  assert.deepEqual([...assigned].sort(), ['10.147.20.10/24', '10.147.20.11/24', '10.147.20.12/24']);

  // A new controller over the same records: the next refresh gives every member its address again.
  const before = Object.fromEntries(w.members.map((m) => [m, ips(w, m, nwid)[0]]));
  w.zt.node('ctl').setNetworkController(null);
  w.ctl = startSimController(w.zt, w.store, 'ctl:restarted');
  await w.run(70_000);
  for (const m of w.members) {
    assert.equal(status(w, m, nwid), 'OK');
    assert.equal(ips(w, m, nwid)[0], before[m], `${m} keeps its address`);
  }
});

test('deauthorization: a revocation reaches the members at once, the member itself turns ACCESS_DENIED at its next refresh', async () => {
  const w = await world(82);
  const nwid = await privateNetwork(w);
  for (const m of w.members) {
    await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, m)}`, { authorized: true });
    w.zt.node(m).join(w.zt.net.now, nwid);
  }
  await w.run(8000);
  for (const m of w.members) assert.equal(status(w, m, nwid), 'OK');
  await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, 'm3')}`, { authorized: false });
  await w.run(1000);
  assert.equal(w.ctl.handler.counts.revocations, 1);
  const m3 = w.zt.id('m3').address;
  for (const m of ['m1', 'm2']) {
    const held = w.zt.node(m).membershipOf(nwid, m3);
    assert.ok(held !== undefined && held.comRevocationThreshold > 0n, `${m} holds the revocation of m3`);
  }
  assert.equal(status(w, 'm3', nwid), 'OK', 'the member keeps its config until its refresh');
  await w.run(65_000);
  assert.equal(status(w, 'm3', nwid), 'ACCESS_DENIED');
  assert.equal(ips(w, 'm3', nwid).length, 1, 'its addresses stay listed');
});

test('a public network admits anyone; a config change reaches online members within a second', async () => {
  const w = await world(83, ['m1', 'm2']);
  const nwid = await privateNetwork(w, { private: false });
  for (const m of w.members) w.zt.node(m).join(w.zt.net.now, nwid);
  await w.run(7000);
  for (const m of w.members) {
    assert.equal(status(w, m, nwid), 'OK');
    assert.equal(w.zt.node(m).network(nwid)?.type, 'PUBLIC');
  }
  await w.api('POST', `controller/network/${nwid.toString(16)}`, { name: 'renamed', mtu: 1500 });
  await w.run(1000);
  for (const m of w.members) {
    assert.equal(w.zt.node(m).network(nwid)?.name, 'renamed');
    assert.equal(w.zt.node(m).network(nwid)?.mtu, 1500);
  }
});

test('a controller that goes away leaves members on their last config; a deleted network is NOT_FOUND', async () => {
  const w = await world(84, ['m1']);
  const nwid = await privateNetwork(w);
  await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, 'm1')}`, { authorized: true });
  w.zt.node('m1').join(w.zt.net.now, nwid);
  await w.run(7000);
  assert.equal(status(w, 'm1', nwid), 'OK');
  w.zt.net.net.setOnline('ctl', false);
  await w.run(180_000);
  assert.equal(status(w, 'm1', nwid), 'OK');
  assert.equal(ips(w, 'm1', nwid).length, 1);
  w.zt.net.net.setOnline('ctl', true);
  await w.api('DELETE', `controller/network/${nwid.toString(16)}`);
  await w.run(70_000);
  assert.equal(status(w, 'm1', nwid), 'NOT_FOUND');
});

/** A frame from `from`'s TAP to `to`'s MAC on the network. */
function sendFrame(w: World, from: string, to: string, nwid: bigint, etherType: number, text: string): string | null {
  const mac = (n: string): number => w.zt.node(n).network(nwid)!.mac;
  return w.zt.node(from).sendFrame(w.zt.net.now, nwid, { sourceMac: mac(from), destMac: mac(to), etherType, vlanId: 0, data: new TextEncoder().encode(text) });
}

const framesFrom = (w: World, at: string, from: string, nwid: bigint): string[] =>
  w.zt
    .host(at)
    .frames.filter((f) => f.nwid === nwid && f.frame.sourceMac === w.zt.node(from).network(nwid)!.mac)
    .map((f) => new TextDecoder().decode(f.frame.data));

test('frames flow between members; a deauthorized member is shut out once the others hold the revocation', async () => {
  const w = await world(85);
  const nwid = await privateNetwork(w);
  for (const m of w.members) {
    await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, m)}`, { authorized: true });
    w.zt.node(m).join(w.zt.net.now, nwid);
  }
  await w.run(8000);
  assert.equal(sendFrame(w, 'm3', 'm1', nwid, 0x0800, 'hello-1'), null);
  assert.equal(sendFrame(w, 'm1', 'm3', nwid, 0x0800, 'hello-3'), null);
  await w.run(3000);
  // The first frame meets a gate without m3's credentials; it is retried until they arrive.
  assert.ok(framesFrom(w, 'm1', 'm3', nwid).includes('hello-1'), 'the first frame got through once the credentials came');
  assert.equal(sendFrame(w, 'm3', 'm1', nwid, 0x0800, 'again-1'), null);
  await w.run(1000);
  assert.ok(framesFrom(w, 'm1', 'm3', nwid).includes('again-1'), 'm1 takes frames from m3 while it is a member');
  assert.ok(framesFrom(w, 'm3', 'm1', nwid).includes('hello-3'));

  await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, 'm3')}`, { authorized: false });
  await w.run(1000);
  const dropsBefore = w.zt.host('m1').dropTotal('not_member');
  assert.equal(sendFrame(w, 'm3', 'm1', nwid, 0x0800, 'after-revocation'), null, 'm3 still has its old config and sends');
  await w.run(1000);
  assert.ok(!framesFrom(w, 'm1', 'm3', nwid).includes('after-revocation'), 'm1 drops frames from the revoked member');
  assert.ok(w.zt.host('m1').dropTotal('not_member') > dropsBefore, 'and counts them');
  assert.equal(sendFrame(w, 'm2', 'm1', nwid, 0x0800, 'still-fine'), null);
  await w.run(1000);
  assert.ok(framesFrom(w, 'm1', 'm2', nwid).includes('still-fine'), 'the others keep talking');
});

test('a rule set that drops one ethertype drops it on send, and an inbound-only rule drops it on receive', async () => {
  const w = await world(86, ['m1', 'm2']);
  const nwid = await privateNetwork(w, {
    rules: [
      { type: 'MATCH_ETHERTYPE', etherType: 0x8137 },
      { type: 'ACTION_DROP' },
      // Inbound only (characteristics bit 63): the sender's rules let it out, the receiver's drop it.
      { type: 'MATCH_CHARACTERISTICS', mask: '8000000000000000' },
      { type: 'MATCH_ETHERTYPE', etherType: 0x88b5 },
      { type: 'ACTION_DROP' },
      { type: 'ACTION_ACCEPT' },
    ],
  });
  for (const m of w.members) {
    await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, m)}`, { authorized: true });
    w.zt.node(m).join(w.zt.net.now, nwid);
  }
  await w.run(8000);
  assert.equal(sendFrame(w, 'm1', 'm2', nwid, 0x0800, 'warm-up'), null);
  await w.run(3000);
  assert.equal(sendFrame(w, 'm1', 'm2', nwid, 0x8137, 'ipx'), 'filtered', 'IPX is refused at the sender');
  const before = w.zt.host('m2').dropTotal('filtered');
  assert.equal(sendFrame(w, 'm1', 'm2', nwid, 0x88b5, 'local-experimental'), null, 'the outbound rules let 0x88b5 out');
  assert.equal(sendFrame(w, 'm1', 'm2', nwid, 0x0806, 'arp'), null);
  await w.run(1000);
  const got = framesFrom(w, 'm2', 'm1', nwid);
  assert.ok(got.includes('arp'));
  assert.ok(!got.includes('ipx') && !got.includes('local-experimental'));
  assert.equal(w.zt.host('m2').dropTotal('filtered'), before + 1, 'the receiver dropped 0x88b5 and counted it');
});

test('SSO: an authorization that expires is revoked, and later requests are answered AUTHENTICATION_REQUIRED', async () => {
  const w = await world(87, ['m1']);
  const nwid = await privateNetwork(w);
  // The API does not take ssoEnabled (1.14.1 neither): an administrator edits the record.
  const rec = (await w.store.getNetwork(nwid.toString(16)))!;
  await w.store.putNetwork({ ...rec, ssoEnabled: true });
  await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, 'm1')}`, { authorized: true, authenticationExpiryTime: w.zt.net.now + 20_000 });
  w.zt.node('m1').join(w.zt.net.now, nwid);
  await w.run(7000);
  assert.equal(status(w, 'm1', nwid), 'OK');
  assert.equal(w.ctl.handler.counts.revocations, 0);
  await w.run(15_000);
  assert.equal(w.ctl.handler.counts.revocations, 1, 'revoked when the expiry passed');
  const denied = w.ctl.handler.counts.denied;
  await w.run(65_000);
  assert.ok(w.ctl.handler.counts.denied > denied, 'the next request is answered NETWORK_AUTHENTICATION_REQUIRED');
  // With no URL to give (a file-backed controller has none), 1.14.1 members keep their status.
  assert.equal(status(w, 'm1', nwid), 'OK');
});

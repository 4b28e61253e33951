// Multicast on the simulated internet (issue #8; spec 04 §8): a real controller, a root
// and members that subscribe groups as their TAPs would (the broadcast group is implicit,
// each member's ARP group is (ff:ff:ff:ff:ff:ff, its IPv4)). Members learn each other from
// explicit GATHERs to the root and the controller, which learn them from LIKEs.
import { controllerApi, runSettling, startSimController } from './sim-controller.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerParts } from '../../src/controller/controller.js';
import { MemoryStore } from '../../src/controller/memory-store.js';
import type { Json, JsonObject } from '../../src/controller/json-read.js';
import { agree } from '../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { dearmor } from '../../src/protocol/armor.js';
import { decompressPacket } from '../../src/protocol/compression.js';
import { FRAGMENT_INDICATOR, PACKET_IDX_PAYLOAD, PACKET_IDX_VERB, VERB_MASK, Verb } from '../../src/protocol/constants.js';
import { decodeMulticastFrame, type MULTICAST_FRAME } from '../../src/protocol/verbs/multicast-frame.js';
import { decodeMulticastGather, type MULTICAST_GATHER } from '../../src/protocol/verbs/multicast-gather.js';
import type { Identity } from '../../src/protocol/identity.js';
import { ztNet, type ZtNet } from './zt-net.js';

interface World {
  zt: ZtNet;
  ctl: ControllerParts;
  api(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Json): Promise<JsonObject>;
  run(ms: number): Promise<void>;
  members: string[];
  names: string[];
}

const BROADCAST = 0xffffffffffff;


async function world(seed: number, members: string[]): Promise<World> {
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
    ctl: startSimController(zt, store, `ctl:${seed}`),
    members,
    names: ['root', 'ctl', ...members],
    api: (method, path, body) => controllerApi(w.ctl, zt, method, path, body),
    run: (ms) => runSettling(zt, ms),
  };
  // Let the root learn everyone (it verifies one new identity at a time).
  await w.run(12_000 + 2_000 * members.length);
  return w;
}

const addr = (w: World, name: string): string => w.zt.id(name).address.toString(16).padStart(10, '0');

/** Makes the network, authorizes and joins every member, waits for configs, then subscribes each member's ARP group as its TAP would. */
async function network(w: World, extra: JsonObject = {}, memberExtra: Record<string, JsonObject> = {}): Promise<bigint> {
  const n = await w.api('POST', `controller/network/${addr(w, 'ctl')}______`, {
    name: 'mcast-net',
    ipAssignmentPools: [{ ipRangeStart: '10.147.20.10', ipRangeEnd: '10.147.20.30' }],
    routes: [{ target: '10.147.20.0/24' }],
    v4AssignMode: { zt: true },
    rules: [{ type: 'ACTION_ACCEPT' }],
    ...extra,
  });
  const nwid = BigInt('0x' + (n.id as string));
  for (const m of w.members) {
    await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, m)}`, { authorized: true, ...(memberExtra[m] ?? {}) });
    w.zt.node(m).join(w.zt.net.now, nwid);
  }
  await w.run(8000);
  for (const m of w.members) {
    assert.equal(w.zt.node(m).network(nwid)?.status, 'OK', m);
    w.zt.node(m).multicastSubscribe(w.zt.net.now, nwid, BROADCAST, ipv4(w, m, nwid));
  }
  // Past the first minute: every member has announced all its groups (the broadcast group
  // included, which needs a config) to the root and the controller.
  await w.run(65_000);
  return nwid;
}

function ipv4(w: World, m: string, nwid: bigint): number {
  const a = w.zt.node(m).network(nwid)!.assignedAddresses.find((x) => x.family === 4)!;
  return ((a.ip[0] << 24) >>> 0) + ((a.ip[1] << 16) | (a.ip[2] << 8) | a.ip[3]);
}

const mac = (w: World, m: string, nwid: bigint): number => w.zt.node(m).network(nwid)!.mac;

function arpRequest(w: World, from: string, nwid: bigint, targetIp: number): Uint8Array {
  const b = new Uint8Array(28);
  b.set([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
  const m = mac(w, from, nwid);
  for (let i = 0; i < 6; i++) b[8 + i] = Math.floor(m / 2 ** (8 * (5 - i))) & 0xff;
  const s = ipv4(w, from, nwid);
  b.set([s >>> 24, (s >>> 16) & 0xff, (s >>> 8) & 0xff, s & 0xff], 14);
  b.set([targetIp >>> 24, (targetIp >>> 16) & 0xff, (targetIp >>> 8) & 0xff, targetIp & 0xff], 24);
  return b;
}

function sendTo(w: World, from: string, nwid: bigint, destMac: number, etherType: number, data: Uint8Array): string | null {
  return w.zt.node(from).sendFrame(w.zt.net.now, nwid, { sourceMac: mac(w, from, nwid), destMac, etherType, vlanId: 0, data });
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The frames `at` delivered to its TAP from `from` carrying `payload`. */
function received(w: World, at: string, from: string, nwid: bigint, payload: string): number {
  return w.zt.host(at).frames.filter((f) => f.nwid === nwid && f.frame.sourceMac === mac(w, from, nwid) && new TextDecoder().decode(f.frame.data) === payload).length;
}

/** Every packet `fromHost` sent (not relayed ones), opened with the sim's identities. */
function sentPackets(w: World, fromHost: string, sinceMs = 0): Array<{ to: string; verb: number; payload: Uint8Array }> {
  const byAddress = new Map<number, { name: string; id: Identity }>(w.names.map((n) => [w.zt.id(n).address, { name: n, id: w.zt.id(n) }]));
  const out: Array<{ to: string; verb: number; payload: Uint8Array }> = [];
  for (const r of w.zt.net.capture) {
    if (r.fromHost !== fromHost || r.sentMs < sinceMs || r.data.length <= PACKET_IDX_PAYLOAD || r.data[13] === FRAGMENT_INDICATOR) continue;
    const dest = byAddress.get(readAddress(r.data, 8));
    const src = byAddress.get(readAddress(r.data, 13));
    if (!dest || !src || src.name !== fromHost) continue;
    const pkt = r.data.slice();
    if (!dearmor(pkt, derivePeerKeys(agree(src.id.privateKey!, dest.id.publicKey)))) continue;
    let open: Uint8Array;
    try {
      open = decompressPacket(pkt);
    } catch {
      continue; // a fragmented packet's head: not one of the small multicast packets looked for
    }
    out.push({ to: dest.name, verb: open[PACKET_IDX_VERB] & VERB_MASK, payload: open.subarray(PACKET_IDX_PAYLOAD) });
  }
  return out;
}

function readAddress(b: Uint8Array, at: number): number {
  return b[at] * 2 ** 32 + ((b[at + 1] << 24) >>> 0) + ((b[at + 2] << 16) | (b[at + 3] << 8) | b[at + 4]);
}

const framesSent = (w: World, from: string, since: number): Array<{ to: string; msg: MULTICAST_FRAME }> =>
  sentPackets(w, from, since)
    .filter((p) => p.verb === Verb.MULTICAST_FRAME)
    .map((p) => ({ to: p.to, msg: decodeMulticastFrame(p.payload) }));

const gathersSent = (w: World, from: string, since: number): Array<{ to: string; msg: MULTICAST_GATHER }> =>
  sentPackets(w, from, since)
    .filter((p) => p.verb === Verb.MULTICAST_GATHER)
    .map((p) => ({ to: p.to, msg: decodeMulticastGather(p.payload) }));

test('a broadcast and an ARP request reach the members; the ARP request only the member that owns the address', async () => {
  const w = await world(91, ['m1', 'm2', 'm3', 'm4']);
  const nwid = await network(w);
  const t0 = w.zt.net.now;
  assert.equal(sendTo(w, 'm1', nwid, BROADCAST, 0x0800, text('hello-all')), null);
  await w.run(3000);
  for (const m of ['m2', 'm3', 'm4']) assert.equal(received(w, m, 'm1', nwid, 'hello-all'), 1, `${m} got the broadcast once`);
  assert.equal(received(w, 'm1', 'm1', nwid, 'hello-all'), 0, 'not echoed to the sender');
  // Nothing known yet: explicit GATHERs to the root and the controller, limit ml − 0 + 1 = 33 (trap 21).
  const gathers = gathersSent(w, 'm1', t0);
  assert.deepEqual(gathers.map((g) => g.to).sort(), ['ctl', 'root']);
  for (const g of gathers) {
    assert.deepEqual(g.msg.group, { mac: BROADCAST, adi: 0 });
    assert.equal(g.msg.gatherLimit, 33);
    assert.ok(g.msg.com, 'our COM rides along (trap 23)');
  }
  const frames = framesSent(w, 'm1', t0);
  assert.deepEqual(frames.map((f) => f.to).sort(), ['m2', 'm3', 'm4']);
  for (const f of frames) assert.equal(f.msg.gatherLimit, 33, 'queued while no members were known: gather limit 33');
  assert.deepEqual(w.zt.node('m1').multicastMembers(nwid, BROADCAST, 0).length, 3);

  // The second broadcast: 3 known < 32 → gather limit 32 − 3 + 1 = 30, no explicit gather within the minute.
  const t1 = w.zt.net.now;
  assert.equal(sendTo(w, 'm1', nwid, BROADCAST, 0x0800, text('hello-again')), null);
  await w.run(1000);
  for (const m of ['m2', 'm3', 'm4']) assert.equal(received(w, m, 'm1', nwid, 'hello-again'), 1, m);
  assert.deepEqual(gathersSent(w, 'm1', t1), []);
  for (const f of framesSent(w, 'm1', t1)) assert.equal(f.msg.gatherLimit, 30);

  // ARP for m3's address: group (ff:ff:ff:ff:ff:ff, m3's IPv4), which only m3 LIKEd.
  const t2 = w.zt.net.now;
  const arp = arpRequest(w, 'm1', nwid, ipv4(w, 'm3', nwid));
  assert.equal(sendTo(w, 'm1', nwid, BROADCAST, 0x0806, arp), null);
  await w.run(2000);
  const arpAt = (m: string): number => w.zt.host(m).frames.filter((f) => f.atMs >= t2 && f.frame.etherType === 0x0806).length;
  assert.equal(arpAt('m3'), 1);
  assert.equal(arpAt('m2') + arpAt('m4'), 0, 'the others do not own the address');
  const arpFrames = framesSent(w, 'm1', t2);
  assert.deepEqual(arpFrames.map((f) => f.to), ['m3']);
  assert.deepEqual(arpFrames[0].msg.group, { mac: BROADCAST, adi: ipv4(w, 'm3', nwid) });
});

test('broadcast disabled: ff:ff:ff:ff:ff:ff is not sent, ARP still is (trap 19); multicast limit 0 drops both', async () => {
  const w = await world(92, ['m1', 'm2']);
  const nwid = await network(w, { enableBroadcast: false });
  assert.equal(sendTo(w, 'm1', nwid, BROADCAST, 0x0800, text('nope')), 'broadcast_disabled');
  assert.equal(sendTo(w, 'm1', nwid, BROADCAST, 0x0806, arpRequest(w, 'm1', nwid, ipv4(w, 'm2', nwid))), null);
  await w.run(2000);
  assert.equal(w.zt.host('m2').frames.filter((f) => f.frame.etherType === 0x0806).length, 1, 'the ARP request arrived');
  assert.equal(received(w, 'm2', 'm1', nwid, 'nope'), 0);
  assert.ok(w.zt.host('m1').dropTotal('broadcast_disabled') >= 1);

  const w0 = await world(93, ['m1', 'm2']);
  const nwid0 = await network(w0, { multicastLimit: 0 });
  assert.equal(sendTo(w0, 'm1', nwid0, BROADCAST, 0x0806, arpRequest(w0, 'm1', nwid0, ipv4(w0, 'm2', nwid0))), 'multicast_disabled');
  assert.equal(sendTo(w0, 'm1', nwid0, 0x01005e0000fb, 0x0800, text('mdns')), 'multicast_disabled');
  assert.equal(sendTo(w0, 'm1', nwid0, BROADCAST, 0x0800, text('bcast')), 'multicast_disabled');
  await w0.run(2000);
  assert.equal(w0.zt.host('m2').frames.length, 0);
});

test('more members than the limit: exactly `limit` recipients, active bridges first and always, the rest at random', async () => {
  // 1.14.1's choice (Multicaster::send): active bridges in config order, each counting
  // towards the limit, then the known members in a Fisher–Yates permutation drawn with the
  // node's PRNG, skipping bridges, until `limit` sends (refused ones count too, trap 20).
  const w = await world(94, ['m1', 'm2', 'm3', 'm4', 'm5', 'br']);
  const nwid = await network(w, { multicastLimit: 3 }, { br: { activeBridge: true } });
  const others = ['m2', 'm3', 'm4', 'm5'];
  const t0 = w.zt.net.now;
  assert.equal(sendTo(w, 'm1', nwid, BROADCAST, 0x0800, text('b-0')), null);
  await w.run(3000);
  // First send, no members known: queued with gather limit 3 − 0 + 1 = 4; the bridge gets it at
  // once, then the first members the gather answers name until 3 recipients are recorded.
  const first = framesSent(w, 'm1', t0);
  assert.equal(first.length, 3, `three recipients: ${first.map((f) => f.to).join(',')}`);
  assert.equal(first[0].to, 'br', 'the active bridge first');
  assert.equal(received(w, 'br', 'm1', nwid, 'b-0'), 1);
  assert.equal(others.reduce((s, m) => s + received(w, m, 'm1', nwid, 'b-0'), 0), 2);
  const known = w.zt.node('m1').multicastMembers(nwid, BROADCAST, 0);
  assert.ok(known.length >= 3, `enough members learned (${known.length})`);

  const chosen = new Map<string, number>();
  for (let i = 1; i <= 12; i++) {
    const t = w.zt.net.now;
    assert.equal(sendTo(w, 'm1', nwid, BROADCAST, 0x0800, text(`b-${i}`)), null);
    await w.run(500);
    const sent = framesSent(w, 'm1', t);
    assert.equal(sent.length, 3, `send ${i}: exactly the limit`);
    assert.equal(sent[0].to, 'br', `send ${i}: the bridge first`);
    for (const f of sent) {
      assert.equal(f.msg.gatherLimit, 1, 'enough members: gather limit 1 (trap 21)');
      chosen.set(f.to, (chosen.get(f.to) ?? 0) + 1);
    }
    assert.equal(received(w, 'br', 'm1', nwid, `b-${i}`), 1, `send ${i}: the bridge always receives`);
    assert.equal(others.reduce((s, m) => s + received(w, m, 'm1', nwid, `b-${i}`), 0), 2, `send ${i}: two members`);
  }
  assert.equal(chosen.get('br'), 12);
  assert.ok(others.filter((m) => (chosen.get(m) ?? 0) > 0).length >= 3, `the random choice spreads: ${JSON.stringify([...chosen])}`);
});

test('a member that stops LIKEing a group is forgotten 600 s after its last LIKE (checked every 30 s)', async () => {
  const w = await world(95, ['m1', 'm2']);
  const nwid = await network(w);
  const MDNS = 0x01005e0000fb;
  w.zt.node('m2').multicastSubscribe(w.zt.net.now, nwid, MDNS, 0);
  w.zt.node('m1').multicastSubscribe(w.zt.net.now, nwid, MDNS, 0);
  await w.run(1000);
  const m1 = w.zt.id('m1').address;
  const m2 = w.zt.id('m2').address;
  assert.deepEqual(w.zt.node('root').multicastMembers(nwid, MDNS, 0).sort(), [m1, m2].sort(), 'the root learned both (I am a root)');
  assert.deepEqual(w.zt.node('ctl').multicastMembers(nwid, MDNS, 0).sort(), [m1, m2].sort(), 'the controller too (it configured them)');
  assert.deepEqual(w.zt.node('m2').multicastSubscriptions(nwid), [{ mac: MDNS, adi: 0 }, { mac: BROADCAST, adi: ipv4(w, 'm2', nwid) }].sort((a, b) => a.mac - b.mac));
  w.zt.node('m2').multicastUnsubscribe(w.zt.net.now, nwid, MDNS, 0);
  const left = w.zt.net.now;
  await w.run(560_000);
  assert.ok(w.zt.node('root').multicastMembers(nwid, MDNS, 0).includes(m2), 'still listed before 600 s');
  await w.run(left + 640_000 - w.zt.net.now);
  assert.deepEqual(w.zt.node('root').multicastMembers(nwid, MDNS, 0), [m1], 'gone after 600 s; m1 keeps renewing');
  assert.deepEqual(w.zt.node('ctl').multicastMembers(nwid, MDNS, 0), [m1]);
});

test('an unauthorized node: its LIKEs are not taken and its multicast frames are refused', async () => {
  const w = await world(96, ['m1', 'm2', 'evil']);
  const nwid = await network(w, {}, {});
  // A broadcast from m1 pushes m1's credentials to everyone, evil included.
  assert.equal(sendTo(w, 'm1', nwid, BROADCAST, 0x0800, text('hi')), null);
  await w.run(2000);
  assert.equal(received(w, 'evil', 'm1', nwid, 'hi'), 1);
  // evil is deauthorized: members receive the revocation, the controller stops configuring it.
  await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, 'evil')}`, { authorized: false });
  await w.run(1000);
  const evil = w.zt.id('evil').address;
  const MDNS = 0x01005e0000fb;
  w.zt.node('m1').multicastSubscribe(w.zt.net.now, nwid, MDNS, 0);
  await w.run(1000);
  // A LIKE from evil to m1 (m1 passes evil's gate since evil still holds its old config).
  const tLike = w.zt.net.now;
  w.zt.node('evil').multicastSubscribe(w.zt.net.now, nwid, MDNS, 0);
  await w.run(2000);
  assert.ok(sentPackets(w, 'evil', tLike).some((p) => p.to === 'm1' && p.verb === Verb.MULTICAST_LIKE), 'evil LIKEd to m1 (it holds m1 as a member)');
  assert.ok(!w.zt.node('m1').multicastMembers(nwid, MDNS, 0).includes(evil), 'm1 does not take LIKEs from a revoked member');
  const before = w.zt.host('m1').dropTotal('not_member');
  assert.equal(sendTo(w, 'evil', nwid, BROADCAST, 0x0800, text('from-evil')), null, 'evil still has a config and sends');
  await w.run(6000);
  assert.equal(received(w, 'm1', 'evil', nwid, 'from-evil') + received(w, 'm2', 'evil', nwid, 'from-evil'), 0);
  assert.ok(w.zt.host('m1').dropTotal('not_member') + w.zt.host('m2').dropTotal('not_member') > before, 'refused at the gate and counted');
});

test('an active bridge forwards a bridged host multicast: its group is LIKEd at once, members see the bridged source MAC', async () => {
  const w = await world(97, ['m1', 'm2', 'br']);
  const nwid = await network(w, {}, { br: { activeBridge: true } });
  const behind = 0x02aabbccddee;
  const group = 0x01005e00007b;
  const t0 = w.zt.net.now;
  assert.equal(w.zt.node('br').sendFrame(t0, nwid, { sourceMac: behind, destMac: group, etherType: 0x0800, vlanId: 0, data: text('from-behind') }), null);
  await w.run(3000);
  // The bridged group was learned and announced to the root and the controller right away.
  const likes = sentPackets(w, 'br', t0).filter((p) => p.verb === Verb.MULTICAST_LIKE);
  assert.deepEqual(likes.map((l) => l.to).sort(), ['ctl', 'root']);
  assert.ok(w.zt.node('root').multicastMembers(nwid, group, 0).includes(w.zt.id('br').address));
  // Nobody else subscribed that group: no member to send it to.
  assert.equal(framesSent(w, 'br', t0).length, 0);
  // A member's own broadcast reaches the bridge, which hands it to the hosts behind it.
  assert.equal(sendTo(w, 'm1', nwid, BROADCAST, 0x0800, text('to-everyone')), null);
  await w.run(3000);
  assert.equal(received(w, 'br', 'm1', nwid, 'to-everyone'), 1);
  // And a bridged host's broadcast reaches the members with its own MAC as the source.
  const t1 = w.zt.net.now;
  assert.equal(w.zt.node('br').sendFrame(w.zt.net.now, nwid, { sourceMac: behind, destMac: BROADCAST, etherType: 0x0800, vlanId: 0, data: text('bridged-bcast') }), null);
  await w.run(3000);
  const frames = framesSent(w, 'br', t1);
  assert.deepEqual(frames.map((f) => f.to).sort(), ['m1', 'm2']);
  for (const f of frames) assert.equal(f.msg.source, behind, 'flag 0x04: the bridged source MAC travels');
  for (const m of ['m1', 'm2']) {
    const got = w.zt.host(m).frames.filter((f) => new TextDecoder().decode(f.frame.data) === 'bridged-bcast');
    assert.equal(got.length, 1, m);
    assert.equal(got[0].frame.sourceMac, behind);
  }
  // A non-bridge may not send with a foreign source MAC.
  assert.equal(w.zt.node('m1').sendFrame(w.zt.net.now, nwid, { sourceMac: behind, destMac: BROADCAST, etherType: 0x0800, vlanId: 0, data: text('spoof') }), 'bad_source_mac');
});

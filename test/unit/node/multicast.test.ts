// The multicast verbs with exact bytes (spec 04 §8; issue #8): a root that takes LIKEs for
// any network and answers GATHERs; a member of a public network (its own controller, so
// the config needs no signature) that learns, answers, delivers, refuses and sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agree } from '../../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../../src/crypto/peer-keys.js';
import { dearmor } from '../../../src/protocol/armor.js';
import { decompressPacket } from '../../../src/protocol/compression.js';
import { ErrorCode, PACKET_IDX_PAYLOAD, PACKET_IDX_VERB, VERB_MASK, Verb } from '../../../src/protocol/constants.js';
import type { Identity } from '../../../src/protocol/identity.js';
import { parseInetAddress, type InetAddress } from '../../../src/protocol/inet-address.js';
import { packetIdBytes } from '../../../src/protocol/packet.js';
import { macForMember } from '../../../src/protocol/member-mac.js';
import { blankNetworkConfig, NETCONF_FLAG_DISABLE_COMPRESSION, NETCONF_FLAG_ENABLE_BROADCAST, NETWORK_TYPE_PUBLIC, SPECIALIST_ACTIVE_BRIDGE, type NetworkConfig } from '../../../src/protocol/netconf/network-config.js';
import { encodeError } from '../../../src/protocol/verbs/error.js';
import { decodeOk, encodeOk } from '../../../src/protocol/verbs/ok.js';
import { encodeOkHello } from '../../../src/protocol/verbs/ok-hello.js';
import { decodeWhois } from '../../../src/protocol/verbs/whois.js';
import { makeCom, signCom } from '../../../src/protocol/credentials/membership-certificate.js';
import { encodeRules } from '../../../src/protocol/rules/codec.js';
import { makeRule, RULE_ACTION_ACCEPT, RULE_ACTION_DROP, RULE_MATCH_DEST_ZEROTIER_ADDRESS } from '../../../src/protocol/rules/rule.js';
import { decodeMulticastLike, encodeMulticastLike } from '../../../src/protocol/verbs/multicast-like.js';
import { decodeMulticastGather, decodeOkMulticastGather, encodeMulticastGather, encodeOkMulticastGather } from '../../../src/protocol/verbs/multicast-gather.js';
import { decodeMulticastFrame, decodeOkMulticastFrame, encodeMulticastFrame } from '../../../src/protocol/verbs/multicast-frame.js';
import type { NodeHost } from '../../../src/node/host.js';
import type { VirtualFrame } from '../../../src/node/virtual-network.js';
import type { Node } from '../../../src/node/node.js';
import { forge, forgeHello, makeNode, ROOT_ADDR, type RecordingHost } from '../../helpers/node-harness.js';
import { testIdentity } from '../../sim/zt-net.js';

const self = testIdentity('mc-self');
const root = testIdentity('mc-root');
const A = testIdentity('mc-a');
const B = testIdentity('mc-b');
const C = testIdentity('mc-c');
const T0 = 1_000_000;
const BROADCAST = 0xffffffffffff;
const MDNS = { mac: 0x01005e0000fb, adi: 0 };
const OTHER_NWID = 0x1122334455000001n;
const ADDR = new Map<number, InetAddress>([
  // Distinct /24s: new identities are verified one per address bucket at a time.
  [A.address, parseInetAddress('198.51.101.1/9993')!],
  [B.address, parseInetAddress('198.51.102.1/9993')!],
  [C.address, parseInetAddress('198.51.103.1/9993')!],
  [root.address, ROOT_ADDR],
]);

interface Opened {
  isCompressed: boolean;
  to: number;
  verb: number;
  payload: Uint8Array;
  packet: Uint8Array;
}

/** Our datagrams to the identities we hold, opened (from `me`). */
function opened(host: RecordingHost, me: Identity, peers: Identity[]): Opened[] {
  const out: Opened[] = [];
  for (const s of host.take()) {
    const dest = s.data[8] * 2 ** 32 + ((s.data[9] << 24) >>> 0) + ((s.data[10] << 16) | (s.data[11] << 8) | s.data[12]);
    const peer = peers.find((p) => p.address === dest);
    if (!peer || s.data.length <= PACKET_IDX_PAYLOAD || s.data[13] === 0xff) continue;
    const pkt = s.data.slice();
    if (!dearmor(pkt, derivePeerKeys(agree(me.privateKey!, peer.publicKey)))) continue;
    const isCompressed = (pkt[PACKET_IDX_VERB] & 0x80) !== 0;
    const plain = decompressPacket(pkt);
    out.push({ isCompressed, to: dest, verb: plain[PACKET_IDX_VERB] & VERB_MASK, payload: plain.subarray(PACKET_IDX_PAYLOAD), packet: plain });
  }
  return out;
}

/** Each peer says HELLO and answers our confirming HELLO with OK(HELLO): a direct path. */
function hello(node: Node, host: RecordingHost, ...peers: Identity[]): void {
  for (const p of peers) {
    const at = ADDR.get(p.address)!;
    node.onDatagram(node.now, 1, at, forgeHello(p, node.identity, node.now, null));
    const ours = host.take().filter((s) => s.to.port === at.port && s.to.ip.every((b, i) => b === at.ip[i]) && (s.data[PACKET_IDX_VERB] & VERB_MASK) === Verb.HELLO);
    for (const h of ours) {
      const body = encodeOkHello({ timestamp: BigInt(node.now), protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1 });
      node.onDatagram(node.now, 1, at, forge(p, node.identity, Verb.OK, encodeOk({ inReVerb: Verb.HELLO, inRePacketId: packetIdBytes(h.data), body })));
    }
    assert.ok(node.getPeer(p.address)?.bestPath(node.now), `a direct path to ${p.address.toString(16)}`);
  }
}

function like(node: Node, from: Identity, nwid: bigint, ...groups: Array<{ mac: number; adi: number }>): void {
  node.onDatagram(node.now, 1, ADDR.get(from.address)!, forge(from, node.identity, Verb.MULTICAST_LIKE, encodeMulticastLike({ likes: groups.map((group) => ({ networkId: nwid, group })) })));
}

test('a root takes LIKEs for any network ("I am a root") and answers GATHERs without the requester, up to the limit', () => {
  const { node, host } = makeNode(root, root, T0);
  hello(node, host, A, B, C);
  for (const p of [A, B, C]) like(node, p, OTHER_NWID, MDNS);
  assert.deepEqual(node.multicastMembers(OTHER_NWID, MDNS.mac, 0), [A, B, C].map((p) => p.address).sort((x, y) => x - y));
  host.take();
  const ask = (limit: number): Opened[] => {
    const g = forge(A, root, Verb.MULTICAST_GATHER, encodeMulticastGather({ networkId: OTHER_NWID, flags: 0, group: MDNS, gatherLimit: limit }));
    node.onDatagram(node.now, 1, ADDR.get(A.address)!, g);
    return opened(host, root, [A]).filter((o) => o.verb === Verb.OK).map((o) => ({ ...o, gatherId: packetIdBytes(g) }));
  };
  const [ok] = ask(10);
  const msg = decodeOk(ok.payload);
  assert.equal(msg.inReVerb, Verb.MULTICAST_GATHER);
  const g = decodeOkMulticastGather(msg.body);
  assert.equal(g.results.totalKnown, 3, 'total counts every known member, the requester too');
  assert.deepEqual(g.results.members.sort(), [B.address, C.address].sort(), 'never the requester');
  const one = decodeOkMulticastGather(decodeOk(ask(1)[0].payload).body);
  assert.equal(one.results.members.length, 1);
  assert.equal(ask(0).length, 0, 'limit 0: no answer');
  // Only the requester is known: nothing to say, no answer.
  like(node, A, OTHER_NWID, { mac: 0x01005e000001, adi: 0 });
  host.take();
  node.onDatagram(node.now, 1, ADDR.get(A.address)!, forge(A, root, Verb.MULTICAST_GATHER, encodeMulticastGather({ networkId: OTHER_NWID, flags: 0, group: { mac: 0x01005e000001, adi: 0 }, gatherLimit: 5 })));
  assert.equal(opened(host, root, [A]).length, 0);
});

test('a plain node ignores LIKEs and GATHERs for a network it has not joined', () => {
  const { node, host } = makeNode(self, root, T0);
  hello(node, host, A);
  like(node, A, OTHER_NWID, MDNS);
  assert.deepEqual(node.multicastMembers(OTHER_NWID, MDNS.mac, 0), []);
  host.take();
  node.onDatagram(node.now, 1, ADDR.get(A.address)!, forge(A, self, Verb.MULTICAST_GATHER, encodeMulticastGather({ networkId: OTHER_NWID, flags: 0, group: MDNS, gatherLimit: 5 })));
  assert.equal(opened(host, self, [A]).filter((o) => o.verb === Verb.OK).length, 0);
});

/** `self` controls a public network of its own and is a member of it; A, B, C said HELLO. */
function member(over: Partial<NetworkConfig> = {}): { node: Node; host: RecordingHost; nwid: bigint; frames: VirtualFrame[] } {
  const { node, host } = makeNode(self, root, T0);
  const frames: VirtualFrame[] = [];
  (host as NodeHost).deliverFrame = (_nwid, f) => frames.push({ ...f, data: f.data.slice() });
  const nwid = (BigInt(self.address) << 24n) | 0x42n;
  const config: NetworkConfig = {
    ...blankNetworkConfig(nwid, self.address),
    type: NETWORK_TYPE_PUBLIC,
    flags: NETCONF_FLAG_ENABLE_BROADCAST,
    multicastLimit: 32,
    timestampMs: BigInt(T0),
    revision: 1n,
    rules: Uint8Array.of(0x01, 0x00),
    ruleCount: 1,
    ...over,
  };
  node.setNetworkController({ request: (req) => node.controllerLink.sendConfig(node.now, req.nwid, req.requestPacketId, req.identity.address, config) });
  node.join(T0, nwid);
  node.tick(T0 + 10);
  assert.equal(node.network(nwid)?.status, 'OK');
  hello(node, host, root, A, B, C);
  host.take();
  return { node, host, nwid, frames };
}

test('subscribing: a new group is LIKEd at once to the root; the list is the API view; unsubscribing sends nothing', () => {
  const { node, host, nwid } = member();
  node.multicastSubscribe(node.now, nwid, MDNS.mac, 0);
  node.multicastSubscribe(node.now, nwid, BROADCAST, 0x0a000001);
  const likes = opened(host, self, [root]).filter((o) => o.verb === Verb.MULTICAST_LIKE);
  assert.deepEqual(likes.map((l) => decodeMulticastLike(l.payload).likes.map((x) => x.group)), [[MDNS], [{ mac: BROADCAST, adi: 0x0a000001 }]], 'one LIKE per new group');
  node.multicastSubscribe(node.now, nwid, MDNS.mac, 0);
  assert.equal(opened(host, self, [root]).length, 0, 'a group already held is not announced again');
  const expected = [MDNS, { mac: BROADCAST, adi: 0x0a000001 }];
  assert.deepEqual(node.multicastSubscriptions(nwid), expected);
  assert.deepEqual(node.network(nwid)?.multicastSubscriptions, expected, 'the broadcast group (ff…ff, 0) is implicit and not listed');
  node.multicastUnsubscribe(node.now, nwid, MDNS.mac, 0);
  assert.deepEqual(node.multicastSubscriptions(nwid), [{ mac: BROADCAST, adi: 0x0a000001 }]);
  assert.equal(host.take().length, 0);
  // The next minute's ping check announces all groups, the broadcast group included.
  node.tick(T0 + 61_000);
  const all = opened(host, self, [root]).filter((o) => o.verb === Verb.MULTICAST_LIKE);
  assert.equal(all.length, 1);
  assert.deepEqual(decodeMulticastLike(all[0].payload).likes.map((l) => l.group), [{ mac: BROADCAST, adi: 0 }, { mac: BROADCAST, adi: 0x0a000001 }]);
});

test('a LIKE from a peer that passes the gate adds it and sends it our groups; ERROR(UNWANTED_MULTICAST) removes it', () => {
  const { node, host, nwid } = member();
  node.multicastSubscribe(node.now, nwid, MDNS.mac, 0);
  host.take();
  like(node, A, nwid, MDNS);
  assert.deepEqual(node.multicastMembers(nwid, MDNS.mac, 0), [A.address]);
  const toA = opened(host, self, [A]).filter((o) => o.verb === Verb.MULTICAST_LIKE);
  assert.equal(toA.length, 1, 'the gate opened for A and our LIKEs were due');
  assert.deepEqual(decodeMulticastLike(toA[0].payload).likes.map((l) => l.group), [MDNS, { mac: BROADCAST, adi: 0 }]);
  like(node, A, nwid, MDNS);
  assert.equal(opened(host, self, [A]).length, 0, 'not again within 60 s');
  const err = encodeError({ inReVerb: Verb.MULTICAST_FRAME, inRePacketId: new Uint8Array(8), code: ErrorCode.UNWANTED_MULTICAST, networkId: nwid, multicastGroup: MDNS });
  node.onDatagram(node.now, 1, ADDR.get(A.address)!, forge(A, self, Verb.ERROR, err));
  assert.deepEqual(node.multicastMembers(nwid, MDNS.mac, 0), []);
});

test('LIKEs expire 600 s after the last one, at the 30 s housekeeping', () => {
  const { node, nwid } = member();
  like(node, A, nwid, MDNS);
  like(node, B, nwid, MDNS);
  node.tick(T0 + 300_000);
  like(node, B, nwid, MDNS);
  for (let t = T0 + 300_000; t <= T0 + 599_000; t += 5_000) node.tick(t);
  assert.deepEqual(node.multicastMembers(nwid, MDNS.mac, 0).length, 2);
  for (let t = T0 + 600_000; t <= T0 + 640_000; t += 5_000) node.tick(t);
  assert.deepEqual(node.multicastMembers(nwid, MDNS.mac, 0), [B.address], 'A expired, B renewed at 300 s');
});

test('MULTICAST_FRAME: delivered with the sender MAC and the group MAC, answered with gather results (ourselves first)', () => {
  const { node, host, nwid, frames } = member();
  node.multicastSubscribe(node.now, nwid, MDNS.mac, 0);
  like(node, B, nwid, MDNS);
  host.take();
  const data = Uint8Array.of(1, 2, 3, 4);
  const mf = forge(A, self, Verb.MULTICAST_FRAME, encodeMulticastFrame({ networkId: nwid, flags: 0, gatherLimit: 5, group: MDNS, etherType: 0x0800, data }));
  node.onDatagram(node.now, 1, ADDR.get(A.address)!, mf);
  assert.equal(frames.length, 1);
  assert.deepEqual(frames[0], { sourceMac: macForMember(nwid, A.address), destMac: MDNS.mac, etherType: 0x0800, vlanId: 0, data });
  const oks = opened(host, self, [A]).filter((o) => o.verb === Verb.OK);
  assert.equal(oks.length, 1);
  const ok = decodeOk(oks[0].payload);
  assert.equal(ok.inReVerb, Verb.MULTICAST_FRAME);
  assert.deepEqual(ok.inRePacketId, packetIdBytes(mf));
  const body = decodeOkMulticastFrame(ok.body);
  assert.equal(body.flags, 0x02);
  assert.deepEqual(body.results, { totalKnown: 2, members: [self.address, B.address] }, 'we are subscribed: first; then B');

  // A source MAC that is not the sender's, from a non-bridge: dropped.
  node.onDatagram(node.now, 1, ADDR.get(A.address)!, forge(A, self, Verb.MULTICAST_FRAME, encodeMulticastFrame({ networkId: nwid, flags: 0, source: 0x020000000001, group: MDNS, etherType: 0x0800, data })));
  assert.equal(frames.length, 1);
  assert.equal(host.drops('bridging_not_allowed'), 1);
  // Our own MAC as the source, and a unicast "group": invalid.
  node.onDatagram(node.now, 1, ADDR.get(A.address)!, forge(A, self, Verb.MULTICAST_FRAME, encodeMulticastFrame({ networkId: nwid, flags: 0, source: macForMember(nwid, self.address), group: MDNS, etherType: 0x0800, data })));
  node.onDatagram(node.now, 1, ADDR.get(A.address)!, forge(A, self, Verb.MULTICAST_FRAME, encodeMulticastFrame({ networkId: nwid, flags: 0, group: { mac: 0x020000000002, adi: 0 }, etherType: 0x0800, data })));
  assert.equal(frames.length, 1);
  assert.equal(host.drops('malformed'), 2);
});

test('MULTICAST_FRAME from an active bridge with a bridged source: delivered with that source', () => {
  const { node, nwid, frames } = member({ specialists: [SPECIALIST_ACTIVE_BRIDGE | BigInt(A.address)] });
  const behind = 0x02aabbccddee;
  node.onDatagram(node.now, 1, ADDR.get(A.address)!, forge(A, self, Verb.MULTICAST_FRAME, encodeMulticastFrame({ networkId: nwid, flags: 0, source: behind, group: MDNS, etherType: 0x0800, data: Uint8Array.of(9) })));
  assert.equal(frames.length, 1);
  assert.equal(frames[0].sourceMac, behind);
});

test('multicast limit 0: a received MULTICAST_FRAME is dropped without a gather answer; our own are not sent', () => {
  const { node, host, nwid, frames } = member({ multicastLimit: 0 });
  node.onDatagram(node.now, 1, ADDR.get(A.address)!, forge(A, self, Verb.MULTICAST_FRAME, encodeMulticastFrame({ networkId: nwid, flags: 0, gatherLimit: 5, group: MDNS, etherType: 0x0800, data: Uint8Array.of(1) })));
  assert.equal(frames.length, 0);
  assert.equal(host.drops('multicast_disabled'), 1);
  assert.equal(opened(host, self, [A]).filter((o) => o.verb === Verb.OK).length, 0);
  const r = node.sendFrame(node.now, nwid, { sourceMac: macForMember(nwid, self.address), destMac: MDNS.mac, etherType: 0x0800, vlanId: 0, data: Uint8Array.of(1) });
  assert.equal(r, 'multicast_disabled');
});

test('sending with no known members: a GATHER to the root (limit ml + 1), then the queued frame goes to each member its answer names', () => {
  const { node, host, nwid } = member({ multicastLimit: 2 });
  const f = { sourceMac: macForMember(nwid, self.address), destMac: MDNS.mac, etherType: 0x0800, vlanId: 0, data: Uint8Array.of(7, 7) };
  assert.equal(node.sendFrame(node.now, nwid, f), null);
  const sent = opened(host, self, [root, A, B, C]);
  const gathers = sent.filter((o) => o.verb === Verb.MULTICAST_GATHER);
  assert.deepEqual(gathers.map((g) => g.to), [root.address], 'the root; the controller is ourselves');
  const g = decodeMulticastGather(gathers[0].payload);
  assert.equal(g.gatherLimit, 3, 'ml − 0 + 1');
  assert.deepEqual(g.group, MDNS);
  assert.equal(sent.filter((o) => o.verb === Verb.MULTICAST_FRAME).length, 0, 'nobody to send to yet');
  // The root answers with A, B and C: the frame goes to the first two only (limit 2).
  const body = encodeOkMulticastGather({ networkId: nwid, group: MDNS, results: { totalKnown: 3, members: [A.address, B.address, C.address] } });
  const ok = forge(root, self, Verb.OK, encodeOk({ inReVerb: Verb.MULTICAST_GATHER, inRePacketId: gathers[0].packet.subarray(0, 8), body }));
  node.onDatagram(node.now + 5, 1, ROOT_ADDR, ok);
  const frames = opened(host, self, [A, B, C]).filter((o) => o.verb === Verb.MULTICAST_FRAME);
  assert.deepEqual(frames.map((o) => o.to), [A.address, B.address]);
  for (const o of frames) {
    const m = decodeMulticastFrame(o.payload);
    assert.equal(m.gatherLimit, 3);
    assert.deepEqual(m.data, f.data);
  }
  assert.deepEqual(node.multicastMembers(nwid, MDNS.mac, 0), [A.address, B.address, C.address].sort((x, y) => x - y));
  // Three known ≥ 2: the next frame goes straight to two of them with gather limit 1.
  assert.equal(node.sendFrame(node.now, nwid, f), null);
  const next = opened(host, self, [root, A, B, C]);
  assert.equal(next.filter((o) => o.verb === Verb.MULTICAST_GATHER).length, 0);
  const direct = next.filter((o) => o.verb === Verb.MULTICAST_FRAME);
  assert.equal(direct.length, 2);
  for (const o of direct) assert.equal(decodeMulticastFrame(o.payload).gatherLimit, 1);
});

test('broadcast disabled: only ARP requests leave for the broadcast MAC', () => {
  const { node, nwid } = member({ flags: 0n });
  const src = macForMember(nwid, self.address);
  assert.equal(node.sendFrame(node.now, nwid, { sourceMac: src, destMac: BROADCAST, etherType: 0x0800, vlanId: 0, data: Uint8Array.of(1) }), 'broadcast_disabled');
  const arp = new Uint8Array(28);
  arp.set([0, 1, 8, 0, 6, 4, 0, 1]);
  arp.set([10, 0, 0, 9], 24);
  assert.equal(node.sendFrame(node.now, nwid, { sourceMac: src, destMac: BROADCAST, etherType: 0x0806, vlanId: 0, data: arp }), null);
});

test('MULTICAST_FRAMEs are compressed when worthwhile, never with DISABLE_COMPRESSION', () => {
  for (const flags of [NETCONF_FLAG_ENABLE_BROADCAST, NETCONF_FLAG_ENABLE_BROADCAST | NETCONF_FLAG_DISABLE_COMPRESSION]) {
    const { node, host, nwid } = member({ flags, multicastLimit: 1 });
    like(node, A, nwid, MDNS);
    host.take();
    assert.equal(node.sendFrame(node.now, nwid, { sourceMac: macForMember(nwid, self.address), destMac: MDNS.mac, etherType: 0x0800, vlanId: 0, data: new Uint8Array(600) }), null);
    const frames = opened(host, self, [A]).filter((o) => o.verb === Verb.MULTICAST_FRAME);
    assert.equal(frames.length, 1);
    assert.equal(frames[0].isCompressed, flags === NETCONF_FLAG_ENABLE_BROADCAST);
    assert.equal(decodeMulticastFrame(frames[0].payload).data.length, 600);
  }
});

test('an anchor of a joined network is an announce target and gets our explicit GATHERs (twice: always-contact and anchor)', () => {
  const { node, host, nwid } = member({ specialists: [0x0000040000000000n | BigInt(B.address)] });
  node.tick(node.now + 5_000);
  node.multicastSubscribe(node.now, nwid, MDNS.mac, 0);
  const likes = opened(host, self, [root, B]).filter((o) => o.verb === Verb.MULTICAST_LIKE);
  assert.deepEqual(likes.map((l) => l.to).sort(), [root.address, B.address].sort(), 'the anchor and the root are announce targets');
  assert.equal(node.sendFrame(node.now, nwid, { sourceMac: macForMember(nwid, self.address), destMac: 0x01005e000002, etherType: 0x0800, vlanId: 0, data: Uint8Array.of(1) }), null);
  const gathers = opened(host, self, [root, B]).filter((o) => o.verb === Verb.MULTICAST_GATHER).map((o) => o.to);
  // Root, controller (ourselves: not sent), the always-contact list (B), then the anchors again (B).
  assert.deepEqual(gathers, [root.address, B.address, B.address]);
});

test('the anchors and replicators of joined networks are kept in contact like upstreams: an unknown one is looked up', () => {
  const D = testIdentity('mc-d');
  // No groups (broadcast off, nothing subscribed): no LIKE to D that would look it up on its own.
  const { node, host } = member({ flags: 0n, specialists: [0x0000080000000000n | BigInt(D.address)] });
  node.tick(node.now + 5_000);
  const whois = opened(host, self, [root]).filter((o) => o.verb === Verb.WHOIS);
  assert.ok(whois.some((w) => decodeWhois(w.payload).addresses.includes(D.address)), 'WHOIS for the replicator');
});

test('private network: a GATHER with the requester COM inline opens the gate and is answered (trap 23); without it, not', () => {
  const nwid = (BigInt(self.address) << 24n) | 0x42n;
  const com = (who: Identity) => signCom(makeCom({ networkId: nwid, timestampMs: T0, maxDeltaMs: 1_800_000, issuedTo: who }), self);
  const { node, host } = member({ type: 0, com: com(self) });
  like(node, B, nwid, MDNS);
  assert.deepEqual(node.multicastMembers(nwid, MDNS.mac, 0), [], 'B has shown no COM: its LIKE is refused');
  node.multicastSubscribe(node.now, nwid, MDNS.mac, 0);
  host.take();
  const ask = (withCom: boolean): Opened[] => {
    const g = encodeMulticastGather({ networkId: nwid, flags: 0, group: MDNS, gatherLimit: 8, ...(withCom ? { com: com(A) } : {}) });
    node.onDatagram(node.now, 1, ADDR.get(A.address)!, forge(A, self, Verb.MULTICAST_GATHER, g));
    return opened(host, self, [A]).filter((o) => o.verb === Verb.OK);
  };
  assert.equal(ask(false).length, 0, 'A is not known to be a member: no answer');
  const oks = ask(true);
  assert.equal(oks.length, 1);
  assert.deepEqual(decodeOkMulticastGather(decodeOk(oks[0].payload).body).results, { totalKnown: 1, members: [self.address] }, 'we are subscribed');
  like(node, A, nwid, MDNS);
  assert.deepEqual(node.multicastMembers(nwid, MDNS.mac, 0), [A.address], 'and its LIKEs are now taken');
});

test('a recipient the outbound rules refuse still counts towards the limit (trap 20)', () => {
  const rules = [makeRule(RULE_MATCH_DEST_ZEROTIER_ADDRESS, { address: A.address }), makeRule(RULE_ACTION_DROP), makeRule(RULE_ACTION_ACCEPT)];
  const { node, host, nwid } = member({ multicastLimit: 2, rules: encodeRules(rules), ruleCount: rules.length });
  for (const p of [A, B, C]) like(node, p, nwid, MDNS);
  host.take();
  const counts: number[] = [];
  for (let i = 0; i < 24; i++) {
    assert.equal(node.sendFrame(node.now, nwid, { sourceMac: macForMember(nwid, self.address), destMac: MDNS.mac, etherType: 0x0800, vlanId: 0, data: Uint8Array.of(i) }), null);
    const frames = opened(host, self, [A, B, C]).filter((o) => o.verb === Verb.MULTICAST_FRAME);
    assert.ok(!frames.some((f) => f.to === A.address), 'never to A');
    counts.push(frames.length);
  }
  assert.ok(counts.every((c) => c === 1 || c === 2), String(counts));
  assert.ok(counts.includes(1), `A was drawn and counted at least once: ${counts}`);
  assert.ok(counts.includes(2), `B and C were drawn together at least once: ${counts}`);
});

test('replicators: a member sends one frame (flags 0x0c, our MAC) to the alive replicator; the replicator re-sends it to the others', () => {
  const REPLICATOR = 0x0000080000000000n;
  const { node, host, nwid } = member({ specialists: [REPLICATOR | BigInt(A.address)] });
  for (const p of [B, C]) like(node, p, nwid, MDNS);
  host.take();
  assert.equal(node.sendFrame(node.now, nwid, { sourceMac: macForMember(nwid, self.address), destMac: MDNS.mac, etherType: 0x0800, vlanId: 0, data: Uint8Array.of(5) }), null);
  const sent = opened(host, self, [root, A, B, C]);
  assert.deepEqual(sent.map((o) => [o.to, o.verb]), [[A.address, Verb.MULTICAST_FRAME]], 'only the replicator, no gather');
  const m = decodeMulticastFrame(sent[0].payload);
  assert.equal(m.flags, 0x0c);
  assert.equal(m.source, macForMember(nwid, self.address));

  // On the replicator (ourselves this time): A's frame reaches B and C with A's MAC as the
  // source. Fewer members than the limit: the queue branch, which (1.14.1 quirk) records the
  // origin as sent but still sends to every known member, A included (A drops it: its own MAC).
  const r = member({ specialists: [REPLICATOR | BigInt(self.address)] });
  for (const p of [A, B, C]) like(r.node, p, r.nwid, MDNS);
  r.host.take();
  const frame = encodeMulticastFrame({ networkId: r.nwid, flags: 0x08, source: macForMember(r.nwid, A.address), group: MDNS, etherType: 0x0800, data: Uint8Array.of(6) });
  r.node.onDatagram(r.node.now, 1, ADDR.get(A.address)!, forge(A, self, Verb.MULTICAST_FRAME, frame));
  assert.equal(r.frames.length, 1, 'delivered locally too');
  const copies = opened(r.host, self, [A, B, C]).filter((o) => o.verb === Verb.MULTICAST_FRAME);
  assert.deepEqual(copies.map((o) => o.to).sort(), [A.address, B.address, C.address].sort());
  for (const o of copies) {
    const c = decodeMulticastFrame(o.payload);
    assert.equal(c.flags, 0x06);
    assert.equal(c.source, macForMember(r.nwid, A.address));
    assert.equal(c.gatherLimit, 32 - 3 + 1);
  }
});

test('a new group goes at once to the announce targets and to every allowed member we hold a record of', () => {
  const { node, host, nwid } = member();
  like(node, A, nwid, MDNS); // A passes the (public) gate: a record, and our LIKEs went to it
  host.take();
  node.multicastSubscribe(node.now, nwid, 0x01005e000002, 0);
  const likes = opened(host, self, [root, A, B]).filter((o) => o.verb === Verb.MULTICAST_LIKE);
  assert.deepEqual(likes.map((l) => l.to).sort(), [root.address, A.address].sort(), 'B has no record: not told');
  for (const l of likes) assert.deepEqual(decodeMulticastLike(l.payload).likes.map((x) => x.group), [{ mac: 0x01005e000002, adi: 0 }]);
});

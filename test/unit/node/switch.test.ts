// The frame switch (04 §7) on one node with a recording host: what leaves for the TAP and
// for peers, exactly, for unicast, bridging, spraying, rule copies, inline COMs, hostile
// EXT_FRAMEs; and its pure parts (bridge routes, NDP answers, no ZeroTier over ZeroTier).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agree } from '../../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../../src/crypto/peer-keys.js';
import { dearmor } from '../../../src/protocol/armor.js';
import { decompressPacket } from '../../../src/protocol/compression.js';
import { PACKET_IDX_PAYLOAD, PACKET_IDX_VERB, VERB_FLAG_COMPRESSED, VERB_MASK, Verb, ErrorCode } from '../../../src/protocol/constants.js';
import type { Identity } from '../../../src/protocol/identity.js';
import { inetAddressEquals, parseInetAddress } from '../../../src/protocol/inet-address.js';
import { macForMember } from '../../../src/protocol/member-mac.js';
import { blankNetworkConfig, NETCONF_FLAG_ENABLE_IPV6_NDP_EMULATION, NETWORK_TYPE_PUBLIC, SPECIALIST_ACTIVE_BRIDGE, type NetworkConfig } from '../../../src/protocol/netconf/network-config.js';
import { encodeNetworkConfig } from '../../../src/protocol/netconf/config-dictionary.js';
import { makeCom, signCom } from '../../../src/protocol/credentials/membership-certificate.js';
import { encodeRules } from '../../../src/protocol/rules/codec.js';
import { rulesFromJson } from '../../../src/controller/rules-json.js';
import { decodeExtFrame, encodeExtFrame, type EXT_FRAME } from '../../../src/protocol/verbs/ext-frame.js';
import { decodeFrame, encodeFrame } from '../../../src/protocol/verbs/frame.js';
import { decodeError } from '../../../src/protocol/verbs/error.js';
import { decodeOk, encodeOk } from '../../../src/protocol/verbs/ok.js';
import { encodeOkHello } from '../../../src/protocol/verbs/ok-hello.js';
import { packetIdBytes } from '../../../src/protocol/packet.js';
import { rfc4193Ip, sixPlaneIp } from '../../../src/protocol/zt-ipv6.js';
import { BridgeRoutes } from '../../../src/node/bridge-routes.js';
import { ndpAnswer, ndpPrefixes } from '../../../src/node/ndp-emulation.js';
import { staticIpsContain } from '../../../src/node/switch.js';
import type { VirtualFrame } from '../../../src/node/virtual-network.js';
import type { Node } from '../../../src/node/node.js';
import type { NodeHost } from '../../../src/node/host.js';
import { forge, forgeHello, makeNode, type RecordingHost } from '../../helpers/node-harness.js';
import { Prng } from '../../helpers/prng.js';
import { testIdentity } from '../../sim/zt-net.js';

const self = testIdentity('switch-self');
const root = testIdentity('switch-root');
const ctl = testIdentity('switch-ctl');
const P = testIdentity('switch-p');
const Q = testIdentity('switch-q');
const T0 = 1_000_000;
const NWID = (BigInt(ctl.address) << 24n) | 0x0000a1n;
const ADDR: Record<string, string> = { p: '198.51.100.7/40000', q: '192.0.2.8/40000', ctl: '100.64.9.9/40000' };
const mac = (id: Identity): number => macForMember(NWID, id.address);
const FOREIGN_MAC = 0x02aabbccddeen;
const FOREIGN = Number(FOREIGN_MAC);

interface Opts {
  bridges?: Identity[];
  rules?: unknown[];
  isPrivate?: boolean;
  multicastLimit?: number;
  ndp?: boolean;
}

function config(o: Opts): NetworkConfig {
  const c = blankNetworkConfig(NWID, self.address);
  c.timestampMs = BigInt(T0);
  c.revision = 1n;
  c.type = o.isPrivate ? 0 : NETWORK_TYPE_PUBLIC;
  c.multicastLimit = o.multicastLimit ?? 32;
  c.rules = encodeRules(rulesFromJson(o.rules ?? [{ type: 'ACTION_ACCEPT' }]));
  c.ruleCount = (o.rules ?? [1]).length;
  c.specialists = (o.bridges ?? []).map((b) => SPECIALIST_ACTIVE_BRIDGE | BigInt(b.address));
  if (o.ndp) {
    c.flags |= NETCONF_FLAG_ENABLE_IPV6_NDP_EMULATION;
    c.staticIps = [
      { family: 6, ip: rfc4193Ip(NWID, self.address), port: 88 },
      { family: 6, ip: sixPlaneIp(NWID, self.address), port: 40 },
    ];
  }
  if (o.isPrivate) c.com = signCom(makeCom({ networkId: NWID, timestampMs: BigInt(T0), maxDeltaMs: 1_800_000n, issuedTo: self }), ctl);
  return c;
}

/** HELLOs from the peers, and OK(HELLO)s to our HELLOs back, so each has a confirmed path. */
function learnPeers(node: Node, host: RecordingHost, peers: Array<readonly [Identity, string]>): void {
  for (const [id, a] of peers) node.onDatagram(T0, 1, parseInetAddress(a)!, forgeHello(id, self, T0, null));
  for (const s of host.take()) {
    if ((s.data[PACKET_IDX_VERB] & VERB_MASK) !== Verb.HELLO) continue;
    const who = peers.find(([, a]) => inetAddressEquals(parseInetAddress(a)!, s.to));
    if (!who) continue;
    const body = encodeOkHello({ timestamp: BigInt(T0), protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1 });
    node.onDatagram(T0 + 1, 1, s.to, forge(who[0], self, Verb.OK, encodeOk({ inReVerb: Verb.HELLO, inRePacketId: packetIdBytes(s.data), body })));
  }
  host.take();
}

interface Rig {
  node: Node;
  host: RecordingHost;
  delivered: Array<{ nwid: bigint; frame: VirtualFrame }>;
}

/** A node on the network, knowing P and Q (and the controller) by their HELLOs. */
function rig(o: Opts = {}): Rig {
  const { node, host } = makeNode(self, root, T0);
  const delivered: Rig['delivered'] = [];
  (host as NodeHost).deliverFrame = (nwid: bigint, frame: VirtualFrame): void => {
    delivered.push({ nwid, frame: { ...frame, data: frame.data.slice() } });
  };
  node.join(T0, NWID, encodeNetworkConfig(config(o)));
  learnPeers(node, host, [[P, ADDR.p], [Q, ADDR.q], [ctl, ADDR.ctl]]);
  return { node, host, delivered };
}

/** The packets sent to `to`, opened: verb and payload. */
function sentTo(host: RecordingHost, to: Identity): Array<{ verb: number; payload: Uint8Array }> {
  const keys = derivePeerKeys(agree(to.privateKey!, self.publicKey));
  const out: Array<{ verb: number; payload: Uint8Array }> = [];
  for (const s of host.take()) {
    let pkt: Uint8Array = s.data.slice();
    if (!dearmor(pkt, keys)) continue;
    if (pkt[PACKET_IDX_VERB] & VERB_FLAG_COMPRESSED) pkt = decompressPacket(pkt);
    out.push({ verb: pkt[PACKET_IDX_VERB] & VERB_MASK, payload: pkt.subarray(PACKET_IDX_PAYLOAD) });
  }
  return out;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const ipv4 = (s: string): Uint8Array => text(s.padEnd(20, '.'));
const frameTo = (dest: number, data: Uint8Array, src = mac(self), etherType = 0x0800): VirtualFrame => ({ sourceMac: src, destMac: dest, etherType, vlanId: 0, data });

function extFrameFrom(from: Identity, msg: Partial<EXT_FRAME>): Uint8Array {
  const payload = encodeExtFrame({ networkId: NWID, flags: 0, to: mac(self), from: mac(from), etherType: 0x0800, data: text('x'.repeat(20)), ...msg });
  return forge(from, self, Verb.EXT_FRAME, payload);
}

test('a frame to a member MAC leaves as FRAME; from a peer, FRAME reaches the TAP with derived MACs', () => {
  const { node, host, delivered } = rig();
  assert.equal(node.sendFrame(T0, NWID, frameTo(mac(P), ipv4('to-p'))), null);
  const out = sentTo(host, P).filter((x) => x.verb === Verb.FRAME);
  assert.equal(out.length, 1);
  const f = decodeFrame(out[0].payload);
  assert.equal(f.networkId, NWID);
  assert.equal(f.etherType, 0x0800);
  assert.deepEqual(f.data, ipv4('to-p'));

  node.onDatagram(T0 + 10, 1, parseInetAddress(ADDR.p)!, forge(P, self, Verb.FRAME, encodeFrame({ networkId: NWID, etherType: 0x0800, data: ipv4('from-p') })));
  assert.equal(delivered.length, 1);
  assert.deepEqual(delivered[0].frame, { sourceMac: mac(P), destMac: mac(self), etherType: 0x0800, vlanId: 0, data: ipv4('from-p') });
  // An empty FRAME is accepted and ignored.
  node.onDatagram(T0 + 20, 1, parseInetAddress(ADDR.p)!, forge(P, self, Verb.FRAME, encodeFrame({ networkId: NWID, etherType: 0x0800, data: new Uint8Array(0) })));
  assert.equal(delivered.length, 1);
});

test('TAP side: a frame to ourselves comes back; a bridged-in frame needs us to be a bridge, then leaves as EXT_FRAME', () => {
  const { node, host, delivered } = rig();
  assert.equal(node.sendFrame(T0, NWID, frameTo(mac(self), ipv4('loop'))), null);
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0].frame.destMac, mac(self));
  assert.equal(node.sendFrame(T0, NWID, frameTo(mac(P), ipv4('bridged'), FOREIGN)), 'bad_source_mac');
  assert.equal(sentTo(host, P).length, 0);

  const b = rig({ bridges: [self] });
  assert.equal(b.node.sendFrame(T0, NWID, frameTo(mac(P), ipv4('bridged'), FOREIGN)), null);
  const out = sentTo(b.host, P).filter((x) => x.verb === Verb.EXT_FRAME);
  assert.equal(out.length, 1);
  const e = decodeExtFrame(out[0].payload);
  assert.deepEqual({ flags: e.flags, to: e.to, from: e.from, com: e.com }, { flags: 0, to: mac(P), from: FOREIGN, com: undefined });
});

test('an unknown MAC is sprayed to the active bridges; an answer from one teaches the route, then only it gets frames', () => {
  const { node, host, delivered } = rig({ bridges: [P, Q, self] });
  assert.equal(node.sendFrame(T0, NWID, frameTo(FOREIGN, ipv4('who'))), null);
  const sent = host.take();
  assert.equal(sent.length, 2, 'one EXT_FRAME to each other bridge, none to ourselves');
  host.sent = sent;
  assert.equal(sentTo(host, P).filter((x) => x.verb === Verb.EXT_FRAME).length, 1);
  host.sent = sent;
  assert.equal(sentTo(host, Q).filter((x) => x.verb === Verb.EXT_FRAME).length, 1);

  node.onDatagram(T0 + 5, 1, parseInetAddress(ADDR.q)!, extFrameFrom(Q, { from: FOREIGN, data: ipv4('it is me') }));
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0].frame.sourceMac, FOREIGN);
  assert.equal(node.bridgeRouteOf(NWID, FOREIGN), Q.address);
  host.take();
  assert.equal(node.sendFrame(T0 + 10, NWID, frameTo(FOREIGN, ipv4('again'))), null);
  const again = host.take();
  assert.equal(again.length, 1);
  host.sent = again;
  assert.equal(sentTo(host, Q).filter((x) => x.verb === Verb.EXT_FRAME).length, 1, 'only the learned bridge');

  const none = rig();
  assert.equal(none.node.sendFrame(T0, NWID, frameTo(FOREIGN, ipv4('nobody'))), 'no_route');
});

test('receive side: a foreign source MAC from a non-bridge is dropped and counted, as is our own MAC; unicast to a foreign MAC needs us to be a bridge', () => {
  const { node, host, delivered } = rig({ bridges: [Q] });
  node.onDatagram(T0 + 1, 1, parseInetAddress(ADDR.p)!, extFrameFrom(P, { from: FOREIGN }));
  assert.equal(delivered.length, 0);
  assert.equal(host.drops('bridging_not_allowed'), 1);
  assert.equal(node.bridgeRouteOf(NWID, FOREIGN), 0);
  node.onDatagram(T0 + 2, 1, parseInetAddress(ADDR.p)!, extFrameFrom(P, { from: mac(self) }));
  assert.equal(host.drops('bad_source_mac'), 1);
  node.onDatagram(T0 + 3, 1, parseInetAddress(ADDR.p)!, extFrameFrom(P, { to: FOREIGN }));
  assert.equal(host.drops('bridging_not_allowed'), 2, 'we are no bridge');
  // Multicast from a member's own MAC is delivered.
  node.onDatagram(T0 + 4, 1, parseInetAddress(ADDR.p)!, extFrameFrom(P, { to: 0xffffffffffff }));
  assert.equal(delivered.length, 1);
  // Flag 0x10 asks for OK(EXT_FRAME).
  host.take();
  const pkt = extFrameFrom(P, { flags: 0x10 });
  node.onDatagram(T0 + 5, 1, parseInetAddress(ADDR.p)!, pkt);
  const oks = sentTo(host, P).filter((x) => x.verb === Verb.OK).map((x) => decodeOk(x.payload));
  assert.equal(oks.length, 1);
  assert.equal(oks[0].inReVerb, Verb.EXT_FRAME);
});

test('an inline COM in EXT_FRAME opens the gate of a private network; without one the sender is asked for it', () => {
  const { node, host, delivered } = rig({ isPrivate: true });
  node.onDatagram(T0 + 1, 1, parseInetAddress(ADDR.p)!, extFrameFrom(P, {}));
  assert.equal(delivered.length, 0);
  const errs = sentTo(host, P).filter((x) => x.verb === Verb.ERROR).map((x) => decodeError(x.payload));
  assert.equal(errs.length, 1);
  assert.equal(errs[0].code, ErrorCode.NEED_MEMBERSHIP_CERTIFICATE);
  const com = signCom(makeCom({ networkId: NWID, timestampMs: BigInt(T0), maxDeltaMs: 1_800_000n, issuedTo: P }), ctl);
  node.onDatagram(T0 + 2, 1, parseInetAddress(ADDR.p)!, extFrameFrom(P, { com, data: ipv4('with com') }));
  assert.equal(delivered.length, 1);
  assert.deepEqual(delivered[0].frame.data, ipv4('with com'));
});

test('rules: TEE sends an EXT_FRAME 0x02 copy (first bytes), REDIRECT sends 0x04 and not the original; inbound TEE is 0x08', () => {
  const qHex = Q.address.toString(16).padStart(10, '0');
  const tee = rig({ rules: [{ type: 'ACTION_TEE', address: qHex, flags: 0, length: 4 }, { type: 'ACTION_ACCEPT' }] });
  assert.equal(tee.node.sendFrame(T0, NWID, frameTo(mac(P), ipv4('teed'))), null);
  const sent = tee.host.take();
  tee.host.sent = sent;
  assert.equal(sentTo(tee.host, P).filter((x) => x.verb === Verb.FRAME).length, 1);
  tee.host.sent = sent;
  const copies = sentTo(tee.host, Q).filter((x) => x.verb === Verb.EXT_FRAME).map((x) => decodeExtFrame(x.payload));
  assert.equal(copies.length, 1);
  assert.deepEqual({ flags: copies[0].flags, to: copies[0].to, from: copies[0].from, data: copies[0].data }, { flags: 0x02, to: mac(P), from: mac(self), data: ipv4('teed').subarray(0, 4) });
  // Inbound: a FRAME from P is delivered and teed to Q with 0x08.
  tee.node.onDatagram(T0 + 1, 1, parseInetAddress(ADDR.p)!, forge(P, self, Verb.FRAME, encodeFrame({ networkId: NWID, etherType: 0x0800, data: ipv4('in') })));
  assert.equal(tee.delivered.length, 1);
  const inCopies = sentTo(tee.host, Q).filter((x) => x.verb === Verb.EXT_FRAME).map((x) => decodeExtFrame(x.payload));
  assert.deepEqual(inCopies.map((c) => [c.flags, c.from, c.to]), [[0x08, mac(P), mac(self)]]);

  const red = rig({ rules: [{ type: 'ACTION_REDIRECT', address: qHex, flags: 0 }, { type: 'ACTION_ACCEPT' }] });
  assert.equal(red.node.sendFrame(T0, NWID, frameTo(mac(P), ipv4('redirected'))), 'redirected');
  const rs = red.host.take();
  red.host.sent = rs;
  assert.equal(sentTo(red.host, P).length, 0, 'the original does not go');
  red.host.sent = rs;
  const r = sentTo(red.host, Q).filter((x) => x.verb === Verb.EXT_FRAME).map((x) => decodeExtFrame(x.payload));
  assert.deepEqual(r.map((c) => [c.flags, c.to, c.data.length]), [[0x04, mac(P), 20]]);
});

test('multicast: ARP requests are carried even with broadcast off; without a multicaster the drop is counted; the hook gets the group', () => {
  const { node, host } = rig();
  node.setMulticast(null);
  const arp = Uint8Array.from([0, 1, 8, 0, 6, 4, 0, 1, ...new Array(16).fill(0), 10, 147, 20, 61]);
  assert.equal(node.sendFrame(T0, NWID, frameTo(0xffffffffffff, arp, mac(self), 0x0806)), 'no_multicast');
  assert.equal(host.drops('no_multicast'), 1);
  assert.equal(node.sendFrame(T0, NWID, frameTo(0xffffffffffff, ipv4('bcast'))), 'broadcast_disabled');
  const calls: unknown[] = [];
  node.setMulticast({ send: (_now, net, group, src, et, data) => calls.push([net.id, group, src, et, data.length]) });
  assert.equal(node.sendFrame(T0, NWID, frameTo(0xffffffffffff, arp, mac(self), 0x0806)), null);
  assert.equal(node.sendFrame(T0, NWID, frameTo(0x3333ff000001, ipv4('v6 mc'), mac(self), 0x86dd)), null);
  assert.deepEqual(calls, [
    [NWID, { mac: 0xffffffffffff, adi: 0x0a93143d }, 0, 0x0806, 28],
    [NWID, { mac: 0x3333ff000001, adi: 0 }, 0, 0x86dd, 20],
  ]);
  const off = rig({ multicastLimit: 0 });
  assert.equal(off.node.sendFrame(T0, NWID, frameTo(0xffffffffffff, arp, mac(self), 0x0806)), 'multicast_disabled');
});

test('NDP emulation: a solicitation for a member 6PLANE/RFC4193 address is answered on the TAP, not sent', () => {
  const { node, host, delivered } = rig({ ndp: true });
  const target = sixPlaneIp(NWID, P.address);
  const ns = new Uint8Array(64);
  ns.set([0x60, 0, 0, 0, 0, 0x18, 0x3a, 0xff]);
  ns.set(sixPlaneIp(NWID, self.address), 8);
  ns[40] = 0x87;
  ns.set(target, 48);
  assert.equal(node.sendFrame(T0, NWID, frameTo(0x3333ff000001, ns, mac(self), 0x86dd)), null);
  assert.equal(host.take().length, 0);
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0].frame.sourceMac, mac(P));
  assert.equal(delivered[0].frame.destMac, mac(self));
  assert.deepEqual(delivered[0].frame.data.subarray(8, 24), target);
  assert.deepEqual(delivered[0].frame.data.subarray(24, 40), sixPlaneIp(NWID, self.address), 'destination = our matching static IP');
});

test('hostile EXT_FRAME and FRAME payloads are dropped and counted, never an internal error', () => {
  const { node, host } = rig({ bridges: [P] });
  const rnd = new Prng(8);
  const from = parseInetAddress(ADDR.p)!;
  const good = encodeExtFrame({ networkId: NWID, flags: 0x11, to: mac(self), from: mac(P), etherType: 0x0800, data: text('payload') });
  let t = T0;
  for (let i = 0; i < 400; i++) {
    let payload: Uint8Array;
    const kind = i % 4;
    if (kind === 0) payload = good.subarray(0, rnd.int(good.length));
    else if (kind === 1) payload = rnd.bytes(rnd.int(120));
    else {
      payload = good.slice();
      payload[8] = rnd.int(256); // flags, COM bit included
      if (kind === 3) for (let k = 0; k < 4; k++) payload[9 + rnd.int(payload.length - 9)] = rnd.int(256);
    }
    // The network ID kept for most, so the gate and the switch see them.
    if (kind !== 1 || i % 8 === 1) payload.set(good.subarray(0, Math.min(8, payload.length)));
    node.onDatagram((t += 1), 1, from, forge(P, self, i % 2 ? Verb.EXT_FRAME : Verb.FRAME, payload));
  }
  assert.equal(host.drops('internal_error'), 0);
  assert.ok(host.drops('truncated') + host.drops('malformed') > 0);
});

test('BridgeRoutes: learn overwrites; past the limit the address owning the most entries loses them all', () => {
  const t = new BridgeRoutes(4);
  t.learn(1, 0xa);
  t.learn(1, 0xb);
  assert.equal(t.find(1), 0xb);
  t.learn(2, 0xc);
  t.learn(3, 0xc);
  t.learn(4, 0xc);
  assert.equal(t.size, 4);
  t.learn(5, 0xb);
  assert.equal(t.size, 2, 'c held three of five');
  assert.equal(t.find(3), 0);
  assert.equal(t.find(5), 0xb);
});

test('ndpAnswer: a target embedding our own address, or outside our prefixes, gets no answer', () => {
  const prefixes = ndpPrefixes(NWID, [
    { family: 6, ip: rfc4193Ip(NWID, self.address), port: 88 },
    { family: 6, ip: sixPlaneIp(NWID, self.address), port: 64 },
  ]);
  assert.equal(prefixes.length, 1, 'a 6PLANE address is used only as /40');
  const ns = new Uint8Array(64);
  ns.set(rfc4193Ip(NWID, self.address), 48);
  assert.equal(ndpAnswer(NWID, self.address, prefixes, ns), null);
  ns.set(rfc4193Ip(NWID, P.address), 48);
  assert.equal(ndpAnswer(NWID, self.address, prefixes, ns)?.sourceMac, mac(P));
  ns.set(sixPlaneIp(NWID, P.address), 48);
  assert.equal(ndpAnswer(NWID, self.address, prefixes, ns), null);
});

test('no ZeroTier over ZeroTier: static IPv4 subnets exclude paths; IPv6 compares host bits as 1.14.1', () => {
  const c = blankNetworkConfig(NWID, self.address);
  c.staticIps = [
    { family: 4, ip: Uint8Array.of(10, 147, 20, 11), port: 24 },
    { family: 6, ip: rfc4193Ip(NWID, self.address), port: 88 },
    { family: 6, ip: sixPlaneIp(NWID, P.address), port: 128 },
  ];
  assert.ok(staticIpsContain(c, parseInetAddress('10.147.20.99/9993')!));
  assert.ok(!staticIpsContain(c, parseInetAddress('10.147.21.1/9993')!));
  assert.ok(!staticIpsContain(c, { family: 6, ip: rfc4193Ip(NWID, self.address), port: 9993 }), 'host bits set: 1.14.1 excludes nothing under a /88');
  assert.ok(staticIpsContain(c, { family: 6, ip: sixPlaneIp(NWID, P.address), port: 9993 }), 'a /128 excludes its address');
});

test('a path inside a joined network is not learned', () => {
  const r = makeNode(self, root, T0);
  const c = config({});
  c.staticIps = [{ family: 4, ip: Uint8Array.of(198, 51, 100, 1), port: 24 }];
  r.node.join(T0, NWID, encodeNetworkConfig(c));
  learnPeers(r.node, r.host, [[P, ADDR.p], [Q, ADDR.q]]);
  assert.equal(r.node.getPeer(P.address)?.paths.length ?? 0, 0, '198.51.100.7 lies in 198.51.100.0/24 of the network');
  assert.equal(r.node.getPeer(Q.address)?.paths.length, 1);
});

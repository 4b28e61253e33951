// Every path that handles bytes from the network, fed malformed and hostile input: the
// node drops and counts, never throws, and keeps working (issue #3, STYLE §5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agree } from '../../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../../src/crypto/peer-keys.js';
import { dearmor } from '../../../src/protocol/armor.js';
import { ErrorCode, PACKET_IDX_PAYLOAD, PACKET_IDX_VERB, PACKET_IDX_FLAGS, VERB_MASK, Verb } from '../../../src/protocol/constants.js';
import { Identity } from '../../../src/protocol/identity.js';
import { inetAddressToString, parseInetAddress } from '../../../src/protocol/inet-address.js';
import { packetIdBytes } from '../../../src/protocol/packet.js';
import { decodeError, encodeError } from '../../../src/protocol/verbs/error.js';
import { decodeOk, encodeOk, encodeOkWhois } from '../../../src/protocol/verbs/ok.js';
import { encodeOkHello } from '../../../src/protocol/verbs/ok-hello.js';
import { decodeRendezvous, encodeRendezvous } from '../../../src/protocol/verbs/rendezvous.js';
import { encodeWhois } from '../../../src/protocol/verbs/whois.js';
import { Prng } from '../../helpers/prng.js';
import { forge, forgeHello, makeNode, ROOT_ADDR, type RecordingHost } from '../../helpers/node-harness.js';
import { testIdentity } from '../../sim/zt-net.js';
import type { Node } from '../../../src/node/node.js';

const self = testIdentity('input-self');
const root = testIdentity('input-root');
const peerP = testIdentity('input-p');
const peerQ = testIdentity('input-q');
const P_ADDR = parseInetAddress('198.51.100.7/40000')!;
const P_ADDR_2 = parseInetAddress('198.51.100.8/40001')!;
const T0 = 1_000_000;

function opened(from: Identity, pkt: Uint8Array): Uint8Array {
  const copy = pkt.slice();
  assert.ok(dearmor(copy, derivePeerKeys(agree(from.privateKey!, self.publicKey))), 'reply authenticates');
  return copy;
}

/** A node that already knows P (P said HELLO from P_ADDR). */
function withPeer(): { node: Node; host: RecordingHost } {
  const r = makeNode(self, root, T0);
  r.node.onDatagram(T0, 1, P_ADDR, forgeHello(peerP, self, T0, null));
  assert.ok(r.node.getPeer(peerP.address), 'P known after its HELLO');
  r.host.take();
  return r;
}

function noInternalErrors(host: RecordingHost): void {
  assert.equal(host.drops('internal_error'), 0, JSON.stringify(host.events.filter((e) => e.type === 'drop' && e.reason === 'internal_error')));
}

test('a valid HELLO is answered with OK(HELLO) in suite 1, then suite 3 once the version is known', () => {
  const { node, host } = makeNode(self, root, T0);
  const hello = forgeHello(peerP, self, T0, parseInetAddress('10.0.0.1/9993'));
  node.onDatagram(T0, 1, P_ADDR, hello);
  const replies = host.take();
  const ok = replies.find((s) => s.to.port === P_ADDR.port && ((s.data[PACKET_IDX_FLAGS] >> 3) & 7) === 1)!;
  assert.ok(ok, 'OK over the receiving path, suite 1 for a new peer');
  const plain = opened(peerP, ok.data);
  assert.equal(plain[PACKET_IDX_VERB] & VERB_MASK, Verb.OK);
  const okMsg = decodeOk(plain.subarray(PACKET_IDX_PAYLOAD));
  assert.equal(okMsg.inReVerb, Verb.HELLO);
  assert.deepEqual(okMsg.inRePacketId, packetIdBytes(hello));
  node.onDatagram(T0 + 2000, 1, P_ADDR, forgeHello(peerP, self, T0 + 2000, null));
  const second = host.take().find((s) => s.to.port === P_ADDR.port && (s.data[PACKET_IDX_FLAGS] >> 3 & 7) === 3);
  assert.ok(second, 'suite 3 once P announced version 12');
  noInternalErrors(host);
});

test('HELLO drops: old version, wrong source, bad MAC, forged identity, compressed, rate limit', () => {
  const { node, host } = makeNode(self, root, T0);
  let t = T0;
  const from = (i: number) => parseInetAddress(`198.51.${100 + i}.1/9993`)!; // distinct /24 buckets
  node.onDatagram(t, 1, from(1), forgeHello(peerP, self, t, null, { protocolVersion: 3 }));
  assert.equal(host.drops('malformed'), 1);
  const wrongSource = forgeHello(peerP, self, t, null, { identity: peerQ.toPublic() });
  node.onDatagram(t, 1, from(2), wrongSource);
  assert.equal(host.drops('malformed'), 2, 'identity must match the header source');
  const badMac = forgeHello(peerP, self, t, null);
  badMac[20] ^= 1;
  node.onDatagram(t, 1, from(3), badMac);
  assert.equal(host.drops('bad_mac'), 1);
  // An identity claiming P's key under another address: the MAC verifies (same key) but
  // the proof of work does not.
  const forgedId = new Identity(peerP.address + 1, peerP.publicKey, peerP.privateKey);
  node.onDatagram(t, 1, from(4), forgeHello(forgedId, self, t, null));
  assert.equal(host.drops('invalid_identity'), 1);
  const compressed = forgeHello(peerP, self, t, null);
  compressed[PACKET_IDX_VERB] |= 0x80;
  node.onDatagram(t, 1, from(5), compressed);
  assert.equal(host.drops('malformed'), 3);
  // Two new identities from the same /24 within 2 s: the second waits.
  node.onDatagram(t, 1, parseInetAddress('192.0.2.10/1')!, forgeHello(peerP, self, t, null));
  node.onDatagram(t + 10, 1, parseInetAddress('192.0.2.11/1')!, forgeHello(peerQ, self, t + 10, null));
  assert.equal(host.drops('rate_limited'), 1);
  assert.ok(node.getPeer(peerP.address));
  assert.equal(node.getPeer(peerQ.address), undefined);
  t += 2001;
  node.onDatagram(t, 1, parseInetAddress('192.0.2.11/1')!, forgeHello(peerQ, self, t, null));
  assert.ok(node.getPeer(peerQ.address), 'accepted after the gate reopens');
  noInternalErrors(host);
});

test('a HELLO from a known address with another identity gets ERROR(IDENTITY_COLLISION), the peer is kept', () => {
  const { node, host } = withPeer();
  // An impostor with P's address but Q's keys; the MAC verifies under Q's key.
  const impostor = new Identity(peerP.address, peerQ.publicKey, peerQ.privateKey);
  node.onDatagram(T0 + 3000, 1, parseInetAddress('192.0.2.99/5')!, forgeHello(impostor, self, T0 + 3000, null));
  const sent = host.take();
  assert.equal(sent.length, 1);
  const plain = opened(impostor, sent[0].data);
  const err = decodeError(plain.subarray(PACKET_IDX_PAYLOAD));
  assert.equal(err.code, ErrorCode.IDENTITY_COLLISION);
  assert.equal(err.inReVerb, Verb.HELLO);
  assert.ok(node.getPeer(peerP.address)!.identity.equals(peerP), 'the original identity stays');
  noInternalErrors(host);
});

test('OK drops: unexpected reply, truncated OK(HELLO), OK(WHOIS) from a non-upstream or with garbage', () => {
  const { node, host } = withPeer();
  const t = T0 + 100;
  node.onDatagram(t, 1, P_ADDR, forge(peerP, self, Verb.OK, encodeOk({ inReVerb: Verb.ECHO, inRePacketId: new Uint8Array(8).fill(0xee), body: new Uint8Array(0) })));
  assert.equal(host.drops('unexpected_reply'), 1);
  // Make the node send a WHOIS and an ECHO so replies are expected.
  node.sendUserMessage(t, peerQ.address, 1n, new Uint8Array([1])); // queues + WHOIS to the root
  const whoisPkt = host.take().find((s) => s.to.port === ROOT_ADDR.port);
  assert.equal(whoisPkt, undefined, 'no path to the root yet: the WHOIS waits in the queue');
  // OK(WHOIS) from P (not an upstream) with Q's identity: ignored even if expected.
  // P speaks from a second address: the node confirms that path with a HELLO, whose packet
  // ID the forged OKs below answer (replies are matched by ID alone, 02 §4).
  node.onDatagram(t, 1, P_ADDR_2, forge(peerP, self, Verb.NOP, new Uint8Array(0)));
  const confirm = host.take().find((s) => inetAddressToString(s.to) === inetAddressToString(P_ADDR_2));
  assert.ok(confirm, 'a confirming HELLO goes to the new address');
  const fakeId = packetIdBytes(confirm.data);
  node.onDatagram(t, 1, P_ADDR, forge(peerP, self, Verb.OK, encodeOk({ inReVerb: Verb.WHOIS, inRePacketId: fakeId, body: encodeOkWhois({ identities: [peerQ.toPublic()] }) })));
  assert.equal(host.drops('not_upstream'), 1);
  assert.equal(node.getPeer(peerQ.address), undefined);
  // Truncated OK(HELLO) and garbage OK(WHOIS) from the root: malformed, nothing installed.
  node.onDatagram(t, 1, ROOT_ADDR, forgeHello(root, self, t, null));
  node.onDatagram(t, 1, ROOT_ADDR, forge(root, self, Verb.OK, encodeOk({ inReVerb: Verb.HELLO, inRePacketId: fakeId, body: new Uint8Array(5) })));
  node.onDatagram(t, 1, ROOT_ADDR, forge(root, self, Verb.OK, encodeOk({ inReVerb: Verb.WHOIS, inRePacketId: fakeId, body: new Uint8Array(30).fill(0xff) })));
  assert.equal(host.drops('truncated'), 1, 'the 5-byte OK(HELLO) body');
  assert.equal(host.drops('malformed'), 1, 'the 0xff identity in OK(WHOIS)');
  const goodOkHello = encodeOkHello({ timestamp: BigInt(t), protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1, surfaceAddress: P_ADDR, worldUpdates: new Uint8Array([1, 2, 3]) });
  node.onDatagram(t, 1, ROOT_ADDR, forge(root, self, Verb.OK, encodeOk({ inReVerb: Verb.HELLO, inRePacketId: fakeId, body: goodOkHello })));
  assert.equal(host.drops('truncated'), 2, 'a broken world in OK(HELLO) from a root is dropped');
  noInternalErrors(host);
});

test('ERROR and RENDEZVOUS: malformed, wrong sender, bad targets', () => {
  const { node, host } = withPeer();
  const t = T0 + 100;
  node.onDatagram(t, 1, P_ADDR, forge(peerP, self, Verb.ERROR, new Uint8Array(3)));
  assert.equal(host.drops('truncated'), 1, 'a 3-byte ERROR runs out of bytes');
  node.onDatagram(t, 1, P_ADDR, forge(peerP, self, Verb.ERROR, encodeError({ inReVerb: Verb.HELLO, inRePacketId: new Uint8Array(8), code: ErrorCode.IDENTITY_COLLISION })));
  assert.equal(host.events.filter((e) => e.type === 'identity_collision').length, 0, 'collision from a leaf is ignored');
  node.onDatagram(t, 1, P_ADDR, forge(peerP, self, Verb.RENDEZVOUS, encodeRendezvous({ flags: 0, with: peerQ.address, at: P_ADDR })));
  assert.equal(host.drops('not_upstream'), 1);
  node.onDatagram(t, 1, ROOT_ADDR, forgeHello(root, self, t, null));
  host.take();
  node.onDatagram(t, 1, ROOT_ADDR, forge(root, self, Verb.RENDEZVOUS, encodeRendezvous({ flags: 0, with: peerP.address, at: { ...P_ADDR, port: 0 } })));
  assert.equal(host.drops('path_not_acceptable'), 1, 'port 0');
  node.onDatagram(t, 1, ROOT_ADDR, forge(root, self, Verb.RENDEZVOUS, encodeRendezvous({ flags: 0, with: peerP.address, at: parseInetAddress('127.0.0.1/9993')! })));
  assert.equal(host.drops('path_not_acceptable'), 2, 'loopback is never a path');
  node.onDatagram(t, 1, ROOT_ADDR, forge(root, self, Verb.RENDEZVOUS, Uint8Array.of(0, 1, 2, 3, 4, 5, 0x27, 0x09, 7, 1, 2, 3, 4, 5, 6, 7)));
  assert.equal(host.drops('malformed'), 1, 'address length 7');
  // A good one: junk with TTL 2, then a probe.
  node.onDatagram(t, 1, ROOT_ADDR, forge(root, self, Verb.RENDEZVOUS, encodeRendezvous({ flags: 0, with: peerP.address, at: parseInetAddress('198.51.100.8/4444')! })));
  const out = host.take();
  assert.equal(out.length, 1, 'at first only the junk');
  assert.equal(out[0].data.length, 4);
  assert.equal(out[0].ttl, 2);
  assert.equal(out[0].to.port, 4444);
  // The probe follows 250 ms later, when the node's timer runs.
  assert.ok(node.onDatagram(t, 1, P_ADDR, new Uint8Array(4)) <= t + 250, 'the node asks to be woken for the probe');
  node.tick(t + 249);
  assert.ok(!host.take().some((s) => s.to.port === 4444), 'not before its time');
  node.tick(t + 250);
  const probes = host.take().filter((s) => s.to.port === 4444);
  assert.ok(probes.length >= 1 && probes.every((s) => s.ttl === undefined), 'probe to the introduced address, full TTL');
  noInternalErrors(host);
});

test('suites 2 and 4–7, unknown verbs and WHOIS rate limits', () => {
  const { node, host } = withPeer();
  const t = T0 + 100;
  for (const suite of [2, 4, 5, 6, 7]) {
    const pkt = forge(peerP, self, Verb.ECHO, new Uint8Array(4));
    pkt[PACKET_IDX_FLAGS] = (pkt[PACKET_IDX_FLAGS] & 0xc7) | (suite << 3);
    node.onDatagram(t, 1, P_ADDR, pkt);
  }
  assert.equal(host.drops('bad_cipher_suite'), 1);
  assert.equal(host.drops('bad_mac'), 4);
  node.onDatagram(t, 1, P_ADDR, forge(peerP, self, 0x1d, new Uint8Array(10)));
  assert.equal(host.take().length, 0, 'unknown verb: no reply, no drop');
  node.onDatagram(t, 1, P_ADDR, forge(peerP, self, Verb.WHOIS, encodeWhois({ addresses: [self.address] })));
  node.onDatagram(t + 50, 1, P_ADDR, forge(peerP, self, Verb.WHOIS, encodeWhois({ addresses: [self.address] })));
  assert.equal(host.take().length, 1, 'a leaf answers one WHOIS per 100 ms per peer');
  assert.equal(host.drops('rate_limited'), 1);
  noInternalErrors(host);
});

test('relaying: a leaf refuses without trust; a root relays until the hop limit', () => {
  const { node, host } = withPeer();
  const t = T0 + 100;
  node.onDatagram(t, 1, P_ADDR, forge(peerP, peerQ, Verb.ECHO, new Uint8Array(4)));
  assert.equal(host.drops('relay_not_allowed'), 1);
  // The root's point of view: P and Q both known with paths.
  const r = makeNode(root, root, T0);
  // Same scope as P (RENDEZVOUS needs a common one); 2.5 s later, past the per-/24 identity gate.
  const q = parseInetAddress('198.51.100.9/9993')!;
  r.node.onDatagram(T0, 1, P_ADDR, forgeHello(peerP, root, T0, null));
  r.node.onDatagram(T0 + 2500, 1, q, forgeHello(peerQ, root, T0 + 2500, null));
  // Paths are learned from direct OKs: answer the root's confirming HELLOs.
  for (const s of r.host.take()) {
    if ((s.data[PACKET_IDX_VERB] & VERB_MASK) !== Verb.HELLO) continue;
    const to = s.to.port === P_ADDR.port ? peerP : peerQ;
    const ok = forge(to, root, Verb.OK, encodeOk({ inReVerb: Verb.HELLO, inRePacketId: packetIdBytes(s.data), body: encodeOkHello({ timestamp: BigInt(T0), protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1 }) }));
    r.node.onDatagram(T0 + 2501, 1, s.to, ok);
  }
  r.host.take();
  assert.equal(r.node.status().isRoot, true);
  const echo = forge(peerP, peerQ, Verb.ECHO, new Uint8Array(4), { hops: 1 });
  r.node.onDatagram(T0 + 2502, 1, P_ADDR, echo);
  const relayed = r.host.take();
  const fwd = relayed.find((s) => s.to.port === q.port && s.data.length === echo.length)!;
  assert.ok(fwd, 'relayed to Q');
  assert.equal(fwd.data[PACKET_IDX_FLAGS] & 7, 2, 'hops incremented');
  const toP = relayed.filter((s) => s.to.port === P_ADDR.port).map((s) => {
    const c = s.data.slice();
    return dearmor(c, derivePeerKeys(agree(peerP.privateKey!, root.publicKey))) ? c : null;
  });
  const rv = toP.find((c) => c && (c[PACKET_IDX_VERB] & VERB_MASK) === Verb.RENDEZVOUS)!;
  assert.ok(rv, 'and P is told where Q is (RENDEZVOUS)');
  assert.equal(decodeRendezvous(rv.subarray(PACKET_IDX_PAYLOAD)).with, peerQ.address);
  assert.equal(inetAddressToString(decodeRendezvous(rv.subarray(PACKET_IDX_PAYLOAD)).at), '198.51.100.9/9993');
  r.node.onDatagram(T0 + 2503, 1, P_ADDR, forge(peerP, peerQ, Verb.ECHO, new Uint8Array(4), { hops: 3 }));
  assert.equal(r.host.drops('hop_limit'), 1);
  noInternalErrors(r.host);
  noInternalErrors(host);
});

test('a flood of garbage leaves the node working', () => {
  const { node, host } = withPeer();
  const rnd = new Prng(4242);
  let t = T0 + 1000;
  const sources = [P_ADDR, ROOT_ADDR, parseInetAddress('192.0.2.5/77')!];
  const valid = [forge(peerP, self, Verb.ECHO, new Uint8Array(20)), forgeHello(peerQ, self, t, null), forge(peerP, self, Verb.WHOIS, new Uint8Array(5))];
  for (let i = 0; i < 30_000; i++) {
    let d: Uint8Array;
    const kind = i % 4;
    if (kind === 0) d = rnd.bytes(rnd.int(1500));
    else if (kind === 1) {
      d = valid[rnd.int(valid.length)].slice();
      for (let k = 0; k < 1 + rnd.int(4); k++) d[rnd.int(d.length)] ^= 1 << rnd.int(8);
    } else if (kind === 2) {
      d = valid[rnd.int(valid.length)].slice(0, rnd.int(valid[0].length));
    } else {
      // Fragments and heads addressed to us with random bodies.
      d = rnd.bytes(17 + rnd.int(200));
      d.set([0xff], 13);
      d.set(self.address.toString(16).padStart(10, '0').match(/../g)!.map((h) => parseInt(h, 16)), 8);
      d[14] = rnd.int(256);
    }
    node.onDatagram(t, 1 + (i % 3), sources[i % 3], d);
    if (i % 1000 === 0) node.tick((t += 100));
  }
  noInternalErrors(host);
  const dropped = host.events.filter((e) => e.type === 'drop').length;
  assert.ok(dropped > 20_000, `garbage is counted as dropped (${dropped})`);
  host.take();
  node.onDatagram(t, 1, P_ADDR, forge(peerP, self, Verb.ECHO, Uint8Array.of(1, 2, 3)));
  const reply = host.take();
  assert.equal(reply.length, 1, 'still answers an ECHO');
  const plain = opened(peerP, reply[0].data);
  assert.deepEqual(decodeOk(plain.subarray(PACKET_IDX_PAYLOAD)).body, Uint8Array.of(1, 2, 3));
});

// The VL1 node on the simulated internet (issue #3 scenarios). Each test builds its own
// topology; everything runs on virtual time, deterministically from its seed.
//
//                 root 203.0.113.1:9993
//                /                     \
//   NAT 198.51.100.1 (type A)      NAT 198.51.100.2 (type B)
//        a 10.1.0.2                     b 10.2.0.2
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inetAddressToString } from '../../src/protocol/inet-address.js';
import type { NatType } from './nat.js';
import { ztNet, type ZtNet } from './zt-net.js';
import { Prng } from '../helpers/prng.js';

const MSG_TYPE = 0x10000n;

function twoBehindNats(seed: number, natA: NatType, natB: NatType, extra: { loss?: number } = {}, t?: { after(fn: () => void): unknown }): ZtNet {
  return ztNet({
    seed,
    t,
    latencyMs: 10,
    loss: extra.loss,
    hosts: [
      { name: 'root', public: '203.0.113.1', rootEndpoints: ['203.0.113.1/9993'] },
      { name: 'a', lan: '10.1.0.2', nat: natA, natPublic: '198.51.100.1' },
      { name: 'b', lan: '10.2.0.2', nat: natB, natPublic: '198.51.100.2' },
    ],
  });
}

/** Messages b received from a, by payload text. */
function received(zt: ZtNet, at: string, from: string): string[] {
  const src = zt.id(from).address;
  return zt
    .host(at)
    .eventsOf('user_message')
    .filter((e) => e.source === src)
    .map((e) => Buffer.from(e.data).toString());
}

function send(zt: ZtNet, from: string, to: string, text: string): void {
  zt.node(from).sendUserMessage(zt.net.now, zt.id(to).address, MSG_TYPE, Buffer.from(text));
}

/** The preferred direct path `at` has to `to`, as "ip/port", or null. */
function directPath(zt: ZtNet, at: string, to: string): string | null {
  const p = zt.node(at).peerInfo(zt.net.now).find((x) => x.address === zt.id(to).address);
  const pref = p?.paths.find((x) => x.isPreferred);
  return pref ? inetAddressToString(pref.address) : null;
}

/** Sends a→b every `everyMs` for `forMs`, returning how many were sent. */
function chatter(zt: ZtNet, forMs: number, everyMs: number, tag: string): number {
  let n = 0;
  for (let t = 0; t < forMs; t += everyMs) {
    send(zt, 'a', 'b', `${tag}${n++}`);
    zt.net.runFor(everyMs);
  }
  return n;
}

test('leaves come online through the root and learn their external addresses', (t) => {
  const zt = twoBehindNats(1, 'port-restricted', 'port-restricted', {}, t);
  assert.ok(zt.net.runUntil(() => zt.node('a').isOnline && zt.node('b').isOnline, 10_000), 'online within 10 s');
  assert.equal(directPath(zt, 'a', 'root'), '203.0.113.1/9993');
  assert.equal(zt.node('root').isOnline, true, 'a root is online by definition');
  const surfaces = zt.node('a').status().surfaceAddresses.map(inetAddressToString);
  assert.equal(surfaces.length, 1);
  assert.match(surfaces[0], /^198\.51\.100\.1\/\d+$/, 'a sees itself at its NAT address');
  const rootView = zt.node('root').peerInfo(zt.net.now).find((p) => p.address === zt.id('a').address)!;
  assert.equal(rootView.role, 'LEAF');
  assert.deepEqual(rootView.version, { protocol: 12, major: 1, minor: 14, revision: 1 });
});

test('a WHOIS for an unknown address is answered by the root', (t) => {
  const zt = twoBehindNats(2, 'full-cone', 'full-cone', {}, t);
  zt.net.runFor(6_000);
  assert.equal(zt.node('a').getPeer(zt.id('b').address), undefined);
  send(zt, 'a', 'b', 'hello');
  assert.ok(zt.net.runUntil(() => zt.node('a').getPeer(zt.id('b').address) !== undefined, 2_000));
  assert.ok(zt.node('a').getPeer(zt.id('b').address)!.identity.equals(zt.id('b')));
  assert.ok(zt.net.runUntil(() => received(zt, 'b', 'a').length === 1, 2_000), 'the queued message went out after the WHOIS');
  assert.deepEqual(received(zt, 'b', 'a'), ['hello']);
});

for (const [natA, natB] of [
  ['full-cone', 'port-restricted'],
  ['address-restricted', 'port-restricted'],
  ['port-restricted', 'port-restricted'],
  ['full-cone', 'symmetric'],
] as Array<[NatType, NatType]>) {
  test(`${natA} ↔ ${natB}: relayed first, then a direct path`, (t) => {
    const zt = twoBehindNats(3, natA, natB, {}, t);
    zt.net.runUntil(() => zt.node('a').isOnline && zt.node('b').isOnline, 10_000);
    const sent = chatter(zt, 90_000, 5_000, 'm');
    assert.ok(received(zt, 'b', 'a').length >= sent - 1, `delivered ${received(zt, 'b', 'a').length} of ${sent}`);
    const ab = directPath(zt, 'a', 'b');
    assert.ok(ab && ab.startsWith('198.51.100.2/'), `a has a direct path to b's NAT: ${ab}`);
    const ba = directPath(zt, 'b', 'a');
    assert.ok(ba && ba.startsWith('198.51.100.1/'), `b has a direct path to a's NAT: ${ba}`);
    // The last messages went straight between the NATs, not through the root.
    const since = zt.net.now - 10_000;
    const direct = zt.net.capture.filter((r) => r.sentMs >= since && r.fromHost === 'a' && r.toHost === 'b' && r.outcome === 'delivered');
    assert.ok(direct.length > 0, 'datagrams a→b delivered directly');
  });
}

for (const [natA, natB] of [
  ['symmetric', 'symmetric'],
  ['port-restricted', 'symmetric'],
] as Array<[NatType, NatType]>) test(`${natA} ↔ ${natB}: no hole can be punched, traffic stays relayed through the root and still flows`, (t) => {
  const zt = twoBehindNats(4, natA, natB, {}, t);
  zt.net.runUntil(() => zt.node('a').isOnline && zt.node('b').isOnline, 10_000);
  const sent = chatter(zt, 90_000, 5_000, 's');
  assert.ok(received(zt, 'b', 'a').length >= sent - 1, `delivered ${received(zt, 'b', 'a').length} of ${sent}`);
  assert.equal(directPath(zt, 'a', 'b'), null, 'no direct path');
  const viaRoot = zt.net.capture.filter((r) => r.fromHost === 'root' && r.toHost === 'b' && r.outcome === 'delivered' && r.sentMs > zt.net.now - 10_000);
  assert.ok(viaRoot.length > 0, 'the root is still relaying');
});

test('traffic survives 20% loss and still goes direct', (t) => {
  const zt = twoBehindNats(5, 'port-restricted', 'port-restricted', { loss: 0.2 }, t);
  zt.net.runUntil(() => zt.node('a').isOnline && zt.node('b').isOnline, 30_000);
  assert.ok(zt.node('a').isOnline && zt.node('b').isOnline, 'online despite loss');
  const sent = chatter(zt, 180_000, 3_000, 'l');
  const got = received(zt, 'b', 'a').length;
  // Each message crosses up to four lossy links (two access links twice when relayed).
  assert.ok(got >= sent * 0.35, `delivered ${got} of ${sent}`);
  assert.ok(directPath(zt, 'a', 'b'), 'direct path despite loss');
});

test('large packets are fragmented, relayed piece by piece through the root, and reassembled', (t) => {
  const zt = twoBehindNats(6, 'symmetric', 'symmetric', {}, t);
  zt.net.runUntil(() => zt.node('a').isOnline && zt.node('b').isOnline, 10_000);
  // Random bytes do not compress: 6 000 bytes need 5 datagrams at MTU 1432.
  const big = new Prng(66).bytes(6000);
  const sizesBefore = zt.net.capture.length;
  zt.node('a').sendUserMessage(zt.net.now, zt.id('b').address, MSG_TYPE, big);
  assert.ok(zt.net.runUntil(() => zt.host('b').eventsOf('user_message').some((e) => e.data.length === 6000), 5_000));
  const got = zt.host('b').eventsOf('user_message').find((e) => e.data.length === 6000)!;
  assert.deepEqual(got.data, big);
  const relayedPieces = zt.net.capture.slice(sizesBefore).filter((r) => r.fromHost === 'root' && r.toHost === 'b' && r.data[13] === 0xff);
  assert.ok(relayedPieces.length >= 4, `fragments relayed by the root: ${relayedPieces.length}`);
  assert.ok(relayedPieces.every((r) => (r.data[15] & 7) === 1), 'each relayed fragment has hops 1');
});

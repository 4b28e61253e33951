// The node when the world changes: the root disappears, a peer moves, a planet update
// arrives, a moon is orbited, the node restarts from its saved state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inetAddressToString } from '../../src/protocol/inet-address.js';
import { decodeWorld, encodeWorld, signWorld, WorldType } from '../../src/protocol/world.js';
import { parseInetAddress } from '../../src/protocol/inet-address.js';
import { generateC25519KeyPair } from '../../src/crypto/c25519.js';
import { ztNet, type ZtNet } from './zt-net.js';

const MSG = 0x10000n;

function net3(seed: number, t: { after(fn: () => void): unknown }, extraHosts: Parameters<typeof ztNet>[0]['hosts'] = []): ZtNet {
  return ztNet({
    seed,
    t,
    latencyMs: 10,
    hosts: [
      { name: 'root', public: '203.0.113.1', rootEndpoints: ['203.0.113.1/9993'] },
      { name: 'a', lan: '10.1.0.2', nat: 'port-restricted', natPublic: '198.51.100.1' },
      { name: 'b', lan: '10.2.0.2', nat: 'port-restricted', natPublic: '198.51.100.2' },
      ...extraHosts,
    ],
  });
}

function got(zt: ZtNet, at: string, from: string): string[] {
  return zt.host(at).eventsOf('user_message').filter((e) => e.source === zt.id(from).address).map((e) => Buffer.from(e.data).toString());
}

function say(zt: ZtNet, from: string, to: string, text: string): void {
  zt.node(from).sendUserMessage(zt.net.now, zt.id(to).address, MSG, Buffer.from(text));
}

function direct(zt: ZtNet, at: string, to: string): string | null {
  const p = zt.node(at).peerInfo(zt.net.now).find((x) => x.address === zt.id(to).address);
  const pref = p?.paths.find((x) => x.isPreferred);
  return pref ? inetAddressToString(pref.address) : null;
}

/** How `at` sees `of` (03 §8: PLANET, MOON or LEAF), from its peer listing. */
function roleOf(zt: ZtNet, at: string, of: string): string | undefined {
  return zt.node(at).peerInfo(zt.net.now).find((p) => p.address === zt.id(of).address)?.role;
}

function goDirect(zt: ZtNet): void {
  zt.net.runUntil(() => zt.node('a').isOnline && zt.node('b').isOnline, 10_000);
  for (let i = 0; i < 30 && !(direct(zt, 'a', 'b') && direct(zt, 'b', 'a')); i++) {
    say(zt, 'a', 'b', `warmup${i}`);
    zt.net.runFor(5_000);
  }
  assert.ok(direct(zt, 'a', 'b') && direct(zt, 'b', 'a'), 'direct before the test proper');
}

test('when the root goes away, direct paths keep working and new peers wait until it is back', (t) => {
  const zt = net3(10, t, [{ name: 'c', lan: '10.3.0.2', nat: 'full-cone', natPublic: '198.51.100.3', isDeferred: true }]);
  goDirect(zt);
  zt.host('root').goOffline();
  const before = got(zt, 'b', 'a').length;
  for (let i = 0; i < 24; i++) {
    say(zt, 'a', 'b', `during${i}`);
    zt.net.runFor(5_000);
  }
  assert.equal(got(zt, 'b', 'a').length - before, 24, 'every message arrived over the direct path');
  assert.ok(direct(zt, 'a', 'b'), 'still direct after 2 minutes without the root');

  zt.net.start('c', zt.factory('c'));
  zt.net.runFor(5_000);
  say(zt, 'c', 'b', 'lost?');
  zt.net.runFor(15_000);
  assert.deepEqual(got(zt, 'b', 'c'), [], 'c cannot find b without the root');
  assert.equal(zt.node('c').isOnline, false);

  zt.host('root').goOnline();
  assert.ok(zt.net.runUntil(() => zt.node('c').isOnline, 20_000), 'c comes online when the root is back');
  say(zt, 'c', 'b', 'found');
  assert.ok(zt.net.runUntil(() => got(zt, 'b', 'c').includes('found'), 10_000), 'and then reaches b');
});

test('a peer that moves to a new address is followed', (t) => {
  const zt = net3(11, t);
  goDirect(zt);
  zt.host('b').moveTo('198.51.100.22');
  let n = 0;
  const moved = (): boolean => (direct(zt, 'a', 'b') ?? '').startsWith('198.51.100.22/');
  for (; n < 60 && !moved(); n++) {
    say(zt, 'a', 'b', `after${n}`);
    zt.net.runFor(5_000);
  }
  assert.ok(moved(), `a follows b to its new address (now ${direct(zt, 'a', 'b')})`);
  const before = got(zt, 'b', 'a').length;
  for (let i = 0; i < 5; i++) {
    say(zt, 'a', 'b', `settled${i}`);
    zt.net.runFor(2_000);
  }
  assert.equal(got(zt, 'b', 'a').length - before, 5, 'messages flow again');
});

test('leaf cadence matches 1.14.1: WHOIS for the root every 5 s, full HELLO about every 225 s', (t) => {
  const zt = net3(12, t);
  zt.net.runUntil(() => zt.node('a').isOnline, 10_000);
  const start = zt.net.now;
  zt.net.runFor(460_000);
  const fromA = zt.net.capture.filter((r) => r.fromHost === 'a' && r.toHost === 'root' && r.sentMs > start);
  // Classify by length: WHOIS of the root is 28 + 5 = 33 bytes; a HELLO without moons is
  // 28 + 13 + 71 (identity) + 7 (IPv4 destination) + 16 (planet) + 2 (tail) = 137 bytes.
  const whois = fromA.filter((r) => r.data.length === 33);
  const hellos = fromA.filter((r) => r.data.length === 137);
  assert.ok(whois.length >= 85 && whois.length <= 93, `about one WHOIS per 5 s: ${whois.length}`);
  const helloTimes = [...new Set(hellos.map((r) => Math.round((r.sentMs - start) / 1000)))];
  assert.ok(helloTimes.length >= 2 && helloTimes.length <= 3, `full HELLOs at ${helloTimes.join(', ')} s`);
  for (let i = 1; i < helloTimes.length; i++) {
    const gap = helloTimes[i] - helloTimes[i - 1];
    assert.ok(gap >= 224 && gap <= 231, `gap ${gap} s between full HELLOs`);
  }
  assert.ok(zt.node('a').isOnline);
});

test('a newer planet signed with the current key reaches the leaves through OK(HELLO)', (t) => {
  const zt = net3(13, t);
  zt.net.runUntil(() => zt.node('a').isOnline, 10_000);
  const rev2 = signWorld(
    { ...zt.planet, timestamp: zt.planet.timestamp + 1n, roots: [{ ...zt.planet.roots[0], stableEndpoints: [...zt.planet.roots[0].stableEndpoints, parseInetAddress('203.0.113.9/9993')!] }] },
    zt.signingKey.publicKey,
    zt.signingKey.privateKey,
  );
  // Install it on the root only (as an operator would: new file, restart).
  zt.host('root').putState('planet', '', encodeWorld(rev2));
  zt.net.restart('root', zt.factory('root'));
  assert.equal(zt.node('root').status().planet!.timestamp, rev2.timestamp);
  assert.ok(zt.net.runUntil(() => zt.node('a').status().planet!.timestamp === rev2.timestamp, 300_000), 'leaf takes the update at its next full HELLO');
  const stored = decodeWorld(zt.host('a').getState('planet', '')!);
  assert.equal(stored.timestamp, rev2.timestamp, 'and stores it');

  // A revision signed by another key is refused.
  const rogueKey = generateC25519KeyPair(() => new Uint8Array(64).fill(7));
  const rogue = signWorld({ ...rev2, timestamp: rev2.timestamp + 1n }, rogueKey.publicKey, rogueKey.privateKey);
  zt.host('root').putState('planet', '', encodeWorld(rogue));
  zt.net.restart('root', zt.factory('root'));
  zt.net.runFor(300_000);
  assert.equal(zt.node('a').status().planet!.timestamp, rev2.timestamp, 'the rogue revision is not installed');
});

test('orbiting a moon through its seed installs it; deorbit removes it', (t) => {
  const zt = net3(14, t, [{ name: 'm', public: '203.0.113.50' }]);
  zt.net.runUntil(() => zt.node('a').isOnline && zt.node('m').isOnline, 10_000);
  const key = generateC25519KeyPair(() => new Uint8Array(64).fill(3));
  const moonId = BigInt(zt.id('m').address);
  const moon = signWorld(
    { type: WorldType.MOON, id: moonId, timestamp: 5n, updatesMustBeSignedBy: key.publicKey, roots: [{ identity: zt.id('m').toPublic(), stableEndpoints: [parseInetAddress('203.0.113.50/9993')!] }] },
    key.publicKey,
    key.privateKey,
  );
  zt.host('m').putState('moon', moonId.toString(16).padStart(16, '0'), encodeWorld(moon));
  zt.net.restart('m', zt.factory('m'));
  assert.equal(zt.node('m').status().isRoot, true, 'm is a root of its own moon');
  zt.node('a').orbit(zt.net.now, moonId, zt.id('m').address);
  assert.ok(zt.net.runUntil(() => zt.node('a').status().moons.some((m) => m.id === moonId && !m.isWaiting), 120_000), 'moon arrives from the seed');
  assert.equal(roleOf(zt, 'a', 'm'), 'MOON');
  assert.ok(zt.host('a').getState('moon', moonId.toString(16).padStart(16, '0')));
  zt.node('a').deorbit(zt.net.now, moonId);
  assert.equal(zt.node('a').status().moons.some((m) => m.id === moonId && !m.isWaiting), false);
  assert.ok(!zt.host('a').getState('moon', moonId.toString(16).padStart(16, '0')), 'moon file deleted');
  assert.equal(roleOf(zt, 'a', 'm'), 'LEAF');
});

test('idle peers go to the cache and come back after a restart with HELLOs to their old addresses', (t) => {
  const zt = net3(15, t);
  goDirect(zt);
  const bAddr = zt.id('b').address;
  zt.host('b').goOffline();
  zt.net.runFor(560_000); // nothing from b for more than 500 s: evicted at housekeeping
  assert.equal(zt.node('a').getPeer(bAddr), undefined, 'evicted from memory');
  const cached = zt.host('a').getState('peer', bAddr.toString(16).padStart(10, '0'));
  assert.ok(cached, 'written to peers.d');
  zt.host('b').goOnline();
  zt.net.restart('a', zt.factory('a'));
  assert.equal(zt.node('a').status().cachedPeers, 1, 'the restarted node read peers.d');
  assert.equal(zt.node('a').getPeer(bAddr), undefined, 'held in the cache, not in memory, until a packet names it');
  // VL1 has no retransmission: send once both are back in touch with the root.
  zt.net.runUntil(() => zt.node('a').isOnline && zt.node('b').isOnline && zt.node('root').getPeer(bAddr)!.isAlive(zt.net.now), 10_000);
  zt.net.runFor(5_000);
  say(zt, 'a', 'b', 'back');
  assert.ok(zt.net.runUntil(() => got(zt, 'b', 'a').includes('back'), 10_000));
  assert.equal(zt.node('a').getPeer(bAddr)!.version.protocol, 12, 'version restored from the cache');
});

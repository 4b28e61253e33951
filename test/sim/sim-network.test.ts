// The simulated network itself: latency, IP TTL and NAT-opening junk (03 §12.1), seeded
// loss, routing failures, the capture, and a full hole punch between two NAT'd hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/util/errors.js';
import { filterCapture, seenIn } from './capture.js';
import { endpointKey, ep } from './endpoint.js';
import type { NatType } from './nat.js';
import { simNet } from './scenario.js';
import type { SimNet } from './scenario.js';
import { ToyNode, ping } from './sim-toys.js';

const toy = (h: ConstructorParameters<typeof ToyNode>[0]) => new ToyNode(h);
type T = Parameters<typeof simNet>[0]['t'];

/** root on the internet; a and b each behind their own NAT. */
function twoLeaves(t: T, natA: NatType, natB: NatType, seed = 1): SimNet {
  return simNet({
    seed,
    t,
    latencyMs: 10,
    node: toy,
    hosts: [
      { name: 'root', public: '203.0.113.1' },
      { name: 'a', lan: '10.1.0.2', nat: natA, natPublic: '198.51.100.1' },
      { name: 'b', lan: '10.2.0.2', nat: natB, natPublic: '198.51.100.2' },
    ],
  });
}

function send(sim: SimNet, host: string, to: string, data: Uint8Array, ttl?: number): void {
  const h = sim.host(host);
  assert.equal(h.send(h.sockets[0], ep(to), data, ttl), true);
}

test('one-way latency is the sum of the links crossed; delivery is never synchronous', (t) => {
  const sim = simNet({
    seed: 1,
    t,
    node: toy,
    sites: [{ name: 'office', nat: 'full-cone', natPublic: '198.51.100.9', latencyMs: 7 }],
    hosts: [
      { name: 'x', public: '203.0.113.1', latencyMs: 10 },
      { name: 'y', public: '203.0.113.2', latencyMs: 25 },
      { name: 'z', lan: '10.9.0.2', site: 'office', latencyMs: 1 },
    ],
  });
  const t0 = sim.now;
  send(sim, 'x', '203.0.113.2/9993', ping());
  assert.equal(sim.node<ToyNode>('y').received.length, 0, 'not delivered inside send()');
  sim.runFor(1000);
  assert.equal(sim.node<ToyNode>('y').received[0].atMs - t0, 35);
  assert.equal(sim.node<ToyNode>('x').pongs()[0].atMs - t0, 70, 'round trip');
  const t1 = sim.now;
  send(sim, 'z', '203.0.113.1/9993', ping());
  sim.runFor(1000);
  assert.equal(sim.node<ToyNode>('x').from('198.51.100.9')[0].atMs - t1, 1 + 7 + 10);
});

test('TTL-2 junk from a NAT\'d host opens its own NAT but never reaches the far side (03 §12.1)', (t) => {
  const sim = twoLeaves(t, 'port-restricted', 'port-restricted');
  // Each leaf first talks to the root, which learns their public endpoints.
  send(sim, 'a', '203.0.113.1/9993', ping());
  send(sim, 'b', '203.0.113.1/9993', ping());
  sim.runFor(100);
  const [extA] = sim.node<ToyNode>('root').from('198.51.100.1').map((r) => r.from);
  const [extB] = sim.node<ToyNode>('root').from('198.51.100.2').map((r) => r.from);
  // b's probe to a is filtered: a's NAT has never seen b.
  send(sim, 'b', extA, Uint8Array.of(0x42));
  sim.runFor(100);
  assert.equal(sim.capture.at(-1)!.reason, 'nat_filtered');
  assert.equal(sim.capture.at(-1)!.where, 'a-lan:gw');
  // a sends 4 bytes of junk with TTL 2: it passes a's NAT and dies in the internet.
  send(sim, 'a', extB, Uint8Array.of(1, 2, 3, 4), 2);
  sim.runFor(100);
  const junk = sim.capture.at(-1)!;
  assert.equal(junk.outcome, 'dropped');
  assert.equal(junk.reason, 'ttl_expired');
  assert.equal(junk.where, 'internet');
  assert.equal(endpointKey(seenIn(junk, 'internet')!.src), extA, 'it left through the same mapping');
  assert.equal(sim.node<ToyNode>('b').received.filter((r) => r.data.length === 4).length, 0);
  // Now b's probe passes a's NAT: the junk installed the permit for b's endpoint.
  send(sim, 'b', extA, ping(7));
  sim.runFor(100);
  const probe = filterCapture(sim.capture, { fromHost: 'b', toHost: 'a' });
  assert.equal(probe.length, 1);
  assert.equal(endpointKey(probe[0].seenFrom!), extB);
  // …and a's reply reaches b directly, without touching the root.
  const direct = filterCapture(sim.capture, { fromHost: 'a', toHost: 'b', outcome: 'delivered' });
  assert.equal(direct.length, 1);
  assert.equal(direct[0].trace.some((h) => h.site === 'internet' && endpointKey(h.dst).startsWith('203.0.113.1')), false);
});

test('TTL: 3 hops between two NAT\'d hosts, 2 to a public host, 0 on a LAN', (t) => {
  const sim = simNet({
    seed: 1,
    t,
    node: toy,
    sites: [{ name: 'lan', nat: 'full-cone', natPublic: '198.51.100.1', portAllocation: 'preserve' }],
    hosts: [
      { name: 'a', lan: '10.1.0.2', site: 'lan' },
      { name: 'a2', lan: '10.1.0.3', site: 'lan' },
      { name: 'b', lan: '10.2.0.2', nat: 'full-cone', natPublic: '198.51.100.2', portAllocation: 'preserve' },
      { name: 'p', public: '203.0.113.5' },
    ],
  });
  // Open b's full-cone mapping at 198.51.100.2/9993 first.
  send(sim, 'b', '203.0.113.5/9993', Uint8Array.of(0));
  sim.runFor(10);
  const outcome = (to: string, ttl: number): string => {
    send(sim, 'a', to, Uint8Array.of(0), ttl);
    sim.runFor(10);
    const r = sim.capture.at(-1)!;
    return r.outcome === 'delivered' ? 'delivered' : `${r.reason}@${r.where}`;
  };
  assert.equal(outcome('198.51.100.2/9993', 1), 'ttl_expired@lan:gw', 'TTL 1: dies at its own NAT, which maps nothing');
  assert.equal(outcome('198.51.100.2/9993', 2), 'ttl_expired@internet');
  assert.equal(outcome('198.51.100.2/9993', 3), 'ttl_expired@b-lan:gw');
  assert.equal(outcome('198.51.100.2/9993', 4), 'delivered');
  assert.equal(outcome('203.0.113.5/9993', 2), 'ttl_expired@internet');
  assert.equal(outcome('203.0.113.5/9993', 3), 'delivered');
  assert.equal(outcome('10.1.0.3/9993', 1), 'delivered');
});

test('a TTL-1 datagram creates no NAT mapping', (t) => {
  const sim = twoLeaves(t, 'full-cone', 'full-cone');
  send(sim, 'a', '203.0.113.1/9993', Uint8Array.of(0), 1);
  sim.runFor(100);
  assert.equal(sim.net.gatewayOf('a-lan')!.mappings(sim.now).length, 0);
  send(sim, 'a', '203.0.113.1/9993', Uint8Array.of(0), 2);
  sim.runFor(100);
  assert.equal(sim.net.gatewayOf('a-lan')!.mappings(sim.now).length, 1);
});

/** 1000 pings from x to y over a link with `loss`; returns which ones arrived. */
function lossPattern(seed: number, loss: number): boolean[] {
  const sim = simNet({
    seed,
    node: toy,
    hosts: [
      { name: 'x', public: '203.0.113.1', loss },
      { name: 'y', public: '203.0.113.2' },
    ],
  });
  for (let i = 0; i < 1000; i++) send(sim, 'x', '203.0.113.2/9993', Uint8Array.of(0, i & 0xff, i >> 8));
  sim.runFor(10);
  const got = new Set(sim.node<ToyNode>('y').received.map((r) => r.data[1] | (r.data[2] << 8)));
  const lost = filterCapture(sim.capture, { reason: 'loss' });
  assert.ok(lost.every((r) => r.where === 'x:link'));
  assert.equal(lost.length + got.size, 1000);
  sim.destroy();
  return Array.from({ length: 1000 }, (_, i) => got.has(i));
}

test('seeded loss: the same seed loses the same datagrams, and 20% loss loses about 20%', () => {
  const a = lossPattern(11, 0.2);
  assert.deepEqual(lossPattern(11, 0.2), a);
  assert.notDeepEqual(lossPattern(12, 0.2), a);
  const lost = a.filter((x) => !x).length;
  assert.ok(lost > 160 && lost < 240, `lost ${lost} of 1000`);
  assert.equal(lossPattern(11, 0).filter((x) => !x).length, 0);
});

test('routing failures: another LAN\'s private address, unbound port, wrong family, bad socket', (t) => {
  const sim = simNet({
    seed: 1,
    t,
    node: toy,
    hosts: [
      { name: 'a', lan: '10.1.0.2', nat: 'full-cone', natPublic: '198.51.100.1' },
      { name: 'b', lan: '10.2.0.2', nat: 'full-cone', natPublic: '198.51.100.2' },
      { name: 'a2', lan: '10.1.0.3', site: 'a-lan' },
      { name: 'c', lan: '10.1.0.2', nat: 'full-cone', natPublic: '198.51.100.3' }, // same private IP as a, other LAN
      { name: 'p', public: ['203.0.113.5', '2001:db8::5'] },
    ],
  });
  send(sim, 'a', '10.2.0.2/9993', Uint8Array.of(0));
  sim.runFor(10);
  assert.equal(sim.capture.at(-1)!.reason, 'no_route', 'private addresses do not cross the internet');
  assert.equal(sim.capture.at(-1)!.where, 'internet');
  send(sim, 'c', '10.1.0.3/9993', Uint8Array.of(0));
  sim.runFor(10);
  assert.equal(sim.capture.at(-1)!.reason, 'no_route', 'c shares a\'s address plan, not a\'s LAN');
  send(sim, 'a', '10.1.0.3/9993', Uint8Array.of(0));
  sim.runFor(10);
  assert.equal(sim.capture.at(-1)!.toHost, 'a2');
  send(sim, 'a', '203.0.113.5/4444', Uint8Array.of(0));
  sim.runFor(10);
  assert.equal(sim.capture.at(-1)!.reason, 'port_unreachable');
  assert.equal(sim.capture.at(-1)!.toHost, 'p');
  // p has an IPv4 and an IPv6 socket; the IPv6 one cannot send to IPv4.
  const p = sim.host('p');
  assert.equal(sim.net.send('p', p.sockets[1], ep('203.0.113.5/9993'), Uint8Array.of(0)), false);
  assert.equal(sim.net.send('p', 999, ep('203.0.113.5/9993'), Uint8Array.of(0)), false);
  assert.equal(sim.net.send('a', p.sockets[0], ep('203.0.113.5/9993'), Uint8Array.of(0)), false, 'not a\'s socket');
  assert.equal(p.send(p.sockets[0], ep('203.0.113.5/0'), Uint8Array.of(0)), false);
  assert.equal(p.send(p.sockets[0], ep('203.0.113.5/9993'), new Uint8Array(65_508)), false);
  assert.equal(sim.capture.at(-1)!.reason, 'too_big');
});

test('configuration errors name the problem', (t) => {
  assert.throws(() => simNet({ seed: 1, t, hosts: [{ name: 'a', public: '203.0.113.1' }, { name: 'b', public: '203.0.113.1' }] }), ConfigError);
  assert.throws(() => simNet({ seed: 1, t, hosts: [{ name: 'a', lan: '10.0.0.1' }] }), /needs nat/);
  assert.throws(() => simNet({ seed: 1, t, hosts: [{ name: 'a', lan: '10.0.0.1', nat: 'symmetric' }] }), /needs natPublic/);
  assert.throws(() => simNet({ seed: 1, t, hosts: [{ name: 'a', public: '203.0.113.300' }] }), /IPv4 or IPv6/);
  assert.throws(
    () => simNet({ seed: 1, t, hosts: [{ name: 'a', public: '198.51.100.1' }, { name: 'b', lan: '10.0.0.1', nat: 'full-cone', natPublic: '198.51.100.1' }] }),
    /used twice/,
  );
});

/** Both leaves ping the root, then punch toward each other; returns whether a PONG crossed directly. */
function punch(natA: NatType, natB: NatType): boolean {
  const sim = twoLeaves(undefined, natA, natB);
  send(sim, 'a', '203.0.113.1/9993', ping());
  send(sim, 'b', '203.0.113.1/9993', ping());
  sim.runFor(100);
  const extA = sim.node<ToyNode>('root').from('198.51.100.1')[0].from;
  const extB = sim.node<ToyNode>('root').from('198.51.100.2')[0].from;
  // As after a RENDEZVOUS: junk with TTL 2 from both, then probes from both.
  send(sim, 'a', extB, Uint8Array.of(9, 9, 9, 9), 2);
  send(sim, 'b', extA, Uint8Array.of(9, 9, 9, 9), 2);
  sim.runFor(100);
  send(sim, 'a', extB, ping(1));
  send(sim, 'b', extA, ping(2));
  sim.runFor(100);
  const ok = filterCapture(sim.capture, { fromHost: 'a', toHost: 'b', outcome: 'delivered' }).length > 0;
  sim.destroy();
  return ok;
}

test('hole punching works through every pair of cone NATs and fails symmetric↔port-restricted', () => {
  assert.equal(punch('port-restricted', 'port-restricted'), true);
  assert.equal(punch('address-restricted', 'port-restricted'), true);
  assert.equal(punch('full-cone', 'symmetric'), true);
  assert.equal(punch('symmetric', 'port-restricted'), false);
  assert.equal(punch('symmetric', 'symmetric'), false);
});

// NAT and firewall behaviour by RFC 4787 type, observed end to end through the sim: which
// unsolicited inbound datagrams pass, how mappings are allocated, time out and hairpin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/util/errors.js';
import { filterCapture } from './capture.js';
import { ep } from './endpoint.js';
import { Nat } from './nat.js';
import type { NatType, PortAllocation } from './nat.js';
import { simNet } from './scenario.js';
import type { SimNet } from './scenario.js';
import { ToyNode, ping } from './sim-toys.js';

const toy = (h: ConstructorParameters<typeof ToyNode>[0]) => new ToyNode(h);

/** a (10.0.0.2 behind a NAT at 198.51.100.1), servers s1 (ports 9993 and 5000) and s2. */
interface LabExtra {
  portAllocation?: PortAllocation;
  mappingTimeoutMs?: number;
  isRefreshedByInbound?: boolean;
  latencyMs?: number;
  seed?: number;
}

function natLab(t: Parameters<typeof simNet>[0]['t'], nat: NatType, extra: LabExtra = {}): SimNet {
  return simNet({
    seed: extra.seed ?? 1,
    t,
    latencyMs: extra.latencyMs ?? 5,
    node: toy,
    hosts: [
      {
        name: 'a',
        lan: '10.0.0.2',
        nat,
        natPublic: '198.51.100.1',
        portAllocation: extra.portAllocation,
        mappingTimeoutMs: extra.mappingTimeoutMs,
        isRefreshedByInbound: extra.isRefreshedByInbound,
      },
      { name: 's1', public: '203.0.113.1', ports: [9993, 5000] },
      { name: 's2', public: '203.0.113.2' },
    ],
  });
}

/** a pings s1:9993 and returns the external endpoint s1 saw (after checking the PONG came back). */
function openMapping(sim: SimNet): string {
  sim.host('a').send(sim.host('a').sockets[0], ep('203.0.113.1', 9993), ping(1));
  sim.runFor(100);
  const seen = sim.node<ToyNode>('s1').received;
  assert.equal(seen.length, 1);
  assert.equal(sim.node<ToyNode>('a').pongs().length, 1, 'the reply to an outbound datagram passes every NAT type');
  return seen[0].from;
}

/** Sends a probe from (host, socket index) to `to`; returns where it ended. */
function probe(sim: SimNet, host: string, socketIndex: number, to: string): string {
  const before = sim.capture.length;
  const h = sim.host(host);
  h.send(h.sockets[socketIndex], ep(to), Uint8Array.of(0x7e));
  sim.runFor(100);
  const r = sim.capture.slice(before).find((x) => x.fromHost === host);
  assert.ok(r);
  return r.outcome === 'delivered' ? `delivered to ${r.toHost}` : `${r.reason}`;
}

const EXPECTED: Record<NatType, { otherPort: string; otherIp: string; isSamePortForNewDest: boolean }> = {
  'full-cone': { otherPort: 'delivered to a', otherIp: 'delivered to a', isSamePortForNewDest: true },
  'address-restricted': { otherPort: 'delivered to a', otherIp: 'nat_filtered', isSamePortForNewDest: true },
  'port-restricted': { otherPort: 'nat_filtered', otherIp: 'nat_filtered', isSamePortForNewDest: true },
  symmetric: { otherPort: 'nat_filtered', otherIp: 'nat_filtered', isSamePortForNewDest: false },
};

for (const nat of Object.keys(EXPECTED) as NatType[]) {
  test(`${nat}: mapping and filtering of unsolicited inbound datagrams`, (t) => {
    const sim = natLab(t, nat);
    const e = EXPECTED[nat];
    // Nothing is mapped yet: an inbound datagram to the NAT's address goes nowhere.
    assert.equal(probe(sim, 's2', 0, '198.51.100.1/9993'), 'nat_no_mapping');
    const ext = openMapping(sim);
    assert.match(ext, /^198\.51\.100\.1\/\d+$/, 'the server sees the NAT, not 10.0.0.2');
    assert.equal(probe(sim, 's1', 0, ext), 'delivered to a', 'the endpoint a talked to may send again');
    assert.equal(probe(sim, 's1', 1, ext), e.otherPort, 'same IP, other port');
    assert.equal(probe(sim, 's2', 0, ext), e.otherIp, 'other IP');
    // Mapping behaviour: a's datagram to a second destination.
    sim.host('a').send(sim.host('a').sockets[0], ep('203.0.113.2/9993'), ping(2));
    sim.runFor(100);
    const ext2 = sim.node<ToyNode>('s2').from('198.51.100.1')[0]?.from;
    assert.ok(ext2);
    assert.equal(ext2 === ext, e.isSamePortForNewDest, `external endpoints ${ext} / ${ext2}`);
    // Whatever the type, the second destination's reply reaches a.
    assert.equal(sim.node<ToyNode>('a').pongs().length, 2);
  });
}

test('symmetric NAT: a new external port per destination, each usable only by that destination', (t) => {
  const sim = natLab(t, 'symmetric', { portAllocation: 'sequential' });
  const a = sim.host('a');
  a.send(a.sockets[0], ep('203.0.113.1/9993'), ping());
  a.send(a.sockets[0], ep('203.0.113.1/5000'), ping());
  a.send(a.sockets[0], ep('203.0.113.2/9993'), ping());
  sim.runFor(100);
  const seen = [...sim.node<ToyNode>('s1').received, ...sim.node<ToyNode>('s2').received].map((r) => r.from);
  assert.deepEqual(seen.sort(), ['198.51.100.1/40000', '198.51.100.1/40001', '198.51.100.1/40002']);
  assert.equal(sim.node<ToyNode>('a').pongs().length, 3);
  assert.equal(sim.net.gatewayOf('a-lan')!.mappings(sim.now).length, 3);
  // s2 may not use s1's mapping.
  assert.equal(probe(sim, 's2', 0, '198.51.100.1/40000'), 'nat_filtered');
});

test('port allocation: preserve keeps the inside port when free, sequential counts, random is seeded', (t) => {
  const pres = simNet({
    seed: 1,
    t,
    node: toy,
    sites: [{ name: 'office', nat: 'port-restricted', natPublic: '198.51.100.7', portAllocation: 'preserve' }],
    hosts: [
      { name: 'b1', lan: '10.5.0.2', site: 'office' },
      { name: 'b2', lan: '10.5.0.3', site: 'office' },
      { name: 's1', public: '203.0.113.1' },
    ],
  });
  for (const n of ['b1', 'b2']) pres.host(n).send(pres.host(n).sockets[0], ep('203.0.113.1/9993'), ping());
  pres.runFor(10);
  assert.deepEqual(pres.node<ToyNode>('s1').received.map((r) => r.from), ['198.51.100.7/9993', '198.51.100.7/40000']);

  const ports = (seed: number): string => {
    const sim = natLab(undefined, 'port-restricted', { seed });
    const ext = openMapping(sim);
    sim.destroy();
    return ext;
  };
  assert.equal(ports(5), ports(5));
  assert.notEqual(ports(5), ports(6));
  const port = Number(ports(5).split('/')[1]);
  assert.ok(port >= 1024 && port <= 65535 && port !== 9993);
});

test('mappings time out after the idle time (default 120 s) unless refreshed by outbound traffic', (t) => {
  const sim = natLab(t, 'port-restricted', { latencyMs: 0, portAllocation: 'sequential' });
  const t0 = sim.now;
  const ext = openMapping(sim); // mapped at t0 (zero latency)
  sim.run(t0 + 119_999);
  assert.equal(probe(sim, 's1', 0, ext), 'delivered to a', 'inbound does not refresh (RFC 4787 REQ-6 option off)');
  assert.ok(sim.now >= t0 + 120_000);
  assert.equal(probe(sim, 's1', 0, ext), 'nat_no_mapping');
  // A new outbound datagram makes a new mapping on a new port.
  const ext2 = (() => {
    sim.host('a').send(sim.host('a').sockets[0], ep('203.0.113.1/9993'), ping());
    sim.runFor(10);
    return sim.node<ToyNode>('s1').received.at(-1)!.from;
  })();
  assert.notEqual(ext2, ext);
  // Keepalives every 60 s keep a mapping for ten minutes.
  for (let i = 0; i < 10; i++) {
    sim.runFor(60_000);
    sim.host('a').send(sim.host('a').sockets[0], ep('203.0.113.1/9993'), Uint8Array.of(0));
  }
  sim.runFor(1);
  assert.equal(probe(sim, 's1', 0, ext2), 'delivered to a');
});

test('mapping timeout is configurable', (t) => {
  const sim = natLab(t, 'full-cone', { latencyMs: 0, mappingTimeoutMs: 30_000 });
  const t0 = sim.now;
  const ext = openMapping(sim);
  sim.run(t0 + 29_000);
  assert.equal(probe(sim, 's2', 0, ext), 'delivered to a');
  sim.run(t0 + 30_000);
  assert.equal(probe(sim, 's2', 0, ext), 'nat_no_mapping');
});

test('isRefreshedByInbound: inbound traffic from a permitted endpoint keeps the mapping alive', (t) => {
  const sim = natLab(t, 'port-restricted', { latencyMs: 0, isRefreshedByInbound: true });
  const ext = openMapping(sim);
  for (let i = 0; i < 5; i++) {
    sim.runFor(100_000);
    assert.equal(probe(sim, 's1', 0, ext), 'delivered to a');
  }
});

test('firewall block-inbound-unsolicited: no translation, only replies from contacted endpoints pass', (t) => {
  const sim = simNet({
    seed: 1,
    t,
    node: toy,
    hosts: [
      { name: 'f', public: '203.0.113.9', firewall: 'block-inbound-unsolicited' },
      { name: 's1', public: '203.0.113.1', ports: [9993, 5000] },
    ],
  });
  assert.equal(probe(sim, 's1', 0, '203.0.113.9/9993'), 'nat_no_mapping');
  sim.host('f').send(sim.host('f').sockets[0], ep('203.0.113.1/9993'), ping());
  sim.runFor(10);
  assert.equal(sim.node<ToyNode>('s1').received[0].from, '203.0.113.9/9993', 'source not translated');
  assert.equal(sim.node<ToyNode>('f').pongs().length, 1);
  assert.equal(probe(sim, 's1', 0, '203.0.113.9/9993'), 'delivered to f');
  assert.equal(probe(sim, 's1', 1, '203.0.113.9/9993'), 'nat_filtered');
  assert.equal(sim.publicIp('f'), '203.0.113.9');
});

test('firewall block-udp drops all UDP both ways', (t) => {
  const sim = simNet({
    seed: 1,
    t,
    node: toy,
    hosts: [
      { name: 'u', public: '203.0.113.10', firewall: 'block-udp' },
      { name: 's1', public: '203.0.113.1' },
    ],
  });
  assert.equal(probe(sim, 'u', 0, '203.0.113.1/9993'), 'udp_blocked');
  assert.equal(probe(sim, 's1', 0, '203.0.113.10/9993'), 'udp_blocked');
  assert.equal(sim.node<ToyNode>('s1').received.length, 0);
});

test('hairpinning is off by default; when on, the inside peer sees the external source', (t) => {
  for (const isHairpinEnabled of [false, true]) {
    const sim = simNet({
      seed: 1,
      t,
      node: toy,
      sites: [{ name: 'office', nat: 'full-cone', natPublic: '198.51.100.5', portAllocation: 'sequential', isHairpinEnabled }],
      hosts: [
        { name: 'b1', lan: '10.5.0.2', site: 'office' },
        { name: 'b2', lan: '10.5.0.3', site: 'office' },
        { name: 's1', public: '203.0.113.1' },
      ],
    });
    sim.host('b2').send(sim.host('b2').sockets[0], ep('203.0.113.1/9993'), ping());
    sim.runFor(10);
    assert.equal(sim.node<ToyNode>('s1').received[0].from, '198.51.100.5/40000');
    const r = probe(sim, 'b1', 0, '198.51.100.5/40000');
    if (!isHairpinEnabled) {
      assert.equal(r, 'no_hairpin');
    } else {
      assert.equal(r, 'delivered to b2');
      assert.equal(sim.node<ToyNode>('b2').received.at(-1)!.from, '198.51.100.5/40001', 'b1 appears at its own mapping');
    }
    // On the LAN itself the hosts reach each other directly, through no NAT.
    assert.equal(probe(sim, 'b1', 0, '10.5.0.3/9993'), 'delivered to b2');
    assert.deepEqual(sim.capture.at(-1)!.trace.map((h) => h.site), ['office']);
    sim.destroy();
  }
});

test('double NAT: a home LAN behind a carrier NAT', (t) => {
  const sim = simNet({
    seed: 3,
    t,
    node: toy,
    sites: [
      { name: 'cgn', nat: 'port-restricted', natPublic: '198.51.100.100', portAllocation: 'sequential' },
      { name: 'home', parent: 'cgn', nat: 'full-cone', natPublic: '100.64.0.5', portAllocation: 'preserve' },
    ],
    hosts: [
      { name: 'h', lan: '192.168.1.2', site: 'home' },
      { name: 's1', public: '203.0.113.1' },
    ],
  });
  assert.equal(sim.publicIp('h'), '198.51.100.100');
  sim.host('h').send(sim.host('h').sockets[0], ep('203.0.113.1/9993'), ping());
  sim.runFor(10);
  assert.equal(sim.node<ToyNode>('s1').received[0].from, '198.51.100.100/40000');
  assert.equal(sim.node<ToyNode>('h').pongs().length, 1);
  const r = filterCapture(sim.capture, { fromHost: 'h' })[0];
  assert.deepEqual(r.trace.map((x) => `${x.site} ${x.src.port}`), ['home 9993', 'cgn 9993', 'internet 40000']);
});

test('Nat rejects inconsistent settings and lists its live mappings', () => {
  assert.throws(() => new Nat({ type: 'symmetric' }), ConfigError);
  assert.throws(() => new Nat({ type: 'block-udp', externalIp: '198.51.100.1' }), ConfigError);
  const n = new Nat({ type: 'address-restricted', externalIp: '198.51.100.1', portAllocation: 'sequential', firstPort: 50000 });
  const out = n.outbound(ep('10.0.0.2/9993'), ep('203.0.113.1/9993'), 0);
  assert.deepEqual(out, ep('198.51.100.1/50000'));
  assert.deepEqual(n.inbound(ep('203.0.113.1/1234'), ep('198.51.100.1/50000'), 1000), ep('10.0.0.2/9993'));
  assert.equal(n.inbound(ep('203.0.113.1/1234'), ep('198.51.100.1/50001'), 1000), 'nat_no_mapping');
  assert.equal(n.mappings(1000).length, 1);
  assert.equal(n.mappings(120_000).length, 0);
  n.setExternalIp('198.51.100.2');
  assert.equal(n.mappings(1000).length, 0, 'a new public IP loses every mapping');
});

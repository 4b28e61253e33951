// SimHost, the NodeHost of one simulated node: sockets and ALL_SOCKETS, the single
// background timer, offline/detach/restart, state, events, moves and randomness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_SOCKETS } from '../../src/node/host.js';
import type { NodeEvent, SavedState, SocketId } from '../../src/node/host.js';
import { filterCapture } from './capture.js';
import { endpointKey, ep } from './endpoint.js';
import type { InetAddress } from './endpoint.js';
import { simNet } from './scenario.js';
import type { SimHost, SimNode } from './sim-host.js';
import { IDLE_MS, ToyNode, ping } from './sim-toys.js';

const toy = (h: SimHost) => new ToyNode(h);
type T = Parameters<typeof simNet>[0]['t'];

/** A node whose tick deadlines (and onDatagram deadlines) follow a script. */
class ScriptedNode implements SimNode {
  readonly ticks: number[] = [];
  constructor(
    private readonly nextTick: (nowMs: number, i: number) => number,
    private readonly onPacket: (nowMs: number) => number | void = () => undefined,
  ) {}
  onDatagram(nowMs: number): number | void {
    return this.onPacket(nowMs);
  }
  tick(nowMs: number): number {
    this.ticks.push(nowMs);
    return this.nextTick(nowMs, this.ticks.length - 1);
  }
}

function pair(t: T, opts: { ports?: number[] } = {}) {
  return simNet({
    seed: 1,
    t,
    latencyMs: 5,
    node: toy,
    hosts: [
      { name: 'n', public: ['203.0.113.1', '2001:db8::1'], ports: opts.ports },
      { name: 's', public: ['203.0.113.2', '2001:db8::2'] },
    ],
  });
}

test('ALL_SOCKETS (and 0, and a stale id) send the same datagram from every bound socket of the family', (t) => {
  const sim = pair(t, { ports: [9993, 49946, 29615] });
  const n = sim.host('n');
  assert.equal(n.sockets.length, 6, '2 interfaces × 3 ports');
  assert.deepEqual(n.localAddresses().map(endpointKey), [
    '203.0.113.1/9993', '203.0.113.1/49946', '203.0.113.1/29615',
    '2001:db8::1/9993', '2001:db8::1/49946', '2001:db8::1/29615',
  ]);
  for (const socket of [ALL_SOCKETS, 0, 12345]) {
    const before = sim.node<ToyNode>('s').received.length;
    assert.equal(n.send(socket, ep('203.0.113.2/9993'), ping(7)), true);
    sim.runFor(100);
    const got = sim.node<ToyNode>('s').received.slice(before);
    assert.deepEqual(got.map((r) => r.from), ['203.0.113.1/9993', '203.0.113.1/49946', '203.0.113.1/29615'], `socket ${socket}`);
    assert.ok(got.every((r) => r.data.join() === '1,7'));
  }
  // The replies come back on the socket each copy left from: one path per local socket.
  const pongs = sim.node<ToyNode>('n').pongs().slice(0, 3);
  assert.deepEqual(pongs.map((r) => r.socket), n.sockets.slice(0, 3));
  // A named socket sends once; an IPv6 destination only from IPv6 sockets.
  const before = sim.capture.length;
  n.send(n.sockets[1], ep('203.0.113.2/9993'), ping());
  n.send(ALL_SOCKETS, ep('2001:db8::2/9993'), ping());
  sim.runFor(100);
  const sent = filterCapture(sim.capture.slice(before), { fromHost: 'n' }).map((r) => endpointKey(r.src)).sort();
  assert.deepEqual(sent, ['2001:db8::1/29615', '2001:db8::1/49946', '2001:db8::1/9993', '203.0.113.1/49946']);
});

test('tick: first at attach, then exactly at each returned deadline', (t) => {
  const sim = simNet({ seed: 1, t, hosts: [{ name: 'n', public: '203.0.113.1' }] });
  const t0 = sim.now;
  const node = new ScriptedNode((now) => now + 500);
  sim.host('n').attach(node);
  assert.deepEqual(node.ticks, [], 'attach does not call into the node synchronously');
  sim.runFor(2000);
  assert.deepEqual(node.ticks.map((x) => x - t0), [0, 500, 1000, 1500, 2000]);
  assert.equal(sim.host('n').tickAtMs, t0 + 2500);
  assert.equal(sim.host('n').ticksTotal, 5);
});

test('tick: re-armed when onDatagram returns an earlier (or later) deadline; void keeps it', (t) => {
  const sim = simNet({ seed: 1, t, latencyMs: 0, hosts: [{ name: 'n', public: '203.0.113.1' }, { name: 's', public: '203.0.113.2' }] });
  const t0 = sim.now;
  let answer: number | void = undefined;
  const node = new ScriptedNode((now) => now + 1000, () => answer);
  sim.host('n').attach(node);
  sim.runFor(1); // first tick at t0 → next at t0+1000
  const s = sim.host('s');
  const poke = (): void => void s.send(s.sockets[0], ep('203.0.113.1/9993'), Uint8Array.of(0));
  sim.clock.schedule(t0 + 100, () => {
    answer = t0 + 300;
    poke();
  });
  sim.clock.schedule(t0 + 600, () => {
    answer = undefined;
    poke();
  });
  sim.runFor(1500);
  assert.deepEqual(node.ticks.map((x) => x - t0), [0, 300, 1300], 'moved earlier to 300; the old 1000 never fires');
  assert.equal(sim.host('n').receivedTotal, 2);
  // A later deadline from onDatagram replaces the pending one too.
  sim.clock.schedule(t0 + 1400, () => {
    answer = t0 + 5000;
    poke();
  });
  sim.run(t0 + 5999);
  assert.deepEqual(node.ticks.map((x) => x - t0), [0, 300, 1300, 5000]);
});

test('tick: a deadline in the past is run at now (never earlier) and counted; NaN is a bug', (t) => {
  const sim = simNet({ seed: 1, t, hosts: [{ name: 'n', public: '203.0.113.1' }, { name: 'm', public: '203.0.113.3' }] });
  const t0 = sim.now;
  sim.runFor(100);
  const node = new ScriptedNode((now, i) => (i === 0 ? now - 5000 : i === 1 ? now : now + 1000));
  sim.host('n').attach(node);
  sim.runFor(1500);
  assert.deepEqual(node.ticks.map((x) => x - t0), [100, 100, 100, 1100]);
  assert.equal(sim.host('n').pastDeadlineTotal, 1);
  sim.host('m').attach(new ScriptedNode(() => Number.NaN));
  assert.throws(() => sim.runFor(10), /deadline NaN/);
});

test('goOffline drops datagrams both ways while the node keeps ticking; goOnline restores', (t) => {
  const sim = pair(t);
  const n = sim.host('n');
  const s = sim.host('s');
  n.goOffline();
  assert.equal(n.isOnline, false);
  assert.equal(n.send(ALL_SOCKETS, ep('203.0.113.2/9993'), ping()), false);
  s.send(s.sockets[0], ep('203.0.113.1/9993'), ping());
  sim.runFor(100);
  const drops = filterCapture(sim.capture, { reason: 'host_offline' });
  assert.deepEqual(drops.map((r) => `${r.fromHost}→${r.toHost ?? ''}@${r.where}`), ['n→@n', 's→n@n']);
  assert.equal(sim.node<ToyNode>('n').received.length, 0);
  assert.notEqual(n.tickAtMs, null, 'the node is still running');
  n.goOnline();
  s.send(s.sockets[0], ep('203.0.113.1/9993'), ping());
  sim.runFor(100);
  assert.equal(sim.node<ToyNode>('n').received.length, 1);
  assert.equal(sim.node<ToyNode>('s').pongs().length, 1);
});

test('an offline host keeps ticking', (t) => {
  const sim = simNet({ seed: 1, t, hosts: [{ name: 'n', public: '203.0.113.1' }] });
  const node = new ScriptedNode((now) => now + 1000);
  sim.host('n').attach(node);
  sim.host('n').goOffline();
  sim.runFor(5000);
  assert.equal(node.ticks.length, 6);
});

/** A node that remembers peers through putState and reads them back at construction. */
class StatefulNode implements SimNode {
  readonly loadedPeers: string[];
  constructor(private readonly host: SimHost, saved: SavedState) {
    this.loadedPeers = (saved.peers ?? []).map((p) => Buffer.from(p).toString());
  }
  onDatagram(_nowMs: number, _socket: SocketId, from: InetAddress): void {
    this.host.putState('peer', endpointKey(from), new TextEncoder().encode(endpointKey(from)));
    this.host.event({ type: 'drop', reason: 'unknown_peer', from });
  }
  tick(nowMs: number): number {
    return nowMs + 60_000;
  }
}

test('detach stops the node and takes the host offline; a restarted node reads putState back', (t) => {
  const sim = simNet({
    seed: 1,
    t,
    hosts: [
      { name: 'n', public: '203.0.113.1', node: (h) => new StatefulNode(h, h.savedState()) },
      { name: 's', public: '203.0.113.2', node: toy },
      { name: 'r', public: '203.0.113.3', node: toy },
    ],
  });
  for (const name of ['s', 'r']) sim.host(name).send(ALL_SOCKETS, ep('203.0.113.1/9993'), ping());
  sim.runFor(100);
  const n = sim.host('n');
  assert.deepEqual([...n.state.keys()].sort(), ['peer/203.0.113.2/9993', 'peer/203.0.113.3/9993']);
  assert.equal(n.dropTotal('unknown_peer'), 2);
  assert.equal(n.eventsOf('drop').length, 2);
  n.detach();
  assert.equal(n.isAttached, false);
  assert.equal(n.tickAtMs, null);
  sim.host('s').send(ALL_SOCKETS, ep('203.0.113.1/9993'), ping());
  sim.runFor(100_000);
  assert.equal(sim.capture.at(-1)!.reason, 'host_offline');
  const again = sim.start('n', (h) => new StatefulNode(h, h.savedState())) as StatefulNode;
  assert.deepEqual(again.loadedPeers, ['203.0.113.2/9993', '203.0.113.3/9993']);
  assert.equal(n.isOnline, true);
  n.putState('peer', '203.0.113.2/9993', null);
  assert.equal(n.getState('peer', '203.0.113.2/9993'), null);
});

test('an internal_error drop fails the run, naming the host', (t) => {
  const sim = simNet({ seed: 1, t, hosts: [{ name: 'n', public: '203.0.113.1' }, { name: 's', public: '203.0.113.2' }] });
  const bad: SimNode = {
    onDatagram: () => sim.host('n').event({ type: 'drop', reason: 'internal_error', detail: 'TypeError: x is undefined' } as NodeEvent),
    tick: (now) => now + IDLE_MS,
  };
  sim.host('n').attach(bad);
  sim.host('s').send(ALL_SOCKETS, ep('203.0.113.1/9993'), ping());
  assert.throws(() => sim.runFor(100), /host "n" reported internal_error.*x is undefined/);
});

test('moveTo: a public host changes address; a NAT\'d host gets a new NAT IP; roaming into another LAN', (t) => {
  const sim = simNet({
    seed: 1,
    t,
    latencyMs: 5,
    node: toy,
    hosts: [
      { name: 'p', public: '203.0.113.7' },
      { name: 'a', lan: '10.1.0.2', nat: 'port-restricted', natPublic: '198.51.100.1', portAllocation: 'sequential' },
      { name: 'b', lan: '10.2.0.2', nat: 'full-cone', natPublic: '198.51.100.2' },
      { name: 's', public: '203.0.113.2' },
    ],
  });
  const s = sim.host('s');
  const sFrom = (): string => sim.node<ToyNode>('s').received.at(-1)!.from;
  // A datagram in flight to p's old address is lost when p moves.
  s.send(s.sockets[0], ep('203.0.113.7/9993'), ping());
  sim.runFor(1);
  sim.host('p').moveTo('203.0.113.77');
  sim.runFor(100);
  assert.equal(sim.capture.at(-1)!.reason, 'no_route');
  assert.deepEqual(sim.host('p').localAddresses().map(endpointKey), ['203.0.113.77/9993']);
  sim.host('p').send(ALL_SOCKETS, ep('203.0.113.2/9993'), ping());
  sim.runFor(100);
  assert.equal(sFrom(), '203.0.113.77/9993');

  sim.host('a').send(ALL_SOCKETS, ep('203.0.113.2/9993'), ping());
  sim.runFor(100);
  assert.equal(sFrom(), '198.51.100.1/40000');
  sim.host('a').moveTo('198.51.100.50');
  assert.equal(sim.publicIp('a'), '198.51.100.50');
  s.send(s.sockets[0], ep('198.51.100.50/40000'), ping());
  sim.runFor(100);
  assert.equal(sim.capture.at(-1)!.reason, 'nat_no_mapping', 'the new NAT address starts with no mappings');
  sim.host('a').send(ALL_SOCKETS, ep('203.0.113.2/9993'), ping());
  sim.runFor(100);
  assert.match(sFrom(), /^198\.51\.100\.50\/\d+$/);
  assert.equal(sim.node<ToyNode>('a').pongs().length, 2);

  sim.host('a').moveTo({ ip: '10.2.0.9', site: 'b-lan' });
  sim.host('a').send(ALL_SOCKETS, ep('10.2.0.2/9993'), ping());
  sim.runFor(100);
  assert.equal(sim.node<ToyNode>('b').received.at(-1)!.from, '10.2.0.9/9993', 'now on b\'s LAN');
  assert.equal(sim.publicIp('a'), '198.51.100.2');
});

test('random(): deterministic per seed and host, different between hosts', () => {
  const draw = (seed: number, name: string): string => {
    const sim = simNet({ seed, hosts: [{ name: 'x', public: '203.0.113.1' }, { name: 'y', public: '203.0.113.2' }] });
    const b = new Uint8Array(16);
    sim.host(name).random(b);
    sim.destroy();
    return Buffer.from(b).toString('hex');
  };
  assert.equal(draw(1, 'x'), draw(1, 'x'));
  assert.notEqual(draw(1, 'x'), draw(1, 'y'));
  assert.notEqual(draw(1, 'x'), draw(2, 'x'));
});

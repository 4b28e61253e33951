// simNet() as a whole: a busy scenario (NATs, loss, random-driven traffic) replays
// identically from its seed, and teardown is registered with the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_SOCKETS } from '../../src/node/host.js';
import type { SocketId } from '../../src/node/host.js';
import { ep } from './endpoint.js';
import type { InetAddress } from './endpoint.js';
import { simNet } from './scenario.js';
import type { SimHost, SimNode } from './sim-host.js';
import { PING, PONG } from './sim-toys.js';

/** Every 0.5–1.5 s sends a random-length PING to a random target; answers PINGs. */
class ChattyNode implements SimNode {
  constructor(private readonly host: SimHost, private readonly targets: InetAddress[]) {}
  onDatagram(_nowMs: number, socket: SocketId, from: InetAddress, data: Uint8Array): void {
    if (data[0] === PING) this.host.send(socket, from, Uint8Array.of(PONG, ...data.subarray(1)));
  }
  tick(nowMs: number): number {
    const r = new Uint8Array(4);
    this.host.random(r);
    const body = new Uint8Array(1 + (r[0] % 40));
    this.host.random(body);
    body[0] = PING;
    this.host.send(r[1] % 2 ? ALL_SOCKETS : this.host.sockets[0], this.targets[r[2] % this.targets.length], body, r[3] % 8 === 0 ? 2 : undefined);
    return nowMs + 500 + ((r[2] << 2) | (r[3] & 3)) % 1000;
  }
}

function busyRun(seed: number): string[] {
  const targets = ['203.0.113.1/9993', '198.51.100.1/9993', '198.51.100.2/9993', '198.51.100.3/9993', '203.0.113.1/9994'].map((s) => ep(s));
  const sim = simNet({
    seed,
    latencyMs: 12,
    loss: 0.05,
    ports: [9993, 9994],
    node: (h) => new ChattyNode(h, targets),
    hosts: [
      { name: 'root', public: '203.0.113.1' },
      { name: 'a', lan: '10.1.0.2', nat: 'port-restricted', natPublic: '198.51.100.1', portAllocation: 'preserve' },
      { name: 'b', lan: '10.2.0.2', nat: 'full-cone', natPublic: '198.51.100.2', portAllocation: 'preserve' },
      { name: 'c', lan: '10.3.0.2', nat: 'symmetric', natPublic: '198.51.100.3' },
    ],
  });
  sim.runFor(60_000);
  const log = sim.log();
  sim.destroy();
  return log;
}

test('the same seed gives the identical capture log; another seed does not', () => {
  const first = busyRun(2024);
  assert.ok(first.length > 300, `busy enough (${first.length} datagrams)`);
  assert.ok(first.some((l) => l.includes('delivered')) && first.some((l) => l.includes(' loss ')) && first.some((l) => l.includes('ttl_expired')));
  assert.deepEqual(busyRun(2024), first);
  assert.notDeepEqual(busyRun(2025), first);
});

test('simNet registers destroy() with the test context; destroy stops every node', () => {
  const hooks: Array<() => void> = [];
  let ticks = 0;
  const sim = simNet({
    seed: 1,
    t: { after: (fn) => hooks.push(fn) },
    node: () => ({ onDatagram: () => undefined, tick: (now) => (ticks++, now + 1000) }),
    hosts: [{ name: 'x', public: '203.0.113.1' }, { name: 'y', public: '203.0.113.2', node: null }],
  });
  assert.equal(hooks.length, 1);
  sim.runFor(2500);
  assert.equal(ticks, 3);
  assert.equal(sim.host('y').isAttached, false, 'node: null leaves the host without a node');
  assert.throws(() => sim.node('y'), /has no node/);
  hooks[0]();
  assert.equal(sim.host('x').isAttached, false);
  sim.runFor(10_000);
  assert.equal(ticks, 3);
});

test('restart swaps the node on a host, which keeps its state store and sockets', (t) => {
  const sim = simNet({ seed: 1, t, hosts: [{ name: 'x', public: '203.0.113.1' }] });
  const first = sim.start('x', (h) => ({ onDatagram: () => undefined, tick: (now) => (h.putState('planet', '', Uint8Array.of(1, 2)), now + 1000) }));
  sim.runFor(10);
  const sockets = sim.host('x').sockets;
  let saved: Uint8Array | null | undefined;
  const second = sim.restart('x', (h) => ((saved = h.savedState().planet), { onDatagram: () => undefined, tick: (now) => now + 1000 }));
  assert.notEqual(second, first);
  assert.equal(sim.node('x'), second);
  assert.deepEqual(saved, Uint8Array.of(1, 2));
  assert.deepEqual(sim.host('x').sockets, sockets);
});

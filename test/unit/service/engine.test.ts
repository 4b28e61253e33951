// The engine keeps exactly one timer at the node's deadline, on an injected clock (STYLE §1):
// no sleeping, the test moves time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../src/service/engine.js';
import type { Clock } from '../../../src/service/clock.js';
import type { NodeEvent } from '../../../src/node/host.js';
import { forge } from '../../helpers/node-harness.js';
import { Verb } from '../../../src/protocol/constants.js';
import { testIdentity } from '../../sim/zt-net.js';
import { parseInetAddress, type InetAddress } from '../../../src/protocol/inet-address.js';
import { encodeWorld, signWorld, WorldType } from '../../../src/protocol/world.js';
import { generateC25519KeyPair } from '../../../src/crypto/c25519.js';

class ManualClock implements Clock {
  t: number;
  timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  constructor(t: number) {
    this.t = t;
  }
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, delayMs: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.t + delayMs, fn });
    return id;
  }
  clearTimer(h: unknown): void {
    this.timers.delete(h as number);
  }
  /** Moves time forward, running timers in order as they come due. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!due || e[1].at < due[1].at)) due = e;
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
  }
}

const self = testIdentity('engine-self');
const root = testIdentity('engine-root');
const ROOT_AT = parseInetAddress('10.9.0.1/9993')!;

function planet(): Uint8Array {
  const key = generateC25519KeyPair(() => new Uint8Array(64).fill(5));
  return encodeWorld(signWorld({ type: WorldType.PLANET, id: 0x77n, timestamp: 1n, updatesMustBeSignedBy: key.publicKey, roots: [{ identity: root.toPublic(), stableEndpoints: [ROOT_AT] }] }, key.publicKey, key.privateKey));
}

function engineWith(clock: ManualClock): { engine: Engine; sent: Array<{ to: InetAddress; at: number }>; events: NodeEvent[] } {
  const sent: Array<{ to: InetAddress; at: number }> = [];
  const events: NodeEvent[] = [];
  const engine = new Engine({
    clock,
    transport: { send: (_s, to) => (sent.push({ to, at: clock.t }), true), localAddresses: () => [] },
    putState: () => undefined,
    onEvent: (e) => events.push(e),
    random: (into) => into.fill(1),
    node: { defaultPlanet: null },
  });
  return { engine, sent, events };
}

test('one timer at the node deadline; the root is contacted every ping check on virtual time', () => {
  const clock = new ManualClock(1_000_000);
  const { engine, sent } = engineWith(clock);
  engine.start(self, { planet: planet() });
  assert.equal(clock.timers.size, 1, 'a single timer');
  assert.ok(sent.some((s) => s.to.port === 9993), 'first HELLO to the root at start');
  const first = sent.length;
  clock.advance(60_000);
  assert.equal(clock.timers.size, 1, 'still a single timer');
  assert.ok(sent.length > first, 'keeps trying the root as time passes');
  engine.stop();
  assert.equal(clock.timers.size, 0, 'stop clears the timer');
  const after = sent.length;
  clock.advance(60_000);
  assert.equal(sent.length, after, 'nothing is sent after stop');
});

test('a datagram that makes the node want an earlier run re-arms the timer; datagrams while suspended are ignored', () => {
  const clock = new ManualClock(2_000_000);
  const { engine, events } = engineWith(clock);
  engine.start(self, { planet: planet() });
  clock.advance(100);
  const [before] = [...clock.timers.values()];
  // A packet from an unknown source is parked for a WHOIS: the node wants its 500 ms timer.
  const stranger = testIdentity('engine-stranger');
  engine.onDatagram(1, parseInetAddress('10.9.0.7/9993')!, forge(stranger, self, Verb.NOP, new Uint8Array(0)));
  assert.equal(clock.timers.size, 1);
  const [after] = [...clock.timers.values()];
  assert.ok(after.at < before.at, `re-armed earlier (${after.at - clock.t} ms instead of ${before.at - clock.t} ms)`);
  assert.ok(after.at - clock.t <= 500, 'at the 500 ms timer of parked packets');
  engine.suspend();
  assert.equal(clock.timers.size, 0);
  assert.throws(() => engine.node, /no running node/);
  const n = events.length;
  engine.onDatagram(1, parseInetAddress('10.9.0.7/9993')!, new Uint8Array(40));
  assert.equal(events.length, n, 'no node, no events');
  engine.start(testIdentity('engine-other'), { planet: planet() });
  assert.equal(engine.node.address, testIdentity('engine-other').address, 'restarted with another identity');
  engine.stop();
});

test('the time given to the node never goes back when the clock is stepped back', () => {
  const clock = new ManualClock(5_000_000);
  const { engine } = engineWith(clock);
  engine.start(self, { planet: planet() });
  clock.t -= 3_600_000;
  assert.equal(engine.now(), 5_000_000);
  engine.stop();
});


test('the controller given to start answers the first pass, which asks for our own saved networks at once', () => {
  const clock = new ManualClock(7_000_000);
  const own = (BigInt(self.address) << 24n) | 0x000001n;
  const saved = { planet: planet(), networks: [{ nwid: own, saved: new TextEncoder().encode('\n') }] };
  const asked: bigint[] = [];
  const { engine } = engineWith(clock);
  engine.start(self, saved, { request: (req) => asked.push(req.nwid) });
  assert.deepEqual(asked, [own], 'asked during start, before anything else could attach a controller');
  assert.equal(engine.node.network(own)?.status, 'REQUESTING_CONFIGURATION');
  engine.stop();
  // Without one, the same first pass records NOT_FOUND (05 §1.2): what a late attach used to show.
  const bare = engineWith(new ManualClock(7_000_000)).engine;
  bare.start(self, saved);
  assert.equal(bare.node.network(own)?.status, 'NOT_FOUND');
  bare.stop();
});

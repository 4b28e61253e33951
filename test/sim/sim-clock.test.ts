// The virtual clock and the seeded random streams the whole sim rests on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LivelockError, SimClock } from './clock.js';
import { SeededRandom } from './seeded-random.js';

test('clock runs events by time, then by scheduling order', () => {
  const c = new SimClock(1000);
  const seen: string[] = [];
  c.schedule(1020, () => seen.push('b@1020'));
  c.schedule(1010, () => seen.push('a@1010'));
  c.schedule(1020, () => seen.push('c@1020'));
  c.after(10, () => seen.push('d@1010'));
  c.schedule(500, () => seen.push(`past→${c.now}`)); // in the past: runs now, after what is due
  c.run(1015);
  assert.deepEqual(seen, ['past→1000', 'a@1010', 'd@1010']);
  assert.equal(c.now, 1015);
  c.runFor(100);
  assert.deepEqual(seen.slice(3), ['b@1020', 'c@1020']);
  assert.equal(c.now, 1115);
  assert.throws(() => c.run(1000), RangeError);
});

test('events scheduled while running run in the same pass when due; cancel removes them', () => {
  const c = new SimClock(0);
  const seen: number[] = [];
  c.schedule(5, () => {
    seen.push(c.now);
    c.after(0, () => seen.push(c.now * 10));
    c.after(3, () => seen.push(c.now));
  });
  const cancelled = c.schedule(7, () => seen.push(-1));
  c.cancel(cancelled);
  assert.equal(cancelled.isDone, true);
  c.run(100);
  assert.deepEqual(seen, [5, 50, 8]);
  assert.equal(c.nextAt(), null);
});

test('runUntil stops as soon as the predicate holds, or at the timeout', () => {
  const c = new SimClock(0);
  let n = 0;
  for (let t = 10; t <= 100; t += 10) c.schedule(t, () => n++);
  assert.equal(c.runUntil(() => n === 3, 1000), true);
  assert.equal(c.now, 30);
  assert.equal(c.runUntil(() => n === 99, 45), false);
  assert.equal(c.now, 75, 'clock stands at the deadline');
  assert.equal(n, 7);
  assert.equal(c.runUntil(() => true, 0), true, 'already true: nothing runs');
  assert.equal(n, 7);
});

test('a callback that keeps rescheduling itself at the same instant is reported as a livelock', () => {
  const c = new SimClock(0, 1000);
  const again = (): void => void c.after(0, again);
  c.schedule(1, again);
  assert.throws(() => c.run(10), LivelockError);
});

test('SeededRandom: same seed same stream; forks are independent of draws and of each other', () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const xs = Array.from({ length: 8 }, () => a.u32());
  assert.deepEqual(Array.from({ length: 8 }, () => b.u32()), xs);
  assert.notDeepEqual(Array.from({ length: 8 }, () => new SeededRandom(43).u32()), xs);
  // A fork depends on the seed and label only, not on how much the parent has drawn.
  const f1 = new SeededRandom(42).fork('host:a');
  const f2 = a.fork('host:a');
  assert.equal(f1.u32(), f2.u32());
  assert.notEqual(new SeededRandom(42).fork('host:a').u32(), new SeededRandom(42).fork('host:b').u32());
  assert.equal(new SeededRandom('scenario').u32(), new SeededRandom('scenario').u32());
});

test('SeededRandom: int is in range and roughly uniform, float in [0,1), fill covers odd lengths', () => {
  const r = new SeededRandom(7);
  const counts = new Array<number>(6).fill(0);
  for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
  for (const c of counts) assert.ok(c > 9_500 && c < 10_500, `bucket ${c}`);
  let sum = 0;
  for (let i = 0; i < 10_000; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    sum += f;
  }
  assert.ok(Math.abs(sum / 10_000 - 0.5) < 0.02);
  assert.throws(() => r.int(0), RangeError);
  const buf = new Uint8Array(7);
  new SeededRandom(9).fill(buf);
  const again = new Uint8Array(7);
  new SeededRandom(9).fill(again);
  assert.deepEqual(buf, again);
  assert.ok(buf.some((x) => x !== 0));
  assert.equal(r.chance(0), false);
});

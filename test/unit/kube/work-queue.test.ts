// The operator's work queue on a fake clock: one run per key at a time, coalescing, backoff
// doubling per key, reset on success, give-up after maxAttempts, events beating a pending retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, type QueueClock } from '../../../src/kube/operator/work-queue.js';

function fakeClock(): QueueClock & { pending: Array<{ fn: () => void; ms: number }>; fire(): void } {
  const pending: Array<{ fn: () => void; ms: number }> = [];
  return {
    pending,
    setTimeout: (fn, ms) => {
      const t = { fn, ms };
      pending.push(t);
      return t;
    },
    clearTimeout: (h) => {
      const i = pending.indexOf(h as { fn: () => void; ms: number });
      if (i >= 0) pending.splice(i, 1);
    },
    fire() {
      const t = pending.shift();
      assert.ok(t, 'a timer is pending');
      t.fn();
    },
  };
}

test('a key runs once at a time; adds while running coalesce into one more run', async () => {
  const runs: string[] = [];
  let release: (() => void) | null = null;
  const q = new WorkQueue({
    clock: fakeClock(),
    work: async (k) => {
      runs.push(k);
      if (k === 'a' && runs.length === 1) await new Promise<void>((r) => (release = r));
    },
  });
  q.add('a');
  q.add('a');
  q.add('a');
  q.add('b');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(runs, ['a', 'b'], 'b runs beside a, a does not run twice at once');
  release!();
  await q.idle();
  assert.deepEqual(runs, ['a', 'b', 'a'], 'the adds during the run became one more run');
});

test('failures back off exponentially per key, success resets, maxAttempts gives up', async () => {
  const clock = fakeClock();
  const errors: Array<[string, number, number | null]> = [];
  let failuresLeft = 3;
  const q = new WorkQueue({
    clock, baseDelayMs: 100, maxDelayMs: 300, maxAttempts: 5,
    work: async (k) => {
      if (k === 'never') throw new Error('no');
      if (failuresLeft-- > 0) throw new Error('not yet');
    },
    onError: (k, _e, attempt, retryInMs) => errors.push([k, attempt, retryInMs]),
  });
  q.add('x');
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 3; i++) {
    assert.equal(clock.pending.length, 1);
    clock.fire();
    await new Promise((r) => setImmediate(r));
  }
  await q.idle();
  assert.deepEqual(errors, [['x', 1, 100], ['x', 2, 200], ['x', 3, 300]], 'doubling, capped at maxDelayMs');
  errors.length = 0;
  q.add('never');
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    clock.fire();
  }
  await q.idle();
  assert.deepEqual(errors.map((e) => e[2]), [100, 200, 300, 300, null], 'given up after 5 attempts');
  assert.equal(clock.pending.length, 0);
});

test('an event for a key waiting to retry runs it at once', async () => {
  const clock = fakeClock();
  let n = 0;
  const q = new WorkQueue({ clock, work: async () => { if (n++ === 0) throw new Error('first fails'); } });
  q.add('k');
  await new Promise((r) => setImmediate(r));
  assert.equal(clock.pending.length, 1);
  q.add('k');
  await q.idle();
  assert.deepEqual([n, clock.pending.length], [2, 0], 'the retry timer was dropped and the key ran');
});

test('depth, retrying and the run counters follow the queue (the operator\'s /metrics)', async () => {
  const clock = fakeClock();
  let release: (() => void) | null = null;
  const q = new WorkQueue({
    clock, concurrency: 1,
    work: async (k) => {
      if (k === 'slow') await new Promise<void>((r) => (release = r));
      if (k === 'bad') throw new Error('no');
    },
  });
  q.add('slow');
  q.add('bad');
  q.add('ok');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual([q.depth, q.retrying, q.counts], [2, 0, { runsTotal: 0, failuresTotal: 0 }], 'two wait behind the running one');
  release!();
  for (let i = 0; i < 5 && q.counts.runsTotal < 3; i++) await new Promise((r) => setImmediate(r));
  assert.deepEqual([q.depth, q.retrying, q.counts], [0, 1, { runsTotal: 3, failuresTotal: 1 }], 'bad waits out its backoff');
  q.stop();
});

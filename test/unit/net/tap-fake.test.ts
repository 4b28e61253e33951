// FakeTap beyond the shared compliance suite: the knobs node and service tests use
// (manual delivery for virtual clocks, queue limit, refused writes, read failures) and the
// option checks every Tap shares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeTap } from '../../../src/net/tap/fake-tap.js';
import { TapError } from '../../../src/net/tap/errors.js';
import { resolveTapOptions, TAP_HEADROOM_BYTES, type FrameBatch } from '../../../src/net/tap/tap.js';

const frame = (n: number, fill = 0): Uint8Array => new Uint8Array(n).fill(fill);

test('manual delivery: one deliver() is one wakeup of at most batchSize frames', () => {
  const tap = new FakeTap({ name: 'f0', batchSize: 4, up: true, autoDeliver: false });
  const counts: number[] = [];
  const firstBytes: number[] = [];
  tap.onFrames((b: FrameBatch) => {
    counts.push(b.count);
    for (let i = 0; i < b.count; i++) firstBytes.push(b.slab[b.offset(i)]);
  });
  for (let i = 0; i < 10; i++) assert.ok(tap.inject(frame(60, i)));
  assert.equal(tap.pending, 10);
  assert.equal(tap.deliver(), 4);
  assert.equal(tap.deliver(), 4);
  assert.equal(tap.deliver(), 2);
  assert.equal(tap.deliver(), 0);
  assert.deepEqual(counts, [4, 4, 2]);
  assert.deepEqual(firstBytes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(tap.framesReadTotal, 10);
  assert.equal(tap.readCallbacksTotal, 3);
});

test('inject copies the frame, drops when down or the queue is full, rejects frames no slot holds', () => {
  const tap = new FakeTap({ name: 'f1', up: false, autoDeliver: false, queueLimit: 2, mtu: 1500, maxMtu: 1500 });
  assert.equal(tap.inject(frame(60)), false, 'a down interface transmits nothing');
  tap.setUp(true);
  const f = frame(60, 7);
  assert.ok(tap.inject(f));
  f.fill(0);
  assert.ok(tap.inject(frame(60)));
  assert.equal(tap.inject(frame(60)), false, 'queue full');
  assert.equal(tap.injectDropsTotal, 2);
  let first = -1;
  tap.onFrames((b) => (first = first < 0 ? b.frame(0)[0] : first));
  tap.deliver();
  assert.equal(first, 7);
  assert.throws(() => tap.inject(frame(1500 + 18 + 8)), RangeError); // MTU + 18, rounded up to 8
  assert.throws(() => tap.inject(new Uint8Array(0)), RangeError);
});

test('refuseNextWrites simulates a full device queue: false, counted, then writes flow again', () => {
  const tap = new FakeTap({ name: 'f2', up: true });
  tap.refuseNextWrites(2);
  assert.equal(tap.writeBatch([frame(60), frame(60), frame(60)]), 1);
  assert.equal(tap.writeDropsTotal, 2);
  assert.equal(tap.write(frame(60)), true);
  assert.equal(tap.takeWritten().length, 2);
  assert.equal(tap.written.length, 0);
});

test('a read failure stops delivery and reaches onError (or is thrown without a handler)', () => {
  const tap = new FakeTap({ name: 'f3', up: true, autoDeliver: false });
  let calls = 0;
  tap.onFrames(() => calls++);
  const errors: TapError[] = [];
  tap.onError((e) => errors.push(e));
  tap.failReads('EBADFD');
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof TapError);
  assert.equal(errors[0].code, 'tap_failed');
  assert.equal(errors[0].errno, 'EBADFD');
  tap.inject(frame(60));
  assert.equal(tap.deliver(), 0);
  assert.equal(calls, 0);
  tap.onError(null);
  assert.throws(() => tap.failReads(), TapError);
});

test('autoDeliver drains a queue larger than a batch over several wakeups', async () => {
  const tap = new FakeTap({ name: 'f4', up: true, batchSize: 3 });
  const counts: number[] = [];
  let done: () => void;
  const all = new Promise<void>((r) => (done = r));
  let total = 0;
  tap.onFrames((b) => {
    counts.push(b.count);
    if ((total += b.count) === 7) done();
  });
  for (let i = 0; i < 7; i++) tap.inject(frame(60));
  await all;
  assert.deepEqual(counts, [3, 3, 1]);
});

test('options: defaults, slot layout, and out-of-range values', () => {
  const o = resolveTapOptions({ name: 'x' });
  assert.equal(o.mtu, 2800);
  assert.equal(o.maxMtu, 10000);
  assert.equal(o.headroom, TAP_HEADROOM_BYTES);
  assert.equal(o.batchSize, 64);
  assert.equal(o.up, false);
  // headroom + ZT_MAX_MTU + Ethernet header + a VLAN tag, rounded up to 8.
  assert.equal(o.slotBytes, Math.ceil((64 + 10000 + 14 + 4) / 8) * 8);
  assert.equal(o.slotBytes % 8, 0);
  assert.throws(() => resolveTapOptions({ name: 'x', mtu: 67 }), RangeError);
  assert.throws(() => resolveTapOptions({ name: 'x', mtu: 3000, maxMtu: 2800 }), RangeError);
  assert.throws(() => resolveTapOptions({ name: 'x', batchSize: 0 }), RangeError);
  assert.throws(() => resolveTapOptions({ name: 'x', mac: 2 ** 48 }), RangeError);
});

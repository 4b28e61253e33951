// Reassembly table (spec 02 §7.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reassembler } from '../../../src/protocol/reassembler.js';
import { fragmentPacket } from '../../../src/protocol/fragment.js';
import { buildPacket, setFragmented } from '../../../src/protocol/packet.js';
import { DEFAULT_PHYS_MTU_BYTES, REASSEMBLY_TIMEOUT_MS, Verb } from '../../../src/protocol/constants.js';
import { Prng } from '../../helpers/prng.js';
import { fuzzDecoder } from '../../helpers/property.js';

const MTU = DEFAULT_PHYS_MTU_BYTES;

function packetOfSize(rnd: Prng, n: number, mtu = MTU): Uint8Array {
  const pkt = buildPacket({ id8: rnd.bytes(8), dest: 0x8808041785, source: 0xac43a880fd, verb: Verb.ECHO, payload: rnd.bytes(n - 28) });
  setFragmented(pkt, n > mtu);
  return pkt;
}

function newTable(maxEntries = 32): Reassembler {
  return new Reassembler({ maxEntries, timeoutMs: REASSEMBLY_TIMEOUT_MS });
}

/** Feeds pieces (index 0 = head) in `order`; returns every completed packet. */
function feed(r: Reassembler, pieces: Uint8Array[], order: number[], nowMs = 0): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const i of order) {
    const done = i === 0 ? r.addHead(nowMs, pieces[0]) : r.addFragment(nowMs, pieces[i]);
    if (done) out.push(done);
  }
  return out;
}

function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(n - 1)) {
    for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  }
  return out;
}

test('a 4-piece packet reassembles in every arrival order', () => {
  const rnd = new Prng(1);
  const pkt = packetOfSize(rnd, 1432 + 2 * 1416 + 5);
  const pieces = fragmentPacket(pkt, MTU);
  assert.equal(pieces.length, 4);
  const orders = permutations(4);
  assert.equal(orders.length, 24);
  const r = newTable();
  for (const order of orders) {
    const r1 = newTable();
    const got = feed(r1, pieces, order);
    assert.equal(got.length, 1, `order ${order}`);
    assert.deepEqual(got[0], pkt);
    assert.equal(r1.size, 0);
    // The same table, reused, with a fresh ID each time.
    const p2 = packetOfSize(rnd, 4269);
    const got2 = feed(r, fragmentPacket(p2, MTU), order);
    assert.deepEqual(got2, [p2]);
  }
  assert.equal(r.completedTotal, 24);
  assert.equal(r.size, 0);
});

test('7-piece packets reassemble in random orders; sizes up to 9928', () => {
  const rnd = new Prng(2);
  const r = newTable();
  for (let k = 0; k < 200; k++) {
    const n = 1433 + rnd.int(9928 - 1432);
    const pkt = packetOfSize(rnd, n);
    const pieces = fragmentPacket(pkt, MTU);
    const order = pieces.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rnd.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    assert.deepEqual(feed(r, pieces, order, k), [pkt], `n=${n}`);
  }
  const max = packetOfSize(rnd, 9928);
  assert.deepEqual(feed(r, fragmentPacket(max, MTU), [6, 5, 4, 3, 2, 1, 0]), [max]);
  assert.equal(r.size, 0);
});

test('duplicates are ignored, before and after completion', () => {
  const rnd = new Prng(3);
  const pkt = packetOfSize(rnd, 4000);
  const pieces = fragmentPacket(pkt, MTU);
  const r = newTable();
  assert.equal(pieces.length, 3);
  const got = feed(r, pieces, [1, 1, 0, 0, 2]);
  assert.deepEqual(got, [pkt]);
  assert.equal(r.drops.duplicate, 2);
  assert.equal(r.lastDropReason, null, 'the completing add dropped nothing');
  // Late copies of a completed packet do not open a new entry.
  assert.equal(r.addFragment(10, pieces[2]), null);
  assert.equal(r.lastDropReason, 'duplicate');
  assert.equal(r.addHead(10, pieces[0]), null);
  assert.equal(r.drops.duplicate, 4);
  assert.equal(r.size, 0);
  // … until the time-out has passed.
  assert.equal(r.addHead(REASSEMBLY_TIMEOUT_MS + 10, pieces[0]), null);
  assert.equal(r.size, 1);
});

test('missing pieces expire after 5 s', () => {
  const rnd = new Prng(4);
  const pkt = packetOfSize(rnd, 4000);
  const pieces = fragmentPacket(pkt, MTU);
  const r = newTable();
  feed(r, pieces, [0, 2], 1000);
  assert.equal(r.size, 1);
  assert.equal(r.expire(1000 + REASSEMBLY_TIMEOUT_MS - 1), 0);
  assert.equal(r.size, 1);
  assert.equal(r.expire(1000 + REASSEMBLY_TIMEOUT_MS), 1);
  assert.equal(r.size, 0);
  assert.equal(r.drops.timeout, 1);
  // The last piece arriving late starts over instead of completing a stale packet.
  assert.equal(r.addFragment(7000, pieces[1]), null);
  assert.equal(r.size, 1);
});

test('an entry past its time-out is not completed by a late piece, even without expire()', () => {
  const rnd = new Prng(5);
  const pkt = packetOfSize(rnd, 3000);
  const pieces = fragmentPacket(pkt, MTU);
  const r = newTable();
  feed(r, pieces, [0, 1], 0);
  assert.equal(r.addFragment(REASSEMBLY_TIMEOUT_MS, pieces[2]), null);
  assert.equal(r.drops.timeout, 1);
  assert.equal(r.size, 1);
  // Within the time-out it would have completed.
  const r2 = newTable();
  feed(r2, pieces, [0, 1], 0);
  assert.deepEqual(r2.addFragment(REASSEMBLY_TIMEOUT_MS - 1, pieces[2]), pkt);
});

test('the table is bounded: the oldest entry is evicted', () => {
  const rnd = new Prng(6);
  const r = newTable(4);
  const all = Array.from({ length: 5 }, () => fragmentPacket(packetOfSize(rnd, 3000), MTU));
  all.forEach((pieces, i) => r.addHead(i, pieces[0]));
  assert.equal(r.size, 4);
  assert.equal(r.drops.evicted, 1);
  assert.equal(r.lastDropReason, 'evicted');
  // The first head is gone: its fragments alone cannot complete it.
  assert.equal(feed(r, all[0], [1, 2], 10).length, 0);
  // The new entry those fragments opened evicted the next oldest, all[1].
  assert.equal(r.drops.evicted, 2);
  assert.equal(feed(r, all[1], [1, 2], 10).length, 0);
  assert.equal(r.drops.evicted, 3);
  assert.equal(feed(r, all[4], [1, 2], 10).length, 1);
  assert.equal(feed(r, all[3], [2, 1], 10).length, 1);
  assert.ok(r.size <= 4);
});

test('invalid pieces are dropped with a reason', () => {
  const rnd = new Prng(7);
  const pkt = packetOfSize(rnd, 3000);
  const pieces = fragmentPacket(pkt, MTU);
  const r = newTable();
  const bad = (t: number, f: number): Uint8Array => {
    const d = pieces[1].slice();
    d[14] = (t << 4) | f;
    return d;
  };
  for (const [t, f] of [[1, 0], [0, 0], [1, 1], [8, 1], [15, 3], [3, 0], [3, 3], [3, 7], [7, 7]]) {
    assert.equal(r.addFragment(0, bad(t, f)), null);
    assert.equal(r.lastDropReason, 'bad_fragment_count', `t=${t} f=${f}`);
  }
  assert.equal(r.drops.bad_fragment_count, 9);
  assert.equal(r.size, 0);
  assert.equal(r.addFragment(0, pieces[1].subarray(0, 16)), null);
  assert.equal(r.lastDropReason, 'truncated');
  const notFrag = pieces[1].slice();
  notFrag[13] = 0x12;
  assert.equal(r.addFragment(0, notFrag), null);
  assert.equal(r.lastDropReason, 'not_fragment');
  assert.equal(r.addHead(0, pieces[0].subarray(0, 27)), null);
  assert.equal(r.lastDropReason, 'truncated');
  const whole = packetOfSize(rnd, 200);
  assert.equal(r.addHead(0, whole), null);
  assert.equal(r.lastDropReason, 'not_fragmented_head');
  // A fragment that disagrees with the known total.
  assert.equal(r.addFragment(0, pieces[1]), null);
  assert.equal(r.addFragment(0, bad(4, 3)), null);
  assert.equal(r.lastDropReason, 'inconsistent_total');
  assert.deepEqual(feed(r, pieces, [2, 0]), [pkt]);
  assert.equal(r.size, 0);
});

test('an assembly larger than 10 024 bytes is dropped', () => {
  const rnd = new Prng(8);
  // A sender with a large MTU: the head alone is 9 500 bytes, the one fragment 1 000.
  const head = packetOfSize(rnd, 9500, 1000);
  const frag = new Uint8Array(16 + 1000);
  frag.set(head.subarray(0, 13), 0);
  frag[13] = 0xff;
  frag[14] = 0x21;
  const r = newTable();
  assert.equal(r.addHead(0, head), null);
  assert.equal(r.addFragment(0, frag), null);
  assert.equal(r.lastDropReason, 'too_big');
  assert.equal(r.size, 0);
});

test('pieces are copied: the caller may reuse its receive buffer', () => {
  const rnd = new Prng(9);
  const pkt = packetOfSize(rnd, 3000);
  const pieces = fragmentPacket(pkt, MTU).map((p) => p.slice());
  const r = newTable();
  assert.equal(r.addFragment(0, pieces[1]), null);
  pieces[1].fill(0);
  assert.equal(r.addHead(0, pieces[0]), null);
  pieces[0].fill(0);
  const again = fragmentPacket(pkt, MTU);
  assert.deepEqual(r.addFragment(0, again[2]), pkt);
});

test('random and mutated datagrams never throw', () => {
  const rnd = new Prng(10);
  const pieces = fragmentPacket(packetOfSize(rnd, 5000), MTU);
  const r = newTable(8);
  let now = 0;
  fuzzDecoder('Reassembler', (b) => {
    now += 7;
    r.addFragment(now, b);
    r.addHead(now, b);
    if (now % 700 === 0) r.expire(now);
  }, { seeds: pieces, maxRandomBytes: 2000 });
  assert.ok(r.size <= 8);
});

test('constructor rejects nonsense options', () => {
  assert.throws(() => new Reassembler({ maxEntries: 0, timeoutMs: 5000 }), RangeError);
  assert.throws(() => new Reassembler({ maxEntries: 4, timeoutMs: 0 }), RangeError);
});

test('assembleInto: whole packets are views of the given buffer; waiting pieces are the table\'s own copies', () => {
  const rnd = new Prng(77);
  const into = new Uint8Array(10024);
  const r = new Reassembler({ maxEntries: 4, timeoutMs: REASSEMBLY_TIMEOUT_MS, assembleInto: into });
  for (let round = 0; round < 3; round++) {
    const pkts = [packetOfSize(rnd, 1432 + 1000 + round), packetOfSize(rnd, 1432 * 2 + 7)];
    const pieces = pkts.map((p) => fragmentPacket(p, MTU).map((d) => Uint8Array.from(d)));
    // Every piece but the last of each packet waits; the caller then scribbles over them.
    for (const ps of pieces) for (const d of ps.slice(0, -1)) assert.equal(d === ps[0] ? r.addHead(0, d) : r.addFragment(0, d), null);
    for (const ps of pieces) for (const d of ps.slice(0, -1)) d.fill(0xee);
    for (let i = 0; i < pkts.length; i++) {
      const last = pieces[i][pieces[i].length - 1];
      const whole = r.addFragment(0, last);
      assert.ok(whole && whole.buffer === into.buffer && whole.byteOffset === 0);
      assert.deepEqual(whole, pkts[i]);
    }
    assert.equal(r.size, 0);
  }
  assert.throws(() => new Reassembler({ maxEntries: 4, timeoutMs: 1, assembleInto: new Uint8Array(100) }), /assembleInto must hold 10024 bytes/);
});

// Sender-side fragmentation and the fragment codec (spec 02 §7.1, §8, §9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FragmentationError,
  decodeFragment,
  fragmentCount,
  fragmentDestination,
  fragmentHops,
  fragmentPacket,
  fragmentProblem,
  incrementFragmentHops,
  isValidFragmentCounts,
  writeFragmentHeader,
} from '../../../src/protocol/fragment.js';
import { buildPacket, setFragmented } from '../../../src/protocol/packet.js';
import { DEFAULT_PHYS_MTU_BYTES, Verb } from '../../../src/protocol/constants.js';
import { DecodeError } from '../../../src/util/errors.js';
import { concatBytes } from '../../../src/util/bytes.js';
import { hex, toHex } from '../../../src/util/hex.js';
import { Prng } from '../../helpers/prng.js';
import { fuzzDecoder } from '../../helpers/property.js';

const MTU = DEFAULT_PHYS_MTU_BYTES;

/** A packet of exactly n bytes with random contents and the fragmented flag as needed. */
function packetOfSize(rnd: Prng, n: number, mtu = MTU): Uint8Array {
  const pkt = buildPacket({ id8: rnd.bytes(8), dest: 0x4e727d26e3, source: 0x836faffcb4, verb: Verb.FRAME, payload: rnd.bytes(n - 28) });
  setFragmented(pkt, n > mtu);
  return pkt;
}

test('fragmentCount: 1 + ceil((n − mtu) / (mtu − 16))', () => {
  assert.equal(fragmentCount(28, MTU), 1);
  assert.equal(fragmentCount(1432, MTU), 1);
  assert.equal(fragmentCount(1433, MTU), 2);
  assert.equal(fragmentCount(2848, MTU), 2);
  assert.equal(fragmentCount(2849, MTU), 3);
  // 02 §8 says a 2800-byte frame in FRAME (2838 bytes) takes 3 datagrams at MTU 1432; by the
  // formula of §7.1 (and Switch.cpp) 2838 ≤ 1432 + 1416, so it takes 2. The 3 000-byte ECHO
  // of the §14 checklist (3028 bytes) is the one that takes 3.
  assert.equal(fragmentCount(2838, MTU), 2);
  assert.equal(fragmentCount(3028, MTU), 3);
  assert.equal(fragmentCount(9928, MTU), 7);
  assert.equal(fragmentCount(9929, MTU), 8);
  assert.throws(() => fragmentCount(100, 27), RangeError);
});

test('round trip at MTU 1432 for sizes up to 9928', () => {
  const rnd = new Prng(7);
  const sizes = [28, 29, 1431, 1432, 1433, 1434, 2847, 2848, 2849, 4264, 4265, 8512, 9927, 9928];
  for (let n = 30; n < 9928; n += 173) sizes.push(n);
  for (const n of sizes) {
    const pkt = packetOfSize(rnd, n);
    const pieces = fragmentPacket(pkt, MTU);
    const t = fragmentCount(n, MTU);
    assert.equal(pieces.length, t, `n=${n}`);
    if (t === 1) {
      assert.equal(pieces[0], pkt);
      continue;
    }
    assert.equal(pieces[0].length, MTU);
    const data: Uint8Array[] = [pieces[0]];
    for (let f = 1; f < t; f++) {
      const p = pieces[f];
      assert.ok(p.length <= MTU && p.length >= 17);
      const d = decodeFragment(p);
      assert.deepEqual(d.id8, pkt.subarray(0, 8));
      assert.equal(d.dest, 0x4e727d26e3);
      assert.equal(p[13], 0xff);
      assert.equal(p[14], (t << 4) | f);
      assert.equal(d.total, t);
      assert.equal(d.index, f);
      assert.equal(d.hops, 0);
      assert.equal(fragmentProblem(p), null);
      if (f < t - 1) assert.equal(p.length, MTU, 'all but the last fragment are full');
      data.push(d.data);
    }
    assert.deepEqual(concatBytes(...data), pkt, `n=${n}`);
  }
});

test('refuses packets needing more than 7 pieces', () => {
  const rnd = new Prng(8);
  for (const n of [9929, 10024]) {
    const pkt = packetOfSize(rnd, n);
    assert.throws(() => fragmentPacket(pkt, MTU), (e: unknown) => e instanceof FragmentationError && e.code === 'packet_too_big');
  }
  // A large MTU still may not produce an assembly above the 10 024-byte receive limit.
  const big = packetOfSize(rnd, 10025, 1500);
  assert.throws(() => fragmentPacket(big, 10324), (e: unknown) => e instanceof FragmentationError && e.code === 'packet_too_big');
});

test('the fragmented flag must match the need to split', () => {
  const rnd = new Prng(9);
  const big = packetOfSize(rnd, 3000);
  setFragmented(big, false);
  assert.throws(() => fragmentPacket(big, MTU), (e: unknown) => e instanceof FragmentationError && e.code === 'fragmented_flag_mismatch');
  const small = packetOfSize(rnd, 100);
  setFragmented(small, true);
  assert.throws(() => fragmentPacket(small, MTU), (e: unknown) => e instanceof FragmentationError && e.code === 'fragmented_flag_mismatch');
});

test('fragment header codec', () => {
  const buf = new Uint8Array(20);
  writeFragmentHeader(buf, { id8: hex('daac7aefd68bbdf6'), dest: 0x8808041785, total: 3, index: 2, hops: 0 });
  assert.equal(toHex(buf.subarray(0, 16)), 'daac7aefd68bbdf6' + '8808041785' + 'ff' + '32' + '00');
  assert.equal(fragmentDestination(buf), 0x8808041785);
  assert.throws(() => writeFragmentHeader(buf, { id8: new Uint8Array(8), dest: 1, total: 8, index: 1, hops: 0 }), RangeError);
  assert.throws(() => writeFragmentHeader(buf, { id8: new Uint8Array(8), dest: 1, total: 3, index: 3, hops: 0 }), RangeError);
});

test('count validity: 2 ≤ t ≤ 7, 1 ≤ f < t', () => {
  for (let t = 0; t < 16; t++) {
    for (let f = 0; f < 16; f++) {
      assert.equal(isValidFragmentCounts(t, f), t >= 2 && t <= 7 && f >= 1 && f < t, `t=${t} f=${f}`);
      const d = new Uint8Array(17);
      d[13] = 0xff;
      d[14] = (t << 4) | f;
      assert.equal(fragmentProblem(d), isValidFragmentCounts(t, f) ? null : 'bad_fragment_count');
    }
  }
  assert.equal(fragmentProblem(new Uint8Array(16).fill(0xff)), 'truncated');
  assert.equal(fragmentProblem(new Uint8Array(40)), 'not_fragment');
});

test('decodeFragment refuses non-fragments with DecodeError and survives fuzzing', () => {
  assert.throws(() => decodeFragment(new Uint8Array(16).fill(0xff)), DecodeError);
  assert.throws(() => decodeFragment(new Uint8Array(30)), DecodeError);
  const rnd = new Prng(10);
  const seeds = fragmentPacket(packetOfSize(rnd, 3000), MTU).slice(1);
  fuzzDecoder('decodeFragment', decodeFragment, { seeds });
});

test('fragment hops: full byte read, (b + 1) & 7 on relay (§9, §14 trap 8)', () => {
  const d = new Uint8Array(17);
  d[13] = 0xff;
  d[14] = 0x21;
  for (let i = 1; i <= 8; i++) {
    incrementFragmentHops(d);
    assert.equal(fragmentHops(d), i & 7);
  }
  d[15] = 0x10; // not a value a relay writes; 1.14.1 reads the whole byte
  assert.equal(fragmentHops(d), 0x10);
  incrementFragmentHops(d);
  assert.equal(d[15], 0x01);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { Reader } from '../../../../src/protocol/reader.js';
import { comSize, decodeCom, encodeCom, readCom, type CertificateOfMembership } from '../../../../src/protocol/verbs/com.js';
import { fuzzDecoder } from '../../../helpers/property.js';

function sig(seed: number): Uint8Array {
  return Uint8Array.from({ length: 96 }, (_, i) => (seed + i * 7) & 0xff);
}

const signed: CertificateOfMembership = {
  qualifiers: [
    { id: 0n, value: 0x1a20f907715n, maxDelta: 7200000n },
    { id: 1n, value: 0x8056c2e21c000001n, maxDelta: 0xffffffffffffffffn },
    { id: 2n, value: 0x8808041785n, maxDelta: 0xffffffffffffffffn },
  ],
  signedBy: 0x8056c2e21c,
  signature: sig(3),
};
const unsigned: CertificateOfMembership = { qualifiers: [{ id: 5n, value: 6n, maxDelta: 7n }], signedBy: 0, signature: null };

test('COM layout: 0x01, count, 24-byte qualifiers, signer, signature only when signed', () => {
  const b = encodeCom(signed);
  assert.equal(b.length, 1 + 2 + 3 * 24 + 5 + 96);
  assert.equal(b.length, comSize(signed));
  assert.equal(b[0], 1);
  assert.deepEqual([b[1], b[2]], [0, 3]);
  assert.deepEqual(Array.from(b.subarray(75, 80)), [0x80, 0x56, 0xc2, 0xe2, 0x1c]);
  const u = encodeCom(unsigned);
  assert.equal(u.length, 1 + 2 + 24 + 5);
  assert.equal(u.length, comSize(unsigned));
});

test('COM round trip, signed and unsigned', () => {
  assert.deepEqual(decodeCom(encodeCom(signed)), signed);
  assert.deepEqual(decodeCom(encodeCom(unsigned)), unsigned);
  assert.deepEqual(decodeCom(encodeCom({ qualifiers: [], signedBy: 0, signature: null })), { qualifiers: [], signedBy: 0, signature: null });
});

test('COM rejects a wrong version byte, more than 8 qualifiers, unsorted ids, trailing bytes', () => {
  const b = encodeCom(unsigned);
  const badVersion = b.slice();
  badVersion[0] = 2;
  assert.throws(() => decodeCom(badVersion), (e: unknown) => e instanceof DecodeError && e.field === 'com.version');

  const nine = { qualifiers: Array.from({ length: 9 }, (_, i) => ({ id: BigInt(i), value: 0n, maxDelta: 0n })), signedBy: 0, signature: null };
  assert.throws(() => encodeCom(nine), RangeError);
  const nineBytes = new Uint8Array(3 + 9 * 24 + 5);
  nineBytes[0] = 1;
  nineBytes[2] = 9;
  assert.throws(() => decodeCom(nineBytes), (e: unknown) => e instanceof DecodeError && e.field === 'com.qualifierCount');

  const unsorted = encodeCom({ qualifiers: [{ id: 2n, value: 0n, maxDelta: 0n }, { id: 1n, value: 0n, maxDelta: 0n }], signedBy: 0, signature: null });
  assert.throws(() => decodeCom(unsorted), (e: unknown) => e instanceof DecodeError && e.field === 'com.qualifiers[1].id');
  // Equal ids are accepted (1.14.1 only rejects a smaller one).
  const equalIds = { qualifiers: [{ id: 1n, value: 1n, maxDelta: 0n }, { id: 1n, value: 2n, maxDelta: 0n }], signedBy: 0, signature: null };
  assert.deepEqual(decodeCom(encodeCom(equalIds)), equalIds);

  assert.throws(() => decodeCom(Uint8Array.of(...b, 0)), DecodeError);
});

test('readCom stops right after the COM, so the next field can be read', () => {
  const b = Uint8Array.of(...encodeCom(signed), 0xaa);
  const r = new Reader(b);
  readCom(r);
  assert.equal(r.u8('next'), 0xaa);
});

test('COM truncated inside the signature is a DecodeError naming it', () => {
  const b = encodeCom(signed);
  assert.throws(() => decodeCom(b.subarray(0, b.length - 1)), (e: unknown) => e instanceof DecodeError && e.field === 'com.signature');
});

test('COM decoder property', () => {
  fuzzDecoder('decodeCom', decodeCom, { seeds: [encodeCom(signed), encodeCom(unsigned)] });
});

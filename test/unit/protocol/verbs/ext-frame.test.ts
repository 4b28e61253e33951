import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { toHex } from '../../../../src/util/hex.js';
import { encodeCom, type CertificateOfMembership } from '../../../../src/protocol/verbs/com.js';
import { EXT_FRAME_FLAG_ACK_REQUESTED, decodeExtFrame, encodeExtFrame, type EXT_FRAME } from '../../../../src/protocol/verbs/ext-frame.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const com: CertificateOfMembership = {
  qualifiers: [{ id: 0n, value: 100n, maxDelta: 50n }],
  signedBy: 0x8056c2e21c,
  signature: new Uint8Array(96).fill(0x5a),
};
const plain: EXT_FRAME = {
  networkId: 0x8056c2e21c000001n,
  flags: 0,
  to: 0x32d43c9a1b77,
  from: 0x0242ac110002,
  etherType: 0x0806,
  data: Uint8Array.of(0, 1, 8, 0),
};

test('EXT_FRAME layout and round trip without a COM', () => {
  const b = encodeExtFrame(plain);
  assert.equal(toHex(b), '8056c2e21c000001' + '00' + '32d43c9a1b77' + '0242ac110002' + '0806' + '00010800');
  assert.deepEqual(decodeExtFrame(b), plain);
});

test('EXT_FRAME with a COM (flag 0x01) and the ACK flag 0x10', () => {
  const msg = { ...plain, flags: EXT_FRAME_FLAG_ACK_REQUESTED | 0x01, com };
  const b = encodeExtFrame(msg);
  assert.equal(b[8], 0x11);
  assert.deepEqual(b.subarray(9, 9 + encodeCom(com).length), encodeCom(com));
  assert.deepEqual(decodeExtFrame(b), msg);
});

test('EXT_FRAME: the encoder derives flag 0x01 from the COM, keeps the rest (rule subtypes)', () => {
  assert.equal(encodeExtFrame({ ...plain, flags: 0x1d })[8], 0x1c, 'no COM: 0x01 cleared');
  assert.equal(encodeExtFrame({ ...plain, flags: 0x02, com })[8], 0x03);
  const watch = decodeExtFrame(encodeExtFrame({ ...plain, flags: 0x16 }));
  assert.equal(watch.flags, 0x16);
  assert.equal(watch.com, undefined);
});

test('EXT_FRAME errors name the field', () => {
  const b = encodeExtFrame(plain);
  assert.throws(() => decodeExtFrame(b.subarray(0, 20)), (e: unknown) => e instanceof DecodeError && e.field === 'EXT_FRAME.from');
  const flagged = b.slice();
  flagged[8] = 0x01; // claims a COM, but byte 9 is a MAC byte (0x32), not 0x01
  assert.throws(() => decodeExtFrame(flagged), (e: unknown) => e instanceof DecodeError && e.field === 'EXT_FRAME.com.version');
});

test('EXT_FRAME decoder property', () => {
  fuzzDecoder('decodeExtFrame', decodeExtFrame, { seeds: [encodeExtFrame(plain), encodeExtFrame({ ...plain, com })] });
});

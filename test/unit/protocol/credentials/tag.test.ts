import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, toHex } from '../../../../src/util/hex.js';
import { DecodeError } from '../../../../src/util/errors.js';
import { readTagBytes } from '../../../../src/protocol/verbs/credential-lengths.js';
import { TAG_BYTES, decodeTag, encodeTag, readTag, signTag, tagSigningInput, verifyTag, verifyTagSignature, type Tag } from '../../../../src/protocol/credentials/tag.js';
import { CONTROLLER, IMPOSTOR, MEMBER_A, MEMBER_B, NWID, T0, lookupAll, lookupNone, tagFor } from '../../../helpers/credentials.js';
import { fuzzDecoder } from '../../../helpers/property.js';
import { assertAgreesWithScanner } from '../../../helpers/credential-scan.js';

const unsigned: Tag = { networkId: 0x0102030405060708n, timestamp: 0x1112131415161718n, id: 0x21222324, value: 0x31323334, issuedTo: 0x4142434445, signedBy: 0x5152535455, signature: null };

test('layout: 135 bytes, fields at the offsets of 04 §5.4, Ed25519 block, empty extension', () => {
  const sig = Uint8Array.from({ length: 96 }, (_, i) => i);
  const b = encodeTag({ ...unsigned, signature: sig });
  assert.equal(b.length, TAG_BYTES);
  assert.equal(toHex(b.subarray(0, 34)), '0102030405060708' + '1112131415161718' + '21222324' + '31323334' + '4142434445' + '5152535455');
  assert.equal(toHex(b.subarray(34, 37)), '010060');
  assert.deepEqual(b.subarray(37, 133), sig);
  assert.equal(toHex(b.subarray(133)), '0000');
  assert.deepEqual(decodeTag(b), { ...unsigned, signature: sig });
});

test('the signed message is 52 bytes (not the 50 of 04 §5.4): 7f×8, bytes 0–33, 0000, 7f×8', () => {
  const m = tagSigningInput(unsigned);
  assert.equal(m.length, 52);
  assert.equal(toHex(m), '7f'.repeat(8) + toHex(encodeTag(unsigned).subarray(0, 34)) + '0000' + '7f'.repeat(8));
});

test('sign then verify; signedBy is set before signing, so it is covered', () => {
  const t = tagFor(MEMBER_A.address, 100, 5);
  assert.equal(t.signedBy, CONTROLLER.address);
  assert.ok(verifyTagSignature(t, CONTROLLER));
  assert.equal(verifyTag(t, lookupAll), 'valid');
  assert.equal(verifyTag(t, lookupNone), 'whois');
  assert.deepEqual(decodeTag(encodeTag(t)), t);
});

test('verification fails for a changed field, other keys, a non-controller signer or no signature', () => {
  const t = tagFor(MEMBER_A.address, 100, 5);
  for (const changed of [{ value: 6 }, { id: 101 }, { issuedTo: MEMBER_B.address }, { timestamp: T0 + 1n }, { networkId: NWID ^ 1n }]) {
    assert.equal(verifyTag({ ...t, ...changed }, lookupAll), 'invalid', JSON.stringify(changed, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
  }
  assert.equal(verifyTagSignature(t, IMPOSTOR), false);
  assert.equal(verifyTag(t, () => IMPOSTOR), 'invalid');
  const byMember = signTag({ ...t, signedBy: 0, signature: null }, MEMBER_B);
  assert.equal(verifyTag(byMember, lookupAll), 'invalid', 'signed by a member');
  assert.equal(verifyTag({ ...t, signature: null }, lookupAll), 'invalid');
  assert.equal(verifyTag({ ...t, signedBy: 0 }, lookupAll), 'invalid');
});

test('a non-Ed25519 signature block is skipped and leaves no signature; a type-1 block must be 96 bytes', () => {
  const b = encodeTag(tagFor(MEMBER_A.address, 1, 1));
  const other = new Uint8Array([...b.subarray(0, 34), 0x02, 0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x00, 0x00]);
  const t = decodeTag(other);
  assert.equal(t.signature, null);
  assert.equal(verifyTag(t, lookupAll), 'invalid');
  const bad = b.slice();
  bad[36] = 0x5f;
  assert.throws(() => decodeTag(bad), (e: unknown) => e instanceof DecodeError && e.code === 'decode_bad_length');
});

test('the extension is skipped on reading and written empty; trailing bytes are refused', () => {
  const b = encodeTag(tagFor(MEMBER_A.address, 1, 1));
  const ext = new Uint8Array([...b.subarray(0, 133), 0x00, 0x02, 0xee, 0xff]);
  assert.deepEqual(encodeTag(decodeTag(ext)), b);
  assert.throws(() => decodeTag(new Uint8Array([...b, 0])), (e: unknown) => e instanceof DecodeError && e.code === 'decode_trailing_bytes');
  assert.throws(() => decodeTag(b.subarray(0, 134)), DecodeError);
});

test('hostile bytes: DecodeError only, and the decoder consumes what the length scanner skips', () => {
  const seed = encodeTag(tagFor(MEMBER_A.address, 1, 1));
  fuzzDecoder('decodeTag', decodeTag, { seeds: [seed, hex('00'.repeat(34) + '020000' + '0000')] });
  assertAgreesWithScanner((r) => readTag(r), (r) => readTagBytes(r), [seed]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../../src/util/hex.js';
import { readRevocationBytes } from '../../../../src/protocol/verbs/credential-lengths.js';
import {
  REVOCATION_BYTES,
  decodeRevocation,
  encodeRevocation,
  isFastPropagate,
  readRevocation,
  revocationSigningInput,
  signRevocation,
  verifyRevocation,
  verifyRevocationSignature,
} from '../../../../src/protocol/credentials/revocation.js';
import { CONTROLLER, CredentialType, IMPOSTOR, MEMBER_A, MEMBER_B, T0, lookupAll, lookupNone, revocationFor } from '../../../helpers/credentials.js';
import { fuzzDecoder } from '../../../helpers/property.js';
import { assertAgreesWithScanner } from '../../../helpers/credential-scan.js';

test('layout: 152 bytes; reserved words zero; threshold, flags, target, signer, type before the signature', () => {
  const v = revocationFor(MEMBER_A.address, CredentialType.TAG, -2n, { credentialId: 0x0a0b0c0d, id: 0x01020304 });
  const b = encodeRevocation(v);
  assert.equal(b.length, REVOCATION_BYTES);
  assert.equal(toHex(b.subarray(0, 8)), '00000000' + '01020304');
  assert.equal(toHex(b.subarray(16, 24)), '00000000' + '0a0b0c0d');
  assert.equal(toHex(b.subarray(24, 32)), 'fffffffffffffffe', 'thresholds are int64');
  assert.equal(toHex(b.subarray(32, 40)), '0000000000000001');
  assert.equal(b[50], CredentialType.TAG);
  assert.equal(toHex(b.subarray(51, 54)), '010060');
  assert.deepEqual(decodeRevocation(b), v);
  assert.equal(decodeRevocation(b).threshold, -2n);
  assert.equal(toHex(revocationSigningInput(v)), '7f'.repeat(8) + toHex(b.subarray(0, 51)) + '0000' + '7f'.repeat(8));
  assert.equal(revocationSigningInput(v).length, 69);
});

test('reserved words are read and ignored, written as zero (and signed as zero)', () => {
  const v = revocationFor(MEMBER_A.address, CredentialType.COM, T0);
  const b = encodeRevocation(v);
  b[0] = 0xff;
  b[17] = 0xee;
  const back = decodeRevocation(b);
  assert.ok(verifyRevocationSignature(back, CONTROLLER));
  assert.deepEqual(encodeRevocation(back), encodeRevocation(v));
});

test('fast propagate is flag bit 0', () => {
  assert.ok(isFastPropagate(revocationFor(MEMBER_A.address, 1, T0)));
  assert.equal(isFastPropagate(revocationFor(MEMBER_A.address, 1, T0, { fast: false })), false);
  assert.ok(isFastPropagate({ ...revocationFor(MEMBER_A.address, 1, T0), flags: 0xff00000000000003n }));
  assert.equal(isFastPropagate({ ...revocationFor(MEMBER_A.address, 1, T0), flags: 2n }), false);
});

test('sign then verify; changes, other keys, member signers and missing signatures fail', () => {
  const v = revocationFor(MEMBER_A.address, CredentialType.COM, T0);
  assert.ok(verifyRevocationSignature(v, CONTROLLER));
  assert.equal(verifyRevocation(v, lookupAll), 'valid');
  assert.equal(verifyRevocation(v, lookupNone), 'whois');
  assert.equal(verifyRevocation({ ...v, threshold: T0 + 1n }, lookupAll), 'invalid');
  assert.equal(verifyRevocation({ ...v, target: MEMBER_B.address }, lookupAll), 'invalid');
  assert.equal(verifyRevocation({ ...v, credentialType: 2 }, lookupAll), 'invalid');
  assert.equal(verifyRevocationSignature(v, IMPOSTOR), false);
  assert.equal(verifyRevocation(signRevocation(v, MEMBER_B), lookupAll), 'invalid');
  assert.equal(verifyRevocation({ ...v, signature: null }, lookupAll), 'invalid');
});

test('hostile bytes: DecodeError only, and the decoder consumes what the length scanner skips', () => {
  const seed = encodeRevocation(revocationFor(MEMBER_A.address, CredentialType.COM, T0));
  fuzzDecoder('decodeRevocation', decodeRevocation, { seeds: [seed] });
  assertAgreesWithScanner((r) => readRevocation(r), (r) => readRevocationBytes(r), [seed]);
});

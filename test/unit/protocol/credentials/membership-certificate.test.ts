import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, toHex } from '../../../../src/util/hex.js';
import { decodeCom, encodeCom, type CertificateOfMembership } from '../../../../src/protocol/verbs/com.js';
import { DecodeError } from '../../../../src/util/errors.js';
import { fuzzDecoder } from '../../../helpers/property.js';
import {
  comAgrees,
  comEquals,
  comIssuedTo,
  comNetworkId,
  comSigningInput,
  comTimestamp,
  identityHashWords,
  makeCom,
  signCom,
  verifyCom,
  verifyComSignature,
} from '../../../../src/protocol/credentials/membership-certificate.js';
import { CONTROLLER, IMPOSTOR, MAX_DELTA, MEMBER_A, MEMBER_B, NWID, OTHER_NWID, T0, comFor, lookupAll, lookupNone } from '../../../helpers/credentials.js';

const ONES = 0xffffffffffffffffn;

function withQualifier(com: CertificateOfMembership, id: bigint, value: bigint): CertificateOfMembership {
  return { ...com, qualifiers: com.qualifiers.map((q) => (q.id === id ? { ...q, value } : q)) };
}

test('makeCom: the seven qualifiers of a 1.14.1 controller, in order, unsigned', () => {
  const com = makeCom({ networkId: NWID, timestampMs: 1000, maxDeltaMs: 1_800_000, issuedTo: MEMBER_A });
  const h = identityHashWords(MEMBER_A);
  assert.deepEqual(com.qualifiers, [
    { id: 0n, value: 1000n, maxDelta: 1_800_000n },
    { id: 1n, value: NWID, maxDelta: 0n },
    { id: 2n, value: BigInt(MEMBER_A.address), maxDelta: ONES },
    { id: 3n, value: h[0], maxDelta: ONES },
    { id: 4n, value: h[1], maxDelta: ONES },
    { id: 5n, value: h[2], maxDelta: ONES },
    { id: 6n, value: h[3], maxDelta: ONES },
  ]);
  assert.equal(com.signedBy, 0);
  assert.equal(com.signature, null);
  assert.equal(comTimestamp(com), 1000n);
  assert.equal(comNetworkId(com), NWID);
  assert.equal(comIssuedTo(com), MEMBER_A.address);
});

test('accessors: absent qualifiers read 0, the first of an id counts, issued-to keeps 40 bits, the timestamp is an int64', () => {
  const empty: CertificateOfMembership = { qualifiers: [], signedBy: 0, signature: null };
  assert.equal(comTimestamp(empty), 0n);
  assert.equal(comNetworkId(empty), 0n);
  assert.equal(comIssuedTo(empty), 0);
  const odd: CertificateOfMembership = {
    qualifiers: [
      { id: 0n, value: 0xffffffffffffffffn, maxDelta: 0n },
      { id: 1n, value: 5n, maxDelta: 0n },
      { id: 1n, value: 6n, maxDelta: 0n },
      { id: 2n, value: 0x77aabbccddeen, maxDelta: 0n },
    ],
    signedBy: 0,
    signature: null,
  };
  assert.equal(comTimestamp(odd), -1n);
  assert.equal(comNetworkId(odd), 5n);
  assert.equal(comIssuedTo(odd), 0xaabbccddee);
});

test('the signed message is the qualifiers alone, 24 bytes each, as they sit in the encoding', () => {
  const com = comFor(MEMBER_A);
  const input = comSigningInput(com);
  assert.equal(input.length, 7 * 24);
  assert.equal(toHex(input), toHex(encodeCom(com).subarray(3, 3 + 168)));
  assert.equal(toHex(input.subarray(0, 24)), '0000000000000000' + T0.toString(16).padStart(16, '0') + MAX_DELTA.toString(16).padStart(16, '0'));
});

test('sign then verify; any change, another key, a non-controller signer or no signature fails', () => {
  const com = comFor(MEMBER_A);
  assert.equal(com.signedBy, CONTROLLER.address);
  assert.ok(verifyComSignature(com, CONTROLLER.toPublic()));
  assert.equal(verifyCom(com, lookupAll), 'valid');
  assert.equal(verifyCom(com, lookupNone), 'whois');
  assert.equal(verifyComSignature(withQualifier(com, 0n, T0 + 1n), CONTROLLER), false, 'a changed timestamp');
  assert.equal(verifyComSignature(com, IMPOSTOR), false, 'the controller address with other keys');
  assert.equal(verifyCom(com, () => IMPOSTOR), 'invalid');
  const byMember = comFor(MEMBER_B, T0, { signer: MEMBER_A });
  assert.equal(verifyComSignature(byMember, MEMBER_A), false, 'signed by a member, not the controller');
  assert.equal(verifyCom(byMember, lookupAll), 'invalid');
  const forOtherNetwork = comFor(MEMBER_A, T0, { nwid: 0x99999999990000n });
  assert.equal(verifyCom(forOtherNetwork, lookupAll), 'invalid', 'the controller of another network');
  const unsigned = makeCom({ networkId: NWID, timestampMs: T0, maxDeltaMs: MAX_DELTA, issuedTo: MEMBER_A });
  assert.equal(verifyComSignature(unsigned, CONTROLLER), false);
  assert.equal(verifyCom(unsigned, lookupAll), 'invalid');
  const nine: CertificateOfMembership = { ...com, qualifiers: [...com.qualifiers, { id: 7n, value: 0n, maxDelta: 0n }, { id: 8n, value: 0n, maxDelta: 0n }] };
  assert.equal(verifyCom(nine, lookupAll), 'invalid', 'more than 8 qualifiers');
  assert.throws(() => signCom(nine, CONTROLLER), RangeError);
  assert.throws(() => signCom(unsigned, CONTROLLER.toPublic()), RangeError, 'no private key');
});

test('agreement: timestamps exactly our max delta apart agree, one more disagrees, both ways', () => {
  const ours = comFor(MEMBER_A);
  for (const sign of [1n, -1n]) {
    assert.ok(comAgrees(ours, comFor(MEMBER_B, T0 + sign * MAX_DELTA), MEMBER_B), `delta ${sign * MAX_DELTA}`);
    assert.equal(comAgrees(ours, comFor(MEMBER_B, T0 + sign * (MAX_DELTA + 1n)), MEMBER_B), false, `delta ${sign * (MAX_DELTA + 1n)}`);
  }
  assert.ok(comAgrees(ours, comFor(MEMBER_B), MEMBER_B));
});

test('agreement uses our max delta, not theirs', () => {
  const ours = comFor(MEMBER_A, T0, { maxDelta: 10n });
  const theirs = comFor(MEMBER_B, T0 + 11n, { maxDelta: 1_000_000n });
  assert.equal(comAgrees(ours, theirs, MEMBER_B), false);
  assert.ok(comAgrees(theirs, ours, MEMBER_A), 'the other direction uses their larger delta');
});

test('agreement: another network ID disagrees; the issued-to qualifier never does', () => {
  const ours = comFor(MEMBER_A);
  assert.equal(comAgrees(ours, comFor(MEMBER_B, T0, { nwid: OTHER_NWID }), MEMBER_B), false);
  const bIssuedToA = withQualifier(comFor(MEMBER_B), 2n, BigInt(MEMBER_A.address));
  assert.ok(comAgrees(ours, bIssuedToA, MEMBER_B), 'qualifier 2 has max delta all ones');
});

test('agreement binds their COM to their real identity through qualifiers 3…6', () => {
  const ours = comFor(MEMBER_A);
  const theirs = comFor(MEMBER_B);
  assert.equal(comAgrees(ours, theirs, MEMBER_A), false, 'B\'s COM presented with A\'s identity');
  assert.equal(comAgrees(ours, withQualifier(theirs, 5n, 0n), MEMBER_B), false, 'one hash word off');
  const noHash: CertificateOfMembership = { ...theirs, qualifiers: theirs.qualifiers.slice(0, 3) };
  assert.equal(comAgrees(ours, noHash, MEMBER_B), false, 'ours has 3…6, theirs lacks them');
  const oursNoHash: CertificateOfMembership = { ...ours, qualifiers: ours.qualifiers.slice(0, 3) };
  assert.ok(comAgrees(oursNoHash, noHash, MEMBER_A), 'neither hash-bound: identity not checked');
  const oursOnly4: CertificateOfMembership = { ...ours, qualifiers: [...ours.qualifiers.slice(0, 3), ours.qualifiers[4]] };
  assert.ok(comAgrees(oursOnly4, theirs, MEMBER_B), 'any one of 3…6 in ours turns the hash check on');
  assert.equal(comAgrees(oursOnly4, withQualifier(theirs, 3n, 0n), MEMBER_B), false, 'then all four of theirs are checked, even id 3 that ours lacks');
});

test('agreement: qualifier sets — theirs may carry extra ids, must carry all of ours; empty never agrees', () => {
  const ours = comFor(MEMBER_A);
  const theirs = comFor(MEMBER_B);
  const extra: CertificateOfMembership = { ...theirs, qualifiers: [...theirs.qualifiers, { id: 99n, value: 1n, maxDelta: 0n }] };
  assert.ok(comAgrees(ours, extra, MEMBER_B));
  const withCustom: CertificateOfMembership = { ...ours, qualifiers: [...ours.qualifiers, { id: 99n, value: 1n, maxDelta: 0n }] };
  assert.equal(comAgrees(withCustom, theirs, MEMBER_B), false);
  const missingTs: CertificateOfMembership = { ...theirs, qualifiers: theirs.qualifiers.slice(1) };
  assert.equal(comAgrees(ours, missingTs, MEMBER_B), false);
  const empty: CertificateOfMembership = { qualifiers: [], signedBy: 0, signature: null };
  assert.equal(comAgrees(empty, theirs, MEMBER_B), false);
  assert.equal(comAgrees(ours, empty, MEMBER_B), false);
});

test('agreement: a repeated id in theirs — the last one counts; differences are unsigned 64-bit', () => {
  const ours = comFor(MEMBER_A);
  const theirs = comFor(MEMBER_B);
  const far = { id: 0n, value: T0 + 10n * MAX_DELTA, maxDelta: 0n };
  const near = { id: 0n, value: T0, maxDelta: 0n };
  assert.ok(comAgrees(ours, { ...theirs, qualifiers: [far, near, ...theirs.qualifiers.slice(1)] }, MEMBER_B));
  assert.equal(comAgrees(ours, { ...theirs, qualifiers: [near, far, ...theirs.qualifiers.slice(1)] }, MEMBER_B), false);
  const a: CertificateOfMembership = { qualifiers: [{ id: 0n, value: 0n, maxDelta: 5n }], signedBy: 0, signature: null };
  const b: CertificateOfMembership = { qualifiers: [{ id: 0n, value: ONES, maxDelta: 5n }], signedBy: 0, signature: null };
  assert.equal(comAgrees(a, b, MEMBER_B), false, '0 and 2^64−1 are 2^64−1 apart, no wrap-around');
});

test('comEquals: 1.14.1 operator== over signer, qualifiers and signature', () => {
  const com = comFor(MEMBER_A);
  assert.ok(comEquals(com, comFor(MEMBER_A)), 'signatures are deterministic');
  assert.equal(comEquals(com, comFor(MEMBER_A, T0 + 1n)), false);
  assert.equal(comEquals(com, { ...com, signedBy: 5 }), false);
  const sig = com.signature!.slice();
  sig[0] ^= 1;
  assert.equal(comEquals(com, { ...com, signature: sig }), false);
});

test('hostile COMs: more than 8 qualifiers or decreasing ids do not decode; decode-verify-agree throws only DecodeError', () => {
  const com = comFor(MEMBER_A);
  const b = encodeCom(com);
  const nineQualifiers = Array.from({ length: 9 }, (_, i) => ({ id: BigInt(i), value: 0n, maxDelta: 0n }));
  const ninth = hex('010009' + nineQualifiers.map((q) => q.id.toString(16).padStart(16, '0') + '0'.repeat(32)).join('') + '0000000000');
  assert.throws(() => decodeCom(ninth), (e: unknown) => e instanceof DecodeError && e.code === 'decode_too_many');
  const swapped = b.slice();
  swapped[3 + 7] = 9; // qualifier 0 now has id 9, and qualifier 1 (id 1) comes after it
  assert.throws(() => decodeCom(swapped), (e: unknown) => e instanceof DecodeError && e.code === 'decode_not_sorted');
  const ours = comFor(MEMBER_B);
  fuzzDecoder(
    'COM decode, verify, agree',
    (x) => {
      const c = decodeCom(x);
      verifyCom(c, lookupAll);
      comAgrees(ours, c, MEMBER_A);
      comAgrees(c, ours, MEMBER_B);
    },
    { seeds: [b], iterations: 800 },
  );
});

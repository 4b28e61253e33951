import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../../src/util/hex.js';
import { DecodeError } from '../../../../src/util/errors.js';
import { readCapabilityBytes } from '../../../../src/protocol/verbs/credential-lengths.js';
import {
  capabilityIssuedTo,
  capabilitySigningInput,
  decodeCapability,
  encodeCapability,
  readCapability,
  signCapability,
  verifyCapability,
  verifyCapabilitySignature,
  type Capability,
} from '../../../../src/protocol/credentials/capability.js';
import { CONTROLLER, IMPOSTOR, MEMBER_A, MEMBER_B, NWID, SAMPLE_RULES, T0, capabilityFor, lookupAll, lookupNone } from '../../../helpers/credentials.js';
import { fuzzDecoder } from '../../../helpers/property.js';
import { assertAgreesWithScanner } from '../../../helpers/credential-scan.js';

const fresh: Capability = { networkId: NWID, timestamp: T0, id: 9, ruleCount: 2, rules: SAMPLE_RULES, maxCustodyChainLength: 2, custody: [] };
const isCode = (code: string) => (e: unknown) => e instanceof DecodeError && e.code === code;

test('layout: fields, raw rules, m, custody entries, zero "to", extension', () => {
  const c = capabilityFor(MEMBER_A.address, 9);
  const b = encodeCapability(c);
  assert.equal(b.length, 22 + SAMPLE_RULES.length + 1 + (10 + 99) + 5 + 2);
  assert.equal(toHex(b.subarray(16, 22)), '00000009' + '0002');
  assert.deepEqual(b.subarray(22, 28), SAMPLE_RULES);
  assert.equal(b[28], 1);
  assert.equal(toHex(b.subarray(29, 42)), MEMBER_A.address.toString(16) + CONTROLLER.address.toString(16) + '010060');
  assert.equal(toHex(b.subarray(b.length - 7)), '00000000000000');
  assert.deepEqual(decodeCapability(b), c);
});

test('the signed message leaves the custody chain out and keeps m', () => {
  const c = capabilityFor(MEMBER_A.address, 9);
  const b = encodeCapability(c);
  assert.equal(toHex(capabilitySigningInput(c)), '7f'.repeat(8) + toHex(b.subarray(0, 29)) + '0000' + '7f'.repeat(8));
  assert.equal(toHex(capabilitySigningInput({ ...c, custody: [] })), toHex(capabilitySigningInput(c)));
});

test('one-entry chain from the controller: valid; issued to its "to"', () => {
  const c = capabilityFor(MEMBER_A.address, 9);
  assert.equal(capabilityIssuedTo(c), MEMBER_A.address);
  assert.ok(verifyCapabilitySignature(c, CONTROLLER));
  assert.equal(verifyCapability(c, lookupAll), 'valid');
  assert.equal(verifyCapability(c, lookupNone), 'whois');
  assert.equal(capabilityIssuedTo(fresh), 0);
});

test('a chain handed on: controller → A → B; each entry from the previous holder, each signer looked up', () => {
  const toA = signCapability(fresh, CONTROLLER, MEMBER_A.address);
  const toB = signCapability(toA, MEMBER_A, MEMBER_B.address);
  assert.equal(capabilityIssuedTo(toB), MEMBER_B.address);
  assert.equal(verifyCapability(toB, lookupAll), 'valid');
  assert.equal(verifyCapability(toB, (a) => (a === CONTROLLER.address ? CONTROLLER : undefined)), 'whois', 'A unknown');
  assert.deepEqual(decodeCapability(encodeCapability(toB)), toB);
  assert.throws(() => signCapability(toB, MEMBER_B, CONTROLLER.address), RangeError, 'chain full at m = 2');
  const wrongFrom = signCapability(toA, MEMBER_B, MEMBER_B.address);
  assert.equal(verifyCapability(wrongFrom, lookupAll), 'invalid', 'B signs although A holds it');
});

test('invalid: no chain, first entry not from the controller, other keys, changed rules or fields', () => {
  assert.equal(verifyCapability(fresh, lookupAll), 'invalid');
  assert.equal(verifyCapability(signCapability(fresh, MEMBER_A, MEMBER_B.address), lookupAll), 'invalid');
  const c = capabilityFor(MEMBER_A.address, 9);
  assert.equal(verifyCapabilitySignature(c, IMPOSTOR), false);
  const rules = SAMPLE_RULES.slice();
  rules[3] = 0xdd;
  assert.equal(verifyCapability({ ...c, rules }, lookupAll), 'invalid');
  assert.equal(verifyCapability({ ...c, timestamp: T0 + 1n }, lookupAll), 'invalid');
  assert.equal(verifyCapability({ ...c, maxCustodyChainLength: 2 }, lookupAll), 'invalid', 'm is signed');
  assert.equal(verifyCapability({ ...c, custody: [{ ...c.custody[0], signature: null }] }, lookupAll), 'invalid');
  assert.equal(verifyCapability({ ...c, maxCustodyChainLength: 0 }, lookupAll), 'invalid');
});

test('decoding refuses > 64 rules, m outside 1…7, more entries than m, a type-1 signature not 96 long', () => {
  const c = capabilityFor(MEMBER_A.address, 9);
  const b = encodeCapability(c);
  const many = b.slice();
  many[21] = 65;
  assert.throws(() => decodeCapability(many), isCode('decode_too_many'));
  for (const m of [0, 8]) {
    const bad = b.slice();
    bad[28] = m;
    assert.throws(() => decodeCapability(bad), isCode('decode_out_of_range'), `m = ${m}`);
  }
  const two = encodeCapability(signCapability({ ...c, custody: [], maxCustodyChainLength: 2 }, CONTROLLER, MEMBER_A.address));
  const twoEntries = encodeCapability(signCapability(decodeCapability(two), MEMBER_A, MEMBER_B.address));
  const squeezed = twoEntries.slice();
  squeezed[28] = 1;
  assert.throws(() => decodeCapability(squeezed), isCode('decode_too_many'));
  const badLen = b.slice();
  badLen[41] = 0x61;
  assert.throws(() => decodeCapability(badLen), isCode('decode_bad_length'));
});

test('64 rules are fine; rules of any type keep their bytes', () => {
  const rules = new Uint8Array(64 * 3);
  for (let i = 0; i < 64; i++) rules.set([0x3f, 1, i], i * 3);
  const c = signCapability({ ...fresh, ruleCount: 64, rules, maxCustodyChainLength: 1 }, CONTROLLER, MEMBER_A.address);
  const back = decodeCapability(encodeCapability(c));
  assert.deepEqual(back.rules, rules);
  assert.equal(verifyCapability(back, lookupAll), 'valid');
  assert.throws(() => encodeCapability({ ...c, ruleCount: 65 }), RangeError);
});

test('hostile bytes: DecodeError only, and the decoder consumes what the length scanner skips', () => {
  const seed = encodeCapability(signCapability(signCapability(fresh, CONTROLLER, MEMBER_A.address), MEMBER_A, MEMBER_B.address));
  fuzzDecoder('decodeCapability', decodeCapability, { seeds: [seed, encodeCapability(capabilityFor(MEMBER_A.address, 1))] });
  assertAgreesWithScanner((r) => readCapability(r), (r) => readCapabilityBytes(r), [seed]);
});

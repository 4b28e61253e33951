import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../../src/util/hex.js';
import { DecodeError } from '../../../../src/util/errors.js';
import { readCertificateOfOwnershipBytes } from '../../../../src/protocol/verbs/credential-lengths.js';
import { inet4, parseInetAddress } from '../../../../src/protocol/inet-address.js';
import {
  CooThingType,
  cooSigningInput,
  decodeCertificateOfOwnership,
  encodeCertificateOfOwnership,
  ipThing,
  macThing,
  owns,
  readCertificateOfOwnership,
  signCertificateOfOwnership,
  verifyCertificateOfOwnership,
  verifyCertificateOfOwnershipSignature,
  type CertificateOfOwnership,
} from '../../../../src/protocol/credentials/certificate-of-ownership.js';
import { CONTROLLER, IMPOSTOR, MEMBER_A, MEMBER_B, lookupAll, lookupNone, cooFor } from '../../../helpers/credentials.js';
import { fuzzDecoder } from '../../../helpers/property.js';
import { assertAgreesWithScanner } from '../../../helpers/credential-scan.js';

const V6 = parseInetAddress('fd55:bd86:9199:fbd6:4999:93f8:4207:5b2e/0')!;

test('layout: fixed fields, 17-byte things, issued-to, signer, signature block, extension', () => {
  const c = cooFor(MEMBER_A.address, 1);
  const b = encodeCertificateOfOwnership(c);
  assert.equal(b.length, 30 + 2 * 17 + 10 + 99 + 2);
  assert.equal(toHex(b.subarray(24, 30)), '000000010002');
  assert.equal(toHex(b.subarray(30, 47)), '02' + '0a010203' + '00'.repeat(12));
  assert.equal(toHex(b.subarray(47, 64)), '01' + '32aabbccddee' + '00'.repeat(10));
  assert.equal(toHex(b.subarray(64, 74)), MEMBER_A.address.toString(16) + CONTROLLER.address.toString(16));
  assert.deepEqual(decodeCertificateOfOwnership(b), c);
  const m = cooSigningInput(c);
  assert.equal(toHex(m), '7f'.repeat(8) + toHex(b.subarray(0, 74)) + '0000' + '7f'.repeat(8));
});

test('sign then verify; changes, other keys, member signers and missing signatures fail', () => {
  const c = cooFor(MEMBER_A.address, 1);
  assert.ok(verifyCertificateOfOwnershipSignature(c, CONTROLLER));
  assert.equal(verifyCertificateOfOwnership(c, lookupNone), 'whois');
  assert.equal(verifyCertificateOfOwnership({ ...c, things: [ipThing(inet4(10, 1, 2, 4, 0))] }, lookupAll), 'invalid');
  assert.equal(verifyCertificateOfOwnership({ ...c, flags: 1n }, lookupAll), 'invalid');
  assert.equal(verifyCertificateOfOwnershipSignature(c, IMPOSTOR), false);
  const byMember = signCertificateOfOwnership({ ...c, signedBy: 0, signature: null }, MEMBER_B);
  assert.equal(verifyCertificateOfOwnership(byMember, lookupAll), 'invalid');
  assert.equal(verifyCertificateOfOwnership({ ...c, signature: null }, lookupAll), 'invalid');
});

test('owns: IPv4 by its 4 bytes, IPv6 by 16, MAC by 6, each only in a thing of its own type', () => {
  const c: CertificateOfOwnership = { ...cooFor(MEMBER_A.address, 1), things: [ipThing(inet4(10, 1, 2, 3, 9993)), ipThing(V6), macThing(0x32aabbccddee)] };
  assert.ok(owns(c, inet4(10, 1, 2, 3, 0)), 'the port does not matter');
  assert.equal(owns(c, inet4(10, 1, 2, 4, 0)), false);
  assert.ok(owns(c, V6));
  assert.equal(owns(c, { ...V6, ip: V6.ip.map((x, i) => (i === 15 ? x ^ 1 : x)) }), false);
  assert.ok(owns(c, { mac: 0x32aabbccddee }));
  assert.equal(owns(c, { mac: 0x32aabbccddef }), false);
  const ipInMacSlot: CertificateOfOwnership = { ...c, things: [{ type: CooThingType.MAC, value: ipThing(inet4(10, 1, 2, 3, 0)).value }] };
  assert.equal(owns(ipInMacSlot, inet4(10, 1, 2, 3, 0)), false);
  const unknownType: CertificateOfOwnership = { ...c, things: [{ type: 9, value: ipThing(inet4(10, 1, 2, 3, 0)).value }] };
  assert.equal(owns(unknownType, inet4(10, 1, 2, 3, 0)), false);
  assert.equal(owns({ ...c, things: [] }, inet4(10, 1, 2, 3, 0)), false);
});

test('more than 16 things: undecodable here (1.14.1 reads past its arrays), though the scanner skips 16', () => {
  const c = cooFor(MEMBER_A.address, 1);
  const b = encodeCertificateOfOwnership({ ...c, things: Array.from({ length: 16 }, (_, i) => ipThing(inet4(10, 0, 0, i, 0))) });
  assert.equal(decodeCertificateOfOwnership(b).things.length, 16);
  const seventeen = b.slice();
  seventeen[29] = 17;
  assert.throws(() => decodeCertificateOfOwnership(seventeen), (e: unknown) => e instanceof DecodeError && e.code === 'decode_too_many');
  assert.throws(() => encodeCertificateOfOwnership({ ...c, things: Array.from({ length: 17 }, () => macThing(1)) }), RangeError);
});

test('hostile bytes: DecodeError only, and the decoder consumes what the length scanner skips', () => {
  const seed = encodeCertificateOfOwnership(cooFor(MEMBER_A.address, 1));
  fuzzDecoder('decodeCertificateOfOwnership', decodeCertificateOfOwnership, { seeds: [seed] });
  // The decoder refuses > 16 things where the scanner, like 1.14.1, skips 16 and goes on.
  assertAgreesWithScanner((r) => readCertificateOfOwnership(r), (r) => readCertificateOfOwnershipBytes(r), [seed], (b) => b.length >= 30 && b[28] * 256 + b[29] > 16);
});

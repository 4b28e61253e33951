import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../src/util/hex.js';
import { buildCredentialPushPayloads, buildRevocationPushPayload } from '../../../src/node/membership.js';
import { decodeNetworkCredentials } from '../../../src/protocol/verbs/network-credentials.js';
import { encodeCom } from '../../../src/protocol/verbs/com.js';
import { encodeCapability } from '../../../src/protocol/credentials/capability.js';
import { encodeTag } from '../../../src/protocol/credentials/tag.js';
import { encodeCertificateOfOwnership } from '../../../src/protocol/credentials/certificate-of-ownership.js';
import { encodeRevocation } from '../../../src/protocol/credentials/revocation.js';
import { MAX_PACKET_BYTES, PACKET_IDX_PAYLOAD } from '../../../src/protocol/constants.js';
import { CredentialType, MEMBER_A, T0, capabilityFor, comFor, cooFor, revocationFor, tagFor } from '../../helpers/credentials.js';

const A = MEMBER_A.address;

test('one packet: COM, 00, capabilities, tags, no revocations, COOs — each with its count', () => {
  const com = comFor(MEMBER_A);
  const cap = capabilityFor(A, 1);
  const tag = tagFor(A, 100, 5);
  const coo = cooFor(A, 1);
  const [p, ...rest] = buildCredentialPushPayloads({ com, capabilities: [cap], tags: [tag], coos: [coo] });
  assert.equal(rest.length, 0);
  const expected =
    toHex(encodeCom(com)) + '00' + '0001' + toHex(encodeCapability(cap)) + '0001' + toHex(encodeTag(tag)) + '0000' + '0001' + toHex(encodeCertificateOfOwnership(coo));
  assert.equal(toHex(p), expected);
  const msg = decodeNetworkCredentials(p);
  assert.equal(msg.coms.length, 1);
  assert.deepEqual(msg.revocations, []);
});

test('nothing to push → no packet; a COM alone → COM 00 and four zero counts', () => {
  assert.deepEqual(buildCredentialPushPayloads({ com: null, capabilities: [], tags: [], coos: [] }), []);
  assert.deepEqual(buildCredentialPushPayloads({ com: { qualifiers: [], signedBy: 0, signature: null }, capabilities: [], tags: [], coos: [] }), []);
  const com = comFor(MEMBER_A);
  const [p] = buildCredentialPushPayloads({ com, capabilities: [], tags: [], coos: [] });
  assert.equal(toHex(p), toHex(encodeCom(com)) + '00' + '0000'.repeat(4));
});

test('"fits" as 1.14.1 measures it: 128 tags after a COM split 71 + 57', () => {
  // First packet: 28 + (272 COM + 1 + 2 + 2) + 135 k + 136 + 16 < 10 024 ⇔ k ≤ 70, so 71 tags;
  // the second starts without the COM and takes the remaining 57.
  const tags = Array.from({ length: 128 }, (_, i) => tagFor(A, i, i, T0));
  const payloads = buildCredentialPushPayloads({ com: comFor(MEMBER_A), capabilities: [], tags, coos: [] });
  const counts = payloads.map((p) => decodeNetworkCredentials(p).tags!.length);
  assert.deepEqual(counts, [71, 57]);
  assert.equal(decodeNetworkCredentials(payloads[1]).coms.length, 0);
  assert.deepEqual(
    payloads.flatMap((p) => decodeNetworkCredentials(p).tags!.map((b) => toHex(b))),
    tags.map((t) => toHex(encodeTag(t))),
  );
  for (const p of payloads) assert.ok(PACKET_IDX_PAYLOAD + p.length <= MAX_PACKET_BYTES);
});

test('capabilities are measured at 2 864 bytes each, COOs at 416', () => {
  const caps = Array.from({ length: 60 }, (_, i) => capabilityFor(A, i));
  const coos = Array.from({ length: 4 }, (_, i) => cooFor(A, i));
  const payloads = buildCredentialPushPayloads({ com: null, capabilities: caps, tags: [], coos });
  const decoded = payloads.map((p) => decodeNetworkCredentials(p));
  // 28 + 3 + 145 k + 2 864 + 16 < 10 024 ⇔ k ≤ 49 → 50 capabilities, then 10 more; the
  // COOs (175 bytes, measured at 416) still fit in the first packet after them.
  assert.equal(encodeCapability(caps[0]).length, 145);
  assert.ok(28 + 3 + 49 * 145 + 2864 + 16 < 10024 && 28 + 3 + 50 * 145 + 2864 + 16 >= 10024);
  assert.deepEqual(decoded.map((d) => d.capabilities!.length), [50, 10]);
  assert.deepEqual(decoded.map((d) => d.certificatesOfOwnership!.length), [4, 0]);
});

test('revocation push: 00 0000 0000 0001 <revocation> 0000', () => {
  const rev = revocationFor(A, CredentialType.COM, T0);
  const p = buildRevocationPushPayload(rev);
  assert.equal(toHex(p), '00' + '0000' + '0000' + '0001' + toHex(encodeRevocation(rev)) + '0000');
  assert.equal(decodeNetworkCredentials(p).revocations!.length, 1);
});

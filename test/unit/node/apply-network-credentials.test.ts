import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyNetworkCredentials, type JoinedNetwork } from '../../../src/node/apply-network-credentials.js';
import { buildCredentialPushPayloads, buildRevocationPushPayload } from '../../../src/node/membership.js';
import { NetworkMemberships } from '../../../src/node/network-memberships.js';
import { decodeNetworkCredentials, encodeNetworkCredentials } from '../../../src/protocol/verbs/network-credentials.js';
import { encodeCapability, signCapability } from '../../../src/protocol/credentials/capability.js';
import { encodeTag } from '../../../src/protocol/credentials/tag.js';
import { encodeCertificateOfOwnership, ipThing } from '../../../src/protocol/credentials/certificate-of-ownership.js';
import { encodeRevocation } from '../../../src/protocol/credentials/revocation.js';
import { encodeCom } from '../../../src/protocol/verbs/com.js';
import { inet4 } from '../../../src/protocol/inet-address.js';
import { fuzzDecoder } from '../../helpers/property.js';
import {
  CONTROLLER,
  CredentialType,
  MEMBER_A,
  MEMBER_B,
  NWID,
  OTHER_NWID,
  T0,
  capabilityFor,
  comFor,
  contextFor,
  cooFor,
  lookupAll,
  lookupNone,
  revocationFor,
  tagFor,
} from '../../helpers/credentials.js';

const B = MEMBER_B.address;

function joined(): { net: JoinedNetwork; networkFor: (n: bigint) => JoinedNetwork | undefined } {
  const net = { memberships: new NetworkMemberships(NWID), ctx: contextFor(MEMBER_A) };
  return { net, networkFor: (n) => (n === NWID ? net : undefined) };
}

const fullPush = (): Uint8Array =>
  buildCredentialPushPayloads({ com: comFor(MEMBER_B), capabilities: [capabilityFor(B, 1)], tags: [tagFor(B, 100, 5)], coos: [cooFor(B, 1)] })[0];

test('a full push is applied to the issued-to record: done, trust established, reported', () => {
  const { net, networkFor } = joined();
  const out = applyNetworkCredentials(decodeNetworkCredentials(fullPush()), networkFor, B, lookupAll);
  assert.deepEqual(out, { isDone: true, isTrustEstablished: true, isReceivedReported: true, sends: [], refused: 0, forUnknownNetworks: 0 });
  const m = net.memberships.get(B)!;
  assert.ok(m.com);
  assert.equal(m.tagValue(100, net.ctx), 5);
  assert.equal(m.validCapabilities(net.ctx).length, 1);
  assert.ok(m.hasCertificateOfOwnershipFor(net.ctx, inet4(10, 1, 2, 3, 0)));
});

test('a WHOIS deferral abandons the rest of the packet', () => {
  const { net, networkFor } = joined();
  const out = applyNetworkCredentials(decodeNetworkCredentials(fullPush()), networkFor, B, lookupNone);
  assert.deepEqual(out, { isDone: false, isTrustEstablished: false, isReceivedReported: false, sends: [], refused: 0, forUnknownNetworks: 0 });
  assert.equal(net.memberships.get(B)!.com, null);

  const second = joined();
  const handed = signCapability(signCapability({ ...capabilityFor(MEMBER_A.address, 2), custody: [], maxCustodyChainLength: 2 }, CONTROLLER, MEMBER_A.address), MEMBER_A, B);
  const payload = encodeNetworkCredentials({ coms: [comFor(MEMBER_B)], capabilities: [encodeCapability(handed)], tags: [encodeTag(tagFor(B, 100, 5))], revocations: [], certificatesOfOwnership: [] });
  const controllerOnly = (a: number) => (a === CONTROLLER.address ? CONTROLLER : undefined);
  const mid = applyNetworkCredentials(decodeNetworkCredentials(payload), second.networkFor, B, controllerOnly);
  assert.equal(mid.isDone, false);
  assert.equal(mid.isTrustEstablished, true, 'the COM before it was accepted');
  assert.ok(second.net.memberships.get(B)!.com);
  assert.equal(second.net.memberships.get(B)!.storedTags().length, 0, 'the tag after it was not applied');
});

test('credentials of networks we have not joined are skipped, the rest applied', () => {
  const { net, networkFor } = joined();
  const payload = encodeNetworkCredentials({
    coms: [comFor(MEMBER_B, T0, { nwid: OTHER_NWID })],
    capabilities: [],
    tags: [encodeTag(tagFor(B, 1, 1, T0, OTHER_NWID)), encodeTag(tagFor(B, 2, 2))],
    revocations: [],
    certificatesOfOwnership: [],
  });
  const out = applyNetworkCredentials(decodeNetworkCredentials(payload), networkFor, B, lookupNone);
  assert.equal(out.isDone, false, 'the joined network\'s tag waits for its WHOIS');
  const ok = applyNetworkCredentials(decodeNetworkCredentials(payload), networkFor, B, lookupAll);
  assert.deepEqual(ok, { isDone: true, isTrustEstablished: true, isReceivedReported: true, sends: [], refused: 0, forUnknownNetworks: 2 });
  assert.deepEqual(net.memberships.get(B)!.storedTags().map((t) => t.id), [2]);
  assert.equal(net.memberships.get(B)!.com, null);
});

test('a new fast-propagate revocation is re-sent to the table\'s other members', () => {
  const { net, networkFor } = joined();
  net.memberships.getOrCreate(MEMBER_A.address);
  net.memberships.getOrCreate(0xcccccccccc);
  const rev = revocationFor(B, CredentialType.COM, T0);
  const out = applyNetworkCredentials(decodeNetworkCredentials(buildRevocationPushPayload(rev)), networkFor, MEMBER_A.address, lookupAll);
  assert.equal(out.isDone, true);
  assert.deepEqual(out.sends.map((s) => s.to).sort(), [B, 0xcccccccccc].sort());
  for (const s of out.sends) assert.deepEqual(s.payload, buildRevocationPushPayload(rev));
  const again = applyNetworkCredentials(decodeNetworkCredentials(buildRevocationPushPayload(rev)), networkFor, MEMBER_A.address, lookupAll);
  assert.deepEqual(again.sends, [], 'redundant: not propagated again');
  assert.equal(again.isTrustEstablished, true);
});

test('where 1.14.1 stops early: COMs only → reported; ending after a later section → not reported', () => {
  const { networkFor } = joined();
  const comOnly = new Uint8Array([...encodeCom(comFor(MEMBER_B))]);
  assert.equal(applyNetworkCredentials(decodeNetworkCredentials(comOnly), networkFor, B, lookupAll).isReceivedReported, true);
  const upToTags = encodeNetworkCredentials({ coms: [], capabilities: [], tags: [] });
  const out = applyNetworkCredentials(decodeNetworkCredentials(upToTags), networkFor, B, lookupAll);
  assert.deepEqual(out, { isDone: true, isTrustEstablished: false, isReceivedReported: false, sends: [], refused: 0, forUnknownNetworks: 0 });
  const empty = applyNetworkCredentials(decodeNetworkCredentials(new Uint8Array(0)), networkFor, B, lookupAll);
  assert.equal(empty.isReceivedReported, true);
});

test('a COO claiming 17 things is rejected alone; the packet stays in step and goes on', () => {
  const { net, networkFor } = joined();
  const sixteen = encodeCertificateOfOwnership({ ...cooFor(B, 1), things: Array.from({ length: 16 }, (_, i) => ipThing(inet4(10, 0, 0, i, 0))) });
  sixteen[29] = 17;
  const payload = encodeNetworkCredentials({ coms: [], capabilities: [], tags: [], revocations: [encodeRevocation(revocationFor(B, 2, T0, { fast: false }))], certificatesOfOwnership: [sixteen, encodeCertificateOfOwnership(cooFor(B, 2))] });
  const out = applyNetworkCredentials(decodeNetworkCredentials(payload), networkFor, B, lookupAll);
  assert.equal(out.isDone, true);
  assert.deepEqual(net.memberships.get(B)!.storedCoos().map((c) => c.id), [2]);
});

test('hostile payloads: decoding and applying throw DecodeError or nothing', () => {
  const { networkFor } = joined();
  const seeds = [fullPush(), buildRevocationPushPayload(revocationFor(B, CredentialType.TAG, T0, { credentialId: 100 }))];
  fuzzDecoder('applyNetworkCredentials', (b) => applyNetworkCredentials(decodeNetworkCredentials(b), networkFor, B, lookupAll), { seeds, iterations: 1500 });
});

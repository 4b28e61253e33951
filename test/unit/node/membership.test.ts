import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Membership, type MembershipContext } from '../../../src/node/membership.js';
import { makeCom } from '../../../src/protocol/credentials/membership-certificate.js';
import { signTag } from '../../../src/protocol/credentials/tag.js';
import { inet4, parseInetAddress } from '../../../src/protocol/inet-address.js';
import {
  CONTROLLER,
  CredentialType,
  IMPOSTOR,
  MAX_DELTA,
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

// We are member A; the record is about member B.
const ctx = contextFor(MEMBER_A);
const B = MEMBER_B.address;
const record = (): Membership => new Membership(NWID, B);

test('addCom: new, redundant when identical, new again for a same-time different COM, rejected when older', () => {
  const m = record();
  assert.equal(m.addCom(ctx, comFor(MEMBER_B), lookupAll), 'accepted_new');
  assert.equal(m.addCom(ctx, comFor(MEMBER_B), lookupAll), 'accepted_redundant');
  assert.equal(m.addCom(ctx, comFor(MEMBER_B, T0, { maxDelta: 5n }), lookupAll), 'accepted_new', 'same timestamp, other content: verified and replaced');
  assert.equal(m.com?.qualifiers[0].maxDelta, 5n);
  assert.equal(m.addCom(ctx, comFor(MEMBER_B, T0 - 1n), lookupAll), 'rejected', 'older than the stored one');
  assert.equal(m.addCom(ctx, comFor(MEMBER_B, T0 + 1n), lookupAll), 'accepted_new');
});

test('addCom: unknown signer defers for WHOIS and stores nothing; the lookup sees the controller address', () => {
  const m = record();
  const asked: number[] = [];
  assert.equal(
    m.addCom(ctx, comFor(MEMBER_B), (a) => {
      asked.push(a);
      return undefined;
    }),
    'deferred_for_whois',
  );
  assert.deepEqual(asked, [CONTROLLER.address]);
  assert.equal(m.com, null);
});

test('addCom: rejected when invalid, signed by a non-controller, for another network, issued to another member, or unsigned', () => {
  const m = record();
  const good = comFor(MEMBER_B);
  const forged = { ...good, qualifiers: good.qualifiers.map((q) => (q.id === 0n ? { ...q, value: T0 + 5n } : q)) };
  assert.equal(m.addCom(ctx, forged, lookupAll), 'rejected');
  assert.equal(m.addCom(ctx, good, () => IMPOSTOR), 'rejected');
  assert.equal(m.addCom(ctx, comFor(MEMBER_B, T0, { signer: MEMBER_A }), lookupAll), 'rejected');
  assert.equal(m.addCom(ctx, comFor(MEMBER_B, T0, { nwid: OTHER_NWID }), lookupAll), 'rejected');
  assert.equal(m.addCom(ctx, comFor(MEMBER_A), lookupAll), 'rejected');
  assert.equal(m.addCom(ctx, makeCom({ networkId: NWID, timestampMs: T0, maxDeltaMs: MAX_DELTA, issuedTo: MEMBER_B }), lookupAll), 'rejected');
  assert.equal(m.addCom(ctx, comFor(MEMBER_B, 0n), lookupAll), 'rejected', 'timestamp 0 is never above the initial threshold 0');
  assert.equal(m.com, null);
});

test('addCom after a COM revocation: timestamp ≤ threshold rejected, one above accepted', () => {
  const m = record();
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0), lookupAll), 'accepted_new');
  assert.equal(m.addCom(ctx, comFor(MEMBER_B, T0), lookupAll), 'rejected');
  assert.equal(m.addCom(ctx, comFor(MEMBER_B, T0 - 10n), lookupAll), 'rejected');
  assert.equal(m.addCom(ctx, comFor(MEMBER_B, T0 + 1n), lookupAll), 'accepted_new');
});

const identified = [
  { name: 'tag', type: CredentialType.TAG, make: (ts: bigint) => tagFor(B, 100, 5, ts), add: (m: Membership, c: ReturnType<typeof tagFor>) => m.addTag(ctx, c, lookupAll) },
  {
    name: 'capability',
    type: CredentialType.CAPABILITY,
    make: (ts: bigint) => capabilityFor(B, 100, ts),
    add: (m: Membership, c: ReturnType<typeof capabilityFor>) => m.addCapability(ctx, c, lookupAll),
  },
  { name: 'COO', type: CredentialType.COO, make: (ts: bigint) => cooFor(B, 100, ts), add: (m: Membership, c: ReturnType<typeof cooFor>) => m.addCoo(ctx, c, lookupAll) },
] as const;

for (const kind of identified) {
  test(`add ${kind.name}: new, redundant, newer replaces, older rejected, revoked rejected`, () => {
    const m = record();
    const add = kind.add as (m: Membership, c: unknown) => string;
    assert.equal(add(m, kind.make(T0)), 'accepted_new');
    assert.equal(add(m, kind.make(T0)), 'accepted_redundant');
    assert.equal(add(m, kind.make(T0 - 1n)), 'rejected', 'older than the stored one, even though valid');
    assert.equal(add(m, kind.make(T0 + 1n)), 'accepted_new');
    assert.equal(m.addRevocation(ctx, revocationFor(B, kind.type, T0 + 5n, { credentialId: 100 }), lookupAll), 'accepted_new');
    assert.equal(m.revocationThreshold(kind.type, 100), T0 + 5n);
    assert.equal(add(m, kind.make(T0 + 5n)), 'rejected', 'timestamp = threshold');
    assert.equal(add(m, kind.make(T0 + 6n)), 'accepted_new');
  });
}

test('order of checks as 1.14.1: an identical credential is redundant even once revoked; older is rejected before verifying', () => {
  const m = record();
  const t = tagFor(B, 1, 1);
  assert.equal(m.addTag(ctx, t, lookupAll), 'accepted_new');
  m.addRevocation(ctx, revocationFor(B, CredentialType.TAG, T0, { credentialId: 1 }), lookupAll);
  assert.equal(m.addTag(ctx, t, lookupAll), 'accepted_redundant');
  assert.equal(m.tagValue(1, ctx), undefined, 'but it is not valid at use');
  assert.equal(m.addTag(ctx, { ...tagFor(B, 1, 1, T0 - 1n), value: 7 }, lookupNone), 'rejected', 'older: no WHOIS for it');
  assert.equal(m.addTag(ctx, tagFor(B, 1, 1, T0 + 1n), lookupNone), 'deferred_for_whois', 'newer and not revoked: verified');
});

test('add tag/capability/COO: invalid, unknown signer, another network, another member', () => {
  const m = record();
  const t = tagFor(B, 1, 1);
  assert.equal(m.addTag(ctx, { ...t, value: 2 }, lookupAll), 'rejected');
  assert.equal(m.addTag(ctx, t, lookupNone), 'deferred_for_whois');
  assert.equal(m.storedTags().length, 0);
  assert.equal(m.addTag(ctx, tagFor(B, 1, 1, T0, OTHER_NWID), lookupAll), 'rejected');
  assert.equal(m.addTag(ctx, tagFor(MEMBER_A.address, 1, 1), lookupAll), 'rejected');
  assert.equal(m.addTag(ctx, signTag({ ...t, signedBy: 0, signature: null }, MEMBER_A), lookupAll), 'rejected');
  assert.equal(m.addCapability(ctx, capabilityFor(B, 1), lookupNone), 'deferred_for_whois');
  assert.equal(m.addCapability(ctx, capabilityFor(MEMBER_A.address, 1), lookupAll), 'rejected');
  assert.equal(m.addCapability(ctx, capabilityFor(B, 1, T0, NWID, MEMBER_A), lookupAll), 'rejected');
  assert.equal(m.addCoo(ctx, cooFor(B, 1), lookupNone), 'deferred_for_whois');
  assert.equal(m.addCoo(ctx, cooFor(B, 1, T0, OTHER_NWID), lookupAll), 'rejected');
  assert.equal(m.addCoo(ctx, { ...cooFor(B, 1), flags: 4n }, lookupAll), 'rejected');
});

test('a same-time tag with another value is verified and replaces the stored one', () => {
  const m = record();
  assert.equal(m.addTag(ctx, tagFor(B, 1, 1), lookupAll), 'accepted_new');
  assert.equal(m.addTag(ctx, tagFor(B, 1, 2), lookupAll), 'accepted_new');
  assert.equal(m.tagValue(1, ctx), 2);
});

test('addRevocation: COM threshold raised only upwards; invalid, unknown signer, other targets and types', () => {
  const m = record();
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0), lookupAll), 'accepted_new');
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0), lookupAll), 'accepted_redundant');
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0 - 1n), lookupAll), 'accepted_redundant');
  assert.equal(m.comRevocationThreshold, T0);
  assert.equal(m.addRevocation(ctx, { ...revocationFor(B, CredentialType.COM, T0 + 9n), threshold: T0 + 10n }, lookupAll), 'rejected');
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0 + 9n), lookupNone), 'deferred_for_whois');
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0 + 9n, { signer: MEMBER_A }), lookupAll), 'rejected');
  assert.equal(m.addRevocation(ctx, revocationFor(MEMBER_A.address, CredentialType.COM, T0 + 9n), lookupAll), 'rejected');
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0 + 9n, { nwid: OTHER_NWID }), lookupAll), 'rejected');
  for (const type of [CredentialType.NULL, 5, CredentialType.REVOCATION, 7, 255]) {
    assert.equal(m.addRevocation(ctx, revocationFor(B, type, T0 + 9n), lookupAll), 'rejected', `type ${type}`);
  }
  assert.equal(m.addRevocation(ctx, revocationFor(B, 5, T0 + 9n), lookupNone), 'deferred_for_whois', 'verified before the type is looked at');
  assert.equal(m.comRevocationThreshold, T0);
});

test('1.14.1 quirk: revoking a tag also sets (even lowers) the COM threshold', () => {
  const m = record();
  assert.equal(m.addCom(ctx, comFor(MEMBER_B), lookupAll), 'accepted_new');
  assert.ok(m.isAllowedOnNetwork(ctx, MEMBER_B));
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.TAG, T0, { credentialId: 3 }), lookupAll), 'accepted_new');
  assert.equal(m.comRevocationThreshold, T0);
  assert.equal(m.isAllowedOnNetwork(ctx, MEMBER_B), false, 'the COM at T0 is now revoked');
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.TAG, T0, { credentialId: 3 }), lookupAll), 'accepted_redundant');
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.COO, T0 - 100n, { credentialId: 3 }), lookupAll), 'accepted_new');
  assert.equal(m.comRevocationThreshold, T0 - 100n, 'lowered by a revocation of another type');
  assert.ok(m.isAllowedOnNetwork(ctx, MEMBER_B));
});

test('a redundant non-positive revocation still leaves a 0 threshold behind, as 1.14.1 does', () => {
  const m = record();
  assert.equal(m.addRevocation(ctx, revocationFor(B, CredentialType.TAG, 0n, { credentialId: 1 }), lookupAll), 'accepted_redundant');
  assert.equal(m.revocationThreshold(CredentialType.TAG, 1), 0n);
  assert.equal(m.addTag(ctx, tagFor(B, 1, 1, 0n), lookupAll), 'rejected', '0 ≥ a timestamp of 0');
});

test('isAllowedOnNetwork: public → yes; private → an unrevoked, agreeing COM bound to the real identity', () => {
  const m = record();
  assert.ok(m.isAllowedOnNetwork({ ...ctx, isPublic: true }, MEMBER_B));
  assert.equal(m.isAllowedOnNetwork(ctx, MEMBER_B), false, 'no COM yet');
  m.addCom(ctx, comFor(MEMBER_B, T0 + MAX_DELTA), lookupAll);
  assert.ok(m.isAllowedOnNetwork(ctx, MEMBER_B));
  assert.equal(m.isAllowedOnNetwork(ctx, MEMBER_A), false, 'presented under another identity');
  assert.equal(m.isAllowedOnNetwork({ ...ctx, com: null }, MEMBER_B), false, 'we hold no COM');
  assert.equal(m.isAllowedOnNetwork(contextFor(MEMBER_A, T0 - 1n), MEMBER_B), false, 'our COM one ms too old');
  m.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0 + MAX_DELTA), lookupAll);
  assert.equal(m.isAllowedOnNetwork(ctx, MEMBER_B), false, 'revoked at its own timestamp');
});

test('credential validity at use: within our ctmd of our ts, not revoked; ctmd 0 means exactly our ts', () => {
  const m = record();
  m.addTag(ctx, tagFor(B, 1, 11, T0 + MAX_DELTA), lookupAll);
  m.addTag(ctx, tagFor(B, 2, 22, T0 - MAX_DELTA - 1n), lookupAll);
  m.addTag(ctx, tagFor(B, 3, 33, T0), lookupAll);
  assert.equal(m.tagValue(1, ctx), 11);
  assert.equal(m.tagValue(2, ctx), undefined);
  assert.equal(m.tagValue(3, ctx), 33);
  assert.equal(m.tagValue(4, ctx), undefined, 'never received');
  const strict: MembershipContext = { ...ctx, credentialTimeMaxDelta: 0n };
  assert.equal(m.tagValue(1, strict), undefined);
  assert.equal(m.tagValue(3, strict), 33);
  m.addRevocation(ctx, revocationFor(B, CredentialType.TAG, T0, { credentialId: 3 }), lookupAll);
  assert.equal(m.tagValue(3, ctx), undefined, 'revoked after it was stored');
  assert.equal(m.tag(1, ctx)?.id, 1);
});

test('validCapabilities: only those currently valid', () => {
  const m = record();
  m.addCapability(ctx, capabilityFor(B, 1), lookupAll);
  m.addCapability(ctx, capabilityFor(B, 2, T0 + MAX_DELTA + 1n), lookupAll);
  assert.deepEqual(m.validCapabilities(ctx).map((c) => c.id), [1]);
  assert.equal(m.storedCapabilities().length, 2);
});

test('ownership: a valid COO owns its IP and MAC; an expired one does not; NDP emulation vouches for our prefixes', () => {
  const m = record();
  m.addCoo(ctx, cooFor(B, 1), lookupAll);
  assert.ok(m.hasCertificateOfOwnershipFor(ctx, inet4(10, 1, 2, 3, 0)));
  assert.ok(m.hasCertificateOfOwnershipFor(ctx, { mac: 0x32aabbccddee }));
  assert.equal(m.hasCertificateOfOwnershipFor(ctx, inet4(10, 1, 2, 9, 0)), false);
  assert.equal(m.hasCertificateOfOwnershipFor(contextFor(MEMBER_A, T0 + MAX_DELTA + 1n), inet4(10, 1, 2, 3, 0)), false, 'expired');

  const sixPlane = parseInetAddress('fc5b:d4d1:99bb:bbbb:bbbb:0000:0000:0001/0')!.ip;
  const rfc4193 = parseInetAddress('fd11:2233:4455:abcd:ef99:93aa:aaaa:aaaa/0')!.ip;
  const ndp: MembershipContext = { ...ctx, ndpEmulation: { sixPlane, rfc4193 } };
  const in6plane = parseInetAddress('fc5b:d4d1:99ff:ffff:ffff:0000:0000:0001/0')!;
  const inRfc = parseInetAddress('fd11:2233:4455:abcd:ef99:93bb:bbbb:bbbb/0')!;
  const outside = parseInetAddress('fd11:2233:4455:abcd:ef99:94bb:bbbb:bbbb/0')!;
  assert.ok(m.hasCertificateOfOwnershipFor(ndp, in6plane), '/40 of our 6PLANE address');
  assert.ok(m.hasCertificateOfOwnershipFor(ndp, inRfc), '/88 of our RFC4193 address');
  assert.equal(m.hasCertificateOfOwnershipFor(ndp, outside), false, 'byte 10 differs');
  assert.equal(m.hasCertificateOfOwnershipFor(ctx, in6plane), false, 'flag off');
  assert.equal(m.hasCertificateOfOwnershipFor({ ...ctx, ndpEmulation: { sixPlane: null, rfc4193 } }, in6plane), false, 'no 6PLANE address of ours');
  assert.equal(m.hasCertificateOfOwnershipFor(ndp, { mac: 0x32aabbccddef }), false, 'never for a MAC');
});

test('push schedule: after a new config, or 500 000 ms; on request at most every 1 000 ms', () => {
  const m = record();
  assert.ok(m.shouldPushCredentials(1_000, 500), 'never pushed, config newer');
  m.recordCredentialsPushed(1_000);
  assert.equal(m.shouldPushCredentials(1_000 + 500_000, 500), false);
  assert.ok(m.shouldPushCredentials(1_000 + 500_001, 500));
  assert.ok(m.shouldPushCredentials(1_001, 1_001), 'a config installed after the push');
  assert.equal(m.shouldAnswerCredentialRequest(2_000, 500), false);
  assert.ok(m.shouldAnswerCredentialRequest(2_001, 500));
  assert.ok(m.shouldAnswerCredentialRequest(1_001, 1_500));
});

test('multicast LIKE gate: due at once, then every 60 000 ms; recently associated while the COM is under 500 s old', () => {
  const m = record();
  assert.ok(m.multicastLikeGate(100_000));
  assert.equal(m.multicastLikeGate(159_999), false);
  assert.ok(m.multicastLikeGate(160_000));
  assert.equal(m.recentlyAssociated(Number(T0)), false);
  m.addCom(ctx, comFor(MEMBER_B), lookupAll);
  assert.ok(m.recentlyAssociated(Number(T0) + 499_999));
  assert.equal(m.recentlyAssociated(Number(T0) + 500_000), false);
});

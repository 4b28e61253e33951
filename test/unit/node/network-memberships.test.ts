import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkMemberships } from '../../../src/node/network-memberships.js';
import {
  CONTROLLER,
  CredentialType,
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
  keyedIdentity,
  lookupAll,
  revocationFor,
  tagFor,
} from '../../helpers/credentials.js';

const ctx = contextFor(MEMBER_A);
const B = MEMBER_B.address;

test('credentials go to the record of their issued-to address, whoever sent them', () => {
  const t = new NetworkMemberships(NWID);
  assert.equal(t.addCom(ctx, comFor(MEMBER_B), lookupAll), 'accepted_new');
  assert.equal(t.addTag(ctx, tagFor(B, 1, 1), lookupAll), 'accepted_new');
  assert.equal(t.addCapability(ctx, capabilityFor(B, 1), lookupAll), 'accepted_new');
  assert.equal(t.addCoo(ctx, cooFor(B, 1), lookupAll), 'accepted_new');
  assert.deepEqual(t.addresses(), [B]);
  const m = t.get(B)!;
  assert.ok(m.com);
  assert.equal(m.storedTags().length + m.storedCapabilities().length + m.storedCoos().length, 3);
});

test('another network is refused before any record is made; a rejected credential still makes one (as 1.14.1)', () => {
  const t = new NetworkMemberships(NWID);
  assert.equal(t.addCom(ctx, comFor(MEMBER_B, T0, { nwid: OTHER_NWID }), lookupAll), 'rejected');
  assert.equal(t.addTag(ctx, tagFor(B, 1, 1, T0, OTHER_NWID), lookupAll), 'rejected');
  assert.equal(t.addCapability(ctx, capabilityFor(B, 1, T0, OTHER_NWID), lookupAll), 'rejected');
  assert.equal(t.addCoo(ctx, cooFor(B, 1, T0, OTHER_NWID), lookupAll), 'rejected');
  assert.equal(t.addRevocation(ctx, revocationFor(B, 1, T0, { nwid: OTHER_NWID }), 5, lookupAll).result, 'rejected');
  assert.equal(t.size, 0);
  assert.equal(t.addTag(ctx, { ...tagFor(B, 1, 1), value: 9 }, lookupAll), 'rejected');
  assert.equal(t.size, 1);
  t.evict(B);
  assert.equal(t.size, 0);
});

test('a new fast-propagate revocation goes to every member but its sender and signer', () => {
  const t = new NetworkMemberships(NWID);
  const C = keyedIdentity(0xcccccccccc, 9).address;
  for (const a of [B, C, CONTROLLER.address, MEMBER_A.address]) t.getOrCreate(a);
  const rev = revocationFor(B, CredentialType.COM, T0);
  const first = t.addRevocation(ctx, rev, MEMBER_A.address, lookupAll);
  assert.equal(first.result, 'accepted_new');
  assert.deepEqual(first.propagateTo.sort(), [B, C].sort(), 'the target itself included');
  assert.deepEqual(t.addRevocation(ctx, rev, C, lookupAll), { result: 'accepted_redundant', propagateTo: [] });
  const slow = t.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0 + 1n, { fast: false }), C, lookupAll);
  assert.deepEqual(slow, { result: 'accepted_new', propagateTo: [] });
  assert.equal(t.get(B)!.comRevocationThreshold, T0 + 1n);
});

test('gate: closed without a config; public opens for anyone; private needs an agreeing COM; LIKEs every 60 s', () => {
  const t = new NetworkMemberships(NWID);
  assert.deepEqual(t.gate(null, MEMBER_B, 1_000), { isOpen: false, shouldAnnounceMulticast: false });
  assert.deepEqual(t.gate(ctx, MEMBER_B, 1_000), { isOpen: false, shouldAnnounceMulticast: false });
  assert.equal(t.size, 0, 'a refused peer gets no record');
  const pub = { ...ctx, isPublic: true };
  assert.deepEqual(t.gate(pub, MEMBER_B, 100_000), { isOpen: true, shouldAnnounceMulticast: true });
  assert.deepEqual(t.gate(pub, MEMBER_B, 159_999), { isOpen: true, shouldAnnounceMulticast: false });
  const u = new NetworkMemberships(NWID);
  u.addCom(ctx, comFor(MEMBER_B, T0 - MAX_DELTA), lookupAll);
  assert.deepEqual(u.gate(ctx, MEMBER_B, 100_000), { isOpen: true, shouldAnnounceMulticast: true });
  assert.equal(u.gate(ctx, MEMBER_A, 100_000).isOpen, false, 'B\'s record, A\'s identity: no record for A');
  u.addRevocation(ctx, revocationFor(B, CredentialType.COM, T0), B, lookupAll);
  assert.equal(u.gate(ctx, MEMBER_B, 200_000).isOpen, false);
  assert.equal(u.recentlyAssociatedWith(B, Number(T0 - MAX_DELTA) + 1), true);
  assert.equal(u.recentlyAssociatedWith(MEMBER_A.address, Number(T0)), false);
});

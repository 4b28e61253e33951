// ZTMember status from the controller's sightings, and its rate limit: a new lastSeen alone is
// written at most once a minute, any other change at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMemberStatusDue, memberStatusOf } from '../../../src/kube/operator/member-status.js';

const sighting = { nwid: '1111111111000001', address: 'aaaaaaaaaa', lastRequestMs: Date.UTC(2026, 0, 1, 12, 0, 0, 640), version: '1.14.1', physicalAddress: '10.9.0.2/9993' };

test('the status carries lastSeen in whole seconds, version, physical address and node', () => {
  assert.deepEqual(memberStatusOf(sighting, 'n1'), { lastSeen: '2026-01-01T12:00:00Z', version: '1.14.1', physicalAddress: '10.9.0.2/9993', name: 'n1' });
  assert.deepEqual(memberStatusOf({ ...sighting, version: null, physicalAddress: null }, undefined), { lastSeen: '2026-01-01T12:00:00Z' });
});

test('lastSeen alone waits for the interval; other fields go at once', () => {
  const s0 = memberStatusOf(sighting, 'n1');
  const prev = { status: s0, atMs: 1_000_000 };
  assert.equal(isMemberStatusDue(undefined, s0, 0), true);
  assert.equal(isMemberStatusDue(prev, s0, 5_000_000), false, 'nothing new');
  const later = memberStatusOf({ ...sighting, lastRequestMs: sighting.lastRequestMs + 30_000 }, 'n1');
  assert.equal(isMemberStatusDue(prev, later, 1_030_000), false);
  assert.equal(isMemberStatusDue(prev, later, 1_060_000), true);
  assert.equal(isMemberStatusDue(prev, { ...s0, physicalAddress: '10.9.0.3/9993' }, 1_000_001), true);
});

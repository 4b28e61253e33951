// The controller's gauges stay exact through the database layer's changes: networks and
// members created and deleted (a deleted network takes its members), authorizations flipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerDb } from '../../../src/controller/controller-db.js';
import { ControllerMetrics } from '../../../src/controller/controller-metrics.js';
import { MemoryStore } from '../../../src/controller/memory-store.js';

const NWID = '0123456789000001';

test('gauges and counters follow saves and erases', async () => {
  const store = new MemoryStore();
  await store.putNetwork({ id: '0123456789000009' });
  await store.putMember('0123456789000009', { id: 'aaaaaaaaaa', authorized: true });
  const m = new ControllerMetrics();
  m.loaded(1, await store.listMembers('0123456789000009'));
  assert.deepEqual([m.snapshot().networks, m.snapshot().members, m.snapshot().authorizedMembers], [1, 1, 1], 'what the store held at start');
  const db = new ControllerDb(store, [m]);
  await db.saveNetwork({ id: NWID, name: 'a' });
  await db.saveNetwork({ id: NWID, name: 'b' });
  await db.saveMember(NWID, { id: '1111111111', authorized: false });
  await db.saveMember(NWID, { id: '1111111111', authorized: true });
  await db.saveMember(NWID, { id: '1111111111', authorized: true, name: 'x', revision: 2 });
  await db.saveMember(NWID, { id: '2222222222', authorized: true });
  let s = m.snapshot();
  assert.deepEqual([s.networks, s.members, s.authorizedMembers], [2, 3, 3]);
  assert.deepEqual([s.networkChangesTotal, s.memberAuthsTotal, s.memberChangesTotal, s.memberDeauthsTotal], [1, 2, 1, 0]);
  await db.eraseMember(NWID, '2222222222');
  s = m.snapshot();
  assert.deepEqual([s.members, s.authorizedMembers, s.memberDeauthsTotal], [2, 2, 1]);
  await db.eraseNetwork(NWID);
  s = m.snapshot();
  assert.deepEqual([s.networks, s.members, s.authorizedMembers, s.memberDeauthsTotal], [1, 1, 1, 2], 'the network took its member with it');
});

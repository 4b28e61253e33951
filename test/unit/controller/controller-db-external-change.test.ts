// ControllerDb told of changes others made in its store (the operator relays kubectl's edits of
// ZTMembers): the member index follows and listeners hear before/after as after an API write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerDb } from '../../../src/controller/controller-db.js';
import { MemoryStore } from '../../../src/controller/memory-store.js';

const NW = '16ef05e5485ec5d4';

test('memberChangedInStore and networkChangedInStore update the index and tell the listeners', async () => {
  const store = new MemoryStore();
  const events: string[] = [];
  const db = new ControllerDb(store, [{
    onMemberChanged: (nwid, id, before, after) => events.push(`mem ${id} ${String(before?.authorized ?? '-')}→${String(after?.authorized ?? '-')}`),
    onNetworkChanged: (nwid, before, after) => events.push(`net ${nwid} ${String(before?.mtu ?? '-')}→${String(after?.mtu ?? '-')}`),
  }]);
  await db.saveMember(NW, { id: '5bc7629dcf', nwid: NW, authorized: false, ipAssignments: ['10.0.0.1'] });
  assert.deepEqual([...(await db.allocated(NW))], ['4:0a000001']);
  const before = (await store.getMember(NW, '5bc7629dcf'))!;
  const after = { ...before, authorized: true, activeBridge: true, ipAssignments: ['10.0.0.2'] };
  await store.putMember(NW, after); // as kubectl patch would, behind the db's back
  db.memberChangedInStore(NW, '5bc7629dcf', before, after);
  assert.deepEqual([...(await db.allocated(NW))], ['4:0a000002'], 'the allocated set follows');
  assert.deepEqual((await db.activeBridgeMembers(NW)).map((m) => m.id), ['5bc7629dcf']);
  db.networkChangedInStore(NW, { id: NW, mtu: 2800 }, { id: NW, mtu: 1400 });
  assert.deepEqual(events, ['mem 5bc7629dcf -→false', 'mem 5bc7629dcf false→true', `net ${NW} 2800→1400`]);
});

// ControllerDb's per-network index (allocated addresses, active bridges) must always equal
// what a fresh scan of the store's members gives, through any mix of saves and erases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerDb } from '../../../src/controller/controller-db.js';
import { MemoryStore } from '../../../src/controller/memory-store.js';
import { allocatedIps } from '../../../src/controller/ip-assignment.js';
import { asBool } from '../../../src/controller/json-read.js';
import type { MemberRecord } from '../../../src/controller/member-record.js';
import { Prng } from '../../helpers/prng.js';

const NW = '16ef05e5485ec5d4';
const NW2 = '16ef05e5485ec5d5';

async function expectIndexMatches(db: ControllerDb, nwid: string, what: string): Promise<void> {
  const members = await db.store.listMembers(nwid);
  assert.deepEqual([...(await db.allocated(nwid))].sort(), [...allocatedIps(members)].sort(), `allocated, ${what}`);
  const bridges = (await db.activeBridgeMembers(nwid)).map((m) => m.id as string).sort();
  assert.deepEqual(bridges, members.filter((m) => asBool(m.activeBridge, false)).map((m) => m.id as string).sort(), `bridges, ${what}`);
}

test('the allocated set and the active bridges follow every save and erase', async () => {
  const rnd = new Prng(41);
  const db = new ControllerDb(new MemoryStore());
  await db.saveNetwork({ id: NW });
  await db.saveNetwork({ id: NW2 });
  const ids = ['0000000001', '0000000002', '0000000003', '0000000004', '0000000005'];
  const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', 'fd00::1', 'not-an-ip', '10.0.0.1/24'];
  await db.saveMember(NW, { id: ids[0], ipAssignments: ['10.0.0.9'], activeBridge: true }); // before the index exists
  for (let i = 0; i < 400; i++) {
    const nwid = rnd.int(4) === 0 ? NW2 : NW;
    const id = ids[rnd.int(ids.length)];
    const op = rnd.int(10);
    if (op === 0) await db.eraseMember(nwid, id);
    else if (op === 1 && i % 97 === 0) await db.eraseNetwork(nwid).then(() => db.saveNetwork({ id: nwid }));
    else {
      const rec: MemberRecord = { id, ipAssignments: Array.from({ length: rnd.int(3) }, () => ips[rnd.int(ips.length)]), activeBridge: rnd.int(3) === 0 };
      await db.saveMember(nwid, rec);
    }
    await expectIndexMatches(db, nwid, `after step ${i}`);
  }
  await expectIndexMatches(db, NW, 'at the end');
  await expectIndexMatches(db, NW2, 'at the end');
});

test('an index built while a member is being saved includes that member', async () => {
  const db = new ControllerDb(new MemoryStore());
  await db.saveNetwork({ id: NW });
  const [saved, allocated] = await Promise.all([db.saveMember(NW, { id: '0000000001', ipAssignments: ['10.0.0.1'] }), db.allocated(NW)]);
  assert.equal(saved.changed, true);
  assert.deepEqual([...allocated], ['4:0a000001']);
});

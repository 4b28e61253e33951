// One suite for every ControllerStore (STYLE §11: compliance suites keep fakes honest),
// run against the memory store and the file store, plus the ControllerDb rules of 05 §7.3
// (write only on change, revision + 1, listeners told before and after) on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../../src/controller/memory-store.js';
import { FileStore } from '../../../src/controller/file-store.js';
import { ControllerDb, sameRecord } from '../../../src/controller/controller-db.js';
import type { ControllerStore } from '../../../src/controller/store.js';
import type { JsonObject } from '../../../src/controller/json-read.js';

const NW = '16ef05e5485ec5d4';
const NW2 = '16ef05e54850e0a3';

const implementations: Array<[string, (t: { after: (fn: () => void) => void }) => Promise<ControllerStore>]> = [
  ['memory', async () => new MemoryStore()],
  ['file', async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'ztkube-ctl-store-'));
    t.after(() => rmSync(d, { recursive: true, force: true }));
    return FileStore.open(join(d, 'controller.d'));
  }],
];

for (const [name, make] of implementations) {
  test(`${name} store: records round-trip as copies, keyed by their id read as hex`, async (t) => {
    const s = await make(t);
    assert.deepEqual(await s.listNetworks(), []);
    assert.equal(await s.getNetwork(NW), null);
    assert.deepEqual(await s.listMembers(NW), []);
    const rec: JsonObject = { id: NW.toUpperCase(), name: 'x', list: [1, { a: null }] };
    await s.putNetwork(rec);
    (rec.list as unknown[]).push(2);
    assert.deepEqual(await s.getNetwork(NW), { id: NW.toUpperCase(), name: 'x', list: [1, { a: null }] }, 'the store kept its own copy');
    const got = (await s.getNetwork(NW))!;
    got.name = 'changed';
    assert.equal((await s.getNetwork(NW))!.name, 'x', 'callers get copies');
    await s.putNetwork({ id: NW2 });
    assert.deepEqual(await s.listNetworks(), [NW2, NW], 'ascending');
    await s.putMember(NW, { id: 'a2cb3e9302', nwid: NW });
    await s.putMember(NW, { id: '5bc7629dcf', nwid: NW });
    await s.putMember(NW, { id: '5bc7629dcf', nwid: NW, v: 2 });
    assert.deepEqual((await s.listMembers(NW)).map((m) => [m.id, m.v ?? 1]), [['5bc7629dcf', 2], ['a2cb3e9302', 1]]);
    assert.deepEqual(await s.getMember(NW, '5bc7629dcf'), { id: '5bc7629dcf', nwid: NW, v: 2 });
    await s.deleteMember(NW, '5bc7629dcf');
    await s.deleteMember(NW, '5bc7629dcf');
    assert.equal(await s.getMember(NW, '5bc7629dcf'), null);
    await s.deleteNetwork(NW);
    await s.deleteNetwork(NW);
    assert.deepEqual(await s.listNetworks(), [NW2]);
    assert.deepEqual(await s.listMembers(NW), [], 'members go with their network');
    await assert.rejects(s.putNetwork({ name: 'no id' }), { code: 'bad_state' });
    await assert.rejects(s.putMember(NW2, { id: 'zz' }), { code: 'bad_state' });
  });

  test(`${name} store under ControllerDb: writes only on change, revision + 1, listeners see before and after`, async (t) => {
    const events: string[] = [];
    const db = new ControllerDb(await make(t), [{
      onNetworkChanged: (nwid, before, after, removed) => events.push(`net ${nwid} ${before?.revision ?? '-'}→${after?.revision ?? '-'} removed=${removed.length}`),
      onMemberChanged: (nwid, id, before, after) => events.push(`mem ${id} ${before?.revision ?? '-'}→${after?.revision ?? '-'}`),
    }]);
    let r = await db.saveNetwork({ id: NW, name: 'a' });
    assert.deepEqual([r.changed, r.record.revision], [true, 1], 'a new record gets revision 1');
    r = await db.saveNetwork({ id: NW, name: 'a', revision: 1 });
    assert.deepEqual([r.changed, r.record.revision], [false, 1]);
    r = await db.saveNetwork({ id: NW, name: 'a', revision: 50 });
    assert.equal(r.changed, false, 'revision alone is no change');
    r = await db.saveNetwork({ id: NW, name: 'b', revision: 1 });
    assert.deepEqual([r.changed, r.record.revision], [true, 2]);
    await db.saveMember(NW, { id: '5bc7629dcf', nwid: NW, revision: 0, ipAssignments: ['10.0.0.1'] });
    await db.saveMember(NW, { id: '5bc7629dcf', nwid: NW, revision: 1, ipAssignments: ['10.0.0.1'] });
    assert.deepEqual([...(await db.allocated(NW))], ['4:0a000001']);
    assert.deepEqual(await db.eraseMember(NW, '5bc7629dcf'), { id: '5bc7629dcf', nwid: NW, revision: 1, ipAssignments: ['10.0.0.1'] });
    assert.equal(await db.eraseMember(NW, '5bc7629dcf'), null);
    await db.saveMember(NW, { id: 'a2cb3e9302', nwid: NW });
    assert.equal((await db.eraseNetwork(NW))!.name, 'b');
    assert.equal(await db.eraseNetwork(NW), null);
    assert.deepEqual(events, ['net 16ef05e5485ec5d4 -→1 removed=0', 'net 16ef05e5485ec5d4 1→2 removed=0', 'mem 5bc7629dcf -→1', 'mem 5bc7629dcf 1→-', 'mem a2cb3e9302 -→1', 'net 16ef05e5485ec5d4 2→- removed=1']);
  });
}

test('record comparison ignores revision and nothing else (DB::_compareRecords)', () => {
  assert.ok(sameRecord({ a: 1, revision: 1 }, { revision: 9, a: 1 }));
  assert.ok(!sameRecord({ a: 1, revision: 1 }, { a: 1 }), 'a different key count is a change');
  assert.ok(!sameRecord({ a: 1 }, { a: 2 }));
  assert.ok(!sameRecord(null, { a: 1 }));
});

test('ControllerDb.run: operations queued later run after earlier ones, even when one fails', async () => {
  const db = new ControllerDb(new MemoryStore());
  const order: number[] = [];
  const slow = db.run(async () => {
    await new Promise((r) => setTimeout(r, 10));
    order.push(1);
    throw new Error('boom');
  });
  const fast = db.run(async () => order.push(2));
  await assert.rejects(slow, /boom/);
  await fast;
  assert.deepEqual(order, [1, 2]);
});

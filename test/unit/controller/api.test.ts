// The /controller API beyond the recorded session (05 §8): ID allocation, path matching,
// parsed bodies, and the change notifications that drive pushes and revocations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerApi } from '../../../src/controller/api.js';
import { ControllerDb, type ControllerListener } from '../../../src/controller/controller-db.js';
import { MemoryStore } from '../../../src/controller/memory-store.js';
import type { JsonObject } from '../../../src/controller/json-read.js';

const CTL = 0x16ef05e548;

function setup(random: (n: number) => Uint8Array = () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), listener?: ControllerListener) {
  const db = new ControllerDb(new MemoryStore(), listener ? [listener] : []);
  return { db, api: new ControllerApi({ db, controllerAddress: CTL, random }) };
}

test('network IDs: our prefix, 24 random bits (little-endian draw), 0 becomes 1, taken IDs drawn again, 503 after 100 000 tries', async () => {
  const draws = [Uint8Array.of(0, 0, 0, 9, 9, 9, 9, 9), Uint8Array.of(0, 0, 0, 1, 1, 1, 1, 1), Uint8Array.of(0xd4, 0xc5, 0x5e, 0, 0, 0, 0, 0)];
  const { api } = setup(() => draws.shift() ?? Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0));
  const first = await api.handle('POST', ['controller', 'network'], '{}', 1);
  assert.equal((first.body as JsonObject).id, '16ef05e548000001', 'a local part of 0 becomes 1');
  const second = await api.handle('PUT', ['controller', 'network', '16ef05e548______'], { name: 'parsed body' }, 2);
  assert.equal((second.body as JsonObject).id, '16ef05e5485ec5d4', '000001 was taken: drawn again');
  assert.equal((second.body as JsonObject).name, 'parsed body');
  const full = setup(() => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0)).api;
  await full.handle('POST', ['controller', 'network', '16ef05e548000001'], '{}', 1);
  assert.deepEqual(await full.handle('POST', ['controller', 'network'], '{}', 1), { status: 503 });
});

test('paths: exact matches only, IDs in either case, PUT is POST, nothing else', async () => {
  const { api } = setup();
  await api.handle('POST', ['controller', 'network', '16EF05E5485EC5D4'], '{"name":"n"}', 1);
  assert.equal((await api.handle('GET', ['controller', 'network', '16ef05e5485ec5d4'], '', 1)).status, 200);
  assert.deepEqual((await api.handle('GET', ['controller', 'network'], '', 1)).body, ['16ef05e5485ec5d4']);
  for (const p of [['controller', 'network', ''], ['controller', 'network', '16ef05e5485ec5d'], ['controller', 'network', '16ef05e5485ec5d4', 'member', ''], ['controller', 'network', '16ef05e5485ec5d4', 'x'], ['controller', 'x'], ['unstable', 'controller'], ['nope']]) {
    assert.deepEqual(await api.handle('GET', p, '', 1), { status: 404 }, p.join('/'));
  }
  assert.deepEqual(await api.handle('DELETE', ['controller'], '', 1), { status: 404 });
  assert.deepEqual(await api.handle('DELETE', ['controller', 'network'], '', 1), { status: 404 });
  assert.deepEqual(await api.handle('GET', ['controller', 'network', '16ef05e548______'], '', 1), { status: 404 });
  assert.deepEqual(await api.handle('POST', ['controller', 'network', '16ef05e5485ec5d4', 'member'], '{}', 1), { status: 404 });
  const put = await api.handle('PUT', ['controller', 'network', '16ef05e5485ec5d4', 'member', 'A2CB3E9302'], '{"authorized":1}', 2);
  assert.deepEqual([put.status, (put.body as JsonObject).id, (put.body as JsonObject).authorized], [200, 'a2cb3e9302', true]);
  const status = await api.handle('GET', ['controller'], '', 1796163002837);
  assert.equal(status.text, '{\n\t"controller": true,\n\t"apiVersion": 4,\n\t"clock": 1796163002837,\n\t"databaseReady": true\n}\n');
  assert.equal(status.text!.length, 91, '05 §8.2: Content-Length 91');
});

test('bad bodies: 500 with the parser\'s words in 1.14.1\'s unescaped format, nothing saved; non-object JSON is an empty object', async () => {
  const { api, db } = setup();
  const r = await api.handle('POST', ['controller', 'network', '16ef05e5485ec5d4'], '{"name":', 1);
  assert.equal(r.status, 500);
  assert.equal(r.text, '{"error": 500, "description": "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error while parsing value - unexpected end of input; expected \'[\', \'{\', or a literal"}');
  assert.deepEqual(await db.store.listNetworks(), []);
  assert.equal((await api.handle('POST', ['controller', 'network', '16ef05e5485ec5d4'], '[1,2]', 1)).status, 200);
  assert.equal((await api.handle('POST', ['controller', 'network', '16ef05e5485ec5d4'], '"x"', 1)).status, 200);
  assert.equal((await api.handle('POST', ['controller', 'network', '16ef05e5485ec5d4'], '{}\0junk', 1)).status, 200, 'the body is read as a C string');
  const bad = await api.handle('POST', ['controller', 'network', '16ef05e5485ec5d4', 'member', '5bc7629dcf'], { ipAssignments: [true] }, 1);
  assert.equal(bad.status, 500);
  assert.equal(await db.store.getMember('16ef05e5485ec5d4', '5bc7629dcf'), null);
});

test('notifications: changes only, with before and after — the hooks for pushes and revocations', async () => {
  const seen: string[] = [];
  const { api } = setup(undefined, {
    onNetworkChanged: (nwid, b, a, removed) => seen.push(`network ${nwid} ${b ? 'r' + String(b.revision) : 'new'} → ${a ? 'r' + String(a.revision) : 'deleted'} (${removed.map((m) => String(m.id)).join(',')})`),
    onMemberChanged: (nwid, id, b, a) => seen.push(`member ${id} ${b ? String(b.authorized) : 'new'} → ${a ? String(a.authorized) : 'deleted'}`),
  });
  const nw = ['controller', 'network', '16ef05e5485ec5d4'];
  await api.handle('POST', nw, '{"name":"a"}', 1);
  await api.handle('POST', nw, '{"name":"a"}', 2);
  await api.handle('POST', [...nw, 'member', '5bc7629dcf'], '{"authorized":true}', 3);
  await api.handle('POST', [...nw, 'member', '5bc7629dcf'], '{"authorized":true}', 4);
  await api.handle('POST', [...nw, 'member', '5bc7629dcf'], '{"authorized":false}', 5);
  await api.handle('POST', [...nw, 'member', 'a2cb3e9302'], '{}', 6);
  await api.handle('DELETE', [...nw, 'member', 'a2cb3e9302'], '', 7);
  await api.handle('DELETE', nw, '', 8);
  assert.deepEqual(seen, [
    'network 16ef05e5485ec5d4 new → r1 ()',
    'member 5bc7629dcf new → true',
    'member 5bc7629dcf true → false',
    'member a2cb3e9302 new → false',
    'member a2cb3e9302 false → deleted',
    'network 16ef05e5485ec5d4 r1 → deleted (5bc7629dcf)',
  ]);
});

test('member list and /unstable lists: revisions by stored id, counts', async () => {
  const { api } = setup();
  const nw = ['controller', 'network', '16ef05e5485ec5d4'];
  await api.handle('POST', nw, '{}', 1);
  assert.deepEqual((await api.handle('GET', [...nw, 'member'], '', 1)).body, {});
  await api.handle('POST', [...nw, 'member', 'a2cb3e9302'], '{"authorized":true}', 1);
  await api.handle('POST', [...nw, 'member', '5bc7629dcf'], '{"name":"x"}', 1);
  await api.handle('POST', [...nw, 'member', '5bc7629dcf'], '{"name":"y"}', 1);
  assert.equal(JSON.stringify((await api.handle('GET', [...nw, 'member'], '', 1)).body), '{"5bc7629dcf":2,"a2cb3e9302":1}');
  const u = (await api.handle('GET', ['unstable', 'controller', 'network', '16ef05e5485ec5d4', 'member'], '', 1)).body as JsonObject;
  assert.deepEqual(u.meta, { authorizedCount: 1, totalCount: 2 });
  const un = (await api.handle('GET', ['unstable', 'controller', 'network'], '', 1)).body as JsonObject;
  assert.deepEqual([(un.meta as JsonObject).networkCount, ((un.data as JsonObject[])[0].meta as JsonObject)], [1, { authorizedMemberCount: 1, totalMemberCount: 2 }]);
});

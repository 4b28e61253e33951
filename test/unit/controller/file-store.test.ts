// controller.d/ on disk (05 §7): 1.14.1's layout and bytes, its loading rules and their
// tolerance of junk, the recorded snapshot served as written, and crash safety — a child
// rewriting records is killed with SIGKILL mid-write and every record must load whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStore } from '../../../src/controller/file-store.js';
import { ControllerDb } from '../../../src/controller/controller-db.js';
import { ControllerApi } from '../../../src/controller/api.js';
import { dumpJson, type JsonObject } from '../../../src/controller/json-read.js';
import { sharedDir } from '../../helpers/shared.js';
import { M1_ID, configRequest } from './session.js';
import { CRASH_MEMBER, CRASH_NWID, padding } from '../../helpers/controller-file-writer.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'ztkube-ctl-fs-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('layout and bytes: network/<nwid>.json and network/<nwid>/member/<addr>.json, compact sorted JSON without a newline, 0700 root', async (t) => {
  const dir = join(tempDir(t), 'controller.d');
  const store = await FileStore.open(dir);
  const api = new ControllerApi({ db: new ControllerDb(store), controllerAddress: 0x16ef05e548, random: () => Uint8Array.of(0xd4, 0xc5, 0x5e, 0, 0, 0, 0, 0) });
  const created = await api.handle('POST', ['controller', 'network', '16ef05e548______'], '{}', 1796163010473);
  assert.equal(created.status, 200);
  const text = readFileSync(join(dir, 'network', '16ef05e5485ec5d4.json'), 'utf8');
  // 05 §9.1: the file held exactly the response body, 552 bytes, no newline.
  assert.equal(text, '{"authTokens":[null],"authorizationEndpoint":"","capabilities":[],"clientId":"","creationTime":1796163010473,"dns":[],"enableBroadcast":true,"id":"16ef05e5485ec5d4","ipAssignmentPools":[],"mtu":2800,"multicastLimit":32,"name":"","nwid":"16ef05e5485ec5d4","objtype":"network","private":true,"remoteTraceLevel":0,"remoteTraceTarget":null,"revision":1,"routes":[],"rules":[{"not":false,"or":false,"type":"ACTION_ACCEPT"}],"rulesSource":"","ssoEnabled":false,"tags":[],"v4AssignMode":{"zt":false},"v6AssignMode":{"6plane":false,"rfc4193":false,"zt":false}}');
  assert.equal(text.length, 552);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.ok(statSync(join(dir, 'trace')).isDirectory());
  assert.equal(existsSync(join(dir, 'network', '16ef05e5485ec5d4')), false, 'the member directory comes with the first member');
  await api.handle('POST', ['controller', 'network', '16ef05e5485ec5d4', 'member', '5BC7629DCF'], '{"authorized":true}', 1796163189270);
  assert.deepEqual(readdirSync(join(dir, 'network', '16ef05e5485ec5d4', 'member')), ['5bc7629dcf.json']);
  await api.handle('DELETE', ['controller', 'network', '16ef05e5485ec5d4', 'member', '5bc7629dcf'], '', 1);
  assert.deepEqual(readdirSync(join(dir, 'network', '16ef05e5485ec5d4', 'member')), []);
  await api.handle('DELETE', ['controller', 'network', '16ef05e5485ec5d4'], '', 1);
  assert.deepEqual(readdirSync(join(dir, 'network')), [], 'the file and the whole <nwid>/ tree are gone');
});

test('the recorded 1.14.1 controller.d loads and every record is served and rewritten byte for byte', async (t) => {
  const dir = join(tempDir(t), 'controller.d');
  const snapshot = join(sharedDir(), 'vectors', '05', 'controller.d-snapshot');
  cpSync(snapshot, dir, { recursive: true });
  // The snapshot is read-only; our writes need the usual modes.
  const writable = (d: string): void => {
    chmodSync(d, 0o755);
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) writable(join(d, e.name));
      else chmodSync(join(d, e.name), 0o644);
    }
  };
  writable(dir);
  const reports: string[] = [];
  const store = await FileStore.open(dir, { report: (m) => reports.push(m) });
  assert.deepEqual(reports, []);
  assert.deepEqual(await store.listNetworks(), ['16ef05e54850e0a3', '16ef05e5485ec5d4', '16ef05e5488df0b6', 'abcdef0123456789']);
  const listing = readFileSync(join(sharedDir(), 'vectors', '05', 'controller.d-listing.txt'), 'utf8');
  for (const nwid of await store.listNetworks()) {
    const file = readFileSync(join(snapshot, 'network', `${nwid}.json`), 'utf8');
    assert.equal(dumpJson((await store.getNetwork(nwid))!), file, nwid);
    assert.ok(listing.includes(`${file.length} controller.d/network/${nwid}.json`), `size of ${nwid} in the listing`);
    for (const m of await store.listMembers(nwid)) {
      const mfile = readFileSync(join(snapshot, 'network', nwid, 'member', `${String(m.id)}.json`), 'utf8');
      assert.equal(dumpJson(m), mfile);
      // Rewriting a record unchanged produces the same bytes.
      await store.putMember(nwid, m);
      assert.equal(readFileSync(join(dir, 'network', nwid, 'member', `${String(m.id)}.json`), 'utf8'), mfile);
    }
  }
  assert.equal((await store.listMembers('16ef05e5488df0b6')).length, 3);
});

test('loading tolerates junk as 1.14.1 does, and reports it: wrong lengths ignored, bad files skipped, records indexed by their id', async (t) => {
  const dir = join(tempDir(t), 'controller.d');
  const nd = join(dir, 'network');
  mkdirSync(join(nd, '16ef05e548aaaaaa', 'member'), { recursive: true });
  writeFileSync(join(nd, '16ef05e548aaaaaa.json'), '{"id":"16ef05e548aaaaaa","objtype":"network","name":"handmade"}');
  writeFileSync(join(nd, '16ef05e548cccccc.json'), '{"id":"16ef05e548bbbbbb"}');
  writeFileSync(join(nd, 'short.json'), '{"id":"16ef05e548dddddd"}');
  writeFileSync(join(nd, '16ef05e548eeeeee.json'), '{"id":"16ef05e548eee');
  writeFileSync(join(nd, '16ef05e548ffffff.json'), '["not an object"]');
  writeFileSync(join(nd, '16ef05e548999999.json'), '{"id":12345}');
  const md = join(nd, '16ef05e548aaaaaa', 'member');
  writeFileSync(join(md, '5bc7629dcf.json'), '{"id":"5bc7629dcf","nwid":"16ef05e548aaaaaa","authorized":true}');
  writeFileSync(join(md, 'a2cb3e9302.json'), '{"id":"a2cb3e9302","nwid":"16ef05e5');
  writeFileSync(join(md, 'x.json'), '{}');
  writeFileSync(join(md, '.5bc7629dcf.json.7-1.tmp'), '{"id":"5bc7');
  mkdirSync(join(nd, '16ef05e548777777.json'));
  const reports: string[] = [];
  const store = await FileStore.open(dir, { report: (m) => reports.push(m) });
  assert.deepEqual(await store.listNetworks(), ['16ef05e548aaaaaa', '16ef05e548bbbbbb']);
  assert.deepEqual(await store.getNetwork('16ef05e548aaaaaa'), { id: '16ef05e548aaaaaa', objtype: 'network', name: 'handmade' }, 'served as written: no defaults until the next save');
  assert.deepEqual(await store.getNetwork('16ef05e548bbbbbb'), { id: '16ef05e548bbbbbb' });
  assert.deepEqual((await store.listMembers('16ef05e548aaaaaa')).map((m) => m.id), ['5bc7629dcf']);
  assert.equal(existsSync(join(md, '.5bc7629dcf.json.7-1.tmp')), false, 'leftover temporary files are removed');
  const text = reports.join('\n');
  for (const f of ['16ef05e548eeeeee.json', '16ef05e548ffffff.json', '16ef05e548999999.json', 'a2cb3e9302.json', '.5bc7629dcf.json.7-1.tmp', '16ef05e548777777.json']) assert.ok(text.includes(f), `${f} reported:\n${text}`);
  assert.ok(!text.includes('short.json') && !text.includes('x.json'), 'names of other lengths are not records at all');
});

test('crash safety: a writer killed with SIGKILL mid-write leaves every record whole (old or new), across 6 kills', async (t) => {
  const dir = join(tempDir(t), 'controller.d');
  const writer = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'helpers', 'controller-file-writer.js');
  for (let round = 0; round < 6; round++) {
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const want = 3 + round * 5;
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString().split('\n').filter((l) => l).length;
        // Kill at a different point of the write cycle each round.
        if (seen >= want && child.exitCode === null && !child.killed) setTimeout(() => child.kill('SIGKILL'), round * 3);
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`))));
    });
    const reports: string[] = [];
    const store = await FileStore.open(dir, { report: (m) => reports.push(m) });
    assert.ok(reports.every((r) => r.includes('removed an unfinished write')), reports.join('\n'));
    const n = (await store.getNetwork(CRASH_NWID)) as JsonObject;
    const m = (await store.getMember(CRASH_NWID, CRASH_MEMBER)) as JsonObject;
    assert.ok(n && m, `round ${round}: both records load`);
    for (const rec of [n, m]) {
      assert.equal(typeof rec.gen, 'number');
      assert.equal(rec.pad, padding(rec.gen as number), `round ${round}: a whole record of generation ${String(rec.gen)}`);
    }
    assert.equal(n.name, `v${String(n.gen)}`);
    assert.ok((m.gen as number) === (n.gen as number) || (m.gen as number) === (n.gen as number) - 1, 'the member is the same generation or the one before');
  }
});

test('stability across restarts: a pool address is stored in the member record and served again after reopening', async (t) => {
  const dir = join(tempDir(t), 'controller.d');
  let db = new ControllerDb(await FileStore.open(dir));
  const api = new ControllerApi({ db, controllerAddress: 0x16ef05e548, random: () => new Uint8Array(8) });
  await api.handle('POST', ['controller', 'network', '16ef05e5485ec5d4'], { private: false, v4AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: '10.147.20.1', ipRangeEnd: '10.147.20.254' }], routes: [{ target: '10.147.20.0/24' }] }, 1);
  const first = await configRequest(db, '16ef05e5485ec5d4', M1_ID, 2);
  assert.ok(first.decision === 'ok' && first.assignment.added[0] === '10.147.20.103');
  // A pool change would move a fresh pick; the stored address stays.
  await api.handle('POST', ['controller', 'network', '16ef05e5485ec5d4'], { ipAssignmentPools: [{ ipRangeStart: '10.147.20.200', ipRangeEnd: '10.147.20.210' }] }, 3);
  db = new ControllerDb(await FileStore.open(dir));
  const again = await configRequest(db, '16ef05e5485ec5d4', M1_ID, 4);
  assert.ok(again.decision === 'ok');
  if (again.decision !== 'ok') return;
  assert.deepEqual(again.assignment.added, []);
  assert.deepEqual(again.member.ipAssignments, ['10.147.20.103']);
  assert.equal((await db.saveMember('16ef05e5485ec5d4', again.member)).changed, false, 'a repeated request writes nothing');
});

test('concurrent puts of one record without the database lock: the disk and the memory copy agree on the last one', async (t) => {
  const dir = join(tempDir(t), 'controller.d');
  const store = await FileStore.open(dir);
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.putNetwork({ id: '16ef05e5485ec5d4', gen: i })));
  const onDisk = JSON.parse(readFileSync(join(dir, 'network', '16ef05e5485ec5d4.json'), 'utf8')) as JsonObject;
  assert.deepEqual(onDisk, await store.getNetwork('16ef05e5485ec5d4'));
  assert.equal(onDisk.gen, 19);
  assert.deepEqual(readdirSync(join(dir, 'network')), ['16ef05e5485ec5d4.json'], 'no temporary file left');
});

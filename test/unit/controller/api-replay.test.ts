// Replays shared/vectors/05/api-log.txt — every /controller request of a real 1.14.1
// session — against our API over a FileStore, with the member requests that happened
// between the calls (README there; 05 §9) simulated through admitMember. Statuses, bodies
// and error texts must match; network IDs are made identical by feeding the random source
// the IDs 1.14.1 drew, revisions match exactly, times only as "zero or not" (the capture's
// clock is not ours). Known, deliberate differences: member IDs in lower case (05 §11.1),
// /unstable member order sorted, and — until rules-json.ts lands — rules compared by shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerApi, type ApiMethod } from '../../../src/controller/api.js';
import { FileStore } from '../../../src/controller/file-store.js';
import { ControllerDb } from '../../../src/controller/controller-db.js';
import { isObject, type Json, type JsonObject } from '../../../src/controller/json-read.js';
import { ruleNormalizerFrom, type RuleNormalizer } from '../../../src/controller/rule-shape.js';
import { sharedDir } from '../../helpers/shared.js';
import { CTL_ID, M1_ID, M2_ID, configRequest } from './session.js';
import type { Identity } from '../../../src/protocol/identity.js';

interface Exchange {
  n: number;
  method: string;
  path: string;
  body: string | undefined;
  status: number;
  responseText: string;
}

function parseLog(text: string): Exchange[] {
  const out: Exchange[] = [];
  for (const chunk of text.split(/^=== /m).slice(1)) {
    const lines = chunk.split('\n');
    const [, n, method, path] = /^(\d+) (\S+) (\S+)/.exec(lines[0])!;
    let i = 1;
    let body: string | undefined;
    if (lines[i].startsWith('>>> body: ')) body = lines[i++].slice('>>> body: '.length);
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(lines[i++])![1]);
    while (lines[i] !== '') i++;
    out.push({ n: Number(n), method, path, body, status, responseText: lines.slice(i + 1).join('\n').trim() });
  }
  return out;
}

const TIME_KEYS = new Set(['creationTime', 'lastAuthorizedTime', 'lastDeauthorizedTime', 'clock']);

/** Times become 0 / "t"; member IDs lower case; rules reduced to their types unless the real normalizer is wired. */
function normalize(v: Json, strictRules: boolean, key = ''): Json {
  if (Array.isArray(v)) return v.map((x) => normalize(x, strictRules));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) {
      // By shape: the same rules survive in the same order (the stored form is rules-json's).
      if (!strictRules && k === 'rules' && Array.isArray(x)) {
        out[k] = x.map((r) => (isObject(r) ? r.type ?? null : null));
        continue;
      }
      const lk = /^[0-9A-F]{10}$/i.test(k) ? k.toLowerCase() : k;
      out[lk] = normalize(x, strictRules, k);
    }
    return out;
  }
  if (TIME_KEYS.has(key) && typeof v === 'number') return v === 0 ? 0 : 't';
  if ((key === 'id' || key === 'address') && typeof v === 'string' && v.length === 10) return v.toLowerCase();
  return v;
}

function sortData(v: Json): Json {
  if (isObject(v) && Array.isArray(v.data)) {
    return { ...v, data: [...v.data].sort((a, b) => String((a as JsonObject).id).localeCompare(String((b as JsonObject).id))) };
  }
  return v;
}

async function realRuleNormalizer(): Promise<RuleNormalizer | null> {
  // rules-json.ts is written in parallel; until it exists, rules are compared by shape only.
  const path = '../../../src/controller/rules-json.js';
  try {
    const mod = (await import(path)) as { ruleFromJson?: (o: JsonObject) => unknown; ruleToJson?: (r: unknown) => JsonObject };
    return mod.ruleFromJson && mod.ruleToJson ? ruleNormalizerFrom(mod.ruleFromJson, mod.ruleToJson) : null;
  } catch {
    return null;
  }
}

test('the recorded 1.14.1 API session replays with the same statuses and bodies', async (t) => {
  const log = parseLog(readFileSync(join(sharedDir(), 'vectors', '05', 'api-log.txt'), 'utf8'));
  assert.equal(log.length, 85);
  const dir = mkdtempSync(join(tmpdir(), 'ztkube-ctl-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const normalizeRule = await realRuleNormalizer();
  const strictRules = normalizeRule !== null;
  if (!strictRules) t.diagnostic('rules-json.ts not present: rules compared by shape only');

  let db = new ControllerDb(await FileStore.open(join(dir, 'controller.d')));
  // Network IDs: the low 24 bits 1.14.1 drew, fed back in the order of the creations. It
  // draws before reading the body, so the create that answered 500 (#4) drew one too.
  const creates = log.filter((e) => e.method === 'POST' && (e.path === '/controller/network' || e.path === '/controller/network/16ef05e548______'));
  const ids = creates.map((e) => (e.status === 200 ? ((JSON.parse(e.responseText) as JsonObject).id as string) : '16ef05e548000000'));
  const random = (n: number): Uint8Array => {
    const local = parseInt(ids.shift()!.slice(10), 16);
    const b = new Uint8Array(n);
    b.set([local & 0xff, (local >> 8) & 0xff, (local >> 16) & 0xff]);
    return b;
  };
  const makeApi = (): ControllerApi => new ControllerApi({ db, controllerAddress: CTL_ID.address, random, ...(normalizeRule ? { normalizeRule } : {}) });
  let api = makeApi();

  let now = 1796163000000;
  const tick = (): number => (now += 1000);
  const join_ = async (nwid: string, who: Identity, genuine = true, at = tick()): Promise<void> => {
    await configRequest(db, nwid, who, at, { genuine });
  };
  const PRIV = '16ef05e5485ec5d4';
  const PUB = '16ef05e5488df0b6';
  const TINY = '16ef05e54850e0a3';
  let lastPostTime = 0;
  // The member requests of the session, before request #n (README, 05 §9).
  const before: Record<number, () => Promise<void>> = {
    12: async () => { await join_(PRIV, M1_ID); await join_(PRIV, M2_ID); },
    18: () => join_(PRIV, M1_ID),
    20: () => join_(PRIV, M1_ID),
    21: async () => { await join_(PUB, CTL_ID); await join_(PUB, M1_ID); await join_(PUB, M2_ID); },
    28: async () => { await join_(TINY, M1_ID); await join_(TINY, M2_ID); await join_(TINY, CTL_ID); },
    33: () => join_(TINY, CTL_ID),
    // #36 renamed the network: the controller pushes to its three online members.
    37: async () => { await join_(TINY, M1_ID, false); await join_(TINY, M2_ID, false); await join_(TINY, CTL_ID, false); },
    59: () => join_(PRIV, M2_ID),
    61: () => join_(PRIV, M1_ID),
    65: () => join_(TINY, M1_ID),
    74: () => join_('16ef05e5489943be', M2_ID),
    // The deauthorization's own push re-authorizes the member on a public network, in the same millisecond.
    76: () => join_('16ef05e5489943be', M2_ID, false, lastPostTime),
    78: () => join_('16ef05e548d5b7ff', M1_ID),
    79: () => join_('16ef05e548d5b7ff', M1_ID),
    // Restart with hand-made files (README): served verbatim, indexed by "id", junk skipped.
    80: async () => {
      const nd = join(dir, 'controller.d', 'network');
      writeFileSync(join(nd, '16ef05e548aaaaaa.json'), '{"id":"16ef05e548aaaaaa","objtype":"network","name":"handmade"}');
      writeFileSync(join(nd, '16ef05e548cccccc.json'), '{"id":"16ef05e548bbbbbb"}');
      writeFileSync(join(nd, 'short.json'), '{"id":"16ef05e548dddddd"}');
      truncateSync(join(nd, TINY, 'member', 'a2cb3e9302.json'), 100);
      const reports: string[] = [];
      db = new ControllerDb(await FileStore.open(join(dir, 'controller.d'), { report: (m) => reports.push(m) }));
      api = makeApi();
      assert.equal(reports.length, 1, reports.join('\n'));
      assert.match(reports[0], /a2cb3e9302\.json: skipped, not JSON/);
    },
  };

  let replayed = 0;
  for (const e of log) {
    if (!e.path.startsWith('/controller') && !e.path.startsWith('/unstable/controller')) continue;
    await before[e.n]?.();
    const [pathOnly, query] = e.path.split('?');
    const segments = pathOnly.split('/').slice(1);
    lastPostTime = tick();
    const res = await api.handle(e.method as ApiMethod, segments, e.body ?? '', lastPostTime);
    const what = `#${e.n} ${e.method} ${e.path}`;
    replayed++;
    assert.equal(res.status, e.status, what);
    if (e.responseText === '') {
      assert.equal(res.body, undefined, `${what}: empty body`);
      continue;
    }
    if (res.status === 500) {
      assert.equal(res.text, e.responseText, what);
      continue;
    }
    let expected = e.responseText;
    if (query === 'jsonp=cb') expected = expected.replace(/^cb\((.*)\);$/s, '$1');
    if (e.n === 1) assert.match(res.text!, /^\{\n\t"controller": true,\n\t"apiVersion": 4,\n\t"clock": \d{13},\n\t"databaseReady": true\n\}\n$/);
    assert.deepEqual(normalize(sortData(res.body!), strictRules), normalize(sortData(JSON.parse(expected) as Json), strictRules), what);
    if (e.n === 76) {
      const m = res.body as JsonObject;
      assert.equal(m.lastAuthorizedTime, m.lastDeauthorizedTime, '#76: re-authorized in the millisecond of the deauthorization');
    }
  }
  assert.equal(ids.length, 0, 'every recorded network creation drew its ID');
  assert.equal(replayed, 84, 'every request but GET /status');
});

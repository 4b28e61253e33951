// The network record (spec 05 §6.1, §6.3, §8.4): the JSON object 1.14.1 stores per network,
// its lazily filled defaults (DB::initNetwork), the keys removed before every save
// (DB::cleanNetwork), and the merge of an API POST body (networkUpdateFromPostData) with
// every normalization 1.14.1 applies. Records stay plain JSON: a hand-made file is served
// exactly as written until its next save, as in 1.14.1.
import { asBool, asInt, asString, asU64, cloneJson, isObject, type Json, type JsonObject } from './json-read.js';
import { normalizeRuleByShape, type RuleNormalizer } from './rule-shape.js';
import { parseZtIp, ztBitsValid, ztIpSlashBits, ztIpText } from './zt-inet.js';

export type NetworkRecord = JsonObject;

/** ZT_DEFAULT_MTU, ZT_MIN_MTU, ZT_MAX_MTU (node/Constants.hpp). */
export const DEFAULT_MTU = 2800;
export const MIN_MTU = 1280;
export const MAX_MTU = 10000;
export const DEFAULT_MULTICAST_LIMIT = 32;
/** ZT_CONTROLLER_MAX_ARRAY_SIZE: the longest array a POST stores. */
export const MAX_ARRAY_SIZE = 16384;

/** 16 lower-case hex digits, as 1.14.1 prints network IDs (%.16llx). */
export function networkIdHex(nwid: bigint): string {
  return nwid.toString(16).padStart(16, '0');
}

/**
 * DB::initNetwork: adds the defaults a record lacks. `remoteTraceLevel` is always reset to
 * 0 because 1.14.1 tests for a misspelled key (`removeTraceLevel`); `authTokens` defaults
 * to `[null]` (§6.3). Mutates and returns `n`.
 */
export function initNetwork(n: NetworkRecord, nowMs: number): NetworkRecord {
  const dflt = (k: string, v: Json): void => {
    if (!Object.hasOwn(n, k)) n[k] = v;
  };
  dflt('private', true);
  dflt('creationTime', nowMs);
  dflt('name', '');
  dflt('multicastLimit', DEFAULT_MULTICAST_LIMIT);
  dflt('enableBroadcast', true);
  dflt('v4AssignMode', { zt: false });
  dflt('v6AssignMode', { rfc4193: false, zt: false, '6plane': false });
  dflt('authTokens', [null]);
  dflt('capabilities', []);
  dflt('tags', []);
  dflt('routes', []);
  dflt('ipAssignmentPools', []);
  dflt('mtu', DEFAULT_MTU);
  dflt('remoteTraceTarget', null);
  n.remoteTraceLevel = 0;
  dflt('rulesSource', '');
  dflt('rules', [{ not: false, or: false, type: 'ACTION_ACCEPT' }]);
  dflt('dns', []);
  dflt('ssoEnabled', false);
  dflt('clientId', '');
  dflt('authorizationEndpoint', '');
  n.objtype = 'network';
  return n;
}

/** DB::cleanNetwork: computed keys older controllers stored, removed before every save. */
export function cleanNetwork(n: NetworkRecord): NetworkRecord {
  for (const k of ['clock', 'authorizedMemberCount', 'activeMemberCount', 'totalMemberCount', 'lastModified']) delete n[k];
  return n;
}

/** A remote trace target as stored: a 10-character string, anything else null. */
export function remoteTraceTargetOf(v: Json | undefined): Json {
  const s = asString(v, '');
  return s.length === 10 ? s : null;
}

function normalizeV6AssignMode(v: Json): JsonObject {
  if (typeof v === 'string') {
    const words = new Set(v.split(','));
    return { rfc4193: words.has('rfc4193'), zt: words.has('zt'), '6plane': words.has('6plane') };
  }
  if (isObject(v)) {
    // Only the posted sub-keys: {"rfc4193":true} replaces the stored object (§6.1).
    const out: JsonObject = {};
    for (const k of ['rfc4193', 'zt', '6plane']) if (Object.hasOwn(v, k)) out[k] = asBool(v[k], false);
    return out;
  }
  return { rfc4193: false, zt: false, '6plane': false };
}

function normalizeRoutes(v: Json[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const rt of v) {
    if (!isObject(rt) || typeof rt.target !== 'string') continue;
    const t = parseZtIp(rt.target);
    if (!t || !ztBitsValid(t)) continue;
    const via = typeof rt.via === 'string' ? parseZtIp(rt.via) : null;
    out.push({ target: ztIpSlashBits(t), via: via && via.family === t.family ? ztIpText(via) : null });
    if (out.length >= MAX_ARRAY_SIZE) break;
  }
  return out;
}

function normalizePools(v: Json[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const p of v) {
    if (!isObject(p) || !Object.hasOwn(p, 'ipRangeStart') || !Object.hasOwn(p, 'ipRangeEnd')) continue;
    const f = parseZtIp(asString(p.ipRangeStart, ''));
    const t = parseZtIp(asString(p.ipRangeEnd, ''));
    if (!f || !t || f.family !== t.family) continue;
    out.push({ ipRangeStart: ztIpText(f), ipRangeEnd: ztIpText(t) });
    if (out.length >= MAX_ARRAY_SIZE) break;
  }
  return out;
}

/** A rules array as stored: each object element normalized, the ones that do not convert dropped. */
export function normalizeRules(v: Json[], normalizeRule: RuleNormalizer): JsonObject[] {
  const out: JsonObject[] = [];
  for (const r of v) {
    if (!isObject(r)) continue;
    const n = normalizeRule(r);
    if (n) out.push(n);
    if (out.length >= MAX_ARRAY_SIZE) break;
  }
  return out;
}

function normalizeAuthTokens(v: Json): Json {
  if (!isObject(v)) return [null];
  // 1.14.1 builds the result in a null json value, so an object with no valid entry stores null.
  let out: JsonObject | null = null;
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'number' && x >= 0) (out ??= {})[k] = x;
  }
  return out;
}

/** Sorted by id as uint64, later duplicates win; ids stored as their uint64 value. */
function byId(entries: Array<[bigint, JsonObject]>): JsonObject[] {
  const m = new Map<bigint, JsonObject>();
  for (const [id, e] of entries) m.set(id, e);
  return [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, MAX_ARRAY_SIZE).map((id) => m.get(id)!);
}

function normalizeCapabilities(v: Json[], normalizeRule: RuleNormalizer): JsonObject[] {
  const entries: Array<[bigint, JsonObject]> = [];
  for (const c of v) {
    if (!isObject(c)) continue;
    const id = asU64(c.id, 0n);
    const rules = Array.isArray(c.rules) ? normalizeRules(c.rules, normalizeRule) : [];
    entries.push([id, { id: Number(id), default: asBool(c.default, false), rules }]);
  }
  return byId(entries);
}

function normalizeTags(v: Json[]): JsonObject[] {
  const entries: Array<[bigint, JsonObject]> = [];
  for (const t of v) {
    if (!isObject(t)) continue;
    const id = asU64(t.id, 0n);
    const d = t.default;
    entries.push([id, { id: Number(id), default: d === null || d === undefined ? null : asInt(d, 0) }]);
  }
  return byId(entries);
}

function normalizeDns(v: JsonObject): JsonObject {
  const out: JsonObject = { domain: v.domain ?? null };
  if (Array.isArray(v.servers)) out.servers = cloneJson(v.servers);
  return out;
}

export interface NetworkPostOptions {
  /** How posted rules are converted and re-rendered; see rule-shape.ts. */
  normalizeRule?: RuleNormalizer;
}

/**
 * networkUpdateFromPostData without the save: `stored` (or null for a new network) with
 * defaults filled and every recognized key of `body` merged in (§8.4). A body that is not
 * an object changes nothing but the defaults. Returns a new record, cleaned, with `id` and
 * `nwid` forced; its `revision` is still the stored one (the save increments it).
 */
export function applyNetworkPost(stored: NetworkRecord | null, nwid: bigint, body: Json, nowMs: number, opts: NetworkPostOptions = {}): NetworkRecord {
  const normalizeRule = opts.normalizeRule ?? normalizeRuleByShape;
  const n = initNetwork(stored ? cloneJson(stored) : {}, nowMs);
  const b: JsonObject = isObject(body) ? body : {};
  const has = (k: string): boolean => Object.hasOwn(b, k);
  if (has('name')) n.name = asString(b.name, '');
  if (has('private')) n.private = asBool(b.private, true);
  if (has('enableBroadcast')) n.enableBroadcast = asBool(b.enableBroadcast, false);
  if (has('multicastLimit')) n.multicastLimit = asInt(b.multicastLimit, DEFAULT_MULTICAST_LIMIT);
  if (has('mtu')) n.mtu = clampMtu(b.mtu);
  if (has('remoteTraceTarget')) n.remoteTraceTarget = remoteTraceTargetOf(b.remoteTraceTarget);
  if (has('remoteTraceLevel')) n.remoteTraceLevel = asInt(b.remoteTraceLevel, 0);
  if (has('v4AssignMode')) {
    const v = b.v4AssignMode;
    n.v4AssignMode = { zt: typeof v === 'string' ? v === 'zt' : isObject(v) ? asBool(v.zt, false) : false };
  }
  if (has('v6AssignMode')) n.v6AssignMode = normalizeV6AssignMode(b.v6AssignMode);
  if (Array.isArray(b.routes)) n.routes = normalizeRoutes(b.routes);
  if (Array.isArray(b.ipAssignmentPools)) n.ipAssignmentPools = normalizePools(b.ipAssignmentPools);
  if (Array.isArray(b.rules)) n.rules = normalizeRules(b.rules, normalizeRule);
  if (has('authTokens')) n.authTokens = normalizeAuthTokens(b.authTokens);
  if (Array.isArray(b.capabilities)) n.capabilities = normalizeCapabilities(b.capabilities, normalizeRule);
  if (Array.isArray(b.tags)) n.tags = normalizeTags(b.tags);
  if (isObject(b.dns)) n.dns = normalizeDns(b.dns);
  const id = networkIdHex(nwid);
  n.id = id;
  n.nwid = id;
  return cleanNetwork(n);
}

/** The MTU as 1.14.1 stores and sends it: as integer, truncated to 32 bits, clamped to [1280, 10000]. */
export function clampMtu(v: Json | undefined): number {
  const m = Number(asU64(v, BigInt(DEFAULT_MTU)) & 0xffffffffn);
  return Math.max(Math.min(m, MAX_MTU), MIN_MTU);
}

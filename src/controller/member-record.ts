// The member record (spec 05 §6.2, §6.3, §8.6): the JSON object 1.14.1 stores per network
// member, its lazily filled defaults (DB::initMember), the keys removed before every save
// (DB::cleanMember) and the merge of an API POST body. The request handler's bookkeeping
// on the same record is in admission.ts.
import { ApiError } from '../util/errors.js';
import { addressToString } from '../protocol/address.js';
import { asBool, asInt, asString, asU64, cloneJson, isObject, type Json, type JsonObject } from './json-read.js';
import { MAX_ARRAY_SIZE, networkIdHex, remoteTraceTargetOf } from './network-record.js';
import { parseZtIp, ztIpText } from './zt-inet.js';

export type MemberRecord = JsonObject;

/**
 * DB::initMember: adds the defaults a record lacks. A record that never had a `revision`
 * gets 0, so its first save makes it 1; `remoteTraceLevel` is reset to 0 every time, by the
 * same misspelled-key defect as the network's (§6.3). Mutates and returns `m`.
 */
export function initMember(m: MemberRecord, nowMs: number): MemberRecord {
  const dflt = (k: string, v: Json): void => {
    if (!Object.hasOwn(m, k)) m[k] = v;
  };
  dflt('authorized', false);
  dflt('ssoExempt', false);
  dflt('ipAssignments', []);
  dflt('activeBridge', false);
  dflt('tags', []);
  dflt('capabilities', []);
  dflt('creationTime', nowMs);
  dflt('noAutoAssignIps', false);
  dflt('revision', 0);
  dflt('lastDeauthorizedTime', 0);
  dflt('lastAuthorizedTime', 0);
  dflt('lastAuthorizedCredentialType', null);
  dflt('lastAuthorizedCredential', null);
  dflt('authenticationExpiryTime', 0);
  dflt('vMajor', -1);
  dflt('vMinor', -1);
  dflt('vRev', -1);
  dflt('vProto', -1);
  dflt('remoteTraceTarget', null);
  m.remoteTraceLevel = 0;
  m.objtype = 'member';
  return m;
}

/** DB::cleanMember: what is never stored (§2.5): physical address, clock, logs, SSO URLs. */
export function cleanMember(m: MemberRecord): MemberRecord {
  for (const k of ['clock', 'physicalAddr', 'recentLog', 'lastModified', 'lastRequestMetaData', 'authenticationURL', 'authenticationClientID']) delete m[k];
  return m;
}

/** nlohmann's name for a JSON value's type, as its type_error messages print it. */
function jsonTypeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'boolean' ? 'boolean' : typeof v;
}

/**
 * A posted `ipAssignments` list as stored: parsed, plain address text (prefix dropped),
 * non-addresses skipped. A non-string element is the one 1.14.1 case of a 500 here.
 */
export function normalizeIpAssignments(v: Json[]): string[] {
  const out: string[] = [];
  for (const e of v) {
    if (typeof e !== 'string') throw new ApiError(500, `[json.exception.type_error.302] type must be string, but is ${jsonTypeName(e)}`);
    const ip = parseZtIp(e);
    if (!ip) continue;
    out.push(ztIpText(ip));
    if (out.length >= MAX_ARRAY_SIZE) break;
  }
  return out;
}

function normalizeMemberTags(v: Json[]): Json[] {
  const m = new Map<number, number>();
  for (const t of v) {
    if (Array.isArray(t) && t.length === 2) m.set(Number(asU64(t[0], 0n) & 0xffffffffn), Number(asU64(t[1], 0n) & 0xffffffffn));
  }
  return [...m.keys()].sort((a, b) => a - b).slice(0, MAX_ARRAY_SIZE).map((id) => [id, m.get(id)!]);
}

function normalizeMemberCapabilities(v: Json[]): number[] {
  const ids = v.slice(0, MAX_ARRAY_SIZE).map((c) => asU64(c, 0n));
  ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return ids.filter((x, i) => i === 0 || ids[i - 1] !== x).map(Number);
}

/**
 * The member POST merge (§8.6) without the save: `stored` (or null when the member is new)
 * with defaults filled and every recognized key of `body` applied. `authorized` changes
 * only when the posted value differs, and then stamps lastAuthorizedTime (with credential
 * type "api") or lastDeauthorizedTime. IDs are forced in lower case (1.14.1 keeps the case
 * typed in the URL; 05 §11.1 says not to). Throws ApiError(500) like 1.14.1 on a
 * non-string address in `ipAssignments`.
 */
export function applyMemberPost(stored: MemberRecord | null, nwid: bigint, address: number, body: Json, nowMs: number): MemberRecord {
  const m = initMember(stored ? cloneJson(stored) : {}, nowMs);
  const b: JsonObject = isObject(body) ? body : {};
  const has = (k: string): boolean => Object.hasOwn(b, k);
  if (has('activeBridge')) m.activeBridge = asBool(b.activeBridge, false);
  if (has('noAutoAssignIps')) m.noAutoAssignIps = asBool(b.noAutoAssignIps, false);
  if (has('authenticationExpiryTime')) m.authenticationExpiryTime = asInt(b.authenticationExpiryTime, 0);
  if (has('name')) m.name = asString(b.name, '');
  if (has('remoteTraceTarget')) m.remoteTraceTarget = remoteTraceTargetOf(b.remoteTraceTarget);
  if (has('remoteTraceLevel')) m.remoteTraceLevel = asInt(b.remoteTraceLevel, 0);
  if (has('authorized')) {
    const auth = asBool(b.authorized, false);
    if (auth !== asBool(m.authorized, false)) {
      m.authorized = auth;
      if (auth) {
        m.lastAuthorizedTime = nowMs;
        m.lastAuthorizedCredentialType = 'api';
        m.lastAuthorizedCredential = null;
      } else {
        m.lastDeauthorizedTime = nowMs;
      }
    }
  }
  if (Array.isArray(b.ipAssignments)) m.ipAssignments = normalizeIpAssignments(b.ipAssignments);
  if (Array.isArray(b.tags)) m.tags = normalizeMemberTags(b.tags);
  if (Array.isArray(b.capabilities)) m.capabilities = normalizeMemberCapabilities(b.capabilities);
  forceMemberIds(m, nwid, address);
  return cleanMember(m);
}

/** Sets `id`, `address` (10 hex digits) and `nwid` (16 hex digits), lower case. */
export function forceMemberIds(m: MemberRecord, nwid: bigint, address: number): MemberRecord {
  const a = addressToString(address);
  m.id = a;
  m.address = a;
  m.nwid = networkIdHex(nwid);
  return m;
}

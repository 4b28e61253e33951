// The controller's network and member records (spec 05 §6) as ztkube custom resources
// (07 §4): the fields the CRDs carry are written in Kubernetes style into `spec.managed` of a
// ZTNetwork and `spec` of a ZTMember; every other record key (revision, creationTime,
// capabilities and tags of networks, auth bookkeeping, v6 pools, …) is kept verbatim as JSON in
// the annotation RECORD_ANNOTATION, so a record survives the trip whole. On the way back the
// spec wins over the annotation: what a user changed with kubectl is what the controller sees.
// Pure: no client, no I/O.
import { isObject, cloneJson, type Json, type JsonObject } from '../controller/json-read.js';
import type { MemberRecord } from '../controller/member-record.js';
import type { NetworkRecord } from '../controller/network-record.js';

/** Annotation holding the record keys the CRD has no field for (JSON object). */
export const RECORD_ANNOTATION = 'ztkube.io/controller-record';
/** Label carrying the 16-hex network ID on managed ZTNetworks and on ZTMembers. */
export const NETWORK_ID_LABEL = 'ztkube.io/network-id';

const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

type Obj = Record<string, unknown>;

function restOf(rec: JsonObject, mapped: readonly string[]): JsonObject {
  const rest = cloneJson(rec);
  for (const k of mapped) delete rest[k];
  return rest;
}

/** The annotation's record keys, or {} when it is absent or not a JSON object. */
export function annotatedRecord(annotations: Obj | undefined): JsonObject {
  const text = annotations?.[RECORD_ANNOTATION];
  if (typeof text !== 'string') return {};
  try {
    const v = JSON.parse(text) as Json;
    return isObject(v) ? v : {};
  } catch {
    // A hand-edited annotation that is not JSON: the spec alone still describes the network.
    return {};
  }
}

export interface MappedResource {
  /** The spec part the record maps to (ZTNetwork: `spec.managed`; ZTMember: `spec`). */
  spec: Obj;
  /** The annotation text with the remaining record keys. */
  recordAnnotation: string;
}

const NETWORK_KEYS = ['name', 'private', 'ipAssignmentPools', 'routes', 'v6AssignMode', 'rules', 'mtu', 'multicastLimit', 'enableBroadcast', 'dns'] as const;

/** A network record as `spec.managed` plus the annotation. */
export function networkToManaged(rec: NetworkRecord): MappedResource {
  const managed: Obj = {};
  const rest = restOf(rec, NETWORK_KEYS);
  if (typeof rec.name === 'string' && rec.name.length <= 127) managed.name = rec.name;
  else if (rec.name !== undefined) rest.name = cloneJson(rec.name);
  for (const k of ['private', 'enableBroadcast'] as const) {
    if (typeof rec[k] === 'boolean') managed[k] = rec[k];
    else if (rec[k] !== undefined) rest[k] = cloneJson(rec[k]);
  }
  for (const k of ['mtu', 'multicastLimit'] as const) {
    if (typeof rec[k] === 'number' && Number.isInteger(rec[k])) managed[k] = rec[k];
    else if (rec[k] !== undefined) rest[k] = cloneJson(rec[k]);
  }
  if (Array.isArray(rec.ipAssignmentPools)) {
    const v4: Obj[] = [];
    const other: Json[] = [];
    for (const p of rec.ipAssignmentPools) {
      if (isObject(p) && typeof p.ipRangeStart === 'string' && typeof p.ipRangeEnd === 'string' && IPV4.test(p.ipRangeStart) && IPV4.test(p.ipRangeEnd)) v4.push({ start: p.ipRangeStart, end: p.ipRangeEnd });
      else other.push(cloneJson(p));
    }
    managed.ipv4Pools = v4;
    if (other.length) rest.ipAssignmentPools = other;
  } else if (rec.ipAssignmentPools !== undefined) rest.ipAssignmentPools = cloneJson(rec.ipAssignmentPools);
  if (Array.isArray(rec.routes) && rec.routes.every((r) => isObject(r) && typeof r.target === 'string' && (r.via === undefined || r.via === null || typeof r.via === 'string'))) {
    managed.routes = rec.routes.map((r) => {
      const o = r as JsonObject;
      return typeof o.via === 'string' ? { target: o.target, via: o.via } : { target: o.target };
    });
  } else if (rec.routes !== undefined) rest.routes = cloneJson(rec.routes);
  if (isObject(rec.v6AssignMode)) {
    const m = rec.v6AssignMode;
    managed.v6Modes = (['6plane', 'rfc4193'] as const).filter((k) => m[k] === true);
    // `zt` (the controller's own v6 pool assignment) has no CRD field.
    const keep = restOf(m, ['6plane', 'rfc4193']);
    if (Object.keys(keep).length) rest.v6AssignMode = keep;
  } else if (rec.v6AssignMode !== undefined) rest.v6AssignMode = cloneJson(rec.v6AssignMode);
  if (Array.isArray(rec.rules) && rec.rules.every(isObject)) managed.rules = cloneJson(rec.rules);
  else if (rec.rules !== undefined) rest.rules = cloneJson(rec.rules);
  if (isObject(rec.dns) && typeof rec.dns.domain === 'string' && Array.isArray(rec.dns.servers) && rec.dns.servers.every((s) => typeof s === 'string') && Object.keys(rec.dns).length === 2) {
    managed.dns = { domain: rec.dns.domain, servers: cloneJson(rec.dns.servers) };
  } else if (rec.dns !== undefined) rest.dns = cloneJson(rec.dns); // 1.14.1's empty default is [], not an object
  return { spec: managed, recordAnnotation: JSON.stringify(rest) };
}

/** The network record of a ZTNetwork's `spec.managed` and annotation, with its `id`. */
export function managedToNetwork(nwid: string, managed: Obj | undefined, annotations: Obj | undefined): NetworkRecord {
  const rec = annotatedRecord(annotations);
  const m = managed ?? {};
  if (typeof m.name === 'string') rec.name = m.name;
  for (const k of ['private', 'enableBroadcast'] as const) if (typeof m[k] === 'boolean') rec[k] = m[k];
  for (const k of ['mtu', 'multicastLimit'] as const) if (typeof m[k] === 'number') rec[k] = m[k];
  if (Array.isArray(m.ipv4Pools)) {
    const v4 = (m.ipv4Pools as Obj[]).map((p) => ({ ipRangeStart: String(p.start), ipRangeEnd: String(p.end) }));
    const other = Array.isArray(rec.ipAssignmentPools) ? rec.ipAssignmentPools : [];
    rec.ipAssignmentPools = [...v4, ...other];
    // A pool written with kubectl is meant to be used: the controller assigns from pools only
    // with v4AssignMode.zt, which a record made by the controller carries in the annotation.
    if (!isObject(rec.v4AssignMode)) rec.v4AssignMode = { zt: v4.length > 0 };
  }
  if (Array.isArray(m.routes)) rec.routes = (m.routes as Obj[]).map((r) => ({ target: String(r.target), via: typeof r.via === 'string' && r.via !== '' ? r.via : null }));
  if (Array.isArray(m.v6Modes)) {
    const modes = m.v6Modes as unknown[];
    const zt = isObject(rec.v6AssignMode) && typeof rec.v6AssignMode.zt === 'boolean' ? rec.v6AssignMode.zt : false;
    rec.v6AssignMode = { rfc4193: modes.includes('rfc4193'), zt, '6plane': modes.includes('6plane') };
  }
  if (Array.isArray(m.rules)) rec.rules = cloneJson(m.rules as Json[]);
  if (isObject(m.dns)) rec.dns = cloneJson(m.dns);
  // A ZTNetwork applied with kubectl has no annotation: its name keys come from the label.
  rec.id ??= nwid;
  rec.nwid ??= nwid;
  return rec;
}

const MEMBER_KEYS = ['authorized', 'activeBridge', 'noAutoAssignIps', 'ipAssignments', 'tags', 'capabilities'] as const;

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/** A member record as a ZTMember's `spec` plus the annotation. */
export function memberToSpec(nwid: string, address: string, rec: MemberRecord): MappedResource {
  const spec: Obj = { networkId: nwid, address };
  const rest = restOf(rec, MEMBER_KEYS);
  for (const k of ['authorized', 'activeBridge', 'noAutoAssignIps'] as const) {
    if (typeof rec[k] === 'boolean') spec[k] = rec[k];
    else if (rec[k] !== undefined) rest[k] = cloneJson(rec[k]);
  }
  if (Array.isArray(rec.ipAssignments) && rec.ipAssignments.every((a) => typeof a === 'string') && new Set(rec.ipAssignments).size === rec.ipAssignments.length) spec.ipAssignments = cloneJson(rec.ipAssignments);
  else if (rec.ipAssignments !== undefined) rest.ipAssignments = cloneJson(rec.ipAssignments);
  // Tags are [id, value] pairs in the record and {id, value} objects in the CRD (a map list keyed by id).
  const tags = rec.tags;
  if (Array.isArray(tags) && tags.every((t) => Array.isArray(t) && t.length === 2 && isU32(t[0]) && isU32(t[1])) && new Set(tags.map((t) => (t as number[])[0])).size === tags.length) {
    spec.tags = tags.map((t) => ({ id: (t as number[])[0], value: (t as number[])[1] }));
  } else if (tags !== undefined) rest.tags = cloneJson(tags);
  const caps = rec.capabilities;
  if (Array.isArray(caps) && caps.every(isU32) && new Set(caps).size === caps.length) spec.capabilities = cloneJson(caps);
  else if (caps !== undefined) rest.capabilities = cloneJson(caps);
  return { spec, recordAnnotation: JSON.stringify(rest) };
}

/** The member record of a ZTMember's `spec` and annotation, with its `id` and `nwid`. */
export function specToMember(nwid: string, address: string, spec: Obj | undefined, annotations: Obj | undefined): MemberRecord {
  const rec = annotatedRecord(annotations);
  const s = spec ?? {};
  for (const k of ['authorized', 'activeBridge', 'noAutoAssignIps'] as const) if (typeof s[k] === 'boolean') rec[k] = s[k];
  if (Array.isArray(s.ipAssignments)) rec.ipAssignments = cloneJson(s.ipAssignments as Json[]);
  if (Array.isArray(s.tags)) rec.tags = (s.tags as Obj[]).map((t) => [Number(t.id), Number(t.value)]);
  if (Array.isArray(s.capabilities)) rec.capabilities = cloneJson(s.capabilities as Json[]);
  rec.id ??= address;
  rec.address ??= address;
  rec.nwid ??= nwid;
  return rec;
}

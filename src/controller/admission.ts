// What the controller does with a member's NETWORK_CONFIG_REQUEST before it builds the
// config (spec 05 §2.1 steps 3–9, §2.2, §2.4, §2.5, §2.7): find or create the member
// record, check the stored identity, force the IDs, decide authorization (member flag,
// public network, token), apply the SSO expiry gate, record the versions, add capability
// and tag defaults, and assign addresses. Pure: the caller reads the records, saves the
// returned member (ControllerDb.saveMember only writes when something changed) and turns
// the decision into a config or an ERROR.
import { Identity } from '../protocol/identity.js';
import { asBool, asInt, asString, asU64, cloneJson, isObject, type Json } from './json-read.js';
import { assignIps, type Assignment } from './ip-assignment.js';
import { cleanMember, forceMemberIds, initMember, type MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';

/** ZT_MAX_NETWORK_CAPABILITIES and ZT_MAX_NETWORK_TAGS. */
export const MAX_CONFIG_CAPABILITIES = 128;
export const MAX_CONFIG_TAGS = 128;

/** The parts of a request (02 §10.13, 05 §1.2) the admission looks at. */
export interface ConfigRequestInfo {
  nwid: bigint;
  /** The requester's identity as its peer knows it. */
  identity: Identity;
  /** False for the controller's own pushes (request packet ID 0): versions are not recorded. */
  isGenuine: boolean;
  /** Metadata `majv`, `minv`, `revv`, `pv` (0 where absent). */
  versions: { major: number; minor: number; rev: number; proto: number };
  /** Metadata `revr`: 0 or absent means a node without a rules engine. */
  rulesEngineRev: number;
  /** Metadata `a` (e.g. "token:abc"), or null. 1.14.1 nodes never send it. */
  authCredential: string | null;
}

export interface AdmissionContext {
  nowMs: number;
  /** allocatedIps() over every member of the network. */
  allocated: ReadonlySet<string>;
  random: (n: number) => Uint8Array;
}

export type AdmissionResult =
  /** No such network: ERROR OBJ_NOT_FOUND, nothing saved. */
  | { decision: 'not-found' }
  /** The stored identity is another key pair (or unreadable): ERROR NETWORK_ACCESS_DENIED, nothing saved. */
  | { decision: 'identity-collision' }
  /** Not authorized: save `member`, answer ERROR NETWORK_ACCESS_DENIED. */
  | { decision: 'access-denied'; member: MemberRecord; isNewMember: boolean }
  /** SSO expiry passed (§2.4): save `member`, answer NETWORK_AUTHENTICATION_REQUIRED. */
  | { decision: 'authentication-required'; member: MemberRecord; isNewMember: boolean }
  | AdmittedMember;

export interface AdmittedMember {
  decision: 'ok';
  /** Save this; it carries the identity, versions, auto-authorization, defaults and pool picks. */
  member: MemberRecord;
  isNewMember: boolean;
  /** How this request authorized the member, or null when the record already was. */
  autoAuthorized: 'public' | 'token' | null;
  /** True when the requester has no rules engine: one ACCEPT rule, no capabilities or tags. */
  legacyAllowAll: boolean;
  /** Capability ids to issue, in the member's order, each present in the network (max 128). */
  capabilityIds: number[];
  /** Tags to issue as [id, value], ascending id (max 128). */
  tags: Array<[number, number]>;
  assignment: Assignment;
}

const U32 = 0xffffffffn;

/** §2.1 steps 3–9 for one request; `member` is the stored record or null. */
export function admitMember(network: NetworkRecord | null, member: MemberRecord | null, req: ConfigRequestInfo, ctx: AdmissionContext): AdmissionResult {
  if (!isObject(network) || Object.keys(network).length === 0) return { decision: 'not-found' };
  const { nowMs } = ctx;
  const isNewMember = !isObject(member) || Object.keys(member).length === 0;
  const m = initMember(isNewMember ? {} : cloneJson(member!), nowMs);

  // Step 5: a known member's key pair must match; an unknown one is learned (public part only).
  // Read "as a string" like 1.14.1: a non-string identity is non-empty text that does not parse.
  const stored = asString(m.identity, '');
  if (stored.length > 0) {
    if (!sameIdentity(stored, req.identity)) return { decision: 'identity-collision' };
  } else {
    m.identity = req.identity.toString(false);
  }
  forceMemberIds(m, req.nwid, req.identity.address);

  // §2.4 in order: the member's flag, a public network, a presented token.
  let authorized = asBool(m.authorized, false);
  let autoAuthorized: 'public' | 'token' | null = null;
  let credential: Json = null;
  if (!authorized && !asBool(network.private, true)) {
    authorized = true;
    autoAuthorized = 'public';
  } else if (!authorized) {
    const token = presentedToken(req.authCredential);
    // 1.14.1 throws (and answers nothing) when authTokens is not an object; we treat that as no tokens.
    const expires = token !== null && isObject(network.authTokens) && Object.hasOwn(network.authTokens, token) ? network.authTokens[token] : undefined;
    if (typeof expires === 'number' && (expires === 0 || expires > nowMs)) {
      authorized = true;
      autoAuthorized = 'token';
      credential = token;
    }
  }
  if (autoAuthorized) {
    m.authorized = true;
    m.lastAuthorizedTime = nowMs;
    m.lastAuthorizedCredentialType = autoAuthorized;
    m.lastAuthorizedCredential = credential;
  }

  // SSO is checked before the authorization outcome and applies to unauthorized members too.
  if (asBool(network.ssoEnabled, false) && !asBool(m.ssoExempt, false) && asInt(m.authenticationExpiryTime, 0) <= nowMs) {
    return { decision: 'authentication-required', member: cleanMember(m), isNewMember };
  }
  if (!authorized) return { decision: 'access-denied', member: cleanMember(m), isNewMember };

  if (req.isGenuine) {
    m.vMajor = req.versions.major;
    m.vMinor = req.versions.minor;
    m.vRev = req.versions.rev;
    m.vProto = req.versions.proto;
  }

  const legacyAllowAll = req.rulesEngineRev <= 0;
  const capabilityIds = legacyAllowAll ? [] : capabilitiesFor(network, m, isNewMember);
  const tags = legacyAllowAll ? [] : tagsFor(network, m);

  const assignment = assignIps({ nwid: req.nwid, address: req.identity.address, network, member: m, allocated: ctx.allocated, random: ctx.random });
  if (assignment.ipAssignments) m.ipAssignments = assignment.ipAssignments;
  return { decision: 'ok', member: cleanMember(m), isNewMember, autoAuthorized, legacyAllowAll, capabilityIds, tags, assignment };
}

function sameIdentity(stored: string, requester: Identity): boolean {
  try {
    return Identity.fromString(stored).equals(requester);
  } catch {
    // An unreadable stored identity denies like a different one (1.14.1 catches and denies).
    return false;
  }
}

/** The token of an `a` credential "token:<token>" (more than 6 characters, at most 511 read). */
function presentedToken(cred: string | null): string | null {
  if (cred === null) return null;
  const c = cred.slice(0, 511);
  return c.length > 6 && c.startsWith('token:') ? c.slice(6) : null;
}

/** §2.7: a new member gets the `default` capabilities; the member's list, in order, is issued. */
function capabilitiesFor(network: NetworkRecord, m: MemberRecord, isNewMember: boolean): number[] {
  if (!Array.isArray(m.capabilities)) m.capabilities = [];
  const mine = m.capabilities;
  // id → issuable; a later capability with the same id replaces an earlier one, as in capsById.
  const caps = new Map<number, boolean>();
  if (Array.isArray(network.capabilities)) {
    for (const cap of network.capabilities) {
      if (!isObject(cap)) continue;
      const id = Number(asU64(cap.id, 0n) & U32);
      // An empty object has no rules to issue; 1.14.1 skips it when issuing (not when defaulting).
      caps.set(id, Object.keys(cap).length > 0);
      if (isNewMember && asBool(cap.default, false) && !mine.some((x) => Number(asU64(x, 0n) & U32) === id)) mine.push(id);
    }
  }
  const out: number[] = [];
  for (const x of mine) {
    const id = Number(asU64(x, 0n) & U32);
    if (!caps.get(id)) continue;
    out.push(id);
    if (out.length >= MAX_CONFIG_CAPABILITIES) break;
  }
  return out;
}

/** §2.7: network tags with a numeric default the member lacks are added to it (every request). */
function tagsFor(network: NetworkRecord, m: MemberRecord): Array<[number, number]> {
  const byId = new Map<number, number>();
  if (!Array.isArray(m.tags)) m.tags = [];
  for (const t of m.tags) {
    if (Array.isArray(t) && t.length === 2) byId.set(Number(asU64(t[0], 0n) & U32), Number(asU64(t[1], 0n) & U32));
  }
  if (Array.isArray(network.tags)) {
    for (const t of network.tags) {
      if (!isObject(t)) continue;
      const id = Number(asU64(t.id, 0n) & U32);
      const dfl = t.default;
      if (typeof dfl === 'number' && !byId.has(id)) {
        byId.set(id, Number(asU64(dfl, 0n) & U32));
        m.tags.push([id, dfl]);
      }
    }
  }
  return [...byId.keys()].sort((a, b) => a - b).slice(0, MAX_CONFIG_TAGS).map((id): [number, number] => [id, byId.get(id)!]);
}

// IP assignment (spec 05 §4.1–§4.6), as _request in 1.14.1's EmbeddedNetworkController
// picks the static IPs of a member's config: RFC4193 and 6PLANE derived from the IDs, the
// member's own `ipAssignments` covered by a route, then at most one address per family from
// the pools — IPv6 first (the member address added to the pool start, else random tries),
// then IPv4 (a deterministic walk starting at the member address's low 32 bits). Pool picks
// are appended to the member's `ipAssignments` by the caller and saved, which is what makes
// them stable across restarts (§4.6). Pure: randomness comes in as a function.
import type { Json } from './json-read.js';
import { asBool, asString, isObject } from './json-read.js';
import type { MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';
import { ipv4ToU32, parseZtIp, u32ToIpv4, ztContains, ztIpKey, ztIpText, type ZtIp } from './zt-inet.js';

/** ZT_MAX_NETWORK_ROUTES and ZT_MAX_ZT_ASSIGNED_ADDRESSES (include/ZeroTierOne.h). */
export const MAX_CONFIG_ROUTES = 128;
export const MAX_STATIC_IPS = 32;
/** Tries per pool (1.14.1's `trialCount < 1000`). */
export const MAX_POOL_TRIALS = 1000;

export interface ConfigRoute {
  /** The route's target with its prefix length in `bits`, host bits as stored. */
  target: ZtIp;
  /** The gateway, or null (a `via` of another family is dropped). */
  via: ZtIp | null;
}

/**
 * The routes of a config (§2.6, §4.7): N.`routes` in order, at most 128, each whose
 * `target` is a string naming an IPv4/IPv6 address. No prefix-length check here: a record
 * edited by hand is taken as 1.14.1 takes it.
 */
export function configRoutes(network: NetworkRecord): ConfigRoute[] {
  const out: ConfigRoute[] = [];
  const routes = network.routes;
  if (!Array.isArray(routes)) return out;
  for (const r of routes) {
    if (out.length >= MAX_CONFIG_ROUTES) break;
    if (!isObject(r) || typeof r.target !== 'string') continue;
    const target = parseZtIp(r.target);
    if (!target) continue;
    const via = typeof r.via === 'string' ? parseZtIp(r.via) : null;
    out.push({ target, via: via && via.family === target.family ? via : null });
  }
  return out;
}

function addressBytes(address: number): number[] {
  const hi = Math.floor(address / 0x100000000) & 0xff;
  const lo = address >>> 0;
  return [hi, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
}

function nwidBytes(nwid: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((nwid >> BigInt(56 - i * 8)) & 0xffn));
}

/** InetAddress::makeIpv6rfc4193: fd ‖ nwid ‖ 99 93 ‖ address, /88 (§4.2). */
export function rfc4193Address(nwid: bigint, address: number): ZtIp {
  return { family: 6, ip: Uint8Array.from([0xfd, ...nwidBytes(nwid), 0x99, 0x93, ...addressBytes(address)]), bits: 88 };
}

/** InetAddress::makeIpv66plane: fc ‖ low32(nwid ^ nwid>>32) ‖ address ‖ 0…0 01, /40 (§4.2). */
export function sixPlaneAddress(nwid: bigint, address: number): ZtIp {
  const h = Number((nwid ^ (nwid >> 32n)) & 0xffffffffn);
  const ip = new Uint8Array(16);
  ip.set([0xfc, h >>> 24, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff, ...addressBytes(address)]);
  ip[15] = 0x01;
  return { family: 6, ip, bits: 40 };
}

/**
 * The network's allocated set (§4.6): every address in any member's `ipAssignments`,
 * authorized or not, without its prefix. Keys are ztIpKey().
 */
export function allocatedIps(members: Iterable<MemberRecord>): Set<string> {
  const out = new Set<string>();
  for (const m of members) {
    if (!Array.isArray(m.ipAssignments)) continue;
    for (const s of m.ipAssignments) {
      if (typeof s !== 'string') continue;
      const ip = parseZtIp(s);
      if (ip) out.add(ztIpKey(ip));
    }
  }
  return out;
}

export interface AssignmentInput {
  nwid: bigint;
  /** The requesting member's 40-bit address. */
  address: number;
  network: NetworkRecord;
  member: MemberRecord;
  /** allocatedIps() over all members of the network, this one included. */
  allocated: ReadonlySet<string>;
  /** n secure random bytes; used only for IPv6 pools that the address cannot index. */
  random: (n: number) => Uint8Array;
  /** configRoutes(network), when the caller already has them. */
  routes?: ConfigRoute[];
}

export interface Assignment {
  /** The config's static IPs in 1.14.1's order, each with its prefix length (max 32). */
  staticIps: ZtIp[];
  /** ENABLE_IPV6_NDP_EMULATION: an RFC4193 or 6PLANE address was assigned. */
  ndpEmulation: boolean;
  /** The member's new `ipAssignments` when a pool address was added, else null (unchanged). */
  ipAssignments: Json[] | null;
  /** The pool addresses added to `ipAssignments` by this call, as stored text. */
  added: string[];
}

const U64 = 1n << 64n;

function u64At(b: Uint8Array, off: number, littleEndian: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(b[off + (littleEndian ? 7 - i : i)]);
  return v;
}

function ipv6From(hi: bigint, lo: bigint): Uint8Array {
  const ip = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    ip[i] = Number((hi >> BigInt(56 - i * 8)) & 0xffn);
    ip[8 + i] = Number((lo >> BigInt(56 - i * 8)) & 0xffn);
  }
  return ip;
}

/** The static IPs of a member's config and the pool addresses to record (§4.1–§4.5). */
export function assignIps(input: AssignmentInput): Assignment {
  const { nwid, address, network, member, allocated } = input;
  const routes = input.routes ?? configRoutes(network);
  const staticIps: ZtIp[] = [];
  const add = (ip: ZtIp): void => {
    if (staticIps.length < MAX_STATIC_IPS) staticIps.push(ip);
  };
  let ndpEmulation = false;
  const noAutoAssign = asBool(member.noAutoAssignIps, false);
  const v6Mode = network.v6AssignMode;
  const v4Mode = network.v4AssignMode;

  if (isObject(v6Mode) && !noAutoAssign) {
    if (asBool(v6Mode.rfc4193, false) && staticIps.length < MAX_STATIC_IPS) {
      add(rfc4193Address(nwid, address));
      ndpEmulation = true;
    }
    if (asBool(v6Mode['6plane'], false) && staticIps.length < MAX_STATIC_IPS) {
      add(sixPlaneAddress(nwid, address));
      ndpEmulation = true;
    }
  }

  // Row 3: the member's own addresses, each with the longest prefix of the routes containing it.
  let haveV4 = false;
  let haveV6 = false;
  const own: Json[] = Array.isArray(member.ipAssignments) ? [...member.ipAssignments] : [];
  for (const s of own) {
    if (typeof s !== 'string') continue;
    const ip = parseZtIp(s);
    if (!ip) continue;
    let bits = -1;
    for (const r of routes) if (ztContains(r.target, ip) && r.target.bits > bits) bits = r.target.bits;
    if (bits < 0) continue;
    add({ family: ip.family, ip: ip.ip, bits });
    if (ip.family === 4) haveV4 = true;
    else haveV6 = true;
  }

  const pools = network.ipAssignmentPools;
  const added: string[] = [];
  const claim = (ip: ZtIp): boolean => {
    if (allocated.has(ztIpKey(ip))) return false;
    const text = ztIpText(ip);
    if (own.includes(text)) return false;
    own.push(text);
    added.push(text);
    add(ip);
    return true;
  };

  if (Array.isArray(pools) && isObject(v6Mode) && asBool(v6Mode.zt, false) && !haveV6 && !noAutoAssign) {
    for (const pool of pools) {
      if (haveV6) break;
      const range = poolRange(pool, 6);
      if (range) haveV6 = pickIpv6(range.start.ip, range.end.ip, address, routes, input.random, claim);
    }
  }
  if (Array.isArray(pools) && isObject(v4Mode) && asBool(v4Mode.zt, false) && !haveV4 && !noAutoAssign) {
    for (const pool of pools) {
      if (haveV4) break;
      const range = poolRange(pool, 4);
      if (range) haveV4 = pickIpv4(ipv4ToU32(range.start.ip), ipv4ToU32(range.end.ip), address, routes, claim);
    }
  }
  return { staticIps, ndpEmulation, ipAssignments: added.length > 0 ? own : null, added };
}

function poolRange(pool: Json, family: 4 | 6): { start: ZtIp; end: ZtIp } | null {
  if (!isObject(pool)) return null;
  const start = parseZtIp(asString(pool.ipRangeStart, ''));
  const end = parseZtIp(asString(pool.ipRangeEnd, ''));
  return start?.family === family && end?.family === family ? { start, end } : null;
}

/** §4.4: trial 0 puts the address in the low half if the range allows, later trials are random. */
function pickIpv6(s: Uint8Array, e: Uint8Array, address: number, routes: ConfigRoute[], random: (n: number) => Uint8Array, claim: (ip: ZtIp) => boolean): boolean {
  const sHi = u64At(s, 0, false);
  const sLo = u64At(s, 8, false);
  const eHi = u64At(e, 0, false);
  const eLo = u64At(e, 8, false);
  for (let trial = 0; trial < MAX_POOL_TRIALS; trial++) {
    let hi: bigint;
    let lo: bigint;
    if (trial === 0 && eLo > sLo && eLo - sLo >= 0xffffffffffn) {
      hi = sHi;
      lo = (sLo + BigInt(address)) % U64;
    } else {
      // getSecureRandom fills two uint64s in host (little-endian) order.
      const r = random(16);
      const rHi = u64At(r, 0, true);
      const rLo = u64At(r, 8, true);
      hi = (sHi + (eHi > sHi ? rHi % (eHi - sHi) : 0n)) % U64;
      lo = (sLo + (eLo > sLo ? rLo % (eLo - sLo) : 0n)) % U64;
    }
    const candidate: ZtIp = { family: 6, ip: ipv6From(hi, lo), bits: 0 };
    // The last IPv6 route without a gateway that contains it gives the prefix length.
    let bits = 0;
    for (const r of routes) if (r.via === null && r.target.family === 6 && ztContains(r.target, candidate)) bits = r.target.bits;
    if (bits > 0 && claim({ ...candidate, bits })) return true;
  }
  return false;
}

/** §4.5: from S + (low32(address) mod L) upwards, skipping .255, at most min(L+1, 1000) tries. */
function pickIpv4(start: number, end: number, address: number, routes: ConfigRoute[], claim: (ip: ZtIp) => boolean): boolean {
  if (end < start || start === 0) return false;
  const len = (end - start) >>> 0;
  let counter = address >>> 0;
  // k is 1.14.1's uint32 loop variable; it bounds the tries to L + 1 (and wraps like it).
  for (let k = start, trial = 0; k <= end && trial < MAX_POOL_TRIALS; k = (k + 1) >>> 0, trial++) {
    const ip = len > 0 ? (start + (counter % len)) >>> 0 : start;
    counter = (counter + 1) >>> 0;
    if ((ip & 0xff) === 0xff) continue;
    // The first IPv4 route whose target equals the candidate under its mask; JS and x86 both
    // reduce the shift count mod 32, so a /0 route's mask is all ones here as in 1.14.1.
    let bits = -1;
    for (const r of routes) {
      if (r.target.family !== 4) continue;
      if (((ip & (0xffffffff << (32 - r.target.bits))) >>> 0) === ipv4ToU32(r.target.ip)) {
        bits = r.target.bits;
        break;
      }
    }
    if (bits > 0 && claim({ family: 4, ip: u32ToIpv4(ip), bits })) return true;
  }
  return false;
}

export type { ZtIp };

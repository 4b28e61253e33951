// An IPv4 range for this host's containers, carved from the ZeroTier network's assignment
// pools (issue #10: `docker network create` without --ipam-opt ztkube.range on a network our
// own controller runs). The block is aligned, lies in one pool and one of the network's LAN
// routes (so containers are on-link with the members), holds no member's assigned address and
// no range this host already uses; the pools come back without it, so the controller never
// hands its addresses to a member. Pure: pools, members and routes in, block and pools out.
import { parseIp } from '../protocol/inet-address.js';
import type { IpPrefix } from '../net/ip/prefix.js';
import { bigintToIp, ipText, ipToBigint, prefixInside, prefixesOverlap } from './ip-arith.js';

/** A controller's ipAssignmentPools entry. */
export interface AssignmentPool {
  ipRangeStart: string;
  ipRangeEnd: string;
}

/** The block sizes tried, largest first: a /27 gives 32 containers and leaves members room. */
export const HOST_RANGE_BITS = [27, 28, 29];

export interface CarveInput {
  pools: AssignmentPool[];
  /** Every member's ipAssignments (any family; IPv6 ones are ignored). */
  memberIps: string[];
  /** The network's IPv4 LAN routes (no gateway). */
  lans: IpPrefix[];
  /** Ranges this host already uses for other Docker networks. */
  avoid: IpPrefix[];
}

export interface Carved {
  range: IpPrefix;
  /** The pools without the range (the IPv6 ones untouched). */
  pools: AssignmentPool[];
}

/** The highest free block of the largest size that fits, or null when none does. */
export function carveHostRange(input: CarveInput): Carved | null {
  const members = input.memberIps.map((s) => parseIp(s)).filter((a) => a?.family === 4).map((a) => ipToBigint(a!.ip));
  const v4 = input.pools.map((p, index) => ({ index, bounds: v4Bounds(p) })).filter((p) => p.bounds !== null);
  for (const bits of HOST_RANGE_BITS) {
    const size = 1n << BigInt(32 - bits);
    for (const { index, bounds } of v4) {
      const { first, last } = bounds!;
      for (let s = ((last + 1n) / size) * size - size; s >= first; s -= size) {
        const range: IpPrefix = { family: 4, ip: bigintToIp(s, 4), bits };
        const e = s + size - 1n;
        if (e > last) continue;
        if (!input.lans.some((l) => prefixInside(range, l))) continue;
        if (members.some((m) => m >= s && m <= e)) continue;
        if (input.avoid.some((a) => prefixesOverlap(a, range))) continue;
        return { range, pools: without(input.pools, index, first, last, s, e) };
      }
    }
  }
  return null;
}

function v4Bounds(p: AssignmentPool): { first: bigint; last: bigint } | null {
  const a = parseIp(p.ipRangeStart);
  const b = parseIp(p.ipRangeEnd);
  if (a?.family !== 4 || b?.family !== 4) return null;
  const first = ipToBigint(a.ip);
  const last = ipToBigint(b.ip);
  return first <= last ? { first, last } : null;
}

/** The pools with [s, e] cut out of pool `index` (spanning first..last): zero, one or two pieces in its place. */
function without(pools: AssignmentPool[], index: number, first: bigint, last: bigint, s: bigint, e: bigint): AssignmentPool[] {
  const text = (v: bigint): string => ipText(4, bigintToIp(v, 4));
  const pieces: AssignmentPool[] = [];
  if (s > first) pieces.push({ ipRangeStart: text(first), ipRangeEnd: text(s - 1n) });
  if (e < last) pieces.push({ ipRangeStart: text(e + 1n), ipRangeEnd: text(last) });
  return [...pools.slice(0, index), ...pieces, ...pools.slice(index + 1)];
}

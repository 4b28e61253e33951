// IP prefixes (`IP/bits`) as the service's managed addresses and routes use them (06 §8.5–8.7),
// with 1.14.1's InetAddress semantics where they decide something: containsAddress,
// matchingPrefixBits, isDefaultRoute, and the sort order of its std::set/std::sort.
import type { IpPrefix } from '../../node/virtual-network.js';
import { compareInetAddressZt, ipToString, parseIp } from '../../protocol/inet-address.js';
import { ipScope, type IpScope } from '../../protocol/ip-scope.js';

export type { IpPrefix };

export function prefixToString(p: IpPrefix): string {
  return `${ipToString({ family: p.family, ip: p.ip, port: 0 })}/${p.bits}`;
}

/**
 * Parses `IP/bits`; without `/bits` the prefix has 0 bits (InetAddress::fromString leaves the
 * port 0), so such a whitelist entry admits the whole family, as in 1.14.1. null if malformed.
 */
export function parsePrefix(s: string): IpPrefix | null {
  const slash = s.indexOf('/');
  const ip = parseIp(slash < 0 ? s.trim() : s.slice(0, slash).trim());
  if (!ip) return null;
  let bits = 0;
  if (slash >= 0) {
    const b = s.slice(slash + 1).trim();
    if (!/^\d{1,5}$/.test(b)) return null;
    bits = parseInt(b, 10);
  }
  if (bits > (ip.family === 4 ? 32 : 128)) return null;
  return { family: ip.family, ip: ip.ip, bits };
}

export function sameIp(a: IpPrefix, b: IpPrefix): boolean {
  if (a.family !== b.family) return false;
  for (let i = 0; i < a.ip.length; i++) if (a.ip[i] !== b.ip[i]) return false;
  return true;
}

/** Same IP and same bits (InetAddress ==). */
export function samePrefix(a: IpPrefix, b: IpPrefix): boolean {
  return a.bits === b.bits && sameIp(a, b);
}

/** InetAddress::operator< on a little-endian host (see compareInetAddressZt). */
export function comparePrefixZt(a: IpPrefix, b: IpPrefix): number {
  return compareInetAddressZt({ family: a.family, ip: a.ip, port: a.bits }, { family: b.family, ip: b.ip, port: b.bits });
}

/** Sorted by comparePrefixZt, duplicates (same IP and bits) removed: std::sort + std::unique. */
export function sortUniquePrefixes(list: readonly IpPrefix[]): IpPrefix[] {
  const sorted = [...list].sort(comparePrefixZt);
  return sorted.filter((p, i) => i === 0 || !samePrefix(p, sorted[i - 1]));
}

/** InetAddress::isDefaultRoute: every IP byte zero and 0 bits. */
export function isDefaultRoute(p: IpPrefix): boolean {
  return p.bits === 0 && p.ip.every((b) => b === 0);
}

/**
 * InetAddress::containsAddress: `addr`'s IP lies in `net`. As in 1.14.1, IPv6 compares the
 * masked `addr` with `net`'s IP as it is, so a net with host bits set contains nothing.
 */
export function containsAddress(net: IpPrefix, addr: IpPrefix): boolean {
  if (net.family !== addr.family) return false;
  if (net.family === 4) {
    const bits = Math.min(net.bits, 32);
    if (bits === 0) return true;
    return v4(addr.ip) >>> (32 - bits) === v4(net.ip) >>> (32 - bits);
  }
  for (let i = 0; i < 16; i++) {
    const m = maskByte(net.bits, i);
    if ((addr.ip[i] & m) !== net.ip[i]) return false;
  }
  return true;
}

/** InetAddress::matchingPrefixBits: leading bits the two IPs share (0 across families). */
export function matchingPrefixBits(a: IpPrefix, b: IpPrefix): number {
  if (a.family !== b.family) return 0;
  let c = 0;
  for (let i = 0; i < a.ip.length; i++) {
    const x = a.ip[i] ^ b.ip[i];
    if (x === 0) {
      c += 8;
      continue;
    }
    return c + Math.clz32(x) - 24;
  }
  return c;
}

/** A 0-bit target split as ManagedRoute does on Linux: 0.0.0.0/0 → 0.0.0.0/1 + 128.0.0.0/1 (::/0 → ::/1 + 8000::/1). */
export function splitDefault(target: IpPrefix): IpPrefix[] {
  if (target.bits !== 0) return [target];
  const left = new Uint8Array(target.ip.length);
  const right = new Uint8Array(target.ip.length);
  left.set(target.ip);
  right.set(target.ip);
  right[0] ^= 0x80; // _forkTarget: left keeps the IP, right flips the first bit
  return [
    { family: target.family, ip: left, bits: 1 },
    { family: target.family, ip: right, bits: 1 },
  ];
}

export function prefixScope(p: IpPrefix): IpScope {
  return ipScope({ family: p.family, ip: p.ip, port: 0 });
}

/** The network part only (host bits cleared): how the kernel prints a route's dst. */
export function networkOf(p: IpPrefix): IpPrefix {
  const ip = new Uint8Array(p.ip.length);
  for (let i = 0; i < ip.length; i++) ip[i] = p.ip[i] & maskByte(p.bits, i);
  return { family: p.family, ip, bits: p.bits };
}

function maskByte(bits: number, i: number): number {
  const left = bits - i * 8;
  if (left >= 8) return 0xff;
  if (left <= 0) return 0;
  return (0xff << (8 - left)) & 0xff;
}

function v4(ip: Uint8Array): number {
  return ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
}

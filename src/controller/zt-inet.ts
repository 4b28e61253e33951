// IP addresses as 1.14.1's controller handles them in JSON (spec 05 §4.1, §4.7): the text
// reader of InetAddress::fromString (lenient: a string with ':' is IPv6 and one with '.'
// IPv4 even when inet_pton rejects it, which leaves the all-zero address), glibc's
// inet_ntop for printing, and InetAddress::containsAddress for routes. The prefix length
// travels in the "port" field, as in ZeroTier, and is kept as `bits`.
import { parseIp } from '../protocol/inet-address.js';
import { strtoull } from './json-read.js';

export interface ZtIp {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  ip: Uint8Array;
  /** What followed the '/', or 0 (ZeroTier keeps netmask bits in the port field). */
  bits: number;
}

/** InetAddress::fromString; null where 1.14.1 leaves the address without a family. */
export function parseZtIp(text: string): ZtIp | null {
  // Utils::scopy into a 64-byte buffer refuses longer strings.
  if (text.length === 0 || text.length >= 64) return null;
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  const bits = slash < 0 ? 0 : Number(strtoull(text.slice(slash + 1), 10) & 0xffffn);
  if (host.includes(':')) {
    const p = parseIp(host);
    return { family: 6, ip: p && p.family === 6 ? p.ip : new Uint8Array(16), bits };
  }
  if (host.includes('.')) {
    const p = parseIp(host);
    return { family: 4, ip: p && p.family === 4 ? p.ip : new Uint8Array(4), bits };
  }
  return null;
}

/** glibc inet_ntop: RFC 5952 compression plus the dotted tail of ::a.b.c.d and ::ffff:a.b.c.d. */
export function ztIpText(a: { family: 4 | 6; ip: Uint8Array }): string {
  if (a.family === 4) return Array.from(a.ip.subarray(0, 4)).join('.');
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((a.ip[i] << 8) | a.ip[i + 1]);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (w[i] === 0) {
      cur = cur.base < 0 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
    } else if (cur.base >= 0) {
      if (best.base < 0 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base >= 0 && (best.base < 0 || cur.len > best.len)) best = cur;
  if (best.base >= 0 && best.len < 2) best = { base: -1, len: 0 };
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best.base >= 0 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && w[5] === 0xffff))) {
      out += Array.from(a.ip.subarray(12, 16)).join('.');
      return out;
    }
    out += w[i].toString(16);
  }
  if (best.base >= 0 && best.base + best.len === 8) out += ':';
  return out;
}

/** InetAddress::toString: "ip/bits". */
export function ztIpSlashBits(a: ZtIp): string {
  return `${ztIpText(a)}/${a.bits}`;
}

/** A key for sets of addresses that ignores the prefix (the allocated set of §4.6). */
export function ztIpKey(a: { family: 4 | 6; ip: Uint8Array }): string {
  return `${a.family}:${Array.from(a.ip, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function ipv4ToU32(ip: Uint8Array): number {
  return ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
}

export function u32ToIpv4(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

const ONES64 = (1n << 64n) - 1n;

/** InetAddress::netmask for IPv6, with x86's shift-count masking for out-of-range bits. */
function ipv6Mask(bits: number): Uint8Array {
  const hi = bits === 0 ? 0n : bits >= 64 ? ONES64 : (ONES64 << BigInt((64 - bits) & 63)) & ONES64;
  const lo = bits === 0 || bits <= 64 ? 0n : (ONES64 << BigInt((128 - bits) & 63)) & ONES64;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i] = Number((hi >> BigInt(56 - i * 8)) & 0xffn);
    out[8 + i] = Number((lo >> BigInt(56 - i * 8)) & 0xffn);
  }
  return out;
}

/**
 * InetAddress::containsAddress: IPv4 compares the top `bits` bits (host bits of the route
 * ignored, /0 contains everything); IPv6 masks the address and compares it with the route
 * target as stored (host bits in the target make it contain nothing).
 */
export function ztContains(route: ZtIp, addr: { family: 4 | 6; ip: Uint8Array }): boolean {
  if (route.family !== addr.family) return false;
  if (route.family === 4) {
    if (route.bits === 0) return true;
    // JS masks shift counts to 5 bits exactly as x86 does with 1.14.1's out-of-range shifts.
    const shift = 32 - route.bits;
    return ipv4ToU32(addr.ip) >>> shift === ipv4ToU32(route.ip) >>> shift;
  }
  const m = ipv6Mask(route.bits);
  for (let i = 0; i < 16; i++) if ((addr.ip[i] & m[i]) !== route.ip[i]) return false;
  return true;
}

/** InetAddress::netmaskBitsValid: ≤ 32 for IPv4, ≤ 128 for IPv6. */
export function ztBitsValid(a: ZtIp): boolean {
  return a.bits <= (a.family === 4 ? 32 : 128);
}

// IP scopes (03 §5.2) and which remote addresses may carry ZeroTier traffic (03 §5.7).
import type { InetAddress } from './inet-address.js';

export const IpScope = {
  NONE: 0,
  MULTICAST: 1,
  LOOPBACK: 2,
  PSEUDOPRIVATE: 3,
  GLOBAL: 4,
  LINK_LOCAL: 5,
  SHARED: 6,
  PRIVATE: 7,
} as const;
export type IpScope = (typeof IpScope)[keyof typeof IpScope];

const PSEUDOPRIVATE_V4_FIRST_OCTETS = new Set([6, 11, 21, 22, 25, 26, 28, 29, 30, 51, 55, 56]);

function v4Scope(ip: Uint8Array): IpScope {
  const [a, b, c] = ip;
  if (a === 0 || a === 255) return IpScope.NONE;
  if (a === 127) return IpScope.LOOPBACK;
  if (a >= 224 && a <= 239) return IpScope.MULTICAST;
  if (a >= 240) return IpScope.PSEUDOPRIVATE;
  if (PSEUDOPRIVATE_V4_FIRST_OCTETS.has(a)) return IpScope.PSEUDOPRIVATE;
  if (a === 169 && b === 254) return IpScope.LINK_LOCAL;
  if (a === 10) return IpScope.PRIVATE;
  if (a === 100 && (b & 0xc0) === 64) return IpScope.PRIVATE;
  if (a === 172 && (b & 0xf0) === 16) return IpScope.PRIVATE;
  if (a === 192 && b === 168) return IpScope.PRIVATE;
  if (a === 192 && b === 0 && c === 2) return IpScope.PRIVATE;
  if (a === 198 && (b & 0xfe) === 18) return IpScope.PRIVATE;
  if (a === 198 && b === 51 && c === 100) return IpScope.PRIVATE;
  if (a === 203 && b === 0 && c === 113) return IpScope.PRIVATE;
  return IpScope.GLOBAL;
}

function v6Scope(ip: Uint8Array): IpScope {
  if (ip[0] === 0xff) return IpScope.MULTICAST;
  if (ip[0] === 0xfe && (ip[1] & 0xc0) === 0x80) {
    // fe80::1 counts as loopback in 1.14.1 (some platforms put it on lo).
    let k = 2;
    while (k < 15 && ip[k] === 0) k++;
    return k === 15 && ip[15] === 1 ? IpScope.LOOPBACK : IpScope.LINK_LOCAL;
  }
  if ((ip[0] & 0xfe) === 0xfc) return IpScope.PRIVATE;
  let k = 0;
  while (k < 9 && ip[k] === 0) k++;
  if (k === 9 && ip[10] === 0xff && ip[11] === 0xff && ip[12] === 0x7f) return IpScope.LOOPBACK;
  k = 0;
  while (k < 15 && ip[k] === 0) k++;
  if (k === 15) {
    if (ip[15] === 1) return IpScope.LOOPBACK;
    if (ip[15] === 0) return IpScope.NONE;
  }
  return IpScope.GLOBAL;
}

export function ipScope(a: InetAddress): IpScope {
  return a.family === 4 ? v4Scope(a.ip) : v6Scope(a.ip);
}

/** Rules 1 and 2 of 03 §5.7 (the rest depend on topology and the service). */
export function isScopeAcceptableForPaths(a: InetAddress): boolean {
  const s = ipScope(a);
  if (s !== IpScope.PRIVATE && s !== IpScope.PSEUDOPRIVATE && s !== IpScope.SHARED && s !== IpScope.GLOBAL) return false;
  // 2001:470::/32, Hurricane Electric's tunnel range, is blacklisted by 1.14.1.
  if (a.family === 6 && a.ip[0] === 0x20 && a.ip[1] === 0x01 && a.ip[2] === 0x04 && a.ip[3] === 0x70) return false;
  return true;
}

export function sameIp(a: InetAddress, b: InetAddress): boolean {
  if (a.family !== b.family) return false;
  for (let i = 0; i < a.ip.length; i++) if (a.ip[i] !== b.ip[i]) return false;
  return true;
}

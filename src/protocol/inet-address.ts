// InetAddress: a physical UDP endpoint (spec 02 §2.1).
//
//   type 0x00                          nil (1 byte)
//   type 0x04  ip[4]  port u16         IPv4 (7 bytes)
//   type 0x06  ip[16] port u16         IPv6 (19 bytes)
//   type 0x01/0x02  6 bytes            reserved: read as nil
//   type 0x03  u16 n, n bytes          reserved: read as nil
//   any other type                     malformed
//
// Text form is ZeroTier's "ip/port" (06 §5.5).
import { DecodeError } from '../util/errors.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

export interface InetAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly ip: Uint8Array;
  readonly port: number;
}

export function inet4(a: number, b: number, c: number, d: number, port: number): InetAddress {
  return { family: 4, ip: Uint8Array.of(a, b, c, d), port };
}

/** Serialized size of an address (nil when null). */
export function inetAddressSize(a: InetAddress | null): number {
  if (!a) return 1;
  return a.family === 4 ? 7 : 19;
}

export function writeInetAddress(w: Writer, a: InetAddress | null): void {
  if (!a) {
    w.u8(0);
    return;
  }
  w.u8(a.family === 4 ? 4 : 6).bytes(a.ip).u16(a.port);
}

export function readInetAddress(r: Reader, field = 'inetAddress'): InetAddress | null {
  const at = r.pos;
  const type = r.u8(field + '.type');
  switch (type) {
    case 0:
      return null;
    case 4: {
      const ip = r.bytes(4, field + '.ip').slice();
      return { family: 4, ip, port: r.u16(field + '.port') };
    }
    case 6: {
      const ip = r.bytes(16, field + '.ip').slice();
      return { family: 6, ip, port: r.u16(field + '.port') };
    }
    case 1:
    case 2:
      r.skip(6, field + '.reserved');
      return null;
    case 3: {
      const n = r.u16(field + '.length');
      r.skip(n, field + '.reserved');
      return null;
    }
    default:
      throw new DecodeError(field + '.type', at, 'bad_type');
  }
}

export function ipToString(a: InetAddress): string {
  if (a.family === 4) return Array.from(a.ip).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((a.ip[i] << 8) | a.ip[i + 1]);
  // RFC 5952: compress the longest run (length >= 2) of zero groups, first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hexes = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hexes.join(':');
  return hexes.slice(0, bestStart).join(':') + '::' + hexes.slice(bestStart + bestLen).join(':');
}

/** ZeroTier's "ip/port" text form. */
export function inetAddressToString(a: InetAddress): string {
  return `${ipToString(a)}/${a.port}`;
}

function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const ip = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^(0|[1-9]\d{0,2})$/.test(parts[i])) return null;
    const v = parseInt(parts[i], 10);
    if (v > 255) return null;
    ip[i] = v;
  }
  return ip;
}

function parseIpv6(s: string): Uint8Array | null {
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > 0) {
    // Embedded IPv4 in the last 32 bits (::ffff:1.2.3.4).
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return null;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    const prefix = text.slice(0, lastColon + 1);
    text = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !rest) return null;
  const explicit = head.length + rest.length + tail.length;
  let groups: number[];
  if (halves.length === 2) {
    if (explicit > 7) return null;
    groups = [...head, ...new Array<number>(8 - explicit).fill(0), ...rest, ...tail];
  } else {
    if (explicit !== 8) return null;
    groups = [...head, ...tail];
  }
  const ip = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    ip[i * 2] = groups[i] >> 8;
    ip[i * 2 + 1] = groups[i] & 0xff;
  }
  return ip;
}

/** Parses an IPv4 dotted quad or an IPv6 address (RFC 4291 text forms, no zone id). */
export function parseIp(s: string): { family: 4 | 6; ip: Uint8Array } | null {
  if (s.includes(':')) {
    const ip = parseIpv6(s);
    return ip ? { family: 6, ip } : null;
  }
  const ip = parseIpv4(s);
  return ip ? { family: 4, ip } : null;
}

/** Parse "ip/port" (ZeroTier text form). Returns null when malformed. */
export function parseInetAddress(s: string): InetAddress | null {
  const slash = s.lastIndexOf('/');
  if (slash < 0) return null;
  const ipPart = s.slice(0, slash);
  const portPart = s.slice(slash + 1);
  if (!/^\d{1,5}$/.test(portPart)) return null;
  const port = parseInt(portPart, 10);
  if (port > 65535) return null;
  const ip = parseIp(ipPart);
  if (!ip) return null;
  return { family: ip.family, ip: ip.ip, port };
}

/** Total order used when sorting endpoints: family, then address bytes, then port. */
export function compareInetAddress(a: InetAddress, b: InetAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  for (let i = 0; i < a.ip.length; i++) if (a.ip[i] !== b.ip[i]) return a.ip[i] - b.ip[i];
  return a.port - b.port;
}

export function inetAddressEquals(a: InetAddress | null, b: InetAddress | null): boolean {
  if (!a || !b) return a === b;
  return compareInetAddress(a, b) === 0;
}

/**
 * The order 1.14.1's InetAddress::operator< gives on little-endian hosts, which
 * `genmoon` uses to sort a root's endpoints: family (IPv4 first), then the port and the
 * IPv4 address compared as raw network-order fields read in host (little-endian) order,
 * IPv6 bytes by memcmp. Reproduced so our moons and planets match 1.14.1's byte for byte.
 */
export function compareInetAddressZt(a: InetAddress, b: InetAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  const swap = (p: number): number => ((p & 0xff) << 8) | (p >> 8);
  const pa = swap(a.port);
  const pb = swap(b.port);
  if (pa !== pb) return pa - pb;
  if (a.family === 4) {
    const le = (ip: Uint8Array): number => ((ip[3] << 24) >>> 0) + ((ip[2] << 16) | (ip[1] << 8) | ip[0]);
    return le(a.ip) - le(b.ip);
  }
  for (let i = 0; i < 16; i++) if (a.ip[i] !== b.ip[i]) return a.ip[i] - b.ip[i];
  return 0;
}

// The address arithmetic the Docker IPAM needs: IPv4 as 32-bit numbers, IPv6 as bigints, so
// that a range can be walked and an index turned into an address.
import { ipToString } from '../protocol/inet-address.js';
import type { IpPrefix } from '../net/ip/prefix.js';

export function ipToBigint(ip: Uint8Array): bigint {
  let v = 0n;
  for (const b of ip) v = (v << 8n) | BigInt(b);
  return v;
}

export function bigintToIp(v: bigint, bytes: 4 | 16): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function ipText(family: 4 | 6, ip: Uint8Array): string {
  return ipToString({ family, ip, port: 0 });
}

/** First and last address of a prefix, as numbers. */
export function prefixBounds(p: IpPrefix): { first: bigint; last: bigint } {
  const width = BigInt(p.family === 4 ? 32 : 128);
  const hostBits = width - BigInt(p.bits);
  const first = (ipToBigint(p.ip) >> hostBits) << hostBits;
  return { first, last: first + (1n << hostBits) - 1n };
}

/** Does `inner` lie wholly inside `outer`? */
export function prefixInside(inner: IpPrefix, outer: IpPrefix): boolean {
  if (inner.family !== outer.family || inner.bits < outer.bits) return false;
  const a = prefixBounds(inner);
  const b = prefixBounds(outer);
  return a.first >= b.first && a.last <= b.last;
}

export function prefixesOverlap(a: IpPrefix, b: IpPrefix): boolean {
  if (a.family !== b.family) return false;
  const x = prefixBounds(a);
  const y = prefixBounds(b);
  return x.first <= y.last && y.first <= x.last;
}

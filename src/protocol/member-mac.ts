// A member's Ethernet MAC on a network (spec 06 §8.3; 04 owns the normative text). Pure.
//
//   first octet = (N & 0xfe) | 0x02, replaced by 0x32 if that is 0x52 (KVM/libvirt's prefix)
//   MAC         = first << 40 | address40, then bytes 1…5 XOR bytes (N>>8, N>>16, N>>24,
//                 N>>32, N>>40) & 0xff respectively
//
// The XOR mask is its own inverse, so the address comes back from the MAC and the network
// id (addressFromMac), which is how ZeroTier maps a unicast destination MAC to a member.
// Example: address ebfd288bba on 15b70a629d1379c5 → c6:92:ee:b5:e9:b0.
// A MAC is a 48-bit number (STYLE §3); formatMac/parseMac are for display and config only.
import type { Address } from './address.js';

/** First MAC octet for a network: locally administered, unicast, from the id's low byte. */
export function firstOctetForNetwork(nwid: bigint): number {
  const a = (Number(nwid & 0xffn) & 0xfe) | 0x02;
  return a === 0x52 ? 0x32 : a;
}

/** The 40-bit mask: byte k of the low five MAC bytes (k = 1 most significant) gets N >> 8k. */
function mask40(nwid: bigint): number {
  let m = 0;
  for (let k = 1; k <= 5; k++) m = m * 256 + Number((nwid >> BigInt(8 * k)) & 0xffn);
  return m;
}

function xor40(a: number, b: number): number {
  // 40 bits do not fit JS bitwise operators; split at bit 32.
  const hi = (Math.floor(a / 2 ** 32) ^ Math.floor(b / 2 ** 32)) & 0xff;
  const lo = ((a >>> 0) ^ (b >>> 0)) >>> 0;
  return hi * 2 ** 32 + lo;
}

export function macForMember(nwid: bigint, address: Address): number {
  if (nwid !== cachedNwid) cacheNetwork(nwid);
  return cachedHigh + xor40(address, cachedMask);
}

/** The member address inside a MAC of this network (no check that the MAC is one). */
export function addressFromMac(mac: number, nwid: bigint): Address {
  if (nwid !== cachedNwid) cacheNetwork(nwid);
  return xor40(mac % 2 ** 40, cachedMask);
}

// Both run for every frame, nearly always for the same network; the BigInt arithmetic of
// the first octet and the mask is done once per network in a row, not per frame.
let cachedNwid: bigint | null = null;
let cachedHigh = 0;
let cachedMask = 0;

function cacheNetwork(nwid: bigint): void {
  cachedHigh = firstOctetForNetwork(nwid) * 2 ** 40;
  cachedMask = mask40(nwid);
  cachedNwid = nwid;
}

export function formatMac(mac: number): string {
  const hex = mac.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

/** `aa:bb:cc:dd:ee:ff` (colons or dashes) to a number; null if malformed. */
export function parseMac(s: string): number | null {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s)) return null;
  return parseInt(s.replace(/[:-]/g, ''), 16);
}

/** The 6 bytes of a MAC, big-endian, into `out` at `off`. */
export function writeMac(out: Uint8Array, off: number, mac: number): void {
  const hi = Math.floor(mac / 2 ** 32);
  out[off] = (hi >>> 8) & 0xff;
  out[off + 1] = hi & 0xff;
  out[off + 2] = (mac >>> 24) & 0xff;
  out[off + 3] = (mac >>> 16) & 0xff;
  out[off + 4] = (mac >>> 8) & 0xff;
  out[off + 5] = mac & 0xff;
}

export function readMac(buf: Uint8Array, off: number): number {
  return (buf[off] * 256 + buf[off + 1]) * 2 ** 32 + ((buf[off + 2] << 24) >>> 0) + ((buf[off + 3] << 16) | (buf[off + 4] << 8) | buf[off + 5]);
}

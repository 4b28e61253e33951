// The IPv6 addresses a network derives from a member's address (spec 04 §7.6):
// RFC4193 (fd ‖ network ID ‖ 99 93 ‖ address, /88) and 6PLANE
// (fc ‖ low 32 bits of N ^ N>>32 ‖ address ‖ 0…0 01, /40 for the network).
import type { Address } from './address.js';

export const RFC4193_PREFIX_BITS = 88;
export const SIXPLANE_PREFIX_BITS = 40;

function putAddress(out: Uint8Array, at: number, a: Address): void {
  out[at] = Math.floor(a / 0x100000000) & 0xff;
  out[at + 1] = (a >>> 24) & 0xff;
  out[at + 2] = (a >>> 16) & 0xff;
  out[at + 3] = (a >>> 8) & 0xff;
  out[at + 4] = a & 0xff;
}

export function rfc4193Ip(nwid: bigint, member: Address): Uint8Array {
  const ip = new Uint8Array(16);
  ip[0] = 0xfd;
  for (let i = 0; i < 8; i++) ip[1 + i] = Number((nwid >> BigInt(56 - 8 * i)) & 0xffn);
  ip[9] = 0x99;
  ip[10] = 0x93;
  putAddress(ip, 11, member);
  return ip;
}

export function sixPlaneIp(nwid: bigint, member: Address): Uint8Array {
  const h = Number((nwid ^ (nwid >> 32n)) & 0xffffffffn);
  const ip = new Uint8Array(16);
  ip[0] = 0xfc;
  ip[1] = h >>> 24;
  ip[2] = (h >>> 16) & 0xff;
  ip[3] = (h >>> 8) & 0xff;
  ip[4] = h & 0xff;
  putAddress(ip, 5, member);
  ip[15] = 0x01;
  return ip;
}

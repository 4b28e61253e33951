// Classification of a received UDP datagram (spec 02 §1, §8, §11), checked in this order:
//
//   | condition                             | kind       |
//   | length = 13                           | 'beacon'   (legacy LAN beacon, §11)          |
//   | length > 10 024                       | 'too_big'  (cannot be held, dropped)         |
//   | length > 16 and byte 13 = 0xff        | 'fragment' (piece 1…6 of a packet, §7)       |
//   | length ≥ 28                           | 'packet'   (whole packet or head, §3)        |
//   | anything else (junk, 14–27 bytes)     | 'ignore'   (dropped silently)                |
//
// Byte 13 is the first byte of a head's source address, and no address starts with 0xff.
// 1.14.1 has the same length limit for fragments and heads (both live in a
// 10 024-byte buffer), so 'too_big' applies to either.
import { readAddressAt, type Address } from './address.js';
import {
  BEACON_BYTES,
  FRAGMENT_IDX_INDICATOR,
  FRAGMENT_INDICATOR,
  MAX_PACKET_BYTES,
  MIN_FRAGMENT_BYTES,
  MIN_PACKET_BYTES,
} from './constants.js';

export type DatagramKind = 'beacon' | 'fragment' | 'packet' | 'ignore' | 'too_big';

export function classifyDatagram(d: Uint8Array): DatagramKind {
  const n = d.length;
  if (n === BEACON_BYTES) return 'beacon';
  if (n > MAX_PACKET_BYTES) return 'too_big';
  if (n >= MIN_FRAGMENT_BYTES && d[FRAGMENT_IDX_INDICATOR] === FRAGMENT_INDICATOR) return 'fragment';
  if (n >= MIN_PACKET_BYTES) return 'packet';
  return 'ignore';
}

/** The address a legacy beacon announces (bytes 8–12; bytes 0–7 are ignored, §11). */
export function beaconAddress(d: Uint8Array): Address {
  return readAddressAt(d, 8, 'beacon address');
}

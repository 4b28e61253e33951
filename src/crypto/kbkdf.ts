// HMAC-SHA-384 key derivation (NIST SP 800-108 counter style, ZeroTier's fixed message) —
// spec 01 §9.1. Derives the AES-GMAC-SIV keys K0/K1 from the 48-byte peer key.
//
//   13-byte HMAC message:
//   | offset | size | value                                   |
//   | 0      | 4    | iteration, big-endian: 00 00 00 00      |
//   | 4      | 2    | 'Z' 'T' (5a 54)                         |
//   | 6      | 1    | label: 0x30 ('0') for K0, 0x31 ('1') K1 |
//   | 7      | 1    | 00                                      |
//   | 8      | 1    | context: 00                             |
//   | 9      | 4    | output bits, big-endian: 00 00 01 80    |
import { createHmac } from 'node:crypto';

export const KBKDF_LABEL_AES_GMAC_SIV_K0 = 0x30;
export const KBKDF_LABEL_AES_GMAC_SIV_K1 = 0x31;

/** HMAC-SHA-384(key48, message above) — 48 bytes; AES-256 uses the first 32. */
export function kbkdfSha384(key48: Uint8Array, label: number): Uint8Array {
  if (key48.length !== 48) throw new RangeError(`KBKDF key must be 48 bytes, got ${key48.length}`);
  const msg = new Uint8Array([0, 0, 0, 0, 0x5a, 0x54, label & 0xff, 0, 0, 0, 0, 0x01, 0x80]);
  const mac = createHmac('sha384', key48).update(msg).digest();
  return new Uint8Array(mac.buffer, mac.byteOffset, mac.length);
}

// Matchers of the rules engine that only compare a rule with frame bytes (spec 04 §6.3):
// IPv4/IPv6 prefixes as InetAddress::containsAddress does them in 1.14.1, and
// MATCH_INTEGER_RANGE. 64-bit values are handled as (hi, lo) u32 pairs so nothing
// allocates.
import { RULE_INTEGER_FORMAT_LITTLE_ENDIAN, type Rule } from '../protocol/rules/rule.js';

const TWO_32 = 0x100000000;

function u32At(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/** InetAddress::containsAddress for IPv4; bits > 32 shift like x86 does (1.14.1 leaves it undefined). */
export function ipv4Contains(rule: Rule, payload: Uint8Array, off: number): boolean {
  const bits = rule.bits;
  if (bits === 0) return true;
  const shift = 32 - bits; // >>> uses the low 5 bits, as x86's shr does
  return u32At(payload, off) >>> shift === u32At(rule.ip, 0) >>> shift;
}

/**
 * (address AND netmask(bits)) = rule IP, byte by byte; the rule IP is not masked. Prefixes
 * over 128 get the mask x86-64 computes for 1.14.1's undefined shift: 128 − ((128 − bits) mod 64).
 */
export function ipv6Contains(rule: Rule, payload: Uint8Array, off: number): boolean {
  const bits = rule.bits <= 128 ? rule.bits : 128 - ((128 - rule.bits) & 63);
  const ip = rule.ip;
  for (let i = 0; i < 16; i++) {
    const n = bits - i * 8;
    const m = n >= 8 ? 0xff : n <= 0 ? 0 : (0xff << (8 - n)) & 0xff;
    if ((payload[off + i] & m) !== ip[i]) return false;
  }
  return true;
}

/** The SENDER_IP/MAC_AUTHENTICATED bits (upper word) for this frame. */
/** 64-bit a ≤ b on (hi, lo) u32 pairs. */
function lessOrEqual(aHi: number, aLo: number, bHi: number, bLo: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo <= bLo);
}

export function integerRangeMatches(rule: Rule, p: Uint8Array): boolean {
  const bits = (rule.format & 63) + 1;
  const bytes = (bits + 7) >>> 3;
  let hi = 0;
  let lo = 0;
  if ((rule.format & RULE_INTEGER_FORMAT_LITTLE_ENDIAN) === 0) {
    // Big-endian: 1.14.1 starts at index + 8 − bytes (sic) and keeps the low `bits` bits.
    let idx = rule.index + (8 - bytes);
    const eof = idx + bytes;
    if (eof <= p.length) {
      while (idx < eof) {
        hi = ((hi << 8) | (lo >>> 24)) >>> 0;
        lo = ((lo << 8) | p[idx++]) >>> 0;
      }
    }
    if (bits <= 32) {
      hi = 0;
      if (bits < 32) lo = (lo & ((1 << bits) - 1)) >>> 0;
    } else if (bits < 64) {
      hi = (hi & ((1 << (bits - 32)) - 1)) >>> 0;
    }
  } else {
    // Little-endian: the value of `bytes` bytes at index, shifted right to its top `bits` bits.
    const idx = rule.index;
    if (idx + bytes <= p.length) {
      for (let i = 0; i < bytes; i++) {
        const b = p[idx + i];
        if (i < 4) lo = (lo | (b << (8 * i))) >>> 0;
        else hi = (hi | (b << (8 * (i - 4)))) >>> 0;
      }
      const s = bytes * 8 - bits; // 0–7
      if (s > 0) {
        lo = ((lo >>> s) | (hi << (32 - s))) >>> 0;
        hi = hi >>> s;
      }
    }
  }
  const sHi = rule.startHi >>> 0;
  const sLo = rule.startLo >>> 0;
  let eLo = sLo + (rule.span >>> 0);
  let eHi = sHi;
  if (eLo >= TWO_32) {
    eLo -= TWO_32;
    eHi = (eHi + 1) >>> 0; // wraps at 2^64 like the C++ sum
  }
  return lessOrEqual(sHi, sLo, hi, lo) && lessOrEqual(hi, lo, eHi, eLo);
}

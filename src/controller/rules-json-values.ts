// How 1.14.1's controller reads loosely typed JSON values (osdep/OSUtils.cpp jsonInt,
// jsonBool, jsonString; Utils::strToU64 / hexStrToU64, i.e. C strtoull), spec 05 §6.5.
// It never rejects a wrongly typed value, it coerces; so do these. Strings are taken as the
// C string 1.14.1 hands to strtoull: UTF-8, cut at the first NUL.
//
// (Kept to what the rule converter needs; a controller-wide reader may supersede it.)

const U64_MAX = 0xffffffffffffffffn;
const ENCODER = new TextEncoder();

/** The bytes C code sees for a JSON string: UTF-8 up to the first NUL. */
export function cString(s: string): Uint8Array {
  const b = ENCODER.encode(s);
  const nul = b.indexOf(0);
  return nul < 0 ? b : b.subarray(0, nul);
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x7a) return l - 0x61 + 10;
  return 99;
}

/** C strtoull(s, NULL, base): blanks, a sign, 0x for base 16, digits; overflow gives U64_MAX. */
export function strtoull(s: string, base: 10 | 16): bigint {
  const b = cString(s);
  let i = 0;
  while (i < b.length && (b[i] === 0x20 || (b[i] >= 0x09 && b[i] <= 0x0d))) i++;
  let negative = false;
  if (b[i] === 0x2b || b[i] === 0x2d) negative = b[i++] === 0x2d;
  if (base === 16 && b[i] === 0x30 && (b[i + 1] | 0x20) === 0x78 && digitValue(b[i + 2]) < 16) i += 2;
  let x = 0n;
  const bigBase = BigInt(base);
  for (; i < b.length; i++) {
    const d = digitValue(b[i]);
    if (d >= base) break;
    x = x * bigBase + BigInt(d);
    if (x > U64_MAX) return U64_MAX;
  }
  return negative ? BigInt.asUintN(64, -x) : x;
}

/** A JSON number as C's (uint64_t) cast gives it: truncated, wrapped to 64 bits. */
export function numberToU64(n: number): bigint {
  if (!Number.isFinite(n)) return 0n;
  return BigInt.asUintN(64, BigInt(Math.trunc(n)));
}

/** OSUtils::jsonInt: "as integer". */
export function jsonInt(v: unknown, dfl: bigint): bigint {
  if (typeof v === 'number') return numberToU64(v);
  if (typeof v === 'string') return strtoull(v, 10);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return dfl;
}

/** OSUtils::jsonBool: "as bool". */
export function jsonBool(v: unknown, dfl: boolean): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return numberToU64(v) > 0n;
  if (typeof v === 'string') return v.length > 0 && (v[0] === 't' || v[0] === 'T' || v[0] === '1');
  return dfl;
}

/** OSUtils::jsonString: "as string". */
export function jsonString(v: unknown, dfl: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToU64(v).toString(10);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return dfl;
}

/** A u64 masked to `bits` bits, as a number (bits ≤ 48). */
export function masked(v: bigint, bits: number): number {
  return Number(BigInt.asUintN(bits, v));
}

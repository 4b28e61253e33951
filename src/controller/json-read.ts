// How 1.14.1's controller reads and writes its JSON (spec 05 §6.5, §7.2): values are never
// rejected for their type but coerced "as bool / integer / string / hex" the way
// osdep/OSUtils.cpp does, and objects are printed compact with byte-wise sorted keys.
//
// Numbers: nlohmann converts a JSON number to uint64 by truncating toward zero and
// wrapping negatives modulo 2^64 (-1 → 18446744073709551615). The exact value is kept as a
// bigint here; callers that store it get a JS number, exact up to 2^53 (see asInt).

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

const U64 = 1n << 64n;
const U64_MAX = U64 - 1n;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON number as nlohmann's `(uint64_t)jv`: truncated toward zero, wrapped modulo 2^64. */
export function numberToU64(n: number): bigint {
  if (!Number.isFinite(n)) return 0n;
  const t = BigInt(Math.trunc(n));
  return ((t % U64) + U64) % U64;
}

/** C strtoull(s, 0, base) for base 10 or 16: blanks, a sign, "0x" (base 16), saturation at 2^64-1. */
export function strtoull(s: string, base: 10 | 16): bigint {
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i])) i++;
  let negative = false;
  if (s[i] === '+' || s[i] === '-') {
    negative = s[i] === '-';
    i++;
  }
  const digit = base === 16 ? /[0-9a-fA-F]/ : /[0-9]/;
  if (base === 16 && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && digit.test(s[i + 2] ?? '')) i += 2;
  let v = 0n;
  let overflow = false;
  const b = BigInt(base);
  for (; i < s.length && digit.test(s[i]); i++) {
    v = v * b + BigInt(parseInt(s[i], base));
    if (v > U64_MAX) overflow = true;
  }
  if (overflow) return U64_MAX;
  return negative && v !== 0n ? U64 - v : v;
}

/** OSUtils::jsonInt: the exact unsigned 64-bit value, or dfl for null/object/array/absent. */
export function asU64(v: Json | undefined, dfl: bigint): bigint {
  if (typeof v === 'number') return numberToU64(v);
  if (typeof v === 'string') return strtoull(v, 10);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return dfl;
}

/**
 * "As an integer" (OSUtils::jsonInt) as a JS number. Values above 2^53 lose precision
 * (1.14.1 keeps 64 bits); callers that mask use asU64 instead.
 */
export function asInt(v: Json | undefined, dfl: number): number {
  return Number(asU64(v, BigInt(dfl)));
}

/** "As an integer" then the low 32 bits, as 1.14.1 does for capability and tag ids and values. */
export function asU32(v: Json | undefined, dfl: number): number {
  return Number(asU64(v, BigInt(dfl)) & 0xffffffffn);
}

/** OSUtils::jsonIntHex: like asU64 but strings are read in base 16. */
export function asHex(v: Json | undefined, dfl: bigint): bigint {
  if (typeof v === 'string') return strtoull(v, 16);
  return asU64(v, dfl);
}

/** OSUtils::jsonBool: numbers are true when non-zero as uint64, strings when they start with t/T/1. */
export function asBool(v: Json | undefined, dfl: boolean): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return numberToU64(v) > 0n;
  if (typeof v === 'string') return v.length > 0 && 'tT1'.includes(v[0]);
  return dfl;
}

/** OSUtils::jsonString: numbers print as their uint64 value, booleans as "1"/"0". */
export function asString(v: Json | undefined, dfl: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToU64(v).toString(10);
  if (typeof v === 'boolean') return v ? '1' : '0';
  return dfl;
}

/** nlohmann's operator== (objects compare as maps, so key order never matters). */
export function jsonEquals(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEquals(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEquals(a[k], b[k]));
  }
  return false;
}

/** A deep copy (records are plain JSON; copies keep callers from sharing mutable state). */
export function cloneJson<T extends Json>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T;
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) out[k] = cloneJson(v[k]);
    return out as T;
  }
  return v;
}

/** Code-point order, which is UTF-8 byte order: how std::map<std::string> sorts the keys. */
export function compareKeys(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

/**
 * nlohmann's compact dump: no spaces, keys sorted byte-wise. JSON.stringify alone would
 * put integer-like keys ("1234567890") first, which 1.14.1 does not.
 */
export function dumpJson(v: Json): string {
  if (Array.isArray(v)) return `[${v.map((x) => dumpJson(x)).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort(compareKeys);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${dumpJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

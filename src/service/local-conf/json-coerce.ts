// local.conf values read as 1.14.1 reads them (06 §3.1), except that a value no coercion can
// make sense of is an operator error naming the field instead of a silent default:
// booleans take true/false, numbers (> 0 = true) and strings (first character t, T or 1 =
// true); integers take numbers, decimal strings and booleans; strings take numbers and
// booleans ("1"/"0"). null counts as absent, as nlohmann's type checks make it.
import { ConfigError } from '../../util/errors.js';

/** "an object", "string \"x\"" …: what was found, for the error sentence. */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'bigint') return v.toString();
  return typeof v === 'object' ? 'an object' : JSON.stringify(v);
}

export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 1.14.1's jsonBool; `field` names the value in the error ("local.conf: settings.forceTcpRelay"). */
export function coerceBool(v: unknown, dflt: boolean, field: string): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v > 0;
  if (typeof v === 'bigint') return v > 0n;
  if (typeof v === 'string') return v.length > 0 && 'tT1'.includes(v[0]);
  throw new ConfigError(`${field} must be a boolean, got ${describeJson(v)}`);
}

/**
 * 1.14.1's jsonInt within [min, max]: a decimal string counts, a boolean is 0/1. A number
 * with a fraction, a string that is not digits, or a value out of range is refused.
 */
export function coerceInt(v: unknown, dflt: number, field: string, min: number, max: number): number {
  if (v === undefined || v === null) return dflt;
  let n: number | null = null;
  if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else if (typeof v === 'bigint') n = v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  else if (typeof v === 'string' && /^\s*\d{1,16}\s*$/.test(v)) n = Number(v.trim());
  else if (typeof v === 'boolean') n = v ? 1 : 0;
  if (n === null || n < min || n > max) throw new ConfigError(`${field} must be an integer ${min}-${max}, got ${describeJson(v)}`);
  return n;
}

/** An unsigned 64-bit value (trustedPathId) as 1.14.1's jsonInt reads it. */
export function coerceU64(v: unknown, field: string): bigint {
  if (v === undefined || v === null) return 0n;
  let n: bigint | null = null;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^\s*\d{1,20}\s*$/.test(v)) n = BigInt(v.trim());
  if (n === null || n < 0n || n > 0xffffffffffffffffn) throw new ConfigError(`${field} must be an unsigned 64-bit integer, got ${describeJson(v)}`);
  return n;
}

/** 1.14.1's jsonString: numbers print as decimal, booleans as "1"/"0". */
export function coerceString(v: unknown, dflt: string, field: string): string {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  if (typeof v === 'bigint' && v >= 0n) return v.toString();
  if (typeof v === 'boolean') return v ? '1' : '0';
  throw new ConfigError(`${field} must be a string, got ${describeJson(v)}`);
}

/** An array of strings (each coerced); absent is []. */
export function coerceStringList(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigError(`${field} must be an array of strings, got ${describeJson(v)}`);
  return v.map((x, i) => coerceString(x, '', `${field}[${i}]`));
}

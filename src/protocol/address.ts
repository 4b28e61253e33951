// ZeroTier addresses (spec 01 §2): 40-bit unsigned integers, 5 bytes big-endian on the
// wire, 10 lower-case hex digits in text. Held as a plain number (40 bits fit exactly).
import { DecodeError } from '../util/errors.js';

export type Address = number;

export const ADDRESS_BYTES = 5;
export const ADDRESS_MAX = 0xffffffffff;
/** First byte that marks a fragment on the wire; no real address starts with it. */
export const ADDRESS_RESERVED_PREFIX = 0xff;

export function isReservedAddress(a: Address): boolean {
  return a === 0 || Math.floor(a / 0x100000000) === ADDRESS_RESERVED_PREFIX;
}

export function addressToString(a: Address): string {
  return a.toString(16).padStart(10, '0');
}

/**
 * Text to address with C strtoull semantics as 1.14.1 uses them: leading blanks and an
 * optional 0x are accepted, parsing stops at the first non-hex character, and the value
 * is masked to 40 bits. Returns 0 ("no address") when no digit is found.
 */
export function parseAddressLenient(s: string): Address {
  const m = /^[ \t\n\r\f\v]*(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]*)/.exec(s);
  const digits = m ? m[1] : '';
  if (!digits) return 0;
  return Number(BigInt('0x' + digits) & 0xffffffffffn);
}

/** Strict: exactly 10 hex digits. Used for operator input where ambiguity would hurt. */
export function parseAddress(s: string): Address | null {
  if (!/^[0-9a-fA-F]{10}$/.test(s)) return null;
  return parseInt(s, 16);
}

export function readAddressAt(buf: Uint8Array, off: number, field = 'address'): Address {
  if (off < 0 || off + 5 > buf.length) throw new DecodeError(field, off);
  return buf[off] * 0x100000000 + (((buf[off + 1] << 24) >>> 0) + ((buf[off + 2] << 16) | (buf[off + 3] << 8) | buf[off + 4]));
}

export function writeAddressAt(buf: Uint8Array, off: number, a: Address): void {
  buf[off] = Math.floor(a / 0x100000000) & 0xff;
  const lo = a >>> 0;
  buf[off + 1] = (lo >>> 24) & 0xff;
  buf[off + 2] = (lo >>> 16) & 0xff;
  buf[off + 3] = (lo >>> 8) & 0xff;
  buf[off + 4] = lo & 0xff;
}

// Hex helpers. ZeroTier writes lower case, fixed width.

const HEX_DIGITS = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    s += HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15];
  }
  return s;
}

/** Strict: even length, hex digits only. Returns null on anything else. */
export function fromHexStrict(s: string): Uint8Array | null {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

/** For test data and constants: throws on malformed input. Whitespace is ignored. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = fromHexStrict(clean);
  if (!out) throw new Error(`not a hex string: ${s.slice(0, 40)}`);
  return out;
}

/** Fixed-width lower-case hex of a non-negative integer (number or bigint). */
export function hexPad(v: number | bigint, digits: number): string {
  return v.toString(16).padStart(digits, '0');
}

// Node identities, type 0 (spec 01 §3, §4): an address plus a 64-byte public key
// (X25519 ‖ Ed25519), optionally with the 64-byte private key (X25519 ‖ Ed25519 seed).
//
// Binary form (01 §4.2):
//   0   5  address
//   5   1  type (0)
//   6  64  public key
//  70   1  private key length (0 or 64)
//  71  0/64 private key
//
// String form (01 §4.1): addr:0:pub[:priv], lower-case hex, no trailing newline.
// Proof of work, validation and key agreement live in identity-crypto.ts so that
// codecs stay free of crypto.
import { DecodeError } from '../util/errors.js';
import { toHex } from '../util/hex.js';
import { bytesEqual, compareBytes } from '../util/bytes.js';
import { ADDRESS_MAX, addressToString, isReservedAddress, parseAddressLenient, type Address } from './address.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

export const IDENTITY_TYPE_C25519 = 0;
export const PUBLIC_KEY_BYTES = 64;
export const PRIVATE_KEY_BYTES = 64;
export const IDENTITY_PUBLIC_BINARY_BYTES = 71;
export const IDENTITY_STRING_MAX_CHARS = 383;

export class Identity {
  readonly address: Address;
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array | null;

  constructor(address: Address, publicKey: Uint8Array, privateKey: Uint8Array | null = null) {
    if (!Number.isInteger(address) || address < 0 || address > ADDRESS_MAX) throw new RangeError(`address must be a 40-bit unsigned integer, got ${address}`);
    if (publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError('public key must be 64 bytes');
    if (privateKey && privateKey.length !== PRIVATE_KEY_BYTES) throw new RangeError('private key must be 64 bytes');
    this.address = address;
    this.publicKey = publicKey;
    this.privateKey = privateKey;
  }

  get hasPrivate(): boolean {
    return this.privateKey !== null;
  }

  /** The same identity without its private key. */
  toPublic(): Identity {
    return this.privateKey ? new Identity(this.address, this.publicKey) : this;
  }

  /** addr:0:pub, or addr:0:pub:priv when includePrivate and a private key is held. */
  toString(includePrivate = false): string {
    let s = `${addressToString(this.address)}:0:${toHex(this.publicKey)}`;
    if (includePrivate && this.privateKey) s += `:${toHex(this.privateKey)}`;
    return s;
  }

  /** Equal when address and public key are equal (01 §4.3). */
  equals(o: Identity): boolean {
    return this.address === o.address && bytesEqual(this.publicKey, o.publicKey);
  }

  /** Order used to sort a world's roots: address, then public key bytes. */
  static compare(a: Identity, b: Identity): number {
    if (a.address !== b.address) return a.address < b.address ? -1 : 1;
    return compareBytes(a.publicKey, b.publicKey);
  }

  static binarySize(id: Identity, includePrivate = false): number {
    return includePrivate && id.privateKey ? 135 : 71;
  }

  encode(w: Writer, includePrivate = false): void {
    w.u40(this.address).u8(IDENTITY_TYPE_C25519).bytes(this.publicKey);
    if (includePrivate && this.privateKey) w.u8(PRIVATE_KEY_BYTES).bytes(this.privateKey);
    else w.u8(0);
  }

  /**
   * Reads the binary form. A type other than 0 or a private length other than 0/64 makes
   * the enclosing structure undecodable (its length is unknown), so it throws.
   */
  static decode(r: Reader, field = 'identity'): Identity {
    const address = r.u40(field + '.address');
    const typeAt = r.pos;
    const type = r.u8(field + '.type');
    if (type !== IDENTITY_TYPE_C25519) throw new DecodeError(field + '.type', typeAt, 'unsupported_type');
    const pub = r.bytes(PUBLIC_KEY_BYTES, field + '.publicKey').slice();
    const lenAt = r.pos;
    const privLen = r.u8(field + '.privateKeyLength');
    let priv: Uint8Array | null = null;
    if (privLen === PRIVATE_KEY_BYTES) priv = r.bytes(PRIVATE_KEY_BYTES, field + '.privateKey').slice();
    else if (privLen !== 0) throw new DecodeError(field + '.privateKeyLength', lenAt, 'bad_length');
    return new Identity(address, pub, priv);
  }

  /**
   * Parses the string form with 1.14.1's reader rules (01 §4.1): at most 383 characters,
   * empty fields skipped, type "0", keys of at least 128 hex characters (extra ignored,
   * so a trailing newline is harmless). Stricter than 1.14.1 in one way: non-hex key
   * characters are rejected instead of read as 0. Does not check the proof of work.
   */
  static fromString(s: string): Identity {
    if (s.length > IDENTITY_STRING_MAX_CHARS) throw new DecodeError('identity', 0, 'too_long');
    const fields = s.split(':').filter((f) => f.length > 0);
    if (fields.length < 3) throw new DecodeError('identity', 0, 'too_few_fields');
    if (fields.length > 4) throw new DecodeError('identity', 0, 'too_many_fields');
    const address = parseAddressLenient(fields[0]);
    if (isReservedAddress(address)) throw new DecodeError('identity.address', 0, 'reserved_address');
    if (fields[1] !== '0') throw new DecodeError('identity.type', 1, 'unsupported_type');
    const pub = parseKeyField(fields[2], 'identity.publicKey');
    const priv = fields.length === 4 ? parseKeyField(fields[3], 'identity.privateKey') : null;
    return new Identity(address, pub, priv);
  }
}

function parseKeyField(f: string, field: string): Uint8Array {
  if (f.length < 128) throw new DecodeError(field, 0, 'too_short');
  const h = f.slice(0, 128);
  if (!/^[0-9a-fA-F]{128}$/.test(h)) throw new DecodeError(field, 0, 'not_hex');
  const out = new Uint8Array(64);
  for (let i = 0; i < 64; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

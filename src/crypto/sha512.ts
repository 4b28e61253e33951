// SHA-512 (FIPS 180-4) via libsodium — spec 01 §1. Used by the memory-hard hash (§5.1),
// key agreement (§6.1) and the 96-byte signature format (§7).
import sodium from 'sodium-native';

/** SHA-512 of `msg` into `out` (exactly 64 bytes, caller-owned). */
export function sha512Into(out: Uint8Array, msg: Uint8Array): void {
  if (out.length !== 64) throw new RangeError(`SHA-512 output must be 64 bytes, got ${out.length}`);
  sodium.crypto_hash_sha512(out, msg);
}

/** SHA-512 of `msg` as a fresh 64-byte array. */
export function sha512(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  sodium.crypto_hash_sha512(out, msg);
  return out;
}

// Poly1305 one-time authenticator via libsodium crypto_onetimeauth — spec 01 §8.2.
// ZeroTier keeps only the first 8 bytes of the tag (02 §5.2); this returns all 16 so the
// packet layer decides what to keep.
import sodium from 'sodium-native';

/**
 * out16 = Poly1305(key32, msg). `out16` must be exactly 16 bytes and `key32` exactly 32
 * (views are fine). The key must never be reused; armor takes it from fresh keystream.
 */
export function poly1305(out16: Uint8Array, msg: Uint8Array, key32: Uint8Array): void {
  if (out16.length !== 16) throw new RangeError(`Poly1305 tag buffer must be 16 bytes, got ${out16.length}`);
  if (key32.length !== 32) throw new RangeError(`Poly1305 key must be 32 bytes, got ${key32.length}`);
  sodium.crypto_onetimeauth(out16, msg, key32);
}

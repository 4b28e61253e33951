// Cryptographically secure random bytes (libsodium randombytes_buf), for the edges only:
// CLI and service. Code under src/protocol and src/node never calls this; it receives
// randomness from its host (STYLE §1) so simulations can be seeded.
import sodium from 'sodium-native';

export function secureRandomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  if (n > 0) sodium.randombytes_buf(out);
  return out;
}

/** Fills a caller-owned buffer; matches NodeHost.random(into). */
export function secureRandomFill(into: Uint8Array): void {
  if (into.length > 0) sodium.randombytes_buf(into);
}

/** A uniformly random integer in [0, n), without modulo bias (libsodium randombytes_uniform). */
export function secureRandomInt(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError(`secureRandomInt bound must be 1..2^32-1, got ${n}`);
  return sodium.randombytes_uniform(n);
}

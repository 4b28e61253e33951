// SHA-384 (FIPS 180-4) via node:crypto. ZeroTier uses it for Identity::publicKeyHash,
// which binds a certificate of membership to its holder's identity (spec 04 §5.2).
import { createHash } from 'node:crypto';

/** SHA-384 of the concatenation of `parts` as a fresh 48-byte array. */
export function sha384(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha384');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

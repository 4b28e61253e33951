// Proof of work, validation and generation of type-0 identities (spec 01 §5), and the
// per-peer key agreement (01 §6). Costly (the memory-hard hash takes tens of ms): the
// service runs generation outside the core, and the node validates only new identities.
import { memoryHardHash } from '../crypto/memory-hard-hash.js';
import { agree, ed25519PublicFromSeed, x25519Public } from '../crypto/c25519.js';
import { bytesEqual } from '../util/bytes.js';
import { isReservedAddress, type Address } from './address.js';
import { Identity } from './identity.js';

/** First digest byte must be below this for the public key to be acceptable (01 §5.2). */
export const IDENTITY_HASHCASH_FIRST_BYTE_LESS_THAN = 17;

/** The address a public key proves, or null when the proof-of-work criterion fails. */
export function addressFromPublicKey(publicKey: Uint8Array): Address | null {
  const d = memoryHardHash(publicKey);
  if (d[0] >= IDENTITY_HASHCASH_FIRST_BYTE_LESS_THAN) return null;
  return d[59] * 0x100000000 + (((d[60] << 24) >>> 0) + ((d[61] << 16) | (d[62] << 8) | d[63]));
}

/** "Locally validate" (01 §5.3): the address is not reserved and is proved by the key. */
export function validateIdentity(id: Identity): boolean {
  if (isReservedAddress(id.address)) return false;
  return addressFromPublicKey(id.publicKey) === id.address;
}

/** For a secret identity: do both public halves derive from the private halves (01 §3)? */
export function keysMatch(id: Identity): boolean {
  if (!id.privateKey) return false;
  const pk = id.privateKey;
  return (
    bytesEqual(x25519Public(pk.subarray(0, 32)), id.publicKey.subarray(0, 32)) &&
    bytesEqual(ed25519PublicFromSeed(pk.subarray(32, 64)), id.publicKey.subarray(32, 64))
  );
}

/**
 * Generates a new identity (01 §5.4). The Ed25519 half is drawn once; each attempt draws
 * a fresh X25519 private half (allowed by §5.4) until the hash criterion holds and the
 * address is not reserved. `random(n)` must be cryptographically secure outside tests.
 */
export function generateIdentity(random: (n: number) => Uint8Array): Identity {
  for (;;) {
    const seed = random(32);
    const edPublic = ed25519PublicFromSeed(seed);
    for (;;) {
      const xPriv = random(32);
      const publicKey = new Uint8Array(64);
      publicKey.set(x25519Public(xPriv), 0);
      publicKey.set(edPublic, 32);
      const address = addressFromPublicKey(publicKey);
      if (address === null) continue;
      if (isReservedAddress(address)) break; // start over with new keys, as §5.4 says
      const privateKey = new Uint8Array(64);
      privateKey.set(xPriv, 0);
      privateKey.set(seed, 32);
      return new Identity(address, publicKey, privateKey);
    }
  }
}

/** The 48-byte key shared with a peer (01 §6.1). */
export function agreeWith(local: Identity, remote: Identity): Uint8Array {
  if (!local.privateKey) throw new RangeError('key agreement needs the local private key');
  return agree(local.privateKey, remote.publicKey);
}

// ZeroTier "C25519" keys: X25519 for agreement ‖ Ed25519 for signatures — spec 01 §3, §6.1, §7.
//
//   | bytes | public key (64)          | private key (64)                          |
//   | 0–31  | X25519 public (u-coord)  | X25519 private, stored unclamped          |
//   | 32–63 | Ed25519 public A         | Ed25519 seed (NOT libsodium's sk layout)  |
//
// libsodium's 64-byte Ed25519 secret key is seed ‖ public, i.e. priv[32..64] ‖ pub[32..64];
// never hand ZeroTier's private key to crypto_sign_detached directly (01 §12 trap 1).
//
// Signature (96 bytes, §7): d = SHA-512(m)[0..32]; sig = Ed25519-Sign(seed, d) ‖ d.
// Peer key (§6.1): K = SHA-512(X25519(priv[0..32], pub[0..32]))[0..48].
import sodium from 'sodium-native';
import { AuthError } from '../util/errors.js';
import { constantTimeEqual } from '../util/bytes.js';
import { sha512Into } from './sha512.js';

export const C25519_PUBLIC_KEY_BYTES = 64;
export const C25519_PRIVATE_KEY_BYTES = 64;
export const C25519_SIGNATURE_BYTES = 96;
export const PEER_KEY_BYTES = 48;

function need(what: string, b: Uint8Array, n: number): void {
  if (b.length !== n) throw new RangeError(`${what} must be ${n} bytes, got ${b.length}`);
}

/** X25519 public key of a 32-byte private scalar (clamped internally, RFC 7748). */
export function x25519Public(priv32: Uint8Array): Uint8Array {
  need('X25519 private key', priv32, 32);
  const out = new Uint8Array(32);
  sodium.crypto_scalarmult_base(out, priv32);
  return out;
}

/** Ed25519 public key A of a 32-byte RFC 8032 seed. */
export function ed25519PublicFromSeed(seed32: Uint8Array): Uint8Array {
  need('Ed25519 seed', seed32, 32);
  const pk = new Uint8Array(32);
  const sk = new Uint8Array(64);
  sodium.crypto_sign_seed_keypair(pk, sk, seed32);
  sk.fill(0);
  return pk;
}

/** The 64-byte public key belonging to a 64-byte ZeroTier private key. */
export function publicFromPrivate(priv64: Uint8Array): Uint8Array {
  need('C25519 private key', priv64, 64);
  const pub = new Uint8Array(64);
  pub.set(x25519Public(priv64.subarray(0, 32)), 0);
  pub.set(ed25519PublicFromSeed(priv64.subarray(32, 64)), 32);
  return pub;
}

/**
 * A fresh key pair from 64 bytes of `random` (the caller supplies randomness: this module
 * is pure). Does not search for a valid address; identity generation (01 §5.4) loops on top.
 */
export function generateC25519KeyPair(random: (n: number) => Uint8Array): { publicKey: Uint8Array; privateKey: Uint8Array } {
  const r = random(64);
  need('random output', r, 64);
  const privateKey = Uint8Array.from(r);
  return { publicKey: publicFromPrivate(privateKey), privateKey };
}

/**
 * The 48-byte peer key K of 01 §6.1; symmetric (A with B's public = B with A's public).
 * Throws AuthError when X25519 yields all zeros (low-order remote key): libsodium refuses
 * that case and honest identities never produce it, so callers treat it as an invalid peer.
 */
export function agree(localPriv64: Uint8Array, remotePub64: Uint8Array): Uint8Array {
  need('C25519 private key', localPriv64, 64);
  need('C25519 public key', remotePub64, 64);
  const shared = new Uint8Array(32);
  try {
    sodium.crypto_scalarmult(shared, localPriv64.subarray(0, 32), remotePub64.subarray(0, 32));
  } catch (cause) {
    throw new AuthError('X25519 key agreement (low-order public key)', { cause });
  }
  const h = new Uint8Array(64);
  sha512Into(h, shared);
  shared.fill(0);
  const key = h.slice(0, PEER_KEY_BYTES);
  h.fill(0);
  return key;
}

/**
 * The 96-byte ZeroTier signature of `msg` (01 §7.1). `pub64` must be the public key of
 * `priv64`: libsodium hashes the public half into the nonce, so a wrong one gives a
 * signature nobody accepts.
 */
export function sign(priv64: Uint8Array, pub64: Uint8Array, msg: Uint8Array): Uint8Array {
  need('C25519 private key', priv64, 64);
  need('C25519 public key', pub64, 64);
  const h = new Uint8Array(64);
  sha512Into(h, msg);
  const out = new Uint8Array(C25519_SIGNATURE_BYTES);
  out.set(h.subarray(0, 32), 64);
  const sk = new Uint8Array(64);
  sk.set(priv64.subarray(32, 64), 0);
  sk.set(pub64.subarray(32, 64), 32);
  sodium.crypto_sign_detached(out.subarray(0, 64), out.subarray(64, 96), sk);
  sk.fill(0);
  return out;
}

/**
 * Checks a 96-byte signature over `msg` against a 64-byte public key (01 §7.2). False for
 * any other signature length, a digest mismatch (compared in constant time) or a bad
 * Ed25519 signature. libsodium's verifier is stricter than 1.14.1's SUPERCOP one; only
 * deliberately malformed signatures see the difference (§7.2).
 */
export function verify(pub64: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== C25519_SIGNATURE_BYTES || pub64.length !== C25519_PUBLIC_KEY_BYTES) return false;
  const h = new Uint8Array(64);
  sha512Into(h, msg);
  const d = h.subarray(0, 32);
  if (!constantTimeEqual(d, sig.subarray(64, 96))) return false;
  return sodium.crypto_sign_verify_detached(sig.subarray(0, 64), d, pub64.subarray(32, 64));
}

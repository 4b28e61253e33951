// Revocation (spec 04 §5.6; 1.14.1 node/Revocation.*): the controller withdraws a
// member's credentials of one type and ID up to a time.
//
//   size  field
//   4     reserved (read and ignored; written as 0)
//   4     revocation ID
//   8     network ID
//   4     reserved (read and ignored; written as 0)
//   4     ID of the revoked credential
//   8     threshold (int64 ms): credentials with timestamp ≤ threshold are revoked
//   8     flags: 0x01 fast propagate
//   5     target (the member whose credential is revoked)
//   5     signed by
//   1     type of the revoked credential (credential.ts CredentialType)
//   99    signature block (credential.ts)
//   2     extension length (0) + extension
//
// 152 bytes as written. Signed message: 7f×8 ‖ first reserved word … credential type ‖
// 0000 ‖ 7f×8 (reserved words as zeros, which is what 1.14.1 re-serializes).
import type { Address } from '../address.js';
import type { Identity } from '../identity.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import {
  frameForSigning,
  fromInt64,
  readSignatureBlock,
  skipExtension,
  toInt64,
  writeSignatureBlock,
  type CredentialVerdict,
  type IdentityLookup,
  signAsController,
  verifyAsController,
  isSignedBy,
} from './credential.js';

export const REVOCATION_BYTES = 152;
export const REVOCATION_FLAG_FAST_PROPAGATE = 0x1n;

export interface Revocation {
  id: number;
  networkId: bigint;
  credentialId: number;
  /** int64 ms. */
  threshold: bigint;
  flags: bigint;
  target: Address;
  /** 0 until signed. */
  signedBy: Address;
  /** CredentialType of what is revoked (any byte is kept; only 1–4 apply). */
  credentialType: number;
  /** 96 bytes; null when unsigned or when the signature block was not Ed25519. */
  signature: Uint8Array | null;
}

export function readRevocation(r: Reader, field = 'revocation'): Revocation {
  r.skip(4, field + '.reserved1');
  const id = r.u32(field + '.id');
  const networkId = r.u64(field + '.networkId');
  r.skip(4, field + '.reserved2');
  const credentialId = r.u32(field + '.credentialId');
  const threshold = toInt64(r.u64(field + '.threshold'));
  const flags = r.u64(field + '.flags');
  const target = r.u40(field + '.target');
  const signedBy = r.u40(field + '.signedBy');
  const credentialType = r.u8(field + '.credentialType');
  const signature = readSignatureBlock(r, field);
  skipExtension(r, field);
  return { id, networkId, credentialId, threshold, flags, target, signedBy, credentialType, signature };
}

/** Exactly one revocation (trailing bytes are an error). */
export function decodeRevocation(bytes: Uint8Array): Revocation {
  const r = new Reader(bytes);
  const v = readRevocation(r);
  if (r.hasMore()) r.fail('revocation', 'trailing_bytes');
  return v;
}

function writeSignedFields(w: Writer, v: Revocation): void {
  w.u32(0).u32(v.id).u64(v.networkId).u32(0).u32(v.credentialId).u64(fromInt64(v.threshold)).u64(v.flags);
  w.u40(v.target).u40(v.signedBy).u8(v.credentialType);
}

export function writeRevocation(w: Writer, v: Revocation): void {
  writeSignedFields(w, v);
  writeSignatureBlock(w, v.signature);
  w.u16(0);
}

export function encodeRevocation(v: Revocation): Uint8Array {
  const w = new Writer(REVOCATION_BYTES);
  writeRevocation(w, v);
  return w.finish();
}

/** The bytes the controller signs (69 bytes). */
export function revocationSigningInput(v: Revocation): Uint8Array {
  const w = new Writer(51);
  writeSignedFields(w, v);
  return frameForSigning(w.finish());
}

export function isFastPropagate(v: Revocation): boolean {
  return (v.flags & REVOCATION_FLAG_FAST_PROPAGATE) !== 0n;
}

/** A copy signed by `signer` (signedBy is set first, so it is covered). */
export function signRevocation(v: Revocation, signer: Identity): Revocation {
  return signAsController(v, signer, revocationSigningInput);
}

export function verifyRevocationSignature(v: Revocation, signerIdentity: Identity): boolean {
  return isSignedBy(v, revocationSigningInput, signerIdentity);
}

/** Revocation::verify with the signer found by `lookup`. */
export function verifyRevocation(v: Revocation, lookup: IdentityLookup): CredentialVerdict {
  return verifyAsController(v, revocationSigningInput, lookup);
}

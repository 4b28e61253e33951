// Tag (spec 04 §5.4; 1.14.1 node/Tag.*): a (id, value) pair the controller assigns to a
// member, read by the rules engine's tag matches.
//
//   offset size field
//   0      8    network ID
//   8      8    timestamp (int64 ms)
//   16     4    tag ID
//   20     4    tag value
//   24     5    issued to
//   29     5    signed by
//   34     99   signature block (credential.ts)
//   133    2    extension length (0) + extension
//
// 135 bytes as 1.14.1 writes it. Signed message: 7f×8 ‖ bytes 0–33 ‖ 0000 ‖ 7f×8, which is
// 52 bytes (04 §5.4 says 50; 1.14.1's Tag::serialize(forSign) makes 52).
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

export const TAG_BYTES = 135;
export const TAG_SIGNING_INPUT_BYTES = 52;

export interface Tag {
  networkId: bigint;
  /** int64 ms. */
  timestamp: bigint;
  id: number;
  value: number;
  issuedTo: Address;
  /** 0 until signed. */
  signedBy: Address;
  /** 96 bytes; null when unsigned or when the signature block was not Ed25519. */
  signature: Uint8Array | null;
}

export function readTag(r: Reader, field = 'tag'): Tag {
  const networkId = r.u64(field + '.networkId');
  const timestamp = toInt64(r.u64(field + '.timestamp'));
  const id = r.u32(field + '.id');
  const value = r.u32(field + '.value');
  const issuedTo = r.u40(field + '.issuedTo');
  const signedBy = r.u40(field + '.signedBy');
  const signature = readSignatureBlock(r, field);
  skipExtension(r, field);
  return { networkId, timestamp, id, value, issuedTo, signedBy, signature };
}

/** Exactly one tag (trailing bytes are an error). */
export function decodeTag(bytes: Uint8Array): Tag {
  const r = new Reader(bytes);
  const t = readTag(r);
  if (r.hasMore()) r.fail('tag', 'trailing_bytes');
  return t;
}

function writeSignedFields(w: Writer, t: Tag): void {
  w.u64(t.networkId).u64(fromInt64(t.timestamp)).u32(t.id).u32(t.value).u40(t.issuedTo).u40(t.signedBy);
}

export function writeTag(w: Writer, t: Tag): void {
  writeSignedFields(w, t);
  writeSignatureBlock(w, t.signature);
  w.u16(0);
}

export function encodeTag(t: Tag): Uint8Array {
  const w = new Writer(TAG_BYTES);
  writeTag(w, t);
  return w.finish();
}

/** The 52 bytes the controller signs. */
export function tagSigningInput(t: Tag): Uint8Array {
  const w = new Writer(34);
  writeSignedFields(w, t);
  return frameForSigning(w.finish());
}

/** A copy signed by `signer` (Tag::sign sets signedBy first, so it is covered). */
export function signTag(t: Tag, signer: Identity): Tag {
  return signAsController(t, signer, tagSigningInput);
}

/** Signed by the network's controller, which `signerIdentity` is, and the signature checks. */
export function verifyTagSignature(t: Tag, signerIdentity: Identity): boolean {
  return isSignedBy(t, tagSigningInput, signerIdentity);
}

/** Tag::verify with the signer found by `lookup`. */
export function verifyTag(t: Tag, lookup: IdentityLookup): CredentialVerdict {
  return verifyAsController(t, tagSigningInput, lookup);
}

// What the five VL2 credentials share (spec 04 §5, §5.1; 1.14.1 node/Credential.hpp and
// the serialize()/verify() of each credential): type codes, the controller rule, the
// signature block, the extension trailer and the 0x7f framing of the signed message.
//
// Signature block (capability custody entries, tag, COO, revocation):
//   u8 type; type 1 (Ed25519): u16 length, which must be 96, then the 96 bytes;
//   any other type: u16 length + that many bytes, skipped (the credential then has no
//   usable signature and fails verification, as in 1.14.1 where it stays all zero).
// Trailer: u16 length of additional fields + those bytes (skipped; always written as 0).
// Signed message (§5.1): 7f×8 ‖ fields without the signature block ‖ 0000 ‖ 7f×8.
import { sign, verify } from '../../crypto/c25519.js';
import { DecodeError } from '../../util/errors.js';
import type { Address } from '../address.js';
import type { Identity } from '../identity.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

/** Type codes; they also appear inside revocations (§5 table). */
export const CredentialType = {
  NULL: 0,
  COM: 1,
  CAPABILITY: 2,
  TAG: 3,
  COO: 4,
  REVOCATION: 6,
} as const;
export type CredentialTypeCode = (typeof CredentialType)[keyof typeof CredentialType];

export const SIGNATURE_TYPE_ED25519 = 1;
export const CREDENTIAL_SIGNATURE_BYTES = 96;
/** Signature block as written: type, length, 96 bytes. */
export const SIGNATURE_BLOCK_BYTES = 1 + 2 + CREDENTIAL_SIGNATURE_BYTES;
const FRAME_BYTE = 0x7f;
const FRAME_BYTES = 8;

/** The controller of a network: its top 40 bits (Network::controllerFor). */
export function controllerFor(networkId: bigint): Address {
  return Number((networkId >> 24n) & 0xffffffffffn);
}

/**
 * How verification can end (1.14.1's verify(): 0, -1, 1). 'whois' means the signer's
 * identity is unknown: the caller's lookup saw the miss and should ask for it.
 */
export type CredentialVerdict = 'valid' | 'invalid' | 'whois';

/** Finds a known identity by address; undefined makes verification answer 'whois'. */
export type IdentityLookup = (address: Address) => Identity | undefined;

/** Reads a signature block; null when its type is not Ed25519 (bytes skipped). */
export function readSignatureBlock(r: Reader, field: string): Uint8Array | null {
  const type = r.u8(field + '.signatureType');
  const lenAt = r.pos;
  const len = r.u16(field + '.signatureLength');
  if (type !== SIGNATURE_TYPE_ED25519) {
    r.skip(len, field + '.signature');
    return null;
  }
  if (len !== CREDENTIAL_SIGNATURE_BYTES) throw new DecodeError(field + '.signatureLength', lenAt, 'bad_length');
  return r.bytes(CREDENTIAL_SIGNATURE_BYTES, field + '.signature').slice();
}

/** Writes an Ed25519 signature block; an absent signature is written as zeros, as 1.14.1 does for an unsigned credential. */
export function writeSignatureBlock(w: Writer, signature: Uint8Array | null): void {
  if (signature && signature.length !== CREDENTIAL_SIGNATURE_BYTES) throw new RangeError('a credential signature is 96 bytes');
  w.u8(SIGNATURE_TYPE_ED25519).u16(CREDENTIAL_SIGNATURE_BYTES).bytes(signature ?? new Uint8Array(CREDENTIAL_SIGNATURE_BYTES));
}

/** Skips the "additional fields" trailer that ends every credential. */
export function skipExtension(r: Reader, field: string): void {
  r.skip(r.u16(field + '.extensionLength'), field + '.extension');
}

/** 7f×8 ‖ body ‖ 0000 ‖ 7f×8 — what the controller signs (§5.1). */
export function frameForSigning(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_BYTES + body.length + 2 + FRAME_BYTES).fill(FRAME_BYTE);
  out.set(body, FRAME_BYTES);
  out[FRAME_BYTES + body.length] = 0;
  out[FRAME_BYTES + body.length + 1] = 0;
  return out;
}

/** A 96-byte signature by `signer`, which must hold its private key. */
export function signWith(signer: Identity, message: Uint8Array): Uint8Array {
  if (!signer.privateKey) throw new RangeError('signing a credential needs the private key');
  return sign(signer.privateKey, signer.publicKey, message);
}

/**
 * 1.14.1's verify() of tag, COO and revocation (and of the COM, with its own message):
 * the signer must be the network's controller, known, and its signature must check.
 */
export function verifyControllerSignature(
  networkId: bigint,
  signedBy: Address,
  message: Uint8Array,
  signature: Uint8Array | null,
  lookup: IdentityLookup,
): CredentialVerdict {
  if (signedBy === 0 || signedBy !== controllerFor(networkId)) return 'invalid';
  const id = lookup(signedBy);
  if (!id) return 'whois';
  return signatureChecks(id, signedBy, message, signature) ? 'valid' : 'invalid';
}

/** The fields every controller-signed credential (tag, COO, revocation) has. */
export interface ControllerSigned {
  networkId: bigint;
  signedBy: Address;
  signature: Uint8Array | null;
}

/** A copy signed by `signer`; signedBy is set first so that the signature covers it (Tag::sign and the others). */
export function signAsController<T extends ControllerSigned>(c: T, signer: Identity, signingInput: (c: T) => Uint8Array): T {
  const s = { ...c, signedBy: signer.address };
  return { ...s, signature: signWith(signer, signingInput(s)) };
}

/** verify() with the signer found by `lookup`. */
export function verifyAsController<T extends ControllerSigned>(c: T, signingInput: (c: T) => Uint8Array, lookup: IdentityLookup): CredentialVerdict {
  return verifyControllerSignature(c.networkId, c.signedBy, signingInput(c), c.signature, lookup);
}

/** Signed by the network's controller, which `signerIdentity` is, and the signature checks. */
export function isSignedBy<T extends ControllerSigned>(c: T, signingInput: (c: T) => Uint8Array, signerIdentity: Identity): boolean {
  return verifyAsController(c, signingInput, (a) => (a === signerIdentity.address ? signerIdentity : undefined)) === 'valid';
}

/** True when `id` is `signedBy` and its key made `signature` over `message`. */
export function signatureChecks(id: Identity, signedBy: Address, message: Uint8Array, signature: Uint8Array | null): boolean {
  return signature !== null && id.address === signedBy && verify(id.publicKey, message, signature);
}

/** A u64 field read as 1.14.1's int64_t timestamps and thresholds. */
export function toInt64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/** The u64 bit pattern of an int64 for writing. */
export function fromInt64(v: bigint): bigint {
  return BigInt.asUintN(64, v);
}

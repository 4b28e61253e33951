// Certificate of membership: what it means (spec 04 §5.2; 1.14.1
// node/CertificateOfMembership.*). The bytes are verbs/com.ts.
//
// Qualifiers issued by 1.14.1 controllers, in this order:
//   id  value                                  max delta
//   0   timestamp (the config's ts)            ctmd
//   1   network ID                             0
//   2   issued-to address                      ffffffffffffffff
//   3…6 words 0…3 of SHA-384(address ‖ key)    ffffffffffffffff
//
// Signed message: for each qualifier in order, id ‖ value ‖ max delta as big-endian u64s;
// no framing, no signer. Agreement is asymmetric: our qualifiers, our max deltas.
import { sha384 } from '../../crypto/sha384.js';
import { ADDRESS_MAX, type Address } from '../address.js';
import type { Identity } from '../identity.js';
import { Writer } from '../writer.js';
import { COM_MAX_QUALIFIERS, type CertificateOfMembership, type ComQualifier } from '../verbs/com.js';
import { controllerFor, signatureChecks, signWith, toInt64, type CredentialVerdict, type IdentityLookup } from './credential.js';

export type { CertificateOfMembership, ComQualifier } from '../verbs/com.js';

export const COM_QUALIFIER_TIMESTAMP = 0n;
export const COM_QUALIFIER_NETWORK_ID = 1n;
export const COM_QUALIFIER_ISSUED_TO = 2n;
/** Ids 3…6 hold the first 32 bytes of the holder's public key hash. */
export const COM_QUALIFIER_ID_HASH_FIRST = 3n;
export const COM_QUALIFIER_ID_HASH_LAST = 6n;
const ALL_ONES = 0xffffffffffffffffn;

/** The first qualifier with `id`, as 1.14.1's accessors search (first match wins there). */
function valueOf(com: CertificateOfMembership, id: bigint): bigint | undefined {
  return com.qualifiers.find((q) => q.id === id)?.value;
}

/** Qualifier 0 as a signed int64; 0 when absent. */
export function comTimestamp(com: CertificateOfMembership): bigint {
  return toInt64(valueOf(com, COM_QUALIFIER_TIMESTAMP) ?? 0n);
}

/** Qualifier 1; 0 when absent. */
export function comNetworkId(com: CertificateOfMembership): bigint {
  return valueOf(com, COM_QUALIFIER_NETWORK_ID) ?? 0n;
}

/** Qualifier 2's low 40 bits (Address(uint64) truncates); 0 when absent. */
export function comIssuedTo(com: CertificateOfMembership): Address {
  return Number((valueOf(com, COM_QUALIFIER_ISSUED_TO) ?? 0n) & BigInt(ADDRESS_MAX));
}

/** Identities are immutable; the gate asks for a peer's hash on every frame. */
const hashWordsCache = new WeakMap<Identity, readonly bigint[]>();

/** Words 0…3 of SHA-384(address ‖ public key) as big-endian u64s (Identity::publicKeyHash). */
export function identityHashWords(id: Identity): readonly bigint[] {
  let words = hashWordsCache.get(id);
  if (!words) {
    const h = sha384(new Writer(5).u40(id.address).finish(), id.publicKey);
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    words = [0, 8, 16, 24].map((o) => dv.getBigUint64(o));
    hashWordsCache.set(id, words);
  }
  return words;
}

export interface MakeComOptions {
  networkId: bigint;
  timestampMs: number | bigint;
  maxDeltaMs: number | bigint;
  issuedTo: Identity;
}

/** An unsigned COM with the seven qualifiers a 1.14.1 controller issues. */
export function makeCom(o: MakeComOptions): CertificateOfMembership {
  const qualifiers: ComQualifier[] = [
    { id: COM_QUALIFIER_TIMESTAMP, value: BigInt.asUintN(64, BigInt(o.timestampMs)), maxDelta: BigInt.asUintN(64, BigInt(o.maxDeltaMs)) },
    { id: COM_QUALIFIER_NETWORK_ID, value: o.networkId, maxDelta: 0n },
    { id: COM_QUALIFIER_ISSUED_TO, value: BigInt(o.issuedTo.address), maxDelta: ALL_ONES },
  ];
  identityHashWords(o.issuedTo).forEach((value, i) => qualifiers.push({ id: COM_QUALIFIER_ID_HASH_FIRST + BigInt(i), value, maxDelta: ALL_ONES }));
  return { qualifiers, signedBy: 0, signature: null };
}

/** The exact bytes signed: 24 bytes per qualifier, in order. */
export function comSigningInput(com: CertificateOfMembership): Uint8Array {
  const w = new Writer(24 * com.qualifiers.length);
  for (const q of com.qualifiers) w.u64(q.id).u64(q.value).u64(q.maxDelta);
  return w.finish();
}

/** A copy of `com` signed by `signer` (which must hold its private key). */
export function signCom(com: CertificateOfMembership, signer: Identity): CertificateOfMembership {
  if (com.qualifiers.length > COM_MAX_QUALIFIERS) throw new RangeError(`a COM holds at most ${COM_MAX_QUALIFIERS} qualifiers`);
  return { qualifiers: com.qualifiers.map((q) => ({ ...q })), signedBy: signer.address, signature: signWith(signer, comSigningInput(com)) };
}

/**
 * Signed by the network's controller, `signerIdentity` is that controller, at most 8
 * qualifiers, and the signature checks (CertificateOfMembership::verify with the
 * identity already known).
 */
export function verifyComSignature(com: CertificateOfMembership, signerIdentity: Identity): boolean {
  if (com.signedBy === 0 || com.signedBy !== controllerFor(comNetworkId(com)) || com.qualifiers.length > COM_MAX_QUALIFIERS) return false;
  return signatureChecks(signerIdentity, com.signedBy, comSigningInput(com), com.signature);
}

/** CertificateOfMembership::verify: the signer's identity comes from `lookup`. */
export function verifyCom(com: CertificateOfMembership, lookup: IdentityLookup): CredentialVerdict {
  if (com.signedBy === 0 || com.signedBy !== controllerFor(comNetworkId(com)) || com.qualifiers.length > COM_MAX_QUALIFIERS) return 'invalid';
  const id = lookup(com.signedBy);
  if (!id) return 'whois';
  return signatureChecks(id, com.signedBy, comSigningInput(com), com.signature) ? 'valid' : 'invalid';
}

/**
 * `ours.agreesWith(theirs, theirIdentity)` of 1.14.1: every qualifier of ours is in theirs
 * (their last one of an id counts) within our max delta; and when ours carries any of
 * ids 3…6, theirs must carry all four equal to the hash of their real identity.
 */
export function comAgrees(ours: CertificateOfMembership, theirs: CertificateOfMembership, theirIdentity: Identity): boolean {
  if (ours.qualifiers.length === 0 || theirs.qualifiers.length === 0) return false;
  const their = new Map<bigint, bigint>();
  for (const q of theirs.qualifiers) their.set(q.id, q.value);
  let isHashBound = false;
  for (const q of ours.qualifiers) {
    if (q.id >= COM_QUALIFIER_ID_HASH_FIRST && q.id <= COM_QUALIFIER_ID_HASH_LAST) isHashBound = true;
    const b = their.get(q.id);
    if (b === undefined) return false;
    const diff = q.value >= b ? q.value - b : b - q.value;
    if (diff > q.maxDelta) return false;
  }
  if (isHashBound) {
    const words = identityHashWords(theirIdentity);
    for (let i = 0; i < 4; i++) if (their.get(COM_QUALIFIER_ID_HASH_FIRST + BigInt(i)) !== words[i]) return false;
  }
  return true;
}

/** 1.14.1's operator==: signer, qualifiers and signature (all zero when absent) equal. */
export function comEquals(a: CertificateOfMembership, b: CertificateOfMembership): boolean {
  if (a.signedBy !== b.signedBy || a.qualifiers.length !== b.qualifiers.length) return false;
  for (let i = 0; i < a.qualifiers.length; i++) {
    const p = a.qualifiers[i];
    const q = b.qualifiers[i];
    if (p.id !== q.id || p.value !== q.value || p.maxDelta !== q.maxDelta) return false;
  }
  const sa = a.signature ?? new Uint8Array(96);
  const sb = b.signature ?? new Uint8Array(96);
  return sa.every((x, i) => x === sb[i]);
}

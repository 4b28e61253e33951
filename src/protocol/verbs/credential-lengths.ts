// Length scanners for the VL2 credentials that NETWORK_CREDENTIALS carries after its COM
// list (capability, tag, revocation, certificate of ownership). Spec 02 does not give
// their layouts, so these follow the serializers in ZeroTierOne 1.14.1 (node/Capability.hpp,
// node/Tag.hpp, node/Revocation.hpp, node/CertificateOfOwnership.hpp). Each scanner walks
// exactly what 1.14.1's deserialize() consumes, rejects what it rejects, and returns the
// credential as a raw slice; decoding the fields is the credentials layer's job.
//
// Signature block (all four):  u8 type; type 1: u16 length (must be 96) + 96 bytes;
//                              other type: u16 length + that many bytes (skipped)
// Trailer (all four):          u16 length of additional fields + that many bytes
//
// Tag:          network ID u64, timestamp u64, id u32, value u32, issued-to (5),
//               signed-by (5), signature block, trailer                 (135 bytes as sent)
// Revocation:   4 unused, id u32, network ID u64, 4 unused, credential id u32,
//               threshold u64, flags u64, target (5), signed-by (5), credential type u8,
//               signature block, trailer                                 (152 bytes as sent)
// Certificate of ownership: network ID u64, timestamp u64, flags u64, id u32,
//               u16 thing count n, n × (u8 type + 16 value bytes), issued-to (5),
//               signed-by (5), signature block, trailer. Quirk kept from 1.14.1: only the
//               first 16 things are consumed even when n > 16.
// Capability:   network ID u64, timestamp u64, id u32, u16 rule count (≤ 64), rules
//               (each u8 type, u8 length, length bytes), u8 max custody chain length
//               (1–7), custody chain: entries of to (5), from (5), signature block, ended
//               by a zero "to" address (5 zero bytes); more entries than the max is an
//               error. Then the trailer.
import { DecodeError } from '../../util/errors.js';
import { Reader } from '../reader.js';

const SIGNATURE_TYPE_ED25519 = 1;
const SIGNATURE_BYTES = 96;
const CAPABILITY_MAX_RULES = 64;
const CAPABILITY_MAX_CUSTODY_CHAIN = 7;
const COO_MAX_THINGS = 16;
const COO_THING_BYTES = 17;

function skipSignature(r: Reader, field: string): void {
  const type = r.u8(field + '.signatureType');
  const lenAt = r.pos;
  const len = r.u16(field + '.signatureLength');
  if (type === SIGNATURE_TYPE_ED25519 && len !== SIGNATURE_BYTES) throw new DecodeError(field + '.signatureLength', lenAt, 'bad_length');
  r.skip(len, field + '.signature');
}

function skipTrailer(r: Reader, field: string): void {
  r.skip(r.u16(field + '.extraLength'), field + '.extra');
}

function sliceFrom(r: Reader, start: number): Uint8Array {
  return r.buf.subarray(start, r.pos);
}

/** A credential made of fixed fields, then the signature block and the trailer. */
function readFixedCredential(r: Reader, fixedBytes: number, field: string): Uint8Array {
  const start = r.pos;
  r.skip(fixedBytes, field + '.fields');
  skipSignature(r, field);
  skipTrailer(r, field);
  return sliceFrom(r, start);
}

export function readTagBytes(r: Reader, field = 'tag'): Uint8Array {
  return readFixedCredential(r, 34, field);
}

export function readRevocationBytes(r: Reader, field = 'revocation'): Uint8Array {
  return readFixedCredential(r, 51, field);
}

export function readCertificateOfOwnershipBytes(r: Reader, field = 'coo'): Uint8Array {
  const start = r.pos;
  r.skip(28, field + '.fields');
  const things = r.u16(field + '.thingCount');
  r.skip(Math.min(things, COO_MAX_THINGS) * COO_THING_BYTES, field + '.things');
  r.skip(10, field + '.issuedTo');
  skipSignature(r, field);
  skipTrailer(r, field);
  return sliceFrom(r, start);
}

export function readCapabilityBytes(r: Reader, field = 'capability'): Uint8Array {
  const start = r.pos;
  r.skip(20, field + '.fields');
  const countAt = r.pos;
  const ruleCount = r.u16(field + '.ruleCount');
  if (ruleCount > CAPABILITY_MAX_RULES) throw new DecodeError(field + '.ruleCount', countAt, 'too_many');
  for (let i = 0; i < ruleCount; i++) {
    r.skip(1, `${field}.rules[${i}].type`);
    r.skip(r.u8(`${field}.rules[${i}].length`), `${field}.rules[${i}]`);
  }
  const maxAt = r.pos;
  const maxChain = r.u8(field + '.maxCustodyChainLength');
  if (maxChain < 1 || maxChain > CAPABILITY_MAX_CUSTODY_CHAIN) throw new DecodeError(field + '.maxCustodyChainLength', maxAt, 'out_of_range');
  for (let i = 0; ; i++) {
    const toAt = r.pos;
    const to = r.u40(`${field}.custody[${i}].to`);
    if (to === 0) break;
    if (i >= maxChain) throw new DecodeError(`${field}.custody[${i}]`, toAt, 'too_many');
    r.skip(5, `${field}.custody[${i}].from`);
    skipSignature(r, `${field}.custody[${i}]`);
  }
  skipTrailer(r, field);
  return sliceFrom(r, start);
}

/** True when `bytes` is exactly one credential of the kind `scan` reads (encoders check with it). */
export function isExactlyOneCredential(bytes: Uint8Array, scan: (r: Reader) => Uint8Array): boolean {
  const r = new Reader(bytes);
  try {
    scan(r);
  } catch (e) {
    if (e instanceof DecodeError) return false;
    throw e;
  }
  return !r.hasMore();
}

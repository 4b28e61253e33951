// Certificate of membership, binary layout only (spec 02 §10.12). Verbs that carry a COM
// (EXT_FRAME, MULTICAST_GATHER, MULTICAST_FRAME, OK(MULTICAST_FRAME), NETWORK_CREDENTIALS)
// must parse it to find where the next field starts; what it means and how it is checked
// belongs to the credentials layer (04).
//
//   size    field
//   1       0x01
//   2       number of qualifiers q (at most 8, as 1.14.1 enforces)
//   24 × q  qualifiers: id u64, value u64, max-delta u64 (ids non-decreasing)
//   5       signer address (the controller); 0 = unsigned
//   96      signature (01 §7), present only if the signer address ≠ 0
//
// Limits taken from 1.14.1 node/CertificateOfMembership.hpp (the spec does not state them):
// more than 8 qualifiers, or an id smaller than the one before, makes the COM (and so the
// whole packet) undecodable.
import { DecodeError } from '../../util/errors.js';
import type { Address } from '../address.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const COM_VERSION = 1;
export const COM_MAX_QUALIFIERS = 8;
export const COM_SIGNATURE_BYTES = 96;

export interface ComQualifier {
  id: bigint;
  value: bigint;
  maxDelta: bigint;
}

export interface CertificateOfMembership {
  qualifiers: ComQualifier[];
  /** The controller that signed it; 0 when unsigned. */
  signedBy: Address;
  /** 96 bytes when signedBy ≠ 0, else null. A view into the decoded buffer. */
  signature: Uint8Array | null;
}

/** Reads one COM at the reader's position. */
export function readCom(r: Reader, field = 'com'): CertificateOfMembership {
  const at = r.pos;
  if (r.u8(field + '.version') !== COM_VERSION) throw new DecodeError(field + '.version', at, 'bad_type');
  const countAt = r.pos;
  const count = r.u16(field + '.qualifierCount');
  if (count > COM_MAX_QUALIFIERS) throw new DecodeError(field + '.qualifierCount', countAt, 'too_many');
  const qualifiers: ComQualifier[] = [];
  let lastId = 0n;
  for (let i = 0; i < count; i++) {
    const f = `${field}.qualifiers[${i}]`;
    const idAt = r.pos;
    const id = r.u64(f + '.id');
    if (id < lastId) throw new DecodeError(f + '.id', idAt, 'not_sorted');
    lastId = id;
    qualifiers.push({ id, value: r.u64(f + '.value'), maxDelta: r.u64(f + '.maxDelta') });
  }
  const signedBy = r.u40(field + '.signedBy');
  const signature = signedBy !== 0 ? r.bytes(COM_SIGNATURE_BYTES, field + '.signature') : null;
  return { qualifiers, signedBy, signature };
}

export function writeCom(w: Writer, com: CertificateOfMembership): void {
  if (com.qualifiers.length > COM_MAX_QUALIFIERS) throw new RangeError(`a COM holds at most ${COM_MAX_QUALIFIERS} qualifiers`);
  w.u8(COM_VERSION).u16(com.qualifiers.length);
  for (const q of com.qualifiers) w.u64(q.id).u64(q.value).u64(q.maxDelta);
  w.u40(com.signedBy);
  if (com.signedBy !== 0) {
    if (!com.signature || com.signature.length !== COM_SIGNATURE_BYTES) throw new RangeError('a signed COM needs a 96-byte signature');
    w.bytes(com.signature);
  }
}

export function comSize(com: CertificateOfMembership): number {
  return 3 + 24 * com.qualifiers.length + 5 + (com.signedBy !== 0 ? COM_SIGNATURE_BYTES : 0);
}

/** Decodes a buffer holding exactly one COM (trailing bytes are an error). */
export function decodeCom(bytes: Uint8Array): CertificateOfMembership {
  const r = new Reader(bytes);
  const com = readCom(r);
  if (r.hasMore()) r.fail('com', 'trailing_bytes');
  return com;
}

export function encodeCom(com: CertificateOfMembership): Uint8Array {
  const w = new Writer(comSize(com));
  writeCom(w, com);
  return w.finish();
}

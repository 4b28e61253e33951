// Certificate of ownership (spec 04 §5.5; 1.14.1 node/CertificateOfOwnership.*): the
// controller's statement that a member owns some IPs / MACs, used by the rules engine's
// CHARACTERISTICS match ("sender IP authenticated").
//
//   size    field
//   8       network ID
//   8       timestamp (int64 ms)
//   8       flags (0)
//   4       COO ID
//   2       thing count t (at most 16)
//   17 × t  things: type u8 (1 MAC, 2 IPv4, 3 IPv6) + 16 value bytes, zero-padded
//   5       issued to
//   5       signed by
//   99      signature block (credential.ts)
//   2       extension length (0) + extension
//
// Signed message: 7f×8 ‖ network ID … signed by ‖ 0000 ‖ 7f×8.
// More than 16 things: 1.14.1 reads 16, keeps the larger count and then reads past its
// arrays (04 trap 12); credential-lengths.ts skips as it does so a packet stays in step,
// but a COO claiming more than 16 is undecodable here, hence never valid.
import { DecodeError } from '../../util/errors.js';
import type { Address } from '../address.js';
import type { Identity } from '../identity.js';
import type { InetAddress } from '../inet-address.js';
import { writeMac } from '../member-mac.js';
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

export const COO_MAX_THINGS = 16;
export const COO_THING_VALUE_BYTES = 16;

export const CooThingType = { NULL: 0, MAC: 1, IPV4: 2, IPV6: 3 } as const;

export interface CooThing {
  /** CooThingType; other values are kept but own nothing. */
  type: number;
  /** 16 bytes: the MAC in 0–5, an IPv4 address in 0–3, an IPv6 address in all. */
  value: Uint8Array;
}

export interface CertificateOfOwnership {
  networkId: bigint;
  /** int64 ms. */
  timestamp: bigint;
  flags: bigint;
  id: number;
  things: CooThing[];
  issuedTo: Address;
  /** 0 until signed. */
  signedBy: Address;
  /** 96 bytes; null when unsigned or when the signature block was not Ed25519. */
  signature: Uint8Array | null;
}

export function readCertificateOfOwnership(r: Reader, field = 'coo'): CertificateOfOwnership {
  const networkId = r.u64(field + '.networkId');
  const timestamp = toInt64(r.u64(field + '.timestamp'));
  const flags = r.u64(field + '.flags');
  const id = r.u32(field + '.id');
  const countAt = r.pos;
  const count = r.u16(field + '.thingCount');
  if (count > COO_MAX_THINGS) throw new DecodeError(field + '.thingCount', countAt, 'too_many');
  const things: CooThing[] = [];
  for (let i = 0; i < count; i++) {
    const type = r.u8(`${field}.things[${i}].type`);
    things.push({ type, value: r.bytes(COO_THING_VALUE_BYTES, `${field}.things[${i}].value`).slice() });
  }
  const issuedTo = r.u40(field + '.issuedTo');
  const signedBy = r.u40(field + '.signedBy');
  const signature = readSignatureBlock(r, field);
  skipExtension(r, field);
  return { networkId, timestamp, flags, id, things, issuedTo, signedBy, signature };
}

/** Exactly one COO (trailing bytes are an error). */
export function decodeCertificateOfOwnership(bytes: Uint8Array): CertificateOfOwnership {
  const r = new Reader(bytes);
  const c = readCertificateOfOwnership(r);
  if (r.hasMore()) r.fail('coo', 'trailing_bytes');
  return c;
}

function writeSignedFields(w: Writer, c: CertificateOfOwnership): void {
  if (c.things.length > COO_MAX_THINGS) throw new RangeError(`a COO holds at most ${COO_MAX_THINGS} things`);
  w.u64(c.networkId).u64(fromInt64(c.timestamp)).u64(c.flags).u32(c.id).u16(c.things.length);
  for (const t of c.things) {
    if (t.value.length !== COO_THING_VALUE_BYTES) throw new RangeError('a COO thing value is 16 bytes');
    w.u8(t.type).bytes(t.value);
  }
  w.u40(c.issuedTo).u40(c.signedBy);
}

export function writeCertificateOfOwnership(w: Writer, c: CertificateOfOwnership): void {
  writeSignedFields(w, c);
  writeSignatureBlock(w, c.signature);
  w.u16(0);
}

export function encodeCertificateOfOwnership(c: CertificateOfOwnership): Uint8Array {
  const w = new Writer(30 + 17 * c.things.length + 10 + 101);
  writeCertificateOfOwnership(w, c);
  return w.finish();
}

/** The bytes the controller signs. */
export function cooSigningInput(c: CertificateOfOwnership): Uint8Array {
  const w = new Writer(40 + 17 * c.things.length);
  writeSignedFields(w, c);
  return frameForSigning(w.finish());
}

/** A copy signed by `signer` (signedBy is set first, so it is covered). */
export function signCertificateOfOwnership(c: CertificateOfOwnership, signer: Identity): CertificateOfOwnership {
  return signAsController(c, signer, cooSigningInput);
}

export function verifyCertificateOfOwnershipSignature(c: CertificateOfOwnership, signerIdentity: Identity): boolean {
  return isSignedBy(c, cooSigningInput, signerIdentity);
}

/** CertificateOfOwnership::verify with the signer found by `lookup`. */
export function verifyCertificateOfOwnership(c: CertificateOfOwnership, lookup: IdentityLookup): CredentialVerdict {
  return verifyAsController(c, cooSigningInput, lookup);
}

/** A thing for an IP (port ignored), as addThing(InetAddress). */
export function ipThing(ip: InetAddress): CooThing {
  const value = new Uint8Array(COO_THING_VALUE_BYTES);
  value.set(ip.ip.subarray(0, ip.family === 4 ? 4 : 16));
  return { type: ip.family === 4 ? CooThingType.IPV4 : CooThingType.IPV6, value };
}

/** A thing for a MAC, as addThing(MAC). */
export function macThing(mac: number): CooThing {
  const value = new Uint8Array(COO_THING_VALUE_BYTES);
  writeMac(value, 0, mac);
  return { type: CooThingType.MAC, value };
}

/** What an ownership check asks about: an IP address or a MAC (a number, as elsewhere). */
export type OwnedThing = InetAddress | { mac: number };

/** CertificateOfOwnership::owns: some thing of the right type starts with the bytes asked about. */
export function owns(c: CertificateOfOwnership, what: OwnedThing): boolean {
  const probe = 'mac' in what ? macThing(what.mac) : ipThing(what);
  const n = probe.type === CooThingType.MAC ? 6 : probe.type === CooThingType.IPV4 ? 4 : 16;
  return c.things.some((t) => t.type === probe.type && t.value.subarray(0, n).every((b, i) => b === probe.value[i]));
}

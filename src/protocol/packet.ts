// The VL1 packet header (spec 02 §3, §4, §9): accessors and builders on a Uint8Array that
// holds one whole packet (a head or a reassembled packet).
//
//   | offset | size | field                                                         |
//   |      0 |    8 | packet ID (the cipher nonce; W[0..8] after suite-3 armor)      |
//   |      8 |    5 | destination address                                            |
//   |     13 |    5 | source address                                                 |
//   |     18 |    1 | flags: 0x80 legacy encrypted, 0x40 fragmented,                 |
//   |        |      |        0x38 cipher suite (>> 3), 0x07 hops                     |
//   |     19 |    8 | MAC (Poly1305 prefix / SIV half / trusted-path ID)             |
//   |     27 |    1 | verb byte: 0x80 compressed, 0x1f verb (encrypted in suites 1, 3)|
//   |     28 |    … | payload                                                        |
//
// Accessors index only below 28 and require `pkt.length >= 28` (checked once by
// `decodeHeader`, or by the caller having classified the datagram as a packet, §1).
// The verb byte is only meaningful after de-armoring (armor.ts).
import { DecodeError } from '../util/errors.js';
import { readAddressAt, writeAddressAt, type Address } from './address.js';
import {
  CIPHER_SUITE_MASK,
  CIPHER_SUITE_SHIFT,
  FLAG_FRAGMENTED,
  FLAG_LEGACY_ENCRYPTED,
  HOPS_MASK,
  MIN_PACKET_BYTES,
  PACKET_ID_BYTES,
  PACKET_IDX_DEST,
  PACKET_IDX_FLAGS,
  PACKET_IDX_ID,
  PACKET_IDX_MAC,
  PACKET_IDX_PAYLOAD,
  PACKET_IDX_SOURCE,
  PACKET_IDX_VERB,
  PACKET_MAC_BYTES,
  VERB_FLAG_COMPRESSED,
  VERB_MASK,
} from './constants.js';

/** The 8 ID bytes as transmitted (a view into `pkt`). */
export function packetIdBytes(pkt: Uint8Array): Uint8Array {
  return pkt.subarray(PACKET_IDX_ID, PACKET_IDX_ID + PACKET_ID_BYTES);
}

/** Big-endian u64 of bytes 0–7 (02 §4). Also works on fragments, which start the same way. */
export function packetId(pkt: Uint8Array): bigint {
  const hi = ((pkt[0] << 24) >>> 0) + ((pkt[1] << 16) | (pkt[2] << 8) | pkt[3]);
  const lo = ((pkt[4] << 24) >>> 0) + ((pkt[5] << 16) | (pkt[6] << 8) | pkt[7]);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export function packetDestination(pkt: Uint8Array): Address {
  return readAddressAt(pkt, PACKET_IDX_DEST, 'destination');
}

export function packetSource(pkt: Uint8Array): Address {
  return readAddressAt(pkt, PACKET_IDX_SOURCE, 'source');
}

export function packetFlags(pkt: Uint8Array): number {
  return pkt[PACKET_IDX_FLAGS];
}

/** The suite field, 0–7. Values above 3 are invalid and never authenticate. */
export function cipherSuiteOf(pkt: Uint8Array): number {
  return (pkt[PACKET_IDX_FLAGS] & CIPHER_SUITE_MASK) >> CIPHER_SUITE_SHIFT;
}

/**
 * Writes the suite into byte 18, keeping the fragmented flag and the hops, and sets the
 * legacy 0x80 flag iff the suite is 1 (as 1.14.1's setCipher does).
 */
export function setCipherSuite(pkt: Uint8Array, suite: number): void {
  let b = (pkt[PACKET_IDX_FLAGS] & ~(CIPHER_SUITE_MASK | FLAG_LEGACY_ENCRYPTED)) | ((suite << CIPHER_SUITE_SHIFT) & CIPHER_SUITE_MASK);
  if (suite === 1) b |= FLAG_LEGACY_ENCRYPTED;
  pkt[PACKET_IDX_FLAGS] = b & 0xff;
}

export function packetHops(pkt: Uint8Array): number {
  return pkt[PACKET_IDX_FLAGS] & HOPS_MASK;
}

/** Relay step for a head (§9): the 3-bit hop count wraps, nothing else changes. */
export function incrementHops(pkt: Uint8Array): void {
  const b = pkt[PACKET_IDX_FLAGS];
  pkt[PACKET_IDX_FLAGS] = (b & ~HOPS_MASK & 0xff) | ((b + 1) & HOPS_MASK);
}

export function isFragmented(pkt: Uint8Array): boolean {
  return (pkt[PACKET_IDX_FLAGS] & FLAG_FRAGMENTED) !== 0;
}

/** Must happen before armoring: the flag is authenticated (02 §14 trap 1). */
export function setFragmented(pkt: Uint8Array, isOn: boolean): void {
  if (isOn) pkt[PACKET_IDX_FLAGS] |= FLAG_FRAGMENTED;
  else pkt[PACKET_IDX_FLAGS] &= ~FLAG_FRAGMENTED & 0xff;
}

/** The MAC field (a view). */
export function packetMac(pkt: Uint8Array): Uint8Array {
  return pkt.subarray(PACKET_IDX_MAC, PACKET_IDX_MAC + PACKET_MAC_BYTES);
}

/** Verb code (0–31) of a de-armored packet. */
export function packetVerb(pkt: Uint8Array): number {
  return pkt[PACKET_IDX_VERB] & VERB_MASK;
}

export function isCompressed(pkt: Uint8Array): boolean {
  return (pkt[PACKET_IDX_VERB] & VERB_FLAG_COMPRESSED) !== 0;
}

/** Bytes 28… of a de-armored packet (a view). */
export function packetPayload(pkt: Uint8Array): Uint8Array {
  return pkt.subarray(PACKET_IDX_PAYLOAD);
}

/** What a receiver can read from a head before de-armoring. */
export interface PacketHeader {
  /** Bytes 0–7 as transmitted, copied. */
  id8: Uint8Array;
  id: bigint;
  dest: Address;
  source: Address;
  /** Byte 18 as received, hops included. */
  flags: number;
  cipherSuite: number;
  hops: number;
  isFragmented: boolean;
  /** Bytes 19–26, copied. */
  mac: Uint8Array;
}

/** Header of a packet or head; throws DecodeError if shorter than 28 bytes. */
export function decodeHeader(pkt: Uint8Array): PacketHeader {
  if (pkt.length < MIN_PACKET_BYTES) throw new DecodeError('packet header', pkt.length, 'truncated');
  return {
    id8: pkt.slice(PACKET_IDX_ID, PACKET_IDX_ID + PACKET_ID_BYTES),
    id: packetId(pkt),
    dest: packetDestination(pkt),
    source: packetSource(pkt),
    flags: pkt[PACKET_IDX_FLAGS],
    cipherSuite: cipherSuiteOf(pkt),
    hops: packetHops(pkt),
    isFragmented: isFragmented(pkt),
    mac: pkt.slice(PACKET_IDX_MAC, PACKET_IDX_MAC + PACKET_MAC_BYTES),
  };
}

export interface PacketFields {
  /** 8 random bytes from the caller (02 §4: never reuse one under the same key). */
  id8: Uint8Array;
  dest: Address;
  source: Address;
  /** Verb code; the compressed flag is set by compression.ts, not here. */
  verb: number;
}

/**
 * Writes bytes 0–27 into `buf` (which must be at least 28 bytes): byte 18 and the MAC
 * field are zeroed, ready for armor. Lets a caller build the payload at offset 28 of its
 * own buffer first (STYLE §4 headroom) and add the header without a copy.
 */
export function writeHeader(buf: Uint8Array, h: PacketFields): void {
  if (buf.length < MIN_PACKET_BYTES) throw new RangeError(`packet buffer must be at least ${MIN_PACKET_BYTES} bytes`);
  if (h.id8.length !== PACKET_ID_BYTES) throw new RangeError('packet ID must be 8 bytes');
  if (!Number.isInteger(h.verb) || h.verb < 0 || h.verb > VERB_MASK) throw new RangeError(`bad verb ${h.verb}`);
  buf.set(h.id8, PACKET_IDX_ID);
  writeAddressAt(buf, PACKET_IDX_DEST, h.dest);
  writeAddressAt(buf, PACKET_IDX_SOURCE, h.source);
  buf[PACKET_IDX_FLAGS] = 0;
  buf.fill(0, PACKET_IDX_MAC, PACKET_IDX_MAC + PACKET_MAC_BYTES);
  buf[PACKET_IDX_VERB] = h.verb;
}

/** A new unarmored packet: header + verb + a copy of `payload`. */
export function buildPacket(h: PacketFields & { payload?: Uint8Array }): Uint8Array {
  const payload = h.payload ?? new Uint8Array(0);
  const pkt = new Uint8Array(PACKET_IDX_PAYLOAD + payload.length);
  writeHeader(pkt, h);
  pkt.set(payload, PACKET_IDX_PAYLOAD);
  return pkt;
}

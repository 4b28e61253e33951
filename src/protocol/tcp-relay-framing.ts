// ZeroTier's TCP relay framing (06 §9.2): a TCP stream of records dressed as TLS 1.2
// application data, in both directions between a node and a relay (1.14.1's tcp-proxy).
//
//   byte 0     0x17          TLS "application data"
//   bytes 1-2  0x03 0x03     TLS 1.2
//   bytes 3-4  L             payload length, big-endian (0-65535)
//   bytes 5..  payload       L bytes, one of:
//     L = 4    major(1) minor(1) revision(2 BE)    HELLO, first record from a node
//     L >= 7   0x04 IPv4(4) port(2 BE) packet      destination (node → relay) or source (relay → node)
//     L >= 19  0x06 IPv6(16) port(2 BE) packet     accepted from a relay, never sent by one
//     L >= 1   0x00 packet                         no address: a node drops the packet
//
// 1.14.1 ignores bytes 0-2 on receive; every 1.14.1 sender writes 17 03 03, so anything else
// here is not a relay speaking this protocol and the stream is refused (DecodeError).
import { DecodeError } from '../util/errors.js';
import type { InetAddress } from './inet-address.js';

export const RECORD_HEADER_BYTES = 5;
export const MAX_RECORD_PAYLOAD_BYTES = 0xffff;
/** What 1.14.1 prefixes to a packet for an IPv4 address: type, 4 address bytes, port. */
export const IPV4_PREFIX_BYTES = 7;
const IPV6_PREFIX_BYTES = 19;
const HELLO_PAYLOAD_BYTES = 4;
const TLS_CONTENT_TYPE = 0x17;
const TLS_VERSION = 0x03;

/** Total size of a record carrying `packetBytes` after an IPv4 prefix. */
export function ipv4RecordSize(packetBytes: number): number {
  return RECORD_HEADER_BYTES + IPV4_PREFIX_BYTES + packetBytes;
}

/** The HELLO record a node sends first: its version (1.14.1 sends 17 03 03 00 04 01 0e 00 01). */
export function encodeHello(major: number, minor: number, revision: number): Uint8Array {
  return Uint8Array.of(TLS_CONTENT_TYPE, TLS_VERSION, TLS_VERSION, 0, HELLO_PAYLOAD_BYTES, major, minor, revision >> 8, revision & 0xff);
}

/** Writes the 5-byte header of a record with `payloadBytes` (<= 65535) at `offset`; returns the offset after it. */
export function writeRecordHeader(payloadBytes: number, buf: Uint8Array, offset: number): number {
  if (payloadBytes > MAX_RECORD_PAYLOAD_BYTES) throw new RangeError(`a relay record holds at most ${MAX_RECORD_PAYLOAD_BYTES} bytes, got ${payloadBytes}`);
  buf[offset] = TLS_CONTENT_TYPE;
  buf[offset + 1] = TLS_VERSION;
  buf[offset + 2] = TLS_VERSION;
  buf[offset + 3] = payloadBytes >> 8;
  buf[offset + 4] = payloadBytes & 0xff;
  return offset + RECORD_HEADER_BYTES;
}

/**
 * Writes a record `[header][04 ip port][packet]` into `buf` at `offset`; `buf` must have
 * ipv4RecordSize(packet.length) bytes there. Returns the offset after the record.
 * `packet.length` must be at most 65528 (the 16-bit length covers the prefix too).
 */
export function encodeIpv4Record(addr: InetAddress, packet: Uint8Array, buf: Uint8Array, offset: number): number {
  if (addr.family !== 4) throw new RangeError('the TCP relay framing carries IPv4 addresses only');
  let o = writeRecordHeader(IPV4_PREFIX_BYTES + packet.length, buf, offset);
  buf[o++] = 4;
  buf.set(addr.ip, o);
  o += 4;
  buf[o++] = addr.port >> 8;
  buf[o++] = addr.port & 0xff;
  buf.set(packet, o);
  return o + packet.length;
}

/** A decoded record payload, as a node reads what a relay sent. */
export type RelayPayload =
  | { kind: 'hello' }
  /** `from` is null for the 0x00 form (the node drops those: no source to answer). */
  | { kind: 'packet'; from: InetAddress | null; packet: Uint8Array };

/**
 * Reads one record payload (06 §9.2). An empty payload is nothing (1.14.1 skips it); a
 * payload of 4 bytes is a HELLO. An unknown address type, or one too short for its
 * address, throws DecodeError: 1.14.1 closes the connection then. `packet` is a view of
 * `payload`.
 */
export function decodeRelayPayload(payload: Uint8Array): RelayPayload | null {
  if (payload.length === 0) return null;
  if (payload.length === HELLO_PAYLOAD_BYTES) return { kind: 'hello' };
  const type = payload[0];
  if (type === 4) {
    if (payload.length < IPV4_PREFIX_BYTES) throw new DecodeError('relay record IPv4 address', 1, 'truncated');
    const port = (payload[5] << 8) | payload[6];
    return { kind: 'packet', from: { family: 4, ip: payload.slice(1, 5), port }, packet: payload.subarray(IPV4_PREFIX_BYTES) };
  }
  if (type === 6) {
    if (payload.length < IPV6_PREFIX_BYTES) throw new DecodeError('relay record IPv6 address', 1, 'truncated');
    const port = (payload[17] << 8) | payload[18];
    return { kind: 'packet', from: { family: 6, ip: payload.slice(1, 17), port }, packet: payload.subarray(IPV6_PREFIX_BYTES) };
  }
  if (type === 0) return { kind: 'packet', from: null, packet: payload.subarray(1) };
  throw new DecodeError('relay record address type', 0, 'bad_address_type');
}

/**
 * Splits a TCP byte stream into record payloads, whatever the segment boundaries. A header
 * that is not 17 03 03 throws DecodeError, and the decoder stays failed: the caller closes
 * the connection. At most one record (65540 bytes) is ever buffered.
 */
export class RelayRecordDecoder {
  private buf = new Uint8Array(0);
  private used = 0;
  private isFailed = false;

  /**
   * Feeds a chunk; `onPayload` gets each complete record's payload, a view valid only during
   * the call. The chunk is the caller's again when this returns.
   */
  push(chunk: Uint8Array, onPayload: (payload: Uint8Array) => void): void {
    if (this.isFailed) throw new DecodeError('relay record header', 0, 'after_error');
    let o = 0;
    if (this.used > 0) {
      // Complete the held partial record from the front of the chunk, no more.
      o = this.take(chunk, 0, RECORD_HEADER_BYTES);
      if (this.used < RECORD_HEADER_BYTES) return;
      const len = this.checkHeader(this.buf, 0);
      o = this.take(chunk, o, RECORD_HEADER_BYTES + len);
      if (this.used < RECORD_HEADER_BYTES + len) return;
      this.used = 0;
      onPayload(this.buf.subarray(RECORD_HEADER_BYTES, RECORD_HEADER_BYTES + len));
    }
    while (chunk.length - o >= RECORD_HEADER_BYTES) {
      const len = this.checkHeader(chunk, o);
      if (chunk.length - o < RECORD_HEADER_BYTES + len) break;
      onPayload(chunk.subarray(o + RECORD_HEADER_BYTES, o + RECORD_HEADER_BYTES + len));
      o += RECORD_HEADER_BYTES + len;
    }
    this.take(chunk, o, chunk.length - o);
  }

  /** Bytes held for a record not complete yet. */
  get pendingBytes(): number {
    return this.used;
  }

  /** The payload length of the header at `o`; a header that is not 17 03 03 fails the stream. */
  private checkHeader(data: Uint8Array, o: number): number {
    if (data[o] !== TLS_CONTENT_TYPE || data[o + 1] !== TLS_VERSION || data[o + 2] !== TLS_VERSION) {
      this.isFailed = true;
      this.used = 0;
      throw new DecodeError('relay record header', o, 'bad_version');
    }
    return (data[o + 3] << 8) | data[o + 4];
  }

  /** Moves bytes from chunk[o..] into the held record until it holds `upTo` bytes; returns the new offset. */
  private take(chunk: Uint8Array, o: number, upTo: number): number {
    const n = Math.min(Math.max(0, upTo - this.used), chunk.length - o);
    if (n <= 0) return o;
    if (this.used + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.used + n, Math.min(2 * this.buf.length + 64, RECORD_HEADER_BYTES + MAX_RECORD_PAYLOAD_BYTES)));
      grown.set(this.buf.subarray(0, this.used));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(o, o + n), this.used);
    this.used += n;
    return o + n;
  }
}

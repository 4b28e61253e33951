// Packet-level LZ4 compression (spec 02 §6): the flag handling around the codec in lz4.ts.
//
//   | bytes   | compressed packet                                           |
//   | 0–26    | header, unchanged                                           |
//   | 27      | verb byte with 0x80 set (encrypted by the cipher in 1 and 3)|
//   | 28…     | one raw LZ4 block replacing the payload                     |
//
// Order on send: compress → set the fragmented flag → armor. On receive: de-armor →
// decompress → dispatch. Only payloads longer than 64 bytes are compressed, and only when
// the block is strictly shorter.
//
// Decompression copies 1.14.1 exactly: LZ4_decompress_safe into a 10 024-byte buffer, then
// the result is refused if it is empty or longer than 9 996 bytes. The capacity matters,
// not only the limit: LZ4's end-of-block rules are relative to it (see lz4.ts), so
// decoding straight into 9 996 bytes would refuse a few blocks that 1.14.1 accepts.
import { DecodeError } from '../util/errors.js';
import {
  MAX_DECOMPRESSED_PAYLOAD_BYTES,
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
  PACKET_IDX_PAYLOAD,
  PACKET_IDX_VERB,
  VERB_FLAG_COMPRESSED,
} from './constants.js';
import { lz4Decompress, maybeCompress } from './lz4.js';

/**
 * Compresses an unarmored packet when worthwhile. Returns a new packet with the 0x80 verb
 * flag set, or `pkt` itself (flag left clear) when compression would not help or the
 * packet is already compressed. `pkt` is never modified.
 */
export function compressPacket(pkt: Uint8Array): Uint8Array {
  if (pkt.length < MIN_PACKET_BYTES) throw new RangeError(`packet shorter than ${MIN_PACKET_BYTES} bytes`);
  if ((pkt[PACKET_IDX_VERB] & VERB_FLAG_COMPRESSED) !== 0) return pkt;
  const payload = pkt.subarray(PACKET_IDX_PAYLOAD);
  // maybeCompress applies the "> 64 bytes and strictly shorter" rule.
  const block = maybeCompress(payload);
  if (block === null || block.length >= payload.length) return pkt;
  const out = new Uint8Array(PACKET_IDX_PAYLOAD + block.length);
  out.set(pkt.subarray(0, PACKET_IDX_PAYLOAD), 0);
  out[PACKET_IDX_VERB] |= VERB_FLAG_COMPRESSED;
  out.set(block, PACKET_IDX_PAYLOAD);
  return out;
}

/**
 * Expands a de-armored packet whose verb byte has 0x80 set; returns a new packet with the
 * flag cleared. A packet without the flag is returned as is (same array). A compressed
 * packet with an empty payload only has its flag cleared (in place), as in 1.14.1.
 * Throws DecodeError on a malformed block, an output over 9 996 bytes, or an empty output.
 */
export function decompressPacket(pkt: Uint8Array): Uint8Array {
  if (pkt.length < MIN_PACKET_BYTES) throw new DecodeError('packet', pkt.length, 'truncated');
  if ((pkt[PACKET_IDX_VERB] & VERB_FLAG_COMPRESSED) === 0) return pkt;
  if (pkt.length === MIN_PACKET_BYTES) {
    pkt[PACKET_IDX_VERB] &= ~VERB_FLAG_COMPRESSED & 0xff;
    return pkt;
  }
  const expanded = lz4Decompress(pkt.subarray(PACKET_IDX_PAYLOAD), MAX_PACKET_BYTES);
  if (expanded.length === 0) throw new DecodeError('compressed payload', PACKET_IDX_PAYLOAD, 'empty');
  if (expanded.length > MAX_DECOMPRESSED_PAYLOAD_BYTES) throw new DecodeError('compressed payload', PACKET_IDX_PAYLOAD, 'too_big');
  const out = new Uint8Array(PACKET_IDX_PAYLOAD + expanded.length);
  out.set(pkt.subarray(0, PACKET_IDX_PAYLOAD), 0);
  out[PACKET_IDX_VERB] &= ~VERB_FLAG_COMPRESSED & 0xff;
  out.set(expanded, PACKET_IDX_PAYLOAD);
  return out;
}

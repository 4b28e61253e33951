// LZ4 raw block codec (spec 02 §6): the payload compression of VL1 packets.
//
// A block is a run of sequences; there is no frame header and no size prefix.
//
//   sequence := token ‖ [literal length extension] ‖ literals ‖ offset ‖ [match length extension]
//   token    := high nibble: literal count (15 = "more follows"), low nibble: match length − 4
//   extension:= bytes added to the nibble value; every 255 means "another byte follows"
//   offset   := u16 little-endian, distance back into the output (1 … 65535)
//   The last sequence ends after its literals: it has no offset and its low nibble is unused.
//
// Decoding follows LZ4_decompress_safe of LZ4 1.7.5, the version embedded in 1.14.1's
// node/Packet.cpp, rule for rule (accept exactly what it accepts), with two deliberate
// differences: offset 0 is rejected (1.7.5 quietly writes zeros, the block format spec
// calls it corrupt, and no encoder emits it) and an empty input is rejected (1.7.5 reads
// one byte past it). Some of its rules depend on the output capacity, so callers must pass
// the capacity 1.14.1 uses (see lz4Decompress).
import { DecodeError } from '../util/errors.js';

const MIN_MATCH_BYTES = 4;
/** The last 5 bytes of the output are always literals. */
const LAST_LITERALS_BYTES = 5;
/** A match must start at least 12 bytes before the end (MFLIMIT in the LZ4 sources). */
const MATCH_FIND_LIMIT_BYTES = 12;
const MAX_OFFSET = 65535;
const HASH_BITS = 12;
/** Sender rule of 02 §6: only payloads longer than this are worth trying. */
export const COMPRESS_MIN_PAYLOAD_BYTES = 64;

// Decoding happens here and the result is copied out, so a packet costs one allocation
// of its own size rather than one of maxOut. Nothing here is re-entrant.
let decodeScratch = new Uint8Array(0);

function fail(offset: number, reason: string): never {
  throw new DecodeError('lz4', offset, reason);
}

/**
 * Decodes one raw LZ4 block into a new buffer of at most `maxOut` bytes.
 *
 * Never reads past `src` or writes past `maxOut`; any malformed block throws
 * DecodeError('lz4', inputOffset, reason). As in LZ4 1.7.5, `maxOut` is more than a
 * size limit: a sequence whose literals end within 12 bytes of `maxOut` must be the
 * last one, and a match may not end within 5 bytes of `maxOut`. 1.14.1 decodes into a
 * 10 024-byte buffer (ZT_PROTO_MAX_PACKET_LENGTH) and only afterwards drops results
 * longer than 9 996 bytes or of length 0, so pass 10 024 to accept exactly what it does.
 *
 * The result is a fresh buffer owned by the caller; `src` is not kept.
 */
export function lz4Decompress(src: Uint8Array, maxOut: number): Uint8Array {
  const n = src.length;
  if (maxOut <= 0) {
    // 1.7.5's special case: only the one-byte block `00` fits an empty output.
    if (n === 1 && src[0] === 0) return new Uint8Array(0);
    fail(0, 'output_overflow');
  }
  if (n === 0) fail(0, 'empty');
  if (decodeScratch.length < maxOut) decodeScratch = new Uint8Array(maxOut);
  const out = decodeScratch;
  let ip = 0;
  let op = 0;
  for (;;) {
    // ip < n holds here: the first time because n > 0, later because the previous match
    // left at least 5 input bytes (offset/extension checks below).
    const token = src[ip++];
    let litLen = token >>> 4;
    if (litLen === 15) {
      let s: number;
      do {
        if (ip >= n) fail(ip, 'literal_length_truncated');
        s = src[ip++];
        litLen += s;
      } while (s === 255 && ip < n - 15);
      // 1.7.5 stops reading 255s this close to the end; the length it has by then can
      // never fit what is left, so it fails a little later. Same verdict, clearer reason.
      if (s === 255) fail(ip, 'literal_length_truncated');
    }
    if (op + litLen > maxOut - MATCH_FIND_LIMIT_BYTES || ip + litLen > n - 8) {
      // Too close to either end for another sequence: this must be the last one, and
      // it must consume the input exactly.
      if (ip + litLen !== n) fail(ip, ip + litLen > n ? 'literals_past_input' : 'last_sequence_not_at_end');
      if (op + litLen > maxOut) fail(ip, 'output_overflow');
      out.set(src.subarray(ip, n), op);
      op += litLen;
      return out.slice(0, op);
    }
    if (litLen > 32) {
      out.set(src.subarray(ip, ip + litLen), op);
      ip += litLen;
      op += litLen;
    } else {
      // Short runs are the common case; a loop beats creating a subarray for them.
      const litEnd = ip + litLen;
      while (ip < litEnd) out[op++] = src[ip++];
    }

    const offset = src[ip] | (src[ip + 1] << 8); // readable: ip + 8 <= n was checked above
    if (offset === 0) fail(ip, 'offset_zero');
    if (offset > op) fail(ip, 'offset_before_output');
    ip += 2;

    let matchLen = token & 15;
    if (matchLen === 15) {
      let s: number;
      do {
        s = src[ip++]; // ip <= n - 5 before each read (loop condition below)
        if (ip > n - LAST_LITERALS_BYTES) fail(ip, 'match_length_truncated');
        matchLen += s;
      } while (s === 255);
    }
    matchLen += MIN_MATCH_BYTES;
    if (op + matchLen > maxOut - LAST_LITERALS_BYTES) fail(ip, 'match_past_output');
    let from = op - offset;
    const end = op + matchLen;
    if (offset >= matchLen && matchLen > 32) {
      out.copyWithin(op, from, from + matchLen);
      op = end;
    } else {
      // Byte by byte when source and destination overlap: the copy then reads bytes it
      // has just written, which is how LZ4 encodes runs (offset 1 repeats one byte).
      while (op < end) out[op++] = out[from++];
    }
  }
}

/** Worst-case size of lz4Compress output for n input bytes (LZ4_COMPRESSBOUND). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

/** Bytes needed to write a length whose nibble overflowed (value ≥ 15). */
function extensionBytes(v: number): number {
  return v >= 15 ? Math.floor((v - 15) / 255) + 1 : 0;
}

function writeExtension(dst: Uint8Array, op: number, v: number): number {
  let rest = v - 15;
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

/**
 * Writes one sequence (literals src[anchor, anchor+litLen), then a match unless
 * `matchLen` is 0) at dst[op]. Returns the new output position, or -1 if it would
 * pass `limit`.
 */
function writeSequence(
  src: Uint8Array, anchor: number, litLen: number, offset: number, matchLen: number,
  dst: Uint8Array, op: number, limit: number,
): number {
  const mlCode = matchLen === 0 ? 0 : matchLen - MIN_MATCH_BYTES;
  const size = 1 + extensionBytes(litLen) + litLen + (matchLen === 0 ? 0 : 2 + extensionBytes(mlCode));
  if (op + size > limit) return -1;
  dst[op++] = ((litLen >= 15 ? 15 : litLen) << 4) | (mlCode >= 15 ? 15 : mlCode);
  if (litLen >= 15) op = writeExtension(dst, op, litLen);
  if (litLen > 32) {
    dst.set(src.subarray(anchor, anchor + litLen), op);
    op += litLen;
  } else {
    for (let i = anchor, end = anchor + litLen; i < end; i++) dst[op++] = src[i];
  }
  if (matchLen !== 0) {
    dst[op++] = offset & 0xff;
    dst[op++] = offset >>> 8;
    if (mlCode >= 15) op = writeExtension(dst, op, mlCode);
  }
  return op;
}

// Reused between calls (the core is single-threaded and nothing here is re-entrant).
// Entries hold position + 1 + `tableBase`, so bumping the base empties the table
// without clearing it.
const hashTable = new Int32Array(1 << HASH_BITS);
let tableBase = 0;

// Output is built here and copied out at its final size.
let scratch = new Uint8Array(0);

function encodeScratch(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, 2 * scratch.length));
  return scratch;
}

function read32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function hash32(v: number): number {
  return Math.imul(v, 2654435761) >>> (32 - HASH_BITS);
}

/**
 * Greedy single-pass compressor: one hash-table probe per position for a 4-byte match,
 * extended both ways, skipping faster through data that keeps missing (as LZ4_compress_fast
 * does). Writes into dst[0, limit) and returns the size, or -1 if the output would not fit.
 */
function compressInto(src: Uint8Array, dst: Uint8Array, limit: number): number {
  const n = src.length;
  let op = 0;
  let anchor = 0;
  if (n > MATCH_FIND_LIMIT_BYTES) {
    if (tableBase > 0x7fffffff - 2 * (n + 1)) {
      hashTable.fill(0);
      tableBase = 0;
    }
    const base = tableBase;
    tableBase += n + 1;
    const lastMatchStart = n - MATCH_FIND_LIMIT_BYTES; // inclusive
    const matchEndLimit = n - LAST_LITERALS_BYTES; // exclusive
    let ip = 0;
    let misses = 0;
    while (ip <= lastMatchStart) {
      const seq = read32(src, ip);
      const h = hash32(seq);
      const cand = hashTable[h] - base - 1;
      hashTable[h] = ip + base + 1;
      if (cand < 0 || ip - cand > MAX_OFFSET || read32(src, cand) !== seq) {
        ip += 1 + (misses++ >> 6);
        continue;
      }
      misses = 0;
      let start = ip;
      let ref = cand;
      while (start > anchor && ref > 0 && src[start - 1] === src[ref - 1]) {
        start--;
        ref--;
      }
      let end = ip + MIN_MATCH_BYTES;
      let refEnd = cand + MIN_MATCH_BYTES;
      while (end < matchEndLimit && src[end] === src[refEnd]) {
        end++;
        refEnd++;
      }
      op = writeSequence(src, anchor, start - anchor, start - ref, end - start, dst, op, limit);
      if (op < 0) return -1;
      anchor = end;
      ip = end;
      // Remember a position inside the match too: cheap, and it helps the next probe.
      hashTable[hash32(read32(src, ip - 2))] = ip - 2 + base + 1;
    }
  }
  return writeSequence(src, anchor, n - anchor, 0, 0, dst, op, limit);
}

/**
 * Compresses `src` into one raw LZ4 block that any LZ4 block decoder accepts (the end of
 * block rules hold: the last 5 bytes are literals, no match starts in the last 12).
 * Output bytes differ from liblz4's; 02 §6 allows that. Returns a fresh buffer.
 */
export function lz4Compress(src: Uint8Array): Uint8Array {
  const bound = lz4CompressBound(src.length);
  const dst = encodeScratch(bound);
  return dst.slice(0, compressInto(src, dst, bound));
}

/**
 * The sender rule of 02 §6: the compressed block if the payload is longer than 64 bytes
 * and the block is strictly shorter; otherwise null (send uncompressed, flag clear).
 * Gives up as soon as the output reaches the payload's length. Returns a fresh buffer.
 */
export function maybeCompress(payload: Uint8Array): Uint8Array | null {
  const n = payload.length;
  if (n <= COMPRESS_MIN_PAYLOAD_BYTES) return null;
  const dst = encodeScratch(n);
  const size = compressInto(payload, dst, n - 1);
  return size < 0 ? null : dst.slice(0, size);
}

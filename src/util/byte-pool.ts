// Short-lived packet buffers carved out of shared chunks (issue #8). Every `new Uint8Array(n)`
// above 64 bytes is an off-heap ArrayBuffer of its own: a zeroed malloc, an entry the
// ArrayBuffer sweeper walks, and external memory that drives major GCs. On the frame path
// that cost more than the node's own work per frame. Carving views out of 256 KiB chunks
// makes that one allocation per ~90 frames.
//
// A view keeps its whole chunk alive, so use this only for buffers that die soon (a packet
// on its way to the socket), never for anything kept (peer state, parked packets may pin a
// chunk, which is bounded by their queues). Bytes are zero, as from `new Uint8Array(n)`:
// chunks are fresh and no range is handed out twice.

const CHUNK_BYTES = 256 * 1024;
/** Larger requests get their own buffer. */
const MAX_POOLED_BYTES = 16 * 1024;

let chunk = new Uint8Array(CHUNK_BYTES);
let used = 0;

/** A zeroed `n`-byte array that may share its ArrayBuffer (byteOffset ≠ 0) with others. */
export function transientBytes(n: number): Uint8Array {
  if (n > MAX_POOLED_BYTES) return new Uint8Array(n);
  if (used + n > CHUNK_BYTES) {
    chunk = new Uint8Array(CHUNK_BYTES);
    used = 0;
  }
  const out = chunk.subarray(used, used + n);
  used += (n + 7) & ~7;
  return out;
}

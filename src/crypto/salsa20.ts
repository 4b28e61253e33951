// Salsa20 stream cipher (Bernstein) with 12 or 20 rounds, in pure TypeScript — spec 01 §8.1.
//
// ZeroTier uses Salsa20/12 for packet armor and the HELLO tail (02 §5.2, §10.2) and
// Salsa20/20 for the memory-hard hash (01 §5.1). libsodium (sodium-native) only exposes the
// 20-round variant, so both are implemented here.
//
// State (sixteen little-endian 32-bit words):
//   | word  | 0  | 1..4     | 5  | 6..7  | 8..9                 | 10 | 11..14    | 15 |
//   | value | c0 | key 0-15 | c1 | nonce | block counter lo, hi | c2 | key 16-31 | c3 |
//   c0..c3 = "expand 32-byte k". Key 32 bytes, nonce 8 bytes, 64-bit counter from 0.
//
// Block-boundary rule (01 §8.1): every crypt() call starts at the next unused 64-byte
// keystream block; the unused tail of a partial block is thrown away. Packet armor relies on
// this: the 32-byte Poly1305 key consumes all of block 0 and the payload starts at byte 64.

const C0 = 0x61707865;
const C1 = 0x3320646e;
const C2 = 0x79622d32;
const C3 = 0x6b206574;

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Loads key, nonce and counter into a 16-word state (layout in the header). */
function setup(state: Uint32Array, key: Uint8Array, nonce: Uint8Array, counterLo: number, counterHi: number): void {
  if (key.length !== 32) throw new RangeError(`Salsa20 key must be 32 bytes, got ${key.length}`);
  if (nonce.length !== 8) throw new RangeError(`Salsa20 nonce must be 8 bytes, got ${nonce.length}`);
  state[0] = C0;
  state[1] = u32le(key, 0);
  state[2] = u32le(key, 4);
  state[3] = u32le(key, 8);
  state[4] = u32le(key, 12);
  state[5] = C1;
  state[6] = u32le(nonce, 0);
  state[7] = u32le(nonce, 4);
  state[8] = counterLo;
  state[9] = counterHi;
  state[10] = C2;
  state[11] = u32le(key, 16);
  state[12] = u32le(key, 20);
  state[13] = u32le(key, 24);
  state[14] = u32le(key, 28);
  state[15] = C3;
}

/**
 * Computes one 64-byte keystream block of `state` (at its current counter) into `ks`
 * (16 words, to be serialised little-endian) and advances the 64-bit counter.
 */
function block(state: Uint32Array, ks: Uint32Array, rounds: number): void {
  const j0 = state[0], j1 = state[1], j2 = state[2], j3 = state[3];
  const j4 = state[4], j5 = state[5], j6 = state[6], j7 = state[7];
  const j8 = state[8], j9 = state[9], j10 = state[10], j11 = state[11];
  const j12 = state[12], j13 = state[13], j14 = state[14], j15 = state[15];
  let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
  let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
  let u: number;
  for (let i = 0; i < rounds; i += 2) {
    // column round
    u = (x0 + x12) | 0; x4 ^= (u << 7) | (u >>> 25);
    u = (x4 + x0) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x4) | 0; x12 ^= (u << 13) | (u >>> 19);
    u = (x12 + x8) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x1) | 0; x9 ^= (u << 7) | (u >>> 25);
    u = (x9 + x5) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x9) | 0; x1 ^= (u << 13) | (u >>> 19);
    u = (x1 + x13) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x6) | 0; x14 ^= (u << 7) | (u >>> 25);
    u = (x14 + x10) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x14) | 0; x6 ^= (u << 13) | (u >>> 19);
    u = (x6 + x2) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x11) | 0; x3 ^= (u << 7) | (u >>> 25);
    u = (x3 + x15) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x3) | 0; x11 ^= (u << 13) | (u >>> 19);
    u = (x11 + x7) | 0; x15 ^= (u << 18) | (u >>> 14);
    // row round
    u = (x0 + x3) | 0; x1 ^= (u << 7) | (u >>> 25);
    u = (x1 + x0) | 0; x2 ^= (u << 9) | (u >>> 23);
    u = (x2 + x1) | 0; x3 ^= (u << 13) | (u >>> 19);
    u = (x3 + x2) | 0; x0 ^= (u << 18) | (u >>> 14);
    u = (x5 + x4) | 0; x6 ^= (u << 7) | (u >>> 25);
    u = (x6 + x5) | 0; x7 ^= (u << 9) | (u >>> 23);
    u = (x7 + x6) | 0; x4 ^= (u << 13) | (u >>> 19);
    u = (x4 + x7) | 0; x5 ^= (u << 18) | (u >>> 14);
    u = (x10 + x9) | 0; x11 ^= (u << 7) | (u >>> 25);
    u = (x11 + x10) | 0; x8 ^= (u << 9) | (u >>> 23);
    u = (x8 + x11) | 0; x9 ^= (u << 13) | (u >>> 19);
    u = (x9 + x8) | 0; x10 ^= (u << 18) | (u >>> 14);
    u = (x15 + x14) | 0; x12 ^= (u << 7) | (u >>> 25);
    u = (x12 + x15) | 0; x13 ^= (u << 9) | (u >>> 23);
    u = (x13 + x12) | 0; x14 ^= (u << 13) | (u >>> 19);
    u = (x14 + x13) | 0; x15 ^= (u << 18) | (u >>> 14);
  }
  ks[0] = x0 + j0; ks[1] = x1 + j1; ks[2] = x2 + j2; ks[3] = x3 + j3;
  ks[4] = x4 + j4; ks[5] = x5 + j5; ks[6] = x6 + j6; ks[7] = x7 + j7;
  ks[8] = x8 + j8; ks[9] = x9 + j9; ks[10] = x10 + j10; ks[11] = x11 + j11;
  ks[12] = x12 + j12; ks[13] = x13 + j13; ks[14] = x14 + j14; ks[15] = x15 + j15;
  // 64-bit little-endian block counter in words 8 (low) and 9 (high)
  const lo = (j8 + 1) >>> 0;
  state[8] = lo;
  if (lo === 0) state[9] = (j9 + 1) >>> 0;
}

/**
 * XORs input[0..n) with whole keystream blocks into output[0..n), consuming ⌈n/64⌉ blocks.
 * Reads each input byte before writing the same index, so input and output may be the same
 * memory (views starting at the same address).
 */
function xorBlocks(state: Uint32Array, ks: Uint32Array, rounds: number, input: Uint8Array, output: Uint8Array): void {
  const n = input.length;
  if (output.length < n) throw new RangeError(`Salsa20 output (${output.length}) shorter than input (${n})`);
  let o = 0;
  while (o < n) {
    block(state, ks, rounds);
    const end = Math.min(n, o + 64);
    // Serialise each keystream word little-endian as we XOR; endian-independent.
    for (let w = 0; o < end; w++) {
      let k = ks[w];
      const stop = Math.min(end, o + 4);
      for (; o < stop; o++) {
        output[o] = input[o] ^ (k & 0xff);
        k >>>= 8;
      }
    }
  }
}

/**
 * A Salsa20 keystream positioned at a block boundary. Construct per (key, nonce); `crypt`
 * continues the stream. The key and nonce are copied into the state, so the caller may
 * reuse its buffers after the constructor returns.
 */
export class Salsa20 {
  private readonly state = new Uint32Array(16);
  private readonly ks = new Uint32Array(16);
  private readonly rounds: 12 | 20;

  constructor(key: Uint8Array, nonce: Uint8Array, rounds: 12 | 20) {
    if (rounds !== 12 && rounds !== 20) throw new RangeError(`Salsa20 rounds must be 12 or 20, got ${rounds}`);
    this.rounds = rounds;
    setup(this.state, key, nonce, 0, 0);
  }

  /** Re-keys this object (counter back to 0) so hot paths can reuse one instance. */
  reset(key: Uint8Array, nonce: Uint8Array): void {
    setup(this.state, key, nonce, 0, 0);
  }

  /**
   * output[0..n) = input[0..n) XOR keystream, n = input.length. Starts at the next unused
   * 64-byte block and discards the unused tail of a final partial block (01 §8.1).
   * `output` may be the same buffer as `input` (or a view at the same address).
   */
  crypt(input: Uint8Array, output: Uint8Array): void {
    xorBlocks(this.state, this.ks, this.rounds, input, output);
  }
}

const scratchState = new Uint32Array(16);
const scratchKs = new Uint32Array(16);

/**
 * One-shot Salsa20: out = input XOR keystream(key, nonce) starting at block `initialBlock`
 * (a non-negative integer below 2^53). Like libsodium's crypto_stream_salsa20_xor_ic but
 * with a choice of rounds. `out` may alias `input` at the same address.
 */
export function salsa20Xor(
  rounds: 12 | 20,
  out: Uint8Array,
  input: Uint8Array,
  nonce: Uint8Array,
  key: Uint8Array,
  initialBlock = 0,
): void {
  if (rounds !== 12 && rounds !== 20) throw new RangeError(`Salsa20 rounds must be 12 or 20, got ${rounds}`);
  if (!Number.isSafeInteger(initialBlock) || initialBlock < 0) throw new RangeError(`bad Salsa20 initial block ${initialBlock}`);
  setup(scratchState, key, nonce, initialBlock >>> 0, Math.floor(initialBlock / 0x100000000) >>> 0);
  xorBlocks(scratchState, scratchKs, rounds, input, out);
}

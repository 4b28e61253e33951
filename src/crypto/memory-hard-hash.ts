// The memory-hard hash behind ZeroTier addresses — spec 01 §5.1 (criterion in §5.2).
//
//   D = SHA-512(publicKey64); one Salsa20/20 keystream, key D[0..32], nonce D[32..40],
//   counter 0, never reset:
//   fill      M (2 MiB = 32768 blocks): M_0 = K_0, M_i = M_{i-1} XOR K_i
//   scramble  n = 0..131071: w1 = BE64(M word 2n), w2 = BE64(M word 2n+1);
//             swap raw 8 bytes D word (w1 mod 8) <-> M word (w2 mod 262144);
//             D ^= K_{32768+n}
//   result    D (64 bytes)
//
// The keystream comes from libsodium (crypto_stream_salsa20, 20 rounds): the fill takes it in
// one call; the scramble takes it in chunks through crypto_stream_salsa20_xor_ic on a zeroed
// buffer, which yields the same blocks as encrypting D one block at a time but with 128
// native calls instead of 131072. Both buffers are module-level and fully overwritten on
// every call (the function is synchronous, so no two calls can interleave).
import sodium from 'sodium-native';
import { sha512Into } from './sha512.js';

const M_BYTES = 2 * 1024 * 1024;
const M_BLOCKS = M_BYTES / 64; // 32768
const M_WORDS64 = M_BYTES / 8; // 262144
const SCRAMBLE_ROUNDS = M_WORDS64 / 2; // 131072
const CHUNK_BLOCKS = 1024;

const mBuf = new ArrayBuffer(M_BYTES);
const m8 = new Uint8Array(mBuf);
const m32 = new Uint32Array(mBuf);
const ksBuf = new ArrayBuffer(CHUNK_BLOCKS * 64);
const ks8 = new Uint8Array(ksBuf);
const ks32 = new Uint32Array(ksBuf);
const dBuf = new ArrayBuffer(64);
const d8 = new Uint8Array(dBuf);
const d32 = new Uint32Array(dBuf);

/** The 64-byte memory-hard digest of a 64-byte public key (01 §5.1). ~2 MiB, tens of ms. */
export function memoryHardHash(publicKey64: Uint8Array): Uint8Array {
  if (publicKey64.length !== 64) throw new RangeError(`memory-hard hash input must be 64 bytes, got ${publicKey64.length}`);
  sha512Into(d8, publicKey64);
  // Copies: D changes during the scramble while the stream keeps its original key and nonce.
  const key = d8.slice(0, 32);
  const nonce = d8.slice(32, 40);

  // Fill: keystream blocks 0..32767, then a running XOR over 64-byte blocks. XOR is
  // byte-order independent, so 32-bit views are safe here and in the swaps below.
  sodium.crypto_stream_salsa20(m8, nonce, key);
  for (let i = 16; i < m32.length; i++) m32[i] ^= m32[i - 16];

  let nextBlock = M_BLOCKS;
  for (let n = 0; n < SCRAMBLE_ROUNDS; n++) {
    const c = n % CHUNK_BLOCKS;
    if (c === 0) {
      ks8.fill(0);
      sodium.crypto_stream_salsa20_xor_ic(ks8, ks8, nonce, nextBlock, key);
      nextBlock += CHUNK_BLOCKS;
    }
    // Only the low bits of the big-endian words matter: mod 8 is the last byte's low 3 bits,
    // mod 262144 the last 18 bits.
    const b = n * 16;
    const idx1 = m8[b + 7] & 7;
    const idx2 = ((m8[b + 13] & 3) << 16) | (m8[b + 14] << 8) | m8[b + 15];
    const dw = idx1 * 2;
    const mw = idx2 * 2;
    const t0 = d32[dw], t1 = d32[dw + 1];
    d32[dw] = m32[mw];
    d32[dw + 1] = m32[mw + 1];
    m32[mw] = t0;
    m32[mw + 1] = t1;
    const k = c * 16;
    for (let w = 0; w < 16; w++) d32[w] ^= ks32[k + w];
  }
  key.fill(0);
  nonce.fill(0);
  return d8.slice();
}

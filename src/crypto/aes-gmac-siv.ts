// AES-GMAC-SIV, ZeroTier's packet cipher suite 3 — spec 01 §9.2 (packet use in 02 §5.3).
//
//   Encrypt(N: 8-byte nonce, A: AAD, P: plaintext) with K0, K1 (AES-256):
//   1. T = GCM tag (key K0, IV N ‖ 00000000, AAD X = A ‖ zero-pad(A to 16) ‖ P, no plaintext)
//   2. t = T[0..8] XOR T[8..16]
//   3. W = AES-256-ECB-Encrypt_K1(N ‖ t)                 (16 bytes, sent on the wire)
//   4. C = W with C[12] &= 0x7f;  ciphertext = AES-256-CTR_K1(iv C, P)
//   Decrypt(W, A, ciphertext): P = CTR_K1(C, ciphertext); N ‖ t = AES-Decrypt_K1(W);
//   accept iff GMAC-fold over A ‖ pad ‖ P (the decrypted plaintext) equals t.
//
// CTR: 1.14.1 increments only the last 32-bit word; Node's aes-256-ctr does a 128-bit
// increment. They agree because bit 31 of that word starts cleared and no packet comes
// near 2^31 blocks (01 §9.2 step 5).
//
// Everything here uses node:crypto (OpenSSL, AES-NI where present). The one-block K1 wrap
// and unwrap use ECB objects kept open for the instance's lifetime (ECB without padding
// carries no state between blocks, so update() on 16 bytes is a pure block function); GCM
// and CTR need a fresh IV and so a fresh object per call. A batched native cipher can replace
// this class later without callers changing.
import { createCipheriv, createDecipheriv, createSecretKey, type Cipher, type Decipher, type KeyObject } from 'node:crypto';
import { constantTimeEqual } from '../util/bytes.js';

export const AES_GMAC_SIV_TAG_BYTES = 16;
const ZERO_PAD = new Uint8Array(16);

export class AesGmacSiv {
  private readonly k0: KeyObject;
  private readonly k1: KeyObject;
  private readonly wrapper: Cipher;
  private readonly unwrapper: Decipher;
  // Scratch, reused across calls; every call is synchronous.
  private readonly iv12 = new Uint8Array(12);
  private readonly block = new Uint8Array(16);
  private readonly ctrIv = new Uint8Array(16);

  /** k0 keys the GMAC, k1 the tag wrap and CTR; both 32 bytes and copied. */
  constructor(k0: Uint8Array, k1: Uint8Array) {
    if (k0.length !== 32 || k1.length !== 32) throw new RangeError('AES-GMAC-SIV keys must be 32 bytes each');
    this.k0 = createSecretKey(Uint8Array.from(k0));
    this.k1 = createSecretKey(Uint8Array.from(k1));
    this.wrapper = createCipheriv('aes-256-ecb', this.k1, null).setAutoPadding(false);
    this.unwrapper = createDecipheriv('aes-256-ecb', this.k1, null).setAutoPadding(false);
  }

  /**
   * Encrypts `plaintext` into `ciphertextOut` (at least as long; may be the same memory as
   * `plaintext`) and returns W, the 16-byte transmitted tag (a new array). `nonce8` is the
   * sender's random packet ID. No argument is kept after return.
   */
  encrypt(nonce8: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, ciphertextOut: Uint8Array): Uint8Array {
    if (nonce8.length !== 8) throw new RangeError(`AES-GMAC-SIV nonce must be 8 bytes, got ${nonce8.length}`);
    if (ciphertextOut.length < plaintext.length) throw new RangeError('AES-GMAC-SIV output shorter than input');
    const block = this.block;
    block.set(nonce8, 0);
    this.foldedGmac(nonce8, aad, plaintext, block, 8);
    const w = new Uint8Array(16);
    w.set(this.wrapper.update(block), 0);
    this.ctr(w, plaintext, ciphertextOut);
    return w;
  }

  /**
   * Decrypts `ciphertext` into `plaintextOut` (at least as long; may be the same memory)
   * and checks the tag. Returns false on authentication failure; `plaintextOut` then holds
   * unauthenticated bytes the caller must discard.
   */
  decrypt(w16: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, plaintextOut: Uint8Array): boolean {
    if (w16.length !== 16) throw new RangeError(`AES-GMAC-SIV tag must be 16 bytes, got ${w16.length}`);
    if (plaintextOut.length < ciphertext.length) throw new RangeError('AES-GMAC-SIV output shorter than input');
    const n = ciphertext.length;
    this.ctr(w16, ciphertext, plaintextOut);
    const nt = this.unwrapper.update(w16);
    const expected = this.block;
    this.foldedGmac(nt.subarray(0, 8), aad, plaintextOut.subarray(0, n), expected, 0);
    return constantTimeEqual(expected.subarray(0, 8), nt.subarray(8, 16));
  }

  /**
   * The unfolded 16-byte GMAC T of encrypt step 1 (K0, IV nonce8 ‖ 00000000, AAD
   * aad ‖ zero-pad ‖ plaintext). Exposed for known-answer tests; packets never carry T.
   */
  gmacTag(nonce8: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (nonce8.length !== 8) throw new RangeError(`AES-GMAC-SIV nonce must be 8 bytes, got ${nonce8.length}`);
    return Uint8Array.from(this.gmac(nonce8, aad, plaintext));
  }

  private gmac(nonce8: Uint8Array, aad: Uint8Array, p: Uint8Array): Uint8Array {
    const iv = this.iv12;
    iv.set(nonce8, 0); // bytes 8..11 stay zero
    const gcm = createCipheriv('aes-256-gcm', this.k0, iv);
    // Three AAD updates equal one over the concatenation (GHASH buffers partial blocks),
    // which avoids copying the packet.
    gcm.setAAD(aad);
    const pad = (16 - (aad.length & 15)) & 15;
    if (pad !== 0) gcm.setAAD(ZERO_PAD.subarray(0, pad));
    if (p.length !== 0) gcm.setAAD(p);
    gcm.final();
    return gcm.getAuthTag();
  }

  /** t = T[0..8] XOR T[8..16], written to out[at..at+8). */
  private foldedGmac(nonce8: Uint8Array, aad: Uint8Array, p: Uint8Array, out: Uint8Array, at: number): void {
    const tag = this.gmac(nonce8, aad, p);
    for (let i = 0; i < 8; i++) out[at + i] = tag[i] ^ tag[i + 8];
  }

  /** out = AES-256-CTR_K1(iv = w with byte 12 & 0x7f, input). */
  private ctr(w: Uint8Array, input: Uint8Array, out: Uint8Array): void {
    if (input.length === 0) return;
    const iv = this.ctrIv;
    iv.set(w, 0);
    iv[12] &= 0x7f;
    const c = createCipheriv('aes-256-ctr', this.k1, iv);
    out.set(c.update(input), 0);
    c.final();
  }
}

// The native packet ciphers (native/src/zt_crypto.cc, addon ztkube_crypto) as the core sees
// them: their types and the one selection point. The addon is loaded by the host
// (native-loader.ts, which does file I/O and so is never imported by the core) and handed
// to installNativeCrypto(); from then on derivePeerKeys() gives every new peer a native key
// (EVP contexts keyed once) and armor()/dearmor() in src/protocol/armor.ts use it. With
// nothing installed everything stays on the TypeScript implementations, which are the
// reference the native ones are tested against byte for byte
// (test/unit/crypto/native-crypto.test.ts).
//
// Argument mistakes throw TypeError / RangeError with code 'EINVAL' (message names the
// argument) before anything is touched — for a batch, before any packet is; an OpenSSL
// failure throws Error with code 'ECRYPTO'. Packet content never throws: dearmor says false.

/** A per-peer key context owned by the addon (freed when collected). Opaque. */
export interface NativePeerKey {
  readonly __nativePeerKey?: never;
}

export interface NativeCryptoAddon {
  /** K[0..32] for suites 0/1, K0 (GMAC) and K1 (tag wrap, CTR), 32 bytes each; all copied. */
  createPeerKey(salsaKey32: Uint8Array, k0: Uint8Array, k1: Uint8Array): NativePeerKey;
  /** armor.ts armor(): in place, pkt.length ≥ 28, suite 0 | 1 | 3. */
  armor(key: NativePeerKey, pkt: Uint8Array, suite: number): void;
  /** armor.ts dearmor(): in place; false (pkt unchanged) on a bad MAC/tag, < 28 bytes, suite 2, 4–7. */
  dearmor(key: NativePeerKey, pkt: Uint8Array): boolean;
  /**
   * Armors packet i = slab[offsets[i] … offsets[i] + lengths[i]) for i < count in one call.
   * keys: one key for all, or an array of ≥ count keys (runs of the same object are
   * unwrapped once); suites: one suite for all, or a Uint8Array of ≥ count suites.
   */
  armorBatch(
    keys: NativePeerKey | readonly NativePeerKey[],
    suites: number | Uint8Array,
    slab: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    count: number,
  ): void;
  /** De-armors packets as armorBatch lays them out; results[i] = 1 (authentic) or 0. Returns the number of 1s. */
  dearmorBatch(
    keys: NativePeerKey | readonly NativePeerKey[],
    slab: Uint8Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    count: number,
    results: Uint8Array,
  ): number;
  /** AES-GMAC-SIV encrypt (01 §9.2): ciphertextOut (≥ plaintext.length, may alias) and wOut (16). */
  sivEncrypt(key: NativePeerKey, nonce8: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, ciphertextOut: Uint8Array, wOut16: Uint8Array): void;
  /** AES-GMAC-SIV decrypt; false = forged (plaintextOut then holds unauthenticated bytes). */
  sivDecrypt(key: NativePeerKey, w16: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, plaintextOut: Uint8Array): boolean;
  /** The unfolded GMAC T (known-answer tests). */
  sivGmac(key: NativePeerKey, nonce8: Uint8Array, aad: Uint8Array, p: Uint8Array, tagOut16: Uint8Array): void;
  /** Salsa20/12: out = input XOR keystream from block initialBlock (whole blocks consumed). */
  salsa2012Xor(out: Uint8Array, input: Uint8Array, nonce8: Uint8Array, key32: Uint8Array, initialBlock: number): void;
  /** out16 = Poly1305(key32, msg). */
  poly1305(out16: Uint8Array, msg: Uint8Array, key32: Uint8Array): void;
}

let installed: NativeCryptoAddon | null = null;

/** Installs (or with null removes) the native ciphers for peers derived from now on. */
export function installNativeCrypto(addon: NativeCryptoAddon | null): void {
  installed = addon;
}

/** The installed addon, or null: the TypeScript ciphers are in use. */
export function nativeCrypto(): NativeCryptoAddon | null {
  return installed;
}

/**
 * AES-GMAC-SIV on a native key, with AesGmacSiv's interface (aes-gmac-siv.ts), for callers
 * that want the cipher without the packet layout.
 */
export class NativeAesGmacSiv {
  private readonly addon: NativeCryptoAddon;
  readonly key: NativePeerKey;

  constructor(addon: NativeCryptoAddon, k0: Uint8Array, k1: Uint8Array) {
    if (k0.length !== 32 || k1.length !== 32) throw new RangeError('AES-GMAC-SIV keys must be 32 bytes each');
    this.addon = addon;
    this.key = addon.createPeerKey(new Uint8Array(32), k0, k1);
  }

  encrypt(nonce8: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, ciphertextOut: Uint8Array): Uint8Array {
    const w = new Uint8Array(16);
    this.addon.sivEncrypt(this.key, nonce8, aad, plaintext, ciphertextOut, w);
    return w;
  }

  decrypt(w16: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, plaintextOut: Uint8Array): boolean {
    return this.addon.sivDecrypt(this.key, w16, aad, ciphertext, plaintextOut);
  }

  gmacTag(nonce8: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const t = new Uint8Array(16);
    this.addon.sivGmac(this.key, nonce8, aad, plaintext, t);
    return t;
  }
}

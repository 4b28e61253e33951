// The per-peer key set derived once from the 48-byte peer key K — spec 01 §6.2.
//
//   | name      | value                         | used by                              |
//   | key       | K (48)                        | KBKDF HMAC key                       |
//   | salsaKey  | K[0..32]                      | suites 0/1 (after mangling), HELLO tail |
//   | K0        | KBKDF(K, '0')[0..32]          | GMAC of AES-GMAC-SIV                 |
//   | K1        | KBKDF(K, '1')[0..32]          | tag wrap + CTR of AES-GMAC-SIV       |
import { AesGmacSiv } from './aes-gmac-siv.js';
import { KBKDF_LABEL_AES_GMAC_SIV_K0, KBKDF_LABEL_AES_GMAC_SIV_K1, kbkdfSha384 } from './kbkdf.js';
import { nativeCrypto, type NativePeerKey } from './native-crypto.js';

export interface PeerKeys {
  /** K, 48 bytes. */
  key: Uint8Array;
  /** K[0..32] (a view of `key`). */
  salsaKey: Uint8Array;
  /** AES-GMAC-SIV keyed with K0/K1. */
  aes: AesGmacSiv;
  /**
   * The same keys in the native addon (salsaKey, K0, K1), present when native crypto was
   * installed (native-crypto.ts) before this peer was derived; armor.ts then uses it.
   */
  native?: NativePeerKey;
}

/** K0 and K1 (32 bytes each) of a 48-byte peer key. */
export function deriveAesKeys(key48: Uint8Array): { k0: Uint8Array; k1: Uint8Array } {
  return {
    k0: kbkdfSha384(key48, KBKDF_LABEL_AES_GMAC_SIV_K0).slice(0, 32),
    k1: kbkdfSha384(key48, KBKDF_LABEL_AES_GMAC_SIV_K1).slice(0, 32),
  };
}

/** Computed once per peer (01 §6.2); `key48` is copied, so the caller keeps its buffer. */
export function derivePeerKeys(key48: Uint8Array): PeerKeys {
  if (key48.length !== 48) throw new RangeError(`peer key must be 48 bytes, got ${key48.length}`);
  const key = Uint8Array.from(key48);
  const { k0, k1 } = deriveAesKeys(key);
  const keys: PeerKeys = { key, salsaKey: key.subarray(0, 32), aes: new AesGmacSiv(k0, k1) };
  const addon = nativeCrypto();
  if (addon) keys.native = addon.createPeerKey(keys.salsaKey, k0, k1);
  return keys;
}

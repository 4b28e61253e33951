// Loads the native packet ciphers (native/, target ztkube_crypto, built by `make`) the way
// src/net/tap/addon.ts loads the TAP addon, and installs them (native-crypto.ts). Host-side
// only: this file reads the file system and the environment, so the core never imports it;
// the daemon, tests and benchmarks call enableNativeCrypto().
//
// Where: $ZTKUBE_CRYPTO_ADDON if set, else native/build/Release/ztkube_crypto.node in the
// first ancestor folder of this module that has it. ZTKUBE_NATIVE_CRYPTO=0 keeps the
// TypeScript ciphers.
import { addonRelativePath, findNativeAddon } from '../util/native-addon.js';
import { createRequire } from 'node:module';
import { installNativeCrypto, type NativeCryptoAddon } from './native-crypto.js';

const ADDON_RELATIVE = addonRelativePath('ztkube_crypto.node');
let cached: NativeCryptoAddon | undefined;

/** The addon could not be found or loaded. */
export class CryptoAddonError extends Error {
  override readonly name = 'CryptoAddonError';
}

/** Path of the addon, or null if it has not been built. */
export function findCryptoAddon(): string | null {
  return findNativeAddon('ztkube_crypto.node', 'ZTKUBE_CRYPTO_ADDON');
}

export function loadCryptoAddon(): NativeCryptoAddon {
  if (cached) return cached;
  const path = findCryptoAddon();
  if (!path) throw new CryptoAddonError(`native crypto addon not built (${ADDON_RELATIVE}); run make`);
  try {
    cached = createRequire(import.meta.url)(path) as NativeCryptoAddon;
  } catch (e) {
    throw new CryptoAddonError(`cannot load ${path}: ${(e as Error).message}`, { cause: e });
  }
  return cached;
}

/**
 * Installs the native ciphers when the addon is there and not disabled; returns whether it
 * did. Peers derived before the call keep the TypeScript ciphers.
 */
export function enableNativeCrypto(): boolean {
  if (process.env.ZTKUBE_NATIVE_CRYPTO === '0' || !findCryptoAddon()) {
    installNativeCrypto(null);
    return false;
  }
  installNativeCrypto(loadCryptoAddon());
  return true;
}

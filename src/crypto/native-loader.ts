// Loads the native packet ciphers (native/, target ztkube_crypto, built by `make`) the way
// src/net/tap/addon.ts loads the TAP addon, and installs them (native-crypto.ts). Host-side
// only: this file reads the file system and the environment, so the core never imports it;
// the daemon, tests and benchmarks call enableNativeCrypto().
//
// Where: $ZTKUBE_CRYPTO_ADDON if set, else native/build/Release/ztkube_crypto.node in the
// first ancestor folder of this module that has it. ZTKUBE_NATIVE_CRYPTO=0 keeps the
// TypeScript ciphers.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installNativeCrypto, type NativeCryptoAddon } from './native-crypto.js';

const ADDON_RELATIVE = join('native', 'build', 'Release', 'ztkube_crypto.node');
let cached: NativeCryptoAddon | undefined;

/** The addon could not be found or loaded. */
export class CryptoAddonError extends Error {
  override readonly name = 'CryptoAddonError';
}

/** Path of the addon, or null if it has not been built. */
export function findCryptoAddon(): string | null {
  const fromEnv = process.env.ZTKUBE_CRYPTO_ADDON;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, ADDON_RELATIVE);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
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

// Loads the native TAP addon (native/, built by `make` with node-gyp) and declares its
// functions' types; native/src/binding.cc is the other half of this file. Loaded lazily so
// that importing LinuxTap on a machine without the addon fails only when a TAP is opened.
//
// Where: $ZTKUBE_TAP_ADDON if set, else native/build/Release/ztkube_tap.node in the first
// ancestor folder of this module that has it (dist/src/net/tap/ → the repository root).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TapError } from './errors.js';

/** The opaque object the addon returns from open(). */
export interface NativeTapHandle {
  readonly name: string;
}

export interface NativeTapAddon {
  /**
   * Opens and attaches the TAP. onRead(count, errno) runs once per readable wakeup; errno is
   * null, or the errno name of a read error, after which the addon has stopped reading.
   */
  open(
    name: string,
    batch: number,
    slotBytes: number,
    headroom: number,
    slab: ArrayBuffer,
    lengths: Uint32Array,
    onRead: (count: number, errno: string | null) => void,
  ): NativeTapHandle;
  setReading(h: NativeTapHandle, on: boolean): void;
  /** false: dropped (EAGAIN, ENOBUFS, or EIO because the interface is down). */
  write(h: NativeTapHandle, frame: Uint8Array): boolean;
  /** Writes frames[0 … count); returns how many the device accepted. */
  writeBatch(h: NativeTapHandle, frames: readonly Uint8Array[], count: number): number;
  close(h: NativeTapHandle): void;
  setMtu(name: string, mtu: number): void;
  setMac(name: string, mac: Uint8Array): void;
  setUp(name: string, up: boolean): void;
  getInfo(name: string): { mtu: number; flags: number; index: number; mac: number };
}

const ADDON_RELATIVE = join('native', 'build', 'Release', 'ztkube_tap.node');
let cached: NativeTapAddon | undefined;

/** Path of the addon, or null if it has not been built. */
export function findTapAddon(): string | null {
  const fromEnv = process.env.ZTKUBE_TAP_ADDON;
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

export function loadTapAddon(): NativeTapAddon {
  if (cached) return cached;
  const path = findTapAddon();
  if (!path) throw new TapError('load', '-', 'ENOENT', `addon not built (${ADDON_RELATIVE}); run make`);
  cached = createRequire(import.meta.url)(path) as NativeTapAddon;
  return cached;
}

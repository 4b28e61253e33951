// Where a built addon of native/ is: $<envVar> if set, else native/build/Release/<file> in the
// first ancestor folder of this module that has it (dist/src/util/ → the repository root).
// The TAP, UDP and crypto addons are found the same way.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function addonRelativePath(file: string): string {
  return join('native', 'build', 'Release', file);
}

/** Path of the addon, or null if it has not been built (or the override names nothing). */
export function findNativeAddon(file: string, envVar: string): string | null {
  const fromEnv = process.env[envVar];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  const rel = addonRelativePath(file);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, rel);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

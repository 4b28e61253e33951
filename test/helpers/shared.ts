// Access to ../shared (the spec and vectors), which sits beside the checkout locally and in CI.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (dist/test/helpers → three levels up). */
export const repoRoot = resolve(here, '..', '..', '..');

export function sharedDir(): string {
  const fromEnv = process.env.ZTKUBE_SHARED;
  if (fromEnv) return fromEnv;
  const beside = resolve(repoRoot, '..', 'shared');
  if (existsSync(beside)) return beside;
  throw new Error(`shared/ not found beside the checkout (${beside}); set ZTKUBE_SHARED`);
}

const specCache = new Map<string, string>();

/** Text of a spec file, e.g. specText('01-identity-crypto.md'). */
export function specText(name: string): string {
  let t = specCache.get(name);
  if (t === undefined) {
    t = readFileSync(join(sharedDir(), 'spec', name), 'utf8');
    specCache.set(name, t);
  }
  return t;
}

/**
 * Vectors are copied into the tests for readability; this proves each copy is really in
 * the spec (hex compared with white space and line breaks removed), so a typo in a test
 * cannot invent a vector.
 */
export function assertInSpec(name: string, hexOrText: string): void {
  const flat = specText(name).replace(/\s+/g, '');
  assert.ok(flat.includes(hexOrText.replace(/\s+/g, '')), `vector not found in spec ${name}: ${hexOrText.slice(0, 48)}…`);
}

/** Files under ../shared/vectors (empty when that folder does not exist yet). */
export function vectorFiles(): string[] {
  const dir = join(sharedDir(), 'vectors');
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
}

// Cached peers not refreshed for 30 days are forgotten (06 §11.2): the daemon sweeps
// <home>/peers.d at start and every hour.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const PEER_CACHE_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
export const PEER_CACHE_SWEEP_INTERVAL_MS = 3600 * 1000;

/** Removes peer files older than the limit; returns the files it could not check or remove. */
export function sweepPeerCache(peersDir: string, nowMs: number, maxAgeMs = PEER_CACHE_MAX_AGE_MS): Array<{ file: string; error: string }> {
  const failures: Array<{ file: string; error: string }> = [];
  if (!existsSync(peersDir)) return failures;
  const cutoff = nowMs - maxAgeMs;
  for (const f of readdirSync(peersDir)) {
    const p = join(peersDir, f);
    try {
      if (statSync(p).mtimeMs < cutoff) rmSync(p, { force: true });
    } catch (e) {
      failures.push({ file: p, error: (e as Error).message });
    }
  }
  return failures;
}

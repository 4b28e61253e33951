// Go-style durations for flags ("15s", "1m30s", "500ms"), the form client-go's leader
// election flags take, so a chart value copied from another controller means the same here.
import { ConfigError } from '../util/errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds of `--<flag>`'s value; a bare number or an unknown unit is refused. */
export function parseDurationMs(flag: string, v: unknown): number {
  const text = String(v ?? '');
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (text === '' || parts.map((p) => p[0]).join('') !== text) {
    throw new ConfigError(`--${flag} must be a duration such as 15s, 500ms or 1m30s, got ${JSON.stringify(text)}`);
  }
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * UNIT_MS[p[2]!]!, 0));
}

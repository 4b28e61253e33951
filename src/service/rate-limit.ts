// At most one action per key per interval (STYLE §5: debug lines limited per peer and
// reason), with an injected clock and a bounded key table.
export class RateLimiter {
  private readonly last = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly maxKeys: number;

  constructor(intervalMs: number, maxKeys = 4096) {
    this.intervalMs = intervalMs;
    this.maxKeys = maxKeys;
  }

  /** True when `key` may act at `nowMs` (and records that it did). */
  allow(key: string, nowMs: number): boolean {
    const t = this.last.get(key);
    if (t !== undefined && nowMs - t < this.intervalMs) return false;
    if (t === undefined && this.last.size >= this.maxKeys) {
      // Forget the oldest key; Maps iterate in insertion order.
      const first = this.last.keys().next();
      if (!first.done) this.last.delete(first.value);
    }
    this.last.delete(key);
    this.last.set(key, nowMs);
    return true;
  }
}

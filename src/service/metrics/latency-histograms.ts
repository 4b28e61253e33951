// zt_peer_latency (06 §5.11): 1.14.1 observes each peer's latency at every ping pass, and an
// unknown latency (no path) as 65535 ms, which lands only in +Inf. The service samples the
// same way on its metrics timer. Peers that are gone are forgotten at the next sample, so
// the memory stays bounded by the peers held.

/** 1.14.1's buckets (ms); +Inf is implied. */
export const LATENCY_BUCKETS_MS = [1, 3, 6, 10, 30, 60, 100, 300, 600, 1000] as const;
/** What 1.14.1 observes for a peer without a usable path. */
export const UNKNOWN_LATENCY_MS = 0xffff;

export interface LatencyHistogram {
  /** Non-cumulative counts per bucket, then one for +Inf. */
  counts: number[];
  sumMs: number;
  count: number;
}

export class LatencyHistograms {
  private readonly byPeer = new Map<number, LatencyHistogram>();

  /** One observation per peer listed; peers not listed are dropped. */
  sample(peers: ReadonlyArray<{ address: number; latencyMs: number | null }>): void {
    const seen = new Set<number>();
    for (const p of peers) {
      seen.add(p.address);
      let h = this.byPeer.get(p.address);
      if (!h) this.byPeer.set(p.address, (h = { counts: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sumMs: 0, count: 0 }));
      const ms = p.latencyMs ?? UNKNOWN_LATENCY_MS;
      let i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
      if (i < 0) i = LATENCY_BUCKETS_MS.length;
      h.counts[i]++;
      h.sumMs += ms;
      h.count++;
    }
    for (const a of this.byPeer.keys()) if (!seen.has(a)) this.byPeer.delete(a);
  }

  /** By address, ascending. */
  entries(): Array<[number, LatencyHistogram]> {
    return [...this.byPeer.entries()].sort((a, b) => a[0] - b[0]);
  }
}

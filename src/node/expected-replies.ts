// Packet IDs we sent and may get an OK for (02 §4). Exact 64-bit IDs with a time-out,
// which 02 §4 allows in place of 1.14.1's 256×32 ring of upper halves.
import { EXPECTED_REPLY_MAX_ENTRIES, EXPECTED_REPLY_TTL_MS } from './constants.js';

export class ExpectedReplies {
  private ids = new Map<bigint, number>();

  expect(packetId: bigint, nowMs: number): void {
    if (this.ids.size >= EXPECTED_REPLY_MAX_ENTRIES) {
      // Maps iterate in insertion order: drop the oldest.
      const first = this.ids.keys().next();
      if (!first.done) this.ids.delete(first.value);
    }
    this.ids.set(packetId, nowMs);
  }

  /** True if we sent this ID recently. Not consumed: several OKs may answer one HELLO sent from all sockets. */
  isExpected(packetId: bigint, nowMs: number): boolean {
    const t = this.ids.get(packetId);
    return t !== undefined && nowMs - t < EXPECTED_REPLY_TTL_MS;
  }

  clean(nowMs: number): void {
    for (const [id, t] of this.ids) {
      if (nowMs - t < EXPECTED_REPLY_TTL_MS) break;
      this.ids.delete(id);
    }
  }
}

// Packet IDs we sent and may get an OK for (02 §4), kept as 1.14.1 keeps them
// (Node::expectReplyTo): the upper 32 bits of each ID in 256 rings of 32, chosen by those
// bits' low byte. That costs no allocation per packet (every FRAME registers, as 1.14.1's
// Switch does) and forgets an ID only after 32 newer ones of its bucket; a time stamp per
// slot adds the 60 s time-out 02 §4 allows.
import { EXPECTED_REPLY_TTL_MS } from './constants.js';

const BUCKETS = 256;
const SLOTS = 32;

/** The upper 32 bits of the big-endian packet ID at `at`. */
function upper32(id8: Uint8Array, at: number): number {
  return ((id8[at] << 24) >>> 0) + ((id8[at + 1] << 16) | (id8[at + 2] << 8) | id8[at + 3]);
}

export class ExpectedReplies {
  private readonly ids = new Uint32Array(BUCKETS * SLOTS);
  private readonly times = new Float64Array(BUCKETS * SLOTS).fill(-Infinity);
  private readonly next = new Uint8Array(BUCKETS);

  /** Registers the ID in the first 8 bytes of `packet` (the transmitted ID, after armor). */
  expectPacket(packet: Uint8Array, nowMs: number): void {
    const pid2 = upper32(packet, 0);
    const bucket = pid2 & (BUCKETS - 1);
    const slot = bucket * SLOTS + (this.next[bucket]++ & (SLOTS - 1));
    this.ids[slot] = pid2;
    this.times[slot] = nowMs;
  }

  /** True if we sent a packet with this ID (8 bytes) recently. Not consumed: several OKs may answer one HELLO. */
  isExpected(id8: Uint8Array, nowMs: number): boolean {
    const pid2 = upper32(id8, 0);
    const base = (pid2 & (BUCKETS - 1)) * SLOTS;
    for (let i = 0; i < SLOTS; i++) {
      if (this.ids[base + i] === pid2 && nowMs - this.times[base + i] < EXPECTED_REPLY_TTL_MS) return true;
    }
    return false;
  }
}

// The FrameBatch both Tap implementations hand to onFrames (tap.ts): a fixed slab of
// `batchSize` slots, each `headroom` free bytes followed by room for one frame, plus the
// lengths array that the reader (the addon or FakeTap) fills. One object per Tap, reused for
// every wakeup, so reading allocates nothing per frame (STYLE §4).
import type { FrameBatch } from './tap.js';

export class SlabFrameBatch implements FrameBatch {
  /** Set by the owner before each callback and reset to 0 after it. */
  count = 0;
  readonly slab: Uint8Array;
  readonly lengths: Uint32Array;

  constructor(
    readonly batchSize: number,
    readonly slotBytes: number,
    readonly headroom: number,
  ) {
    this.slab = new Uint8Array(new ArrayBuffer(batchSize * slotBytes));
    this.lengths = new Uint32Array(batchSize);
  }

  offset(i: number): number {
    this.check(i);
    return i * this.slotBytes + this.headroom;
  }

  length(i: number): number {
    this.check(i);
    return this.lengths[i];
  }

  frame(i: number): Uint8Array {
    const at = this.offset(i);
    return this.slab.subarray(at, at + this.lengths[i]);
  }

  /** Largest frame a slot holds. */
  get frameCapacity(): number {
    return this.slotBytes - this.headroom;
  }

  private check(i: number): void {
    // A stale batch (after its callback) has count 0, so this also catches late use.
    if (!(i >= 0 && i < this.count)) throw new RangeError(`frame index ${i} outside batch of ${this.count}`);
  }
}

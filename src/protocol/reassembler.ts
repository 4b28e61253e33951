// Reassembly of fragmented packets addressed to this node (spec 02 §7.2). Pure: time is
// passed in, nothing is scheduled.
//
// Pieces are keyed by the 8-byte packet ID as transmitted. A packet is complete when the
// head (flag 0x40) and fragments 1…t−1 are present, where t is learned from any fragment
// (the head does not carry it); the result is the head followed by the fragments' data in
// order. Pieces may arrive in any order.
//
// Drops (each counted in `drops` and reported in `lastDropReason`):
//   truncated            head < 28 bytes or fragment < 17 bytes
//   not_fragment         fragment without the 0xff indicator
//   not_fragmented_head  head without the fragmented flag (caller should not pass it)
//   bad_fragment_count   t < 2, t > 7, f = 0 or f ≥ t
//   inconsistent_total   a fragment's t differs from the t already recorded for its ID
//   duplicate            same ID and piece again, or a piece of a packet just completed
//   too_big              the assembled packet would exceed 10 024 bytes
//   timeout              an entry older than timeoutMs (counted per entry)
//   evicted              the oldest entry, dropped to make room when the table is full
//
// Differences from 1.14.1 (see the report): it has a ring of 32 slots shared with parked
// packets and lets a later fragment overwrite t; here the table is only for reassembly,
// bounded by `maxEntries`, and a conflicting t is refused, so a packet is never assembled
// from a set of pieces that does not match its count.
import { packetId, isFragmented } from './packet.js';
import { fragmentProblem } from './fragment.js';
import { transientBytes } from '../util/byte-pool.js';
import {
  FRAGMENT_IDX_COUNTS,
  FRAGMENT_IDX_PAYLOAD,
  MAX_FRAGMENTS,
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
} from './constants.js';

export type ReassemblyDropReason =
  | 'truncated'
  | 'not_fragment'
  | 'not_fragmented_head'
  | 'bad_fragment_count'
  | 'inconsistent_total'
  | 'duplicate'
  | 'too_big'
  | 'timeout'
  | 'evicted';

const DROP_REASONS: readonly ReassemblyDropReason[] = [
  'truncated', 'not_fragment', 'not_fragmented_head', 'bad_fragment_count',
  'inconsistent_total', 'duplicate', 'too_big', 'timeout', 'evicted',
];

export interface ReassemblerOptions {
  /** Most packets in reassembly at once; the oldest is evicted beyond this. */
  maxEntries: number;
  /** An entry is dropped once nowMs − (its first piece's arrival) ≥ timeoutMs. */
  timeoutMs: number;
}

interface Entry {
  createdMs: number;
  head: Uint8Array | null;
  /** Data of fragment f at index f (1…6); index 0 unused. */
  frags: Array<Uint8Array | null>;
  /** Total pieces, 0 while only the head is known. */
  total: number;
  fragCount: number;
}

export class Reassembler {
  private readonly maxEntries: number;
  private readonly timeoutMs: number;
  /** Insertion order = creation order, so the first key is the oldest entry. */
  private readonly entries = new Map<bigint, Entry>();
  /** IDs completed recently, so late duplicates do not open a new entry. */
  private readonly completed = new Map<bigint, number>();

  readonly drops: Record<ReassemblyDropReason, number>;
  completedTotal = 0;
  /** The reason of the most recent add that dropped something, else null. */
  lastDropReason: ReassemblyDropReason | null = null;

  constructor(opts: ReassemblerOptions) {
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${opts.maxEntries}`);
    if (!(opts.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${opts.timeoutMs}`);
    this.maxEntries = opts.maxEntries;
    this.timeoutMs = opts.timeoutMs;
    this.drops = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<ReassemblyDropReason, number>;
  }

  /** Packets currently waiting for pieces. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Adds a head (a packet with the fragmented flag, as received; at least 28 bytes).
   * Copies what it keeps, so the caller may reuse `pkt`. Returns the whole packet (a new
   * array owned by the caller) when this completes it, else null.
   */
  addHead(nowMs: number, pkt: Uint8Array): Uint8Array | null {
    this.lastDropReason = null;
    if (pkt.length < MIN_PACKET_BYTES) return this.drop('truncated');
    if (!isFragmented(pkt)) return this.drop('not_fragmented_head');
    if (pkt.length > MAX_PACKET_BYTES) return this.drop('too_big');
    const id = packetId(pkt);
    let e = this.lookup(nowMs, id);
    if (e === undefined) {
      if (this.wasCompleted(nowMs, id)) return this.drop('duplicate');
      e = this.create(nowMs, id, 0);
    } else if (e.head !== null) {
      return this.drop('duplicate');
    }
    // Kept as a view while the packet is assembled; copied only if it has to wait (the
    // caller may reuse `pkt`): one off-heap allocation less per completing piece. A waiting
    // piece lives only until its packet completes or times out: a pooled copy (byte-pool.ts).
    e.head = pkt;
    const whole = this.tryComplete(nowMs, id, e);
    if (whole === null && e.head === pkt) e.head = transientCopy(pkt);
    return whole;
  }

  /**
   * Adds a fragment datagram (as received). Copies what it keeps. Returns the whole packet
   * when this completes it, else null.
   */
  addFragment(nowMs: number, frag: Uint8Array): Uint8Array | null {
    this.lastDropReason = null;
    const problem = fragmentProblem(frag);
    if (problem !== null) return this.drop(problem);
    const counts = frag[FRAGMENT_IDX_COUNTS];
    const total = counts >> 4;
    const index = counts & 0x0f;
    const id = packetId(frag);
    let e = this.lookup(nowMs, id);
    if (e === undefined) {
      if (this.wasCompleted(nowMs, id)) return this.drop('duplicate');
      e = this.create(nowMs, id, total);
    } else if (e.total !== 0 && e.total !== total) {
      return this.drop('inconsistent_total');
    } else if (e.frags[index] !== null) {
      return this.drop('duplicate');
    }
    e.total = total;
    const data = frag.subarray(FRAGMENT_IDX_PAYLOAD);
    e.frags[index] = data;
    e.fragCount++;
    const whole = this.tryComplete(nowMs, id, e);
    if (whole === null && e.frags[index] === data) e.frags[index] = transientCopy(data);
    return whole;
  }

  /** Drops every entry that has timed out; returns how many. Call from the node's tick. */
  expire(nowMs: number): number {
    let n = 0;
    for (const [id, e] of this.entries) {
      if (nowMs - e.createdMs >= this.timeoutMs) {
        this.entries.delete(id);
        n++;
      }
    }
    for (const [id, t] of this.completed) {
      if (nowMs - t >= this.timeoutMs) this.completed.delete(id);
    }
    this.drops.timeout += n;
    return n;
  }

  private drop(reason: ReassemblyDropReason): null {
    this.drops[reason]++;
    this.lastDropReason = reason;
    return null;
  }

  /** The live entry for `id`; a timed-out one is dropped here rather than reused. */
  private lookup(nowMs: number, id: bigint): Entry | undefined {
    const e = this.entries.get(id);
    if (e !== undefined && nowMs - e.createdMs >= this.timeoutMs) {
      this.entries.delete(id);
      this.drops.timeout++;
      return undefined;
    }
    return e;
  }

  private wasCompleted(nowMs: number, id: bigint): boolean {
    const t = this.completed.get(id);
    if (t === undefined) return false;
    if (nowMs - t < this.timeoutMs) return true;
    this.completed.delete(id);
    return false;
  }

  private create(nowMs: number, id: bigint, total: number): Entry {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as bigint;
      this.entries.delete(oldest);
      this.drops.evicted++;
      this.lastDropReason = 'evicted';
    }
    const e: Entry = { createdMs: nowMs, head: null, frags: new Array<Uint8Array | null>(MAX_FRAGMENTS).fill(null), total, fragCount: 0 };
    this.entries.set(id, e);
    return e;
  }

  private tryComplete(nowMs: number, id: bigint, e: Entry): Uint8Array | null {
    if (e.head === null || e.total === 0 || e.fragCount !== e.total - 1) return null;
    // Same total everywhere and distinct indices below it, so 1…t−1 are all present.
    this.entries.delete(id);
    let n = e.head.length;
    for (let f = 1; f < e.total; f++) n += (e.frags[f] as Uint8Array).length;
    if (n > MAX_PACKET_BYTES) return this.drop('too_big');
    const out = new Uint8Array(n);
    out.set(e.head, 0);
    let off = e.head.length;
    for (let f = 1; f < e.total; f++) {
      const d = e.frags[f] as Uint8Array;
      out.set(d, off);
      off += d.length;
    }
    this.rememberCompleted(id, nowMs);
    this.completedTotal++;
    return out;
  }

  private rememberCompleted(id: bigint, atMs: number): void {
    if (this.completed.size >= this.maxEntries) {
      const oldest = this.completed.keys().next().value as bigint;
      this.completed.delete(oldest);
    }
    this.completed.set(id, atMs);
  }
}

function transientCopy(d: Uint8Array): Uint8Array {
  const c = transientBytes(d.length);
  c.set(d);
  return c;
}

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
import { isFragmented } from './packet.js';
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
  /**
   * Where whole packets are assembled (at least MAX_PACKET_BYTES): what addHead and
   * addFragment return is then a view of it, valid until the next add. Without it each
   * whole packet is a pooled buffer (byte-pool.ts).
   */
  assembleInto?: Uint8Array;
}

interface Entry {
  /** The packet ID's two 32-bit halves; `isUsed` false: a free slot. */
  idHi: number;
  idLo: number;
  isUsed: boolean;
  /** Creation order, for evicting the oldest. */
  seq: number;
  createdMs: number;
  head: Uint8Array | null;
  /** Data of fragment f at index f (1…6); index 0 unused. */
  frags: Array<Uint8Array | null>;
  /** Total pieces, 0 while only the head is known. */
  total: number;
  fragCount: number;
  /** Where the pieces that wait are copied (made at the slot's first use), and how much is taken. */
  buf: Uint8Array | null;
  bufUsed: number;
}

/** Bytes 0–3 and 4–7 of a packet or fragment: its ID as two numbers (no BigInt per datagram). */
function idHiOf(b: Uint8Array): number {
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}
function idLoOf(b: Uint8Array): number {
  return ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
}

/**
 * The table is `maxEntries` reusable slots searched linearly, as 1.14.1's ring of 32 is:
 * with a few dozen entries that is cheaper than hashing a key per datagram, and the slots
 * and their fragment arrays are made once.
 */
export class Reassembler {
  private readonly maxEntries: number;
  private readonly timeoutMs: number;
  private readonly slots: Entry[];
  private readonly assembleInto: Uint8Array | null;
  private used = 0;
  private nextSeq = 0;
  /** IDs completed recently (a ring), so late duplicates do not open a new entry. */
  private readonly completedHi: Uint32Array;
  private readonly completedLo: Uint32Array;
  private readonly completedMs: Float64Array;
  private completedNext = 0;

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
    if (opts.assembleInto && opts.assembleInto.length < MAX_PACKET_BYTES) throw new RangeError(`assembleInto must hold ${MAX_PACKET_BYTES} bytes, got ${opts.assembleInto.length}`);
    this.assembleInto = opts.assembleInto ?? null;
    this.slots = Array.from({ length: opts.maxEntries }, () => ({
      idHi: 0, idLo: 0, isUsed: false, seq: 0, createdMs: 0, head: null, frags: new Array<Uint8Array | null>(MAX_FRAGMENTS).fill(null), total: 0, fragCount: 0, buf: null, bufUsed: 0,
    }));
    this.completedHi = new Uint32Array(opts.maxEntries);
    this.completedLo = new Uint32Array(opts.maxEntries);
    // -Infinity: an empty ring slot, never "recent".
    this.completedMs = new Float64Array(opts.maxEntries).fill(-Infinity);
  }

  /** Packets currently waiting for pieces. */
  get size(): number {
    return this.used;
  }

  /**
   * Adds a head (a packet with the fragmented flag, as received; at least 28 bytes).
   * Copies what it keeps, so the caller may reuse `pkt`. Returns the whole packet when this
   * completes it, else null: a view of `assembleInto` valid until the next add, or without
   * one a pooled buffer (byte-pool.ts) the caller must let go of soon (it shares a chunk
   * with other short-lived buffers).
   */
  addHead(nowMs: number, pkt: Uint8Array): Uint8Array | null {
    this.lastDropReason = null;
    if (pkt.length < MIN_PACKET_BYTES) return this.drop('truncated');
    if (!isFragmented(pkt)) return this.drop('not_fragmented_head');
    if (pkt.length > MAX_PACKET_BYTES) return this.drop('too_big');
    const hi = idHiOf(pkt);
    const lo = idLoOf(pkt);
    let e = this.lookup(nowMs, hi, lo);
    if (e === undefined) {
      if (this.wasCompleted(nowMs, hi, lo)) return this.drop('duplicate');
      e = this.create(nowMs, hi, lo, 0);
    } else if (e.head !== null) {
      return this.drop('duplicate');
    }
    // Kept as a view while the packet is assembled; copied only if it has to wait (the
    // caller may reuse `pkt`), into the slot's own buffer: no allocation per piece.
    e.head = pkt;
    const whole = this.tryComplete(nowMs, e);
    if (whole === null && e.head === pkt) e.head = this.keep(e, pkt);
    return whole;
  }

  /**
   * Adds a fragment datagram (as received). Copies what it keeps. Returns the whole packet
   * when this completes it (pooled, as from addHead), else null.
   */
  addFragment(nowMs: number, frag: Uint8Array): Uint8Array | null {
    this.lastDropReason = null;
    const problem = fragmentProblem(frag);
    if (problem !== null) return this.drop(problem);
    const counts = frag[FRAGMENT_IDX_COUNTS];
    const total = counts >> 4;
    const index = counts & 0x0f;
    const hi = idHiOf(frag);
    const lo = idLoOf(frag);
    let e = this.lookup(nowMs, hi, lo);
    if (e === undefined) {
      if (this.wasCompleted(nowMs, hi, lo)) return this.drop('duplicate');
      e = this.create(nowMs, hi, lo, total);
    } else if (e.total !== 0 && e.total !== total) {
      return this.drop('inconsistent_total');
    } else if (e.frags[index] !== null) {
      return this.drop('duplicate');
    }
    e.total = total;
    const data = frag.subarray(FRAGMENT_IDX_PAYLOAD);
    e.frags[index] = data;
    e.fragCount++;
    const whole = this.tryComplete(nowMs, e);
    if (whole === null && e.frags[index] === data) e.frags[index] = this.keep(e, data);
    return whole;
  }

  /** Drops every entry that has timed out; returns how many. Call from the node's tick. */
  expire(nowMs: number): number {
    let n = 0;
    for (const e of this.slots) {
      if (e.isUsed && nowMs - e.createdMs >= this.timeoutMs) {
        this.free(e);
        n++;
      }
    }
    this.drops.timeout += n;
    return n;
  }

  private drop(reason: ReassemblyDropReason): null {
    this.drops[reason]++;
    this.lastDropReason = reason;
    return null;
  }

  /** The live entry for the ID; a timed-out one is dropped here rather than reused. */
  private lookup(nowMs: number, hi: number, lo: number): Entry | undefined {
    if (this.used === 0) return undefined;
    for (const e of this.slots) {
      if (!e.isUsed || e.idLo !== lo || e.idHi !== hi) continue;
      if (nowMs - e.createdMs >= this.timeoutMs) {
        this.free(e);
        this.drops.timeout++;
        return undefined;
      }
      return e;
    }
    return undefined;
  }

  private wasCompleted(nowMs: number, hi: number, lo: number): boolean {
    for (let i = 0; i < this.maxEntries; i++) {
      if (this.completedLo[i] === lo && this.completedHi[i] === hi && nowMs - this.completedMs[i] < this.timeoutMs) return true;
    }
    return false;
  }

  private create(nowMs: number, hi: number, lo: number, total: number): Entry {
    let slot: Entry | undefined;
    if (this.used >= this.maxEntries) {
      slot = this.slots[0];
      for (const e of this.slots) if (e.seq < slot.seq) slot = e;
      this.free(slot);
      this.drops.evicted++;
      this.lastDropReason = 'evicted';
    } else {
      slot = this.slots.find((e) => !e.isUsed) as Entry;
    }
    slot.idHi = hi;
    slot.idLo = lo;
    slot.isUsed = true;
    slot.seq = this.nextSeq++;
    slot.createdMs = nowMs;
    slot.total = total;
    this.used++;
    return slot;
  }

  private free(e: Entry): void {
    e.isUsed = false;
    e.head = null;
    e.frags.fill(null);
    e.fragCount = 0;
    e.total = 0;
    e.bufUsed = 0;
    this.used--;
  }

  /**
   * A waiting piece, copied into its slot's buffer. The pieces of one packet together are at
   * most a whole packet, so MAX_PACKET_BYTES always holds them; pieces that would not fit
   * belong to a packet that will be too big, and get a pooled copy until tryComplete says so.
   */
  private keep(e: Entry, piece: Uint8Array): Uint8Array {
    const buf = (e.buf ??= new Uint8Array(MAX_PACKET_BYTES));
    if (e.bufUsed + piece.length > buf.length) return transientCopy(piece);
    const out = buf.subarray(e.bufUsed, e.bufUsed + piece.length);
    out.set(piece);
    e.bufUsed += piece.length;
    return out;
  }

  private tryComplete(nowMs: number, e: Entry): Uint8Array | null {
    if (e.head === null || e.total === 0 || e.fragCount !== e.total - 1) return null;
    // Same total everywhere and distinct indices below it, so 1…t−1 are all present.
    const head = e.head;
    const total = e.total;
    let n = head.length;
    for (let f = 1; f < total; f++) n += (e.frags[f] as Uint8Array).length;
    if (n > MAX_PACKET_BYTES) {
      this.free(e);
      return this.drop('too_big');
    }
    const out = this.assembleInto ? this.assembleInto.subarray(0, n) : transientBytes(n);
    out.set(head, 0);
    let off = head.length;
    for (let f = 1; f < total; f++) {
      const d = e.frags[f] as Uint8Array;
      out.set(d, off);
      off += d.length;
    }
    this.rememberCompleted(e.idHi, e.idLo, nowMs);
    this.free(e);
    this.completedTotal++;
    return out;
  }

  private rememberCompleted(hi: number, lo: number, atMs: number): void {
    const i = this.completedNext;
    this.completedHi[i] = hi;
    this.completedLo[i] = lo;
    this.completedMs[i] = atMs;
    this.completedNext = (i + 1) % this.maxEntries;
  }
}

function transientCopy(d: Uint8Array): Uint8Array {
  const c = transientBytes(d.length);
  c.set(d);
  return c;
}

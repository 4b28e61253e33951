// Virtual clock and event scheduler for the simulated internet (STYLE §11: nothing sleeps).
//
// Events run in order of time, then of scheduling (a sequence number), so two runs that
// schedule the same things in the same order run them identically. Time only moves when
// the scheduler moves it: to the time of the next event, or to the end of a run window.
// Nothing here touches a real timer.

/** A scheduled callback; pass it to `cancel`. */
export interface SimTimer {
  readonly atMs: number;
  readonly seq: number;
  /** True once cancelled or run. */
  readonly isDone: boolean;
}

interface Entry extends SimTimer {
  isDone: boolean;
  fn: () => void;
}

/** Thrown when one instant runs more events than `maxEventsPerInstant` (a node returning "now" forever). */
export class LivelockError extends Error {
  constructor(atMs: number, count: number) {
    super(`sim clock: ${count} events at t=${atMs} ms without time advancing (livelock?)`);
    this.name = 'LivelockError';
  }
}

export class SimClock {
  private nowMs: number;
  private seqNext = 0;
  private readonly heap: Entry[] = [];
  private instantMs = Number.NaN;
  private instantCount = 0;
  /** Events run so far (all time). */
  eventsRunTotal = 0;

  constructor(startMs = 0, readonly maxEventsPerInstant = 1_000_000) {
    this.nowMs = startMs;
  }

  get now(): number {
    return this.nowMs;
  }

  /** Number of events still waiting (cancelled ones are removed lazily and may be counted). */
  get pending(): number {
    return this.heap.length;
  }

  /** Runs `fn` at `atMs` (a time in the past runs at the current time, after what is already due). */
  schedule(atMs: number, fn: () => void): SimTimer {
    if (!Number.isFinite(atMs)) throw new RangeError(`sim clock: cannot schedule at ${atMs}`);
    const e: Entry = { atMs: Math.max(atMs, this.nowMs), seq: this.seqNext++, isDone: false, fn };
    this.push(e);
    return e;
  }

  /** Runs `fn` after `delayMs` of virtual time. */
  after(delayMs: number, fn: () => void): SimTimer {
    return this.schedule(this.nowMs + delayMs, fn);
  }

  cancel(t: SimTimer | null | undefined): void {
    if (t) (t as Entry).isDone = true;
  }

  /** Time of the next live event, or null when nothing is scheduled. */
  nextAt(): number | null {
    this.dropCancelled();
    return this.heap.length > 0 ? this.heap[0].atMs : null;
  }

  /** Runs every event due at or before `untilMs`, then sets the clock to `untilMs`. */
  run(untilMs: number): void {
    if (untilMs < this.nowMs) throw new RangeError(`sim clock: run(${untilMs}) is before now (${this.nowMs})`);
    for (;;) {
      const at = this.nextAt();
      if (at === null || at > untilMs) break;
      this.runNext();
    }
    this.nowMs = untilMs;
  }

  runFor(ms: number): void {
    this.run(this.nowMs + ms);
  }

  /**
   * Runs events until `predicate()` holds (checked before starting and after every event)
   * or `timeoutMs` of virtual time has passed. On timeout the clock stands at the deadline.
   */
  runUntil(predicate: () => boolean, timeoutMs: number): boolean {
    if (predicate()) return true;
    const deadline = this.nowMs + timeoutMs;
    for (;;) {
      const at = this.nextAt();
      if (at === null || at > deadline) break;
      this.runNext();
      if (predicate()) return true;
    }
    this.nowMs = deadline;
    return predicate();
  }

  /** Drops every pending event (teardown). */
  clear(): void {
    for (const e of this.heap) e.isDone = true;
    this.heap.length = 0;
  }

  private runNext(): void {
    const e = this.pop();
    this.nowMs = e.atMs;
    if (e.atMs === this.instantMs) {
      if (++this.instantCount > this.maxEventsPerInstant) throw new LivelockError(e.atMs, this.instantCount);
    } else {
      this.instantMs = e.atMs;
      this.instantCount = 1;
    }
    e.isDone = true;
    this.eventsRunTotal++;
    e.fn();
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0].isDone) this.pop();
  }

  // Binary min-heap on (atMs, seq).
  private static less(a: Entry, b: Entry): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!SimClock.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && SimClock.less(h[l], h[m])) m = l;
        if (r < h.length && SimClock.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

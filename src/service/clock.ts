// Time for the service's edges (STYLE §1): injected so that tests advance time instead of
// sleeping. The engine passes the core wall-clock milliseconds and never a smaller value
// than before.

export interface Clock {
  now(): number;
  /** Runs `fn` once after `delayMs`; returns a handle for clearTimer. */
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Wraps a clock so that now() never goes back (a stepped system clock must not rewind the core). */
export class MonotonicNow {
  private last = 0;
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  now(): number {
    this.last = Math.max(this.last, this.clock.now());
    return this.last;
  }
}

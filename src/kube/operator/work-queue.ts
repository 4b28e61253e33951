// The operator's work queue (STYLE §12): one key per object. A key is worked on by one worker at
// a time, in order; adding a key that is queued already does nothing, adding one that is being
// worked on runs it once more afterwards. A failed run is retried after an exponential backoff
// per key (reset by a success), and given up after maxAttempts with onGiveUp — the next event
// for the object, or the periodic re-list, queues it again. Timers come from the injected
// clock so tests need no sleeps.

export interface QueueClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WorkQueueOptions {
  work(key: string): Promise<void>;
  onError?(key: string, e: unknown, attempt: number, retryInMs: number | null): void;
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxAttempts?: number;
  clock?: QueueClock;
}

const realClock: QueueClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class WorkQueue {
  private readonly opts: Required<Omit<WorkQueueOptions, 'onError'>> & Pick<WorkQueueOptions, 'onError'>;
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly waiting = new Map<string, unknown>();
  private isStopped = false;
  private runs = 0;
  private failed = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(opts: WorkQueueOptions) {
    this.opts = { concurrency: 2, baseDelayMs: 200, maxDelayMs: 30_000, maxAttempts: 12, clock: realClock, ...opts };
  }

  add(key: string): void {
    if (this.isStopped) return;
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    const timer = this.waiting.get(key);
    if (timer !== undefined) {
      // An event beats a pending retry: work on the news now.
      this.opts.clock.clearTimeout(timer);
      this.waiting.delete(key);
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
    this.pump();
  }

  /** Keys waiting for a worker (not those running or waiting out a retry backoff). */
  get depth(): number {
    return this.ready.length;
  }

  /** Keys waiting out a retry backoff. */
  get retrying(): number {
    return this.waiting.size;
  }

  /** Runs finished so far, and how many of them failed (ztkube_operator_reconciles_total). */
  get counts(): { runsTotal: number; failuresTotal: number } {
    return { runsTotal: this.runs, failuresTotal: this.failed };
  }

  /** Resolves once nothing is queued, running or waiting for a retry (tests). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.isStopped = true;
    for (const t of this.waiting.values()) this.opts.clock.clearTimeout(t);
    this.waiting.clear();
    this.ready.length = 0;
    this.queued.clear();
  }

  private isIdle(): boolean {
    return this.ready.length === 0 && this.running.size === 0 && this.waiting.size === 0;
  }

  private pump(): void {
    while (!this.isStopped && this.running.size < this.opts.concurrency) {
      const i = this.ready.findIndex((k) => !this.running.has(k));
      if (i < 0) break;
      const [key] = this.ready.splice(i, 1);
      this.queued.delete(key!);
      this.running.add(key!);
      void this.run(key!);
    }
    if (this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(key: string): Promise<void> {
    try {
      await this.opts.work(key);
      this.failures.delete(key);
    } catch (e) {
      this.failed++;
      const attempt = (this.failures.get(key) ?? 0) + 1;
      const isGivingUp = attempt >= this.opts.maxAttempts;
      const delayMs = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1));
      this.opts.onError?.(key, e, attempt, isGivingUp ? null : delayMs);
      if (isGivingUp) this.failures.delete(key);
      else {
        this.failures.set(key, attempt);
        if (!this.again.has(key) && !this.isStopped) {
          this.waiting.set(key, this.opts.clock.setTimeout(() => {
            this.waiting.delete(key);
            this.add(key);
          }, delayMs));
        }
      }
    } finally {
      this.runs++;
      this.running.delete(key);
      if (this.again.delete(key)) this.add(key);
      this.pump();
    }
  }
}

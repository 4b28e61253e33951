// Leader election on a coordination.k8s.io/v1 Lease (issue #11), so that of the operator's
// replicas exactly one runs the controller node (its identity must never run twice).
// Semantics of client-go's leaderelection package:
// - a candidate takes the lease when it is absent, released (holderIdentity ""), or expired;
//   expiry is judged by when *this* candidate last saw the lease change (its resourceVersion),
//   plus the record's leaseDurationSeconds, never by the timestamps written in it, because
//   clocks of other hosts may disagree;
// - every write carries the resourceVersion last read, so of two racing candidates one gets
//   409 and stays a candidate; attempts repeat every retry period with jitter (×1 … ×2.2);
// - the leader renews every retry period; when no renewal has succeeded for the renew
//   deadline, or another holder is seen, leadership is lost (onLost) and the caller must stop
//   acting at once. The deadline counts from when the last successful renewal was *sent*, so
//   the leader gives up before any other candidate can think the lease expired
//   (leaseDuration > renewDeadline);
// - release() (on SIGTERM) writes holderIdentity "" and leaseDurationSeconds 1, so another
//   replica takes over at its next attempt instead of after a whole lease duration.
// Pure apart from the injected lock and clock, so tests run it on a fake clock.
import type winston from 'winston';
import { ConfigError, StateError } from '../../util/errors.js';

/** A Lease's spec as the election reads and writes it (times are wall-clock ms). */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTimeMs: number;
  renewTimeMs: number;
  leaseTransitions: number;
}

export interface ObservedLease {
  record: LeaseRecord;
  resourceVersion: string;
}

/**
 * The one object the election writes. Each call either resolves with the lease as stored
 * (with its new resourceVersion) or rejects: a 409 on create or update means another
 * candidate wrote first.
 */
export interface LeaseLock {
  /** "namespace/name", for logs. */
  describe(): string;
  /** The lease, or null when there is none. */
  get(): Promise<ObservedLease | null>;
  create(record: LeaseRecord): Promise<ObservedLease>;
  /** Replaces the spec if the lease is still at `resourceVersion`. */
  update(record: LeaseRecord, resourceVersion: string): Promise<ObservedLease>;
}

export interface ElectionClock {
  /** Monotonic ms: expiry and deadlines. */
  monotonicMs(): number;
  /** Wall-clock ms: the times written into the lease. */
  wallMs(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realElectionClock: ElectionClock = {
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** client-go's JitterFactor: a candidate waits retryPeriod × (1 + random × 1.2) between attempts. */
export const RETRY_JITTER_FACTOR = 1.2;

export interface ElectionTimings {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface LeaderElectorOptions extends ElectionTimings {
  lock: LeaseLock;
  identity: string;
  /** Called once when leadership is lost; the caller stops acting at once. */
  onLost(reason: string): void;
  log: Pick<winston.Logger, 'info' | 'warn' | 'debug'>;
  clock?: ElectionClock;
  /** [0, 1): the retry jitter. */
  random?: () => number;
}

/** client-go's checks of the three durations, as flag errors. */
export function checkElectionTimings(t: ElectionTimings, flag = (k: keyof ElectionTimings): string => k): void {
  const secs = (ms: number): string => `${ms / 1000}s`;
  for (const k of ['leaseDurationMs', 'renewDeadlineMs', 'retryPeriodMs'] as const) {
    if (!(t[k] > 0)) throw new ConfigError(`${flag(k)} must be longer than 0, got ${secs(t[k])}`);
  }
  if (t.leaseDurationMs % 1000 !== 0) throw new ConfigError(`${flag('leaseDurationMs')} must be whole seconds (a Lease holds leaseDurationSeconds), got ${secs(t.leaseDurationMs)}`);
  if (t.leaseDurationMs <= t.renewDeadlineMs) throw new ConfigError(`${flag('leaseDurationMs')} (${secs(t.leaseDurationMs)}) must be longer than ${flag('renewDeadlineMs')} (${secs(t.renewDeadlineMs)})`);
  if (t.renewDeadlineMs <= RETRY_JITTER_FACTOR * t.retryPeriodMs) {
    throw new ConfigError(`${flag('renewDeadlineMs')} (${secs(t.renewDeadlineMs)}) must be longer than ${RETRY_JITTER_FACTOR} × ${flag('retryPeriodMs')} (${secs(t.retryPeriodMs)})`);
  }
}

type Outcome = { kind: 'ok'; sentAtMs: number } | { kind: 'held'; holder: string } | { kind: 'failed' };
type State = 'idle' | 'candidate' | 'leading' | 'lost' | 'stopped';

export class LeaderElector {
  private readonly opts: LeaderElectorOptions;
  private readonly clock: ElectionClock;
  private readonly random: () => number;
  private state: State = 'idle';
  private observed: ObservedLease | null = null;
  private observedAtMs = 0;
  private lastRenewSentMs = 0;
  private retryTimer: unknown = null;
  private deadlineTimer: unknown = null;
  private inFlight: Promise<unknown> | null = null;
  private waiter: { resolve(): void; reject(e: Error): void } | null = null;
  private lastHolderLogged: string | null = null;
  private isFailing = false;

  constructor(opts: LeaderElectorOptions) {
    checkElectionTimings(opts);
    this.opts = opts;
    this.clock = opts.clock ?? realElectionClock;
    this.random = opts.random ?? Math.random;
  }

  get isLeader(): boolean {
    return this.state === 'leading';
  }

  /** The lease as last seen (tests, status). */
  get observedLease(): ObservedLease | null {
    return this.observed;
  }

  /**
   * Resolves once this candidate holds the lease; from then on it renews until release(),
   * stop() or a loss (onLost). Rejects with a StateError when stopped before that.
   */
  acquire(): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new StateError(`leader election on ${this.opts.lock.describe()} was started already`));
    this.state = 'candidate';
    return new Promise<void>((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.attemptAcquire();
    });
  }

  /** Stops trying and renewing without touching the lease. */
  stop(): void {
    this.halt();
  }

  /**
   * Stops renewing and, when leading, gives the lease up (holderIdentity ""). Resolves true
   * when released; false when there was nothing to release; rejects when the write failed.
   */
  async release(): Promise<boolean> {
    const wasLeading = this.state === 'leading';
    this.halt();
    // A renewal on the wire would change the resourceVersion under the release's feet.
    if (this.inFlight) await this.inFlight;
    const obs = this.observed;
    if (!wasLeading || obs === null || obs.record.holderIdentity !== this.opts.identity) return false;
    const now = this.clock.wallMs();
    const record: LeaseRecord = { holderIdentity: '', leaseDurationSeconds: 1, acquireTimeMs: now, renewTimeMs: now, leaseTransitions: obs.record.leaseTransitions };
    this.see(await this.call(() => this.opts.lock.update(record, obs.resourceVersion)));
    this.opts.log.info('lease released', { lease: this.opts.lock.describe(), identity: this.opts.identity });
    return true;
  }

  private halt(): void {
    if (this.state !== 'lost') this.state = 'stopped';
    this.clearTimers();
    const w = this.waiter;
    this.waiter = null;
    w?.reject(new StateError(`leader election on ${this.opts.lock.describe()} stopped before this candidate became leader`));
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    if (this.deadlineTimer !== null) this.clock.clearTimeout(this.deadlineTimer);
    this.retryTimer = this.deadlineTimer = null;
  }

  private attemptAcquire(): void {
    this.retryTimer = null;
    this.track(this.tryAcquireOrRenew().then((o) => {
      if (this.state !== 'candidate') return;
      if (o.kind === 'ok') {
        this.state = 'leading';
        this.lastRenewSentMs = o.sentAtMs;
        this.armDeadline();
        this.retryTimer = this.clock.setTimeout(() => this.attemptRenew(), this.opts.retryPeriodMs);
        this.opts.log.info('became leader', { lease: this.opts.lock.describe(), identity: this.opts.identity, leaseTransitions: this.observed?.record.leaseTransitions });
        const w = this.waiter;
        this.waiter = null;
        w?.resolve();
        return;
      }
      if (o.kind === 'held' && o.holder !== this.lastHolderLogged) {
        this.lastHolderLogged = o.holder;
        this.opts.log.info('another replica leads', { lease: this.opts.lock.describe(), holder: o.holder });
      }
      this.retryTimer = this.clock.setTimeout(() => this.attemptAcquire(), this.opts.retryPeriodMs * (1 + this.random() * RETRY_JITTER_FACTOR));
    }));
  }

  private attemptRenew(): void {
    this.retryTimer = null;
    this.track(this.tryAcquireOrRenew().then((o) => {
      if (this.state !== 'leading') return;
      if (o.kind === 'held') return this.lose(`the lease is held by ${o.holder}`);
      if (o.kind === 'ok') {
        this.lastRenewSentMs = o.sentAtMs;
        this.armDeadline();
      }
      // Timers may fire late on a busy host: check the deadline here as well.
      if (this.clock.monotonicMs() - this.lastRenewSentMs >= this.opts.renewDeadlineMs) return this.lose(`no renewal succeeded for ${this.opts.renewDeadlineMs / 1000}s`);
      this.retryTimer = this.clock.setTimeout(() => this.attemptRenew(), this.opts.retryPeriodMs);
    }));
  }

  private armDeadline(): void {
    if (this.deadlineTimer !== null) this.clock.clearTimeout(this.deadlineTimer);
    const leftMs = this.lastRenewSentMs + this.opts.renewDeadlineMs - this.clock.monotonicMs();
    this.deadlineTimer = this.clock.setTimeout(() => {
      this.deadlineTimer = null;
      if (this.state === 'leading') this.lose(`no renewal succeeded for ${this.opts.renewDeadlineMs / 1000}s`);
    }, Math.max(0, leftMs));
  }

  private lose(reason: string): void {
    this.state = 'lost';
    this.clearTimers();
    this.opts.onLost(reason);
  }

  private track(p: Promise<void>): void {
    const done = p.catch((e: Error) => this.opts.log.warn('leader election step failed', { lease: this.opts.lock.describe(), error: e.message, stack: e.stack })).finally(() => {
      if (this.inFlight === done) this.inFlight = null;
    });
    this.inFlight = done;
  }

  /** One round of client-go's tryAcquireOrRenew; API failures are logged and become 'failed'. */
  private async tryAcquireOrRenew(): Promise<Outcome> {
    const { lock, identity } = this.opts;
    const sentAtMs = this.clock.monotonicMs();
    const wall = this.clock.wallMs();
    const mine = (acquireTimeMs: number, leaseTransitions: number): LeaseRecord => ({
      holderIdentity: identity, leaseDurationSeconds: this.opts.leaseDurationMs / 1000, acquireTimeMs, renewTimeMs: wall, leaseTransitions,
    });
    try {
      const obs = this.observed;
      // Fast path: the leader writes over the version it wrote last, without reading first.
      if (obs !== null && obs.record.holderIdentity === identity && this.isObservedValid(sentAtMs)) {
        try {
          this.see(await this.call(() => lock.update(mine(obs.record.acquireTimeMs, obs.record.leaseTransitions), obs.resourceVersion)));
          return this.succeeded(sentAtMs);
        } catch (e) {
          this.opts.log.debug('optimistic lease renewal failed; reading the lease', { lease: lock.describe(), error: (e as Error).message });
        }
      }
      const cur = await this.call(() => lock.get());
      if (cur === null) {
        this.see(await this.call(() => lock.create(mine(wall, 0))));
        return this.succeeded(sentAtMs);
      }
      if (cur.resourceVersion !== this.observed?.resourceVersion) this.see(cur);
      const holder = cur.record.holderIdentity;
      if (holder !== '' && holder !== identity && (this.state === 'leading' || this.isObservedValid(this.clock.monotonicMs()))) {
        this.isFailing = false;
        return { kind: 'held', holder };
      }
      const next = holder === identity ? mine(cur.record.acquireTimeMs, cur.record.leaseTransitions) : mine(wall, cur.record.leaseTransitions + 1);
      this.see(await this.call(() => lock.update(next, cur.resourceVersion)));
      return this.succeeded(sentAtMs);
    } catch (e) {
      const fields = { lease: lock.describe(), error: (e as Error).message };
      // The first failure of a run is a warning; while the API stays away, debug.
      if (this.isFailing) this.opts.log.debug('lease request failed', fields);
      else this.opts.log.warn('lease request failed', fields);
      this.isFailing = true;
      return { kind: 'failed' };
    }
  }

  private succeeded(sentAtMs: number): Outcome {
    this.isFailing = false;
    return { kind: 'ok', sentAtMs };
  }

  private see(lease: ObservedLease): void {
    this.observed = lease;
    this.observedAtMs = this.clock.monotonicMs();
  }

  private isObservedValid(nowMs: number): boolean {
    return this.observed !== null && this.observedAtMs + this.observed.record.leaseDurationSeconds * 1000 > nowMs;
  }

  /** A lock call bounded by the renew deadline (a hung request must not hold the election up). */
  private call<T>(f: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const t = this.clock.setTimeout(() => reject(new StateError(`the request on lease ${this.opts.lock.describe()} took longer than ${this.opts.renewDeadlineMs / 1000}s`)), this.opts.renewDeadlineMs);
      f().then(
        (v) => { this.clock.clearTimeout(t); resolve(v); },
        (e: unknown) => { this.clock.clearTimeout(t); reject(e instanceof Error ? e : new Error(String(e))); },
      );
    });
  }
}

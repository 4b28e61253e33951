// The operator's life under leader election (issue #11): wait for the Lease, then start the
// controller node and reconcilers; on shutdown stop acting first and only then release the
// Lease, so the replica taking over never overlaps with this one. Without an elector
// (--leader-elect=false) the operator starts at once. Losing the Lease is not handled here:
// the elector's onLost ends the process at once, as controller-runtime does.
import type winston from 'winston';
import type { LeaderElector } from './leader-election.js';

export interface ElectedRunOptions {
  elector: LeaderElector | null;
  operator: { start(): Promise<void>; stop(): Promise<void> };
  log: Pick<winston.Logger, 'info' | 'warn'>;
}

export class ElectedRun {
  private starting: Promise<void> | null = null;
  private isShuttingDown = false;

  constructor(private readonly opts: ElectedRunOptions) {}

  /** Resolves true once leading and started; false when shut down before becoming leader. */
  async start(): Promise<boolean> {
    const { elector } = this.opts;
    if (elector) {
      try {
        await elector.acquire();
      } catch (e) {
        if (this.isShuttingDown) return false;
        throw e;
      }
    }
    if (this.isShuttingDown) return false;
    this.starting = this.opts.operator.start();
    await this.starting;
    return true;
  }

  /** Stops the operator (after a start in progress settles), then releases the Lease. */
  async shutdown(): Promise<void> {
    this.isShuttingDown = true;
    const { elector, operator, log } = this.opts;
    if (elector && !elector.isLeader) elector.stop();
    // A failed start was reported by start()'s caller; what it built is still stopped below.
    if (this.starting) await this.starting.catch(() => undefined);
    await operator.stop();
    if (!elector) return;
    try {
      await elector.release();
    } catch (e) {
      log.warn('could not release the lease; the other replica takes over when it expires', { error: (e as Error).message });
    }
  }
}

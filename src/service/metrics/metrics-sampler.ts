// The service's metrics (06 §5.11): rendered on demand for GET /metrics, and every 5 s into
// <home>/metrics.prom as 1.14.1's prometheus saver does; that same 5 s pass is when each
// peer's latency is observed for zt_peer_latency.
import type winston from 'winston';
import { writeFileAtomic } from '../home.js';
import { RateLimiter } from '../rate-limit.js';
import { LatencyHistograms } from './latency-histograms.js';
import { collectMetrics, type MetricsInput } from './node-metrics.js';
import { renderPrometheusText } from './prometheus-text.js';

export const METRICS_FILE = 'metrics.prom';
export const METRICS_SAMPLE_INTERVAL_MS = 5_000;
const WRITE_ERROR_LOG_INTERVAL_MS = 60_000;

export interface MetricsSamplerOptions {
  /** A snapshot of the node and the service; null while no node runs. */
  gather(): Omit<MetricsInput, 'latency'> | null;
  /** Where the 5 s pass writes the text (metrics.prom). */
  filePath: string;
  log: winston.Logger;
  nowMs(): number;
}

export class MetricsSampler {
  private readonly opts: MetricsSamplerOptions;
  private readonly latency = new LatencyHistograms();
  private readonly limiter = new RateLimiter(WRITE_ERROR_LOG_INTERVAL_MS);

  constructor(opts: MetricsSamplerOptions) {
    this.opts = opts;
  }

  /** The current metrics as Prometheus text ('' while no node runs). */
  render(): string {
    const input = this.opts.gather();
    return input ? renderPrometheusText(collectMetrics({ ...input, latency: this.latency })) : '';
  }

  /** The 5 s pass: one latency observation per peer, then metrics.prom rewritten. */
  sample(): void {
    const input = this.opts.gather();
    if (!input) return;
    this.latency.sample(input.peers);
    try {
      writeFileAtomic(this.opts.filePath, renderPrometheusText(collectMetrics({ ...input, latency: this.latency })));
    } catch (e) {
      if (this.limiter.allow('write', this.opts.nowMs())) this.opts.log.error('metrics file not written', { error: (e as Error).message });
    }
  }
}

// What `ztkube operator --health-addr` answers (issue #12), for the shared HealthServer. The
// leader is ready once its operator reconciles (informers listed, controller node online). A
// standby replica is ready too: it is healthy, waiting for the Lease is its job, and a probe
// failing on it would only have Kubernetes restart a replica that does nothing wrong.
import { renderPrometheusText, type MetricFamily } from '../../service/metrics/prometheus-text.js';
import type { HealthSource } from '../health-server.js';

export interface OperatorHealthOptions {
  /** Does this replica hold the Lease (always true without leader election)? */
  isLeader(): boolean;
  operator: {
    notReadyReason(): string | null;
    stats(): { queueDepth: number; retrying: number; reconcilesTotal: number; reconcileFailuresTotal: number; nodeMetrics: string };
  };
}

export class OperatorHealth implements HealthSource {
  constructor(private readonly o: OperatorHealthOptions) {}

  notReadyReason(): string | null {
    return this.o.isLeader() ? this.o.operator.notReadyReason() : null;
  }

  metrics(): string {
    const isLeader = this.o.isLeader();
    const s = this.o.operator.stats();
    const gauge = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', samples: [{ value }] });
    const counter = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'counter', samples: [{ value }] });
    const families: MetricFamily[] = [
      gauge('ztkube_operator_leader', 'Whether this replica holds the Lease and runs the controller (1) or stands by (0)', isLeader ? 1 : 0),
      gauge('ztkube_operator_ready', 'Whether /readyz answers 200', this.notReadyReason() === null ? 1 : 0),
      gauge('ztkube_operator_workqueue_depth', 'ZTNetworks waiting for a reconcile', s.queueDepth),
      gauge('ztkube_operator_workqueue_retrying', 'ZTNetworks waiting out a backoff after a failed reconcile', s.retrying),
      counter('ztkube_operator_reconciles_total', 'ZTNetwork reconciles run', s.reconcilesTotal),
      counter('ztkube_operator_reconcile_failures_total', 'ZTNetwork reconciles that failed (logged at warn)', s.reconcileFailuresTotal),
    ];
    // The controller node's own metrics run on the leader only.
    return `${renderPrometheusText(families)}${isLeader ? s.nodeMetrics : ''}`;
  }
}

// A managed ZTNetwork's status as the operator writes it (07 §4.3): networkId, observedGeneration
// and the conditions. Pure: a condition keeps its lastTransitionTime while its status stays.

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ReconcileOutcome {
  networkId: string | null;
  /** The network's record on the controller, for the name, MTU and routes status shows. */
  record?: Record<string, unknown> | null;
  /** Null when the controller holds the network; otherwise why not (reason, sentence). */
  failure: { reason: string; message: string } | null;
}

function condition(old: Condition[], type: string, isTrue: boolean, reason: string, message: string, generation: number, nowIso: string): Condition {
  const status = isTrue ? 'True' : 'False';
  const prev = old.find((c) => c.type === type);
  return { type, status, reason, message, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : nowIso, observedGeneration: generation };
}

/** The status to write, from the old one, the object's generation and what reconcile found. */
export function networkStatus(oldStatus: Record<string, unknown> | undefined, generation: number, outcome: ReconcileOutcome, nowIso: string): Record<string, unknown> {
  const old = Array.isArray(oldStatus?.conditions) ? (oldStatus.conditions as Condition[]) : [];
  const ok = outcome.failure === null;
  const controllerReady = ok
    ? condition(old, 'ControllerReady', true, 'NetworkCreated', `the in-cluster controller serves network ${outcome.networkId}`, generation, nowIso)
    : condition(old, 'ControllerReady', false, outcome.failure!.reason, outcome.failure!.message, generation, nowIso);
  const ready = ok
    ? condition(old, 'Ready', true, 'Ready', 'the network is configured on the controller', generation, nowIso)
    : condition(old, 'Ready', false, outcome.failure!.reason, outcome.failure!.message, generation, nowIso);
  const others = old.filter((c) => c.type !== 'Ready' && c.type !== 'ControllerReady');
  const status: Record<string, unknown> = { ...oldStatus, observedGeneration: generation, conditions: [ready, controllerReady, ...others] };
  if (outcome.networkId) status.networkId = outcome.networkId;
  const rec = outcome.record;
  if (rec) {
    if (typeof rec.name === 'string') status.name = rec.name;
    if (typeof rec.mtu === 'number') status.mtu = rec.mtu;
    if (Array.isArray(rec.routes)) {
      status.routes = (rec.routes as Array<Record<string, unknown>>).map((r) => (typeof r.via === 'string' ? { target: String(r.target), via: r.via } : { target: String(r.target) }));
    }
  }
  return status;
}

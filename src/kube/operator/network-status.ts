// A ZTNetwork's status as the operator writes it (07 §4.3): networkId, observedGeneration, the
// node counts, the per-node pod ranges and the conditions ControllerReady, NodesJoined and
// Ready (true when the other two are and the pod ranges fit). Managed networks are ready on
// the controller once it holds them; for a network joined by ID there is no controller of
// ours, so the nodes' reports tell whether its controller answers. Pure: a condition keeps
// its lastTransitionTime while its status stays.
import { nextCondition, type Condition, type Verdict } from '../condition.js';
import type { NetworkNodesView } from './network-nodes.js';

export type { Condition };
import type { PodRangeResult } from './pod-ranges.js';

export interface ReconcileOutcome {
  networkId: string | null;
  /** The network's record on the controller, for the name, MTU and routes status shows. */
  record?: Record<string, unknown> | null;
  /** Null when the controller holds the network (or the network is external); otherwise why not (reason, sentence). */
  failure: { reason: string; message: string } | null;
  /** spec.networkId: a network run by a controller that is not ours. */
  isExternal?: boolean;
  /** The selected nodes and how they joined; absent: no NodesJoined condition nor counts. */
  nodes?: NetworkNodesView;
  /** Absent when the network has no pod ranges (sixplane mode or no spec.attach.podRanges). */
  podRanges?: PodRangeResult;
}

function condition(old: Condition[], type: string, v: Verdict, generation: number, nowIso: string): Condition {
  return nextCondition(old, type, v, nowIso, generation);
}

function controllerVerdict(o: ReconcileOutcome): Verdict {
  if (o.failure) return { status: 'False', ...o.failure };
  if (!o.isExternal) return { status: 'True', reason: 'NetworkCreated', message: `the in-cluster controller serves network ${o.networkId}` };
  const n = o.nodes;
  if (n?.isControllerAnswering) return { status: 'True', reason: 'ControllerAnswers', message: `the controller of network ${o.networkId} answers the nodes` };
  if (n?.isNotFoundEverywhere) return { status: 'False', reason: 'NotFound', message: `the controller of network ${o.networkId} does not know the network (every node reports NOT_FOUND)` };
  if (n && n.nodesSelected === 0) return { status: 'Unknown', reason: 'NoNodesSelected', message: `no node joins network ${o.networkId} to hear from its controller` };
  return { status: 'Unknown', reason: 'Joining', message: `no node has heard from the controller of network ${o.networkId} yet` };
}

/** The status to write, from the old one, the object's generation and what reconcile found. */
export function networkStatus(oldStatus: Record<string, unknown> | undefined, generation: number, outcome: ReconcileOutcome, nowIso: string): Record<string, unknown> {
  const old = Array.isArray(oldStatus?.conditions) ? (oldStatus.conditions as Condition[]) : [];
  const controller = controllerVerdict(outcome);
  const nodes = outcome.nodes;
  const joined: Verdict | null = nodes ? { status: nodes.joined.isTrue ? 'True' : 'False', reason: nodes.joined.reason, message: nodes.joined.message } : null;
  const ranges = outcome.podRanges?.problem ?? null;
  const blocking = controller.status !== 'True' ? controller : ranges ? { status: 'False' as const, ...ranges } : joined && joined.status !== 'True' ? joined : null;
  const ready: Verdict = blocking
    ? { status: blocking.status === 'Unknown' ? 'Unknown' : 'False', reason: blocking.reason, message: blocking.message }
    : { status: 'True', reason: 'Ready', message: outcome.isExternal ? 'the selected nodes joined the network' : nodes ? 'the network is configured on the controller and the selected nodes joined' : 'the network is configured on the controller' };
  const conditions = [condition(old, 'Ready', ready, generation, nowIso), condition(old, 'ControllerReady', controller, generation, nowIso)];
  if (joined) conditions.push(condition(old, 'NodesJoined', joined, generation, nowIso));
  const mine = new Set(conditions.map((c) => c.type));
  const status: Record<string, unknown> = { ...oldStatus, observedGeneration: generation, conditions: [...conditions, ...old.filter((c) => !mine.has(c.type))] };
  if (outcome.networkId) status.networkId = outcome.networkId;
  if (nodes) {
    status.nodesSelected = nodes.nodesSelected;
    status.nodesJoined = nodes.nodesJoined;
    status.nodes = `${nodes.nodesJoined}/${nodes.nodesSelected}`;
    status.podsAttached = nodes.podsAttached;
  }
  if (outcome.podRanges) status.podRanges = outcome.podRanges.assigned;
  else delete status.podRanges;
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

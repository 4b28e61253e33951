// metav1.Condition (07 §4.3) as ztkube's resources carry it. A condition keeps its
// lastTransitionTime while its status stays, so `kubectl describe` tells since when.

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface Verdict {
  status: Condition['status'];
  reason: string;
  message: string;
}

/** The condition `type` now, from the previous list; observedGeneration only when given. */
export function nextCondition(previous: readonly Condition[] | undefined, type: string, v: Verdict, nowIso: string, generation?: number): Condition {
  const was = previous?.find((c) => c.type === type);
  const c: Condition = { type, status: v.status, reason: v.reason, message: v.message, lastTransitionTime: was && was.status === v.status ? was.lastTransitionTime : nowIso };
  if (generation !== undefined) c.observedGeneration = generation;
  return c;
}

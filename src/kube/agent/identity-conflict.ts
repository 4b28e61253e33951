// A cloned identity (issue #12; 07 §7.4): two nodes with one ZeroTier address break each
// other's paths, so it is reported and the agent stops attaching pods. Another ZTNode with
// our address, another node name and a heartbeat fresher than CONFLICT_HEARTBEAT_MS counts (a
// ZTNode left by a node that was reinstalled with this disk does not, once its heartbeat ages).
import type { KubernetesObject } from '@kubernetes/client-node';

/** Three missed 30 s heartbeats and a ZTNode is taken as a leftover. */
export const CONFLICT_HEARTBEAT_MS = 90_000;

export interface ZTNodeResource extends KubernetesObject {
  spec?: { nodeName?: string };
  status?: { address?: string; lastHeartbeatTime?: string };
}

/** The name of another live node with `address`, or null. */
export function findIdentityConflict(nodes: readonly ZTNodeResource[], self: string, address: string, nowMs: number): string | null {
  for (const n of nodes) {
    const name = n.metadata?.name;
    if (!name || name === self || n.status?.address !== address) continue;
    const beat = Date.parse(n.status.lastHeartbeatTime ?? '');
    if (Number.isFinite(beat) && nowMs - beat < CONFLICT_HEARTBEAT_MS) return name;
  }
  return null;
}

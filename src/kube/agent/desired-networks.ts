// Which networks the agent should be on (issue #12, 07 §6): every ZTNetwork that selects this
// node and has a network ID. Pure: the ZTNetworks, the Node's labels and what the agent joined
// before (its record in the home) in; the joins and leaves out. A network the agent did not
// join itself (a user joined it by hand) is never left, only its pods are detached.
import { networkIdOf, selectsNode, type ZTNetworkResource } from './ztnetwork-view.js';

export interface JoinedRecord {
  /** The ZTNetwork it was joined for. */
  ztnetwork: string;
  /** false: the node was on it already (joined by hand); the agent must not leave it. */
  isOwned: boolean;
}

export interface NetworkPlan {
  /** nwid → ZTNetwork name: networks to be on (joined or not yet). */
  wanted: Map<string, string>;
  /** Recorded networks no ZTNetwork wants any more. */
  unwanted: string[];
}

export function planNetworks(networks: readonly ZTNetworkResource[], labels: Record<string, string> | undefined, recorded: ReadonlyMap<string, JoinedRecord>): NetworkPlan {
  const wanted = new Map<string, string>();
  /** ZTNetworks that select us but have no ID yet: what they were joined for stays. */
  const pending = new Set<string>();
  for (const n of networks) {
    const name = n.metadata?.name;
    if (!name || n.metadata?.deletionTimestamp || !selectsNode(n, labels)) continue;
    const id = networkIdOf(n);
    if (id === null) pending.add(name);
    else if (!wanted.has(id)) wanted.set(id, name);
  }
  const unwanted = [...recorded.entries()].filter(([id, r]) => !wanted.has(id) && !pending.has(r.ztnetwork)).map(([id]) => id);
  return { wanted, unwanted };
}

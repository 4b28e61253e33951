// The operator's view of the cluster's nodes (issue #11), fed by the informers on v1 Nodes and
// ZTNodes: what the network reconciler reads, and the re-queue of the ZTNetworks a change
// concerns. The informer's update event carries only the new object, so the previous labels
// and reports are kept here to see what changed.
import type { NodeInfo, ZtNodeInfo } from './network-nodes.js';
import { networksForNode, networksForZtNode, nodeInfoOf, ztNodeInfoOf, type NetworkRef } from './node-events.js';

type Obj = Parameters<typeof nodeInfoOf>[0];

export class ClusterNodes {
  private readonly labels = new Map<string, Record<string, string>>();
  private readonly reports = new Map<string, ZtNodeInfo>();
  private readonly networks: () => NetworkRef[];
  private readonly requeue: (network: string) => void;

  constructor(networks: () => NetworkRef[], requeue: (network: string) => void) {
    this.networks = networks;
    this.requeue = requeue;
  }

  nodes(): NodeInfo[] {
    return [...this.labels].map(([name, labels]) => ({ name, labels }));
  }

  ztnodes(): ZtNodeInfo[] {
    return [...this.reports.values()];
  }

  nodeChanged(o: Obj, isDeleted = false): void {
    const n = nodeInfoOf(o);
    if (!n) return;
    const before = this.labels.get(n.name) ?? null;
    if (isDeleted) this.labels.delete(n.name);
    else this.labels.set(n.name, n.labels);
    const after = isDeleted ? null : n.labels;
    if (before && after && JSON.stringify(before) === JSON.stringify(after)) return; // status only
    for (const name of networksForNode(n.name, before, after, this.networks())) this.requeue(name);
  }

  ztNodeChanged(o: Obj, isDeleted = false): void {
    const z = ztNodeInfoOf(o);
    if (!z) return;
    const before = this.reports.get(z.name) ?? null;
    if (isDeleted) this.reports.delete(z.name);
    else this.reports.set(z.name, z);
    for (const name of networksForZtNode(before, isDeleted ? null : z, this.labels.get(z.name) ?? null, this.networks())) this.requeue(name);
  }
}

// From the informers' objects to what the network reconciler reads (issue #11): v1 Nodes and
// ZTNodes as NodeInfo/ZtNodeInfo, and which ZTNetworks a change of a Node or a ZTNode concerns,
// so that only those are queued again (ZTNodes are rewritten every 30 s by every agent). Pure.
import type { NodeInfo, ZtNodeInfo, ZtNodeNetwork } from './network-nodes.js';
import { selectsNode } from './network-nodes.js';

type Obj = { metadata?: { name?: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; status?: Record<string, unknown> };

export function nodeInfoOf(o: Obj): NodeInfo | null {
  const name = o.metadata?.name;
  return name ? { name, labels: { ...o.metadata?.labels } } : null;
}

export function ztNodeInfoOf(o: Obj): ZtNodeInfo | null {
  const name = o.metadata?.name;
  if (!name) return null;
  const s = o.status ?? {};
  const networks: ZtNodeNetwork[] = [];
  for (const n of Array.isArray(s.networks) ? (s.networks as Array<Record<string, unknown>>) : []) {
    if (typeof n?.networkId !== 'string') continue;
    networks.push({
      networkId: n.networkId,
      status: typeof n.status === 'string' ? n.status : undefined,
      bridge: typeof n.bridge === 'boolean' ? n.bridge : undefined,
      podsAttached: typeof n.podsAttached === 'number' ? n.podsAttached : undefined,
      name: typeof n.name === 'string' ? n.name : undefined,
      mtu: typeof n.mtu === 'number' ? n.mtu : undefined,
    });
  }
  return { name, address: typeof s.address === 'string' ? s.address : undefined, networks };
}

/** What the queue needs of a ZTNetwork to tell whether a node's change concerns it. */
export interface NetworkRef {
  name: string;
  nodeSelector?: Record<string, string>;
  /** status.networkId or spec.networkId. */
  networkId?: string;
  /** Nodes named in status.podRanges. */
  rangeNodes: string[];
}

export function networkRefOf(o: Obj): NetworkRef | null {
  const name = o.metadata?.name;
  if (!name) return null;
  const sel = o.spec?.nodeSelector;
  const id = typeof o.spec?.networkId === 'string' ? o.spec.networkId : typeof o.status?.networkId === 'string' ? o.status.networkId : undefined;
  const ranges = Array.isArray(o.status?.podRanges) ? (o.status.podRanges as Array<{ node?: unknown }>).map((r) => String(r?.node)) : [];
  return { name, nodeSelector: sel && typeof sel === 'object' ? (sel as Record<string, string>) : undefined, networkId: id, rangeNodes: ranges };
}

/**
 * The networks a Node's change concerns: those selecting it before or after (labels changed,
 * node added or deleted) and those holding a pod range for it.
 */
export function networksForNode(node: string, labelsBefore: Record<string, string> | null, labelsAfter: Record<string, string> | null, networks: readonly NetworkRef[]): string[] {
  return networks
    .filter((n) => n.rangeNodes.includes(node) || [labelsBefore, labelsAfter].some((l) => l !== null && selectsNode(n.nodeSelector, { name: node, labels: l })))
    .map((n) => n.name);
}

/**
 * The networks a ZTNode's change concerns: those its Node is selected by (its address matters
 * for their members) and those it reports. Unchanged reports (a heartbeat) concern none.
 */
export function networksForZtNode(before: ZtNodeInfo | null, after: ZtNodeInfo | null, nodeLabels: Record<string, string> | null, networks: readonly NetworkRef[]): string[] {
  if (before && after && sameZtNode(before, after)) return [];
  const ids = new Set([...(before?.networks ?? []), ...(after?.networks ?? [])].map((n) => n.networkId));
  const node = (after ?? before)!.name;
  return networks.filter((n) => (n.networkId !== undefined && ids.has(n.networkId)) || (nodeLabels !== null && selectsNode(n.nodeSelector, { name: node, labels: nodeLabels }))).map((n) => n.name);
}

function sameZtNode(a: ZtNodeInfo, b: ZtNodeInfo): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// What the agent reads of a ZTNetwork (07 §4.2; the CRD in charts/ztkube/templates/crds/):
// which network ID it stands for, which nodes it selects, and how this node's pods attach.
// Pure: the informer's objects in, plain values out.
import type { KubernetesObject } from '@kubernetes/client-node';

export interface ZTNetworkResource extends KubernetesObject {
  spec?: {
    networkId?: string;
    managed?: Record<string, unknown>;
    nodeSelector?: Record<string, string>;
    attach?: { mode?: string; mtu?: number; podRanges?: string[]; perNodePrefixLength?: number };
  };
  status?: {
    networkId?: string;
    podRanges?: Array<{ node?: string; range?: string }>;
  };
}

const NWID = /^[0-9a-f]{16}$/;

/** spec.networkId (external), else status.networkId (managed, once the operator set it), else null. */
export function networkIdOf(n: ZTNetworkResource): string | null {
  const id = n.spec?.networkId ?? n.status?.networkId;
  return typeof id === 'string' && NWID.test(id) ? id : null;
}

/** Does the ZTNetwork's nodeSelector match these Node labels (every key equal; empty or absent selects all). */
export function selectsNode(n: ZTNetworkResource, labels: Record<string, string> | undefined): boolean {
  const selector = n.spec?.nodeSelector ?? {};
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** This node's slice of the network's pod ranges (bridge mode), as the operator carved it. */
export function podRangeOf(n: ZTNetworkResource, nodeName: string): string | null {
  return n.status?.podRanges?.find((r) => r.node === nodeName)?.range ?? null;
}

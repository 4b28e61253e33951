// The CNI plugin's doors to the rest of the agent (STYLE §1): which networks a pod asks for
// (its `ztkube.io/networks` annotation, read from the Kubernetes API by the agent) and the
// attachments themselves (veths, bridges, IPAM on the node).
import type { PodRef } from './cni-args.js';
import type { Additions } from './cni-result.js';

export interface PodNetworksPort {
  /** The pod's annotation value, or null when it has none (the pod then passes through). */
  annotation(pod: PodRef | null, config: Record<string, unknown>): Promise<string | null>;
}

/**
 * Which attachments one invocation owns. Chained: every interface a pod's annotation asked for,
 * under the CNI_IFNAME of the chain (eth0). Multus delegate: the one interface CNI_IFNAME
 * itself (net1, …). The two kinds never match each other's key, so a pod with both is never
 * mixed up: the chain's DEL leaves the Multus interfaces alone and the other way round.
 */
export interface AttachmentKey {
  containerId: string;
  /** CNI_IFNAME of the invocation. */
  ifname: string;
  isDelegate: boolean;
}

export interface AttachRequest {
  containerId: string;
  /** CNI_IFNAME: with containerId and isDelegate, the key every attachment of this invocation is kept under. */
  primaryIfname: string;
  /** A Multus delegate (the net config names its `network`): ifname is primaryIfname. */
  isDelegate: boolean;
  netns: string;
  network: string;
  ifname: string;
  pod: PodRef | null;
  /** The net config of the invocation (the stand-in catalog reads its `networks`). */
  config: Record<string, unknown>;
}

export interface ValidAttachment {
  containerId: string;
  ifname: string;
}

export interface AttachmentPort {
  /** STATUS: can an ADD be served now. */
  isReady(): boolean;
  attach(r: AttachRequest): Promise<Additions>;
  /** Removes everything kept under the key; done when nothing is left. */
  detach(key: AttachmentKey, netns: string): Promise<void>;
  /** Throws a CniError when an attachment kept under the key is missing or broken. */
  check(key: AttachmentKey, netns: string): Promise<void>;
  /**
   * Releases every attachment not in the list; throws one error naming all failures. A
   * runtime lists the attachments it made itself (Multus's eth0), never Multus's delegates,
   * so a delegate attachment stays while its container is listed under any interface.
   */
  gc(valid: ValidAttachment[]): Promise<void>;
}

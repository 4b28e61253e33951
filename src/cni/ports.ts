// The CNI plugin's doors to the rest of the agent (STYLE §1): which networks a pod asks for
// (its `ztkube.io/networks` annotation; the Kubernetes API reads it in the next step of issue
// #12) and the attachments themselves (veths, bridges, IPAM on the node).
import type { PodRef } from './cni-args.js';
import type { Additions } from './cni-result.js';

export interface PodNetworksPort {
  /** The pod's annotation value, or null when it has none (the pod then passes through). */
  annotation(pod: PodRef | null, config: Record<string, unknown>): Promise<string | null>;
}

export interface AttachRequest {
  containerId: string;
  /** CNI_IFNAME: with containerId, the key every attachment of this invocation is kept under. */
  primaryIfname: string;
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
  /** Removes everything kept under (containerId, primaryIfname); done when nothing is left. */
  detach(containerId: string, primaryIfname: string, netns: string): Promise<void>;
  /** Throws a CniError when an attachment made for the container is missing or broken. */
  check(containerId: string, primaryIfname: string, netns: string): Promise<void>;
  /** Releases every attachment not in the list; throws one error naming all failures. */
  gc(valid: ValidAttachment[]): Promise<void>;
}

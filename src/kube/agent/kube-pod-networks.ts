// The pod's `ztkube.io/networks` annotation read from the Kubernetes API (issue #12): the pod
// named by K8S_POD_NAMESPACE/K8S_POD_NAME in CNI_ARGS. Without those args (a runtime that is
// not a kubelet) the pod has no networks and passes through.
import type { CoreV1Api } from '@kubernetes/client-node';
import { CNI_CODE, CniError } from '../../cni/cni-error.js';
import type { PodRef } from '../../cni/cni-args.js';
import { NETWORKS_ANNOTATION } from '../../cni/pod-networks.js';
import type { PodNetworksPort } from '../../cni/ports.js';

export class KubePodNetworks implements PodNetworksPort {
  private readonly core: CoreV1Api;

  constructor(core: CoreV1Api) {
    this.core = core;
  }

  async annotation(pod: PodRef | null): Promise<string | null> {
    if (pod === null) return null;
    let found;
    try {
      found = await this.core.readNamespacedPod({ namespace: pod.namespace, name: pod.name });
    } catch (e) {
      const code = (e as { code?: number }).code;
      // The kubelet creates the pod before its sandbox; a pod the API does not know is an error, not a pass-through.
      const why = code === 404 ? 'the API server does not know it' : `the API server did not answer (${(e as Error).message})`;
      throw new CniError(CNI_CODE.tryAgainLater, `reading pod ${pod.namespace}/${pod.name} for its ${NETWORKS_ANNOTATION} annotation failed: ${why}`);
    }
    return found.metadata?.annotations?.[NETWORKS_ANNOTATION] ?? null;
  }
}

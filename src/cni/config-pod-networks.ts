// Pod networks from the net config itself (`"podNetworks": {"<namespace>/<name>": "<annotation>"}`):
// the stand-in for the pod's `ztkube.io/networks` annotation until the agent reads it from the
// Kubernetes API (issue #12, next step), and what the namespace tests use.
import { CNI_CODE, CniError } from './cni-error.js';
import type { PodRef } from './cni-args.js';
import type { PodNetworksPort } from './ports.js';

export class ConfigPodNetworks implements PodNetworksPort {
  annotation(pod: PodRef | null, config: Record<string, unknown>): Promise<string | null> {
    const table = config.podNetworks;
    if (table === undefined || pod === null) return Promise.resolve(null);
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      return Promise.reject(new CniError(CNI_CODE.invalidConfig, 'config: podNetworks must be an object of "<namespace>/<name>": "<networks>"'));
    }
    const value = (table as Record<string, unknown>)[`${pod.namespace}/${pod.name}`];
    if (value === undefined) return Promise.resolve(null);
    if (typeof value !== 'string') return Promise.reject(new CniError(CNI_CODE.invalidConfig, `config: podNetworks["${pod.namespace}/${pod.name}"] must be a string`));
    return Promise.resolve(value);
  }
}

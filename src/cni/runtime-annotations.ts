// The pod's annotations as containerd hands them over (CRI plugin, since 1.6): when the plugin's
// conflist entry declares the capability `io.kubernetes.cri.pod-annotations`, its net config
// carries `runtimeConfig["io.kubernetes.cri.pod-annotations"]` = {annotation: value}. With
// them the agent needs no API read for the pod (faster, and ADD works while the API is away).
import { CNI_CODE, CniError } from './cni-error.js';

export const POD_ANNOTATIONS_CAPABILITY = 'io.kubernetes.cri.pod-annotations';

/** The annotations the runtime passed, or null when it passed none (then ask the API). */
export function runtimeAnnotations(config: Record<string, unknown>): Record<string, string> | null {
  const rc = config.runtimeConfig;
  if (typeof rc !== 'object' || rc === null || Array.isArray(rc)) return null;
  const v = (rc as Record<string, unknown>)[POD_ANNOTATIONS_CAPABILITY];
  if (v === undefined || v === null) return null;
  const at = `config: runtimeConfig["${POD_ANNOTATIONS_CAPABILITY}"]`;
  if (typeof v !== 'object' || Array.isArray(v)) throw new CniError(CNI_CODE.invalidConfig, `${at} must be an object of annotation: value`);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw new CniError(CNI_CODE.invalidConfig, `${at}["${k}"] must be a string, got ${JSON.stringify(x)}`);
  }
  return v as Record<string, string>;
}

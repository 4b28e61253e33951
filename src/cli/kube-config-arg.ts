// --kubeconfig for the Kubernetes commands (operator, agent): the file given, else client-node's
// default order ($KUBECONFIG, ~/.kube/config, the in-cluster service account).
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../util/errors.js';

export async function loadKubeConfig(file: string | undefined): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (file !== undefined) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (e) {
    throw new ConfigError(`${file ?? 'the kubeconfig'}: could not be read (${(e as Error).message})`, { cause: e });
  }
  if (!kc.getCurrentCluster()) throw new ConfigError(`${file ?? 'the kubeconfig'}: names no current cluster`);
  return kc;
}

// A client-node KubeConfig for the test API server (plain http on loopback; client-node
// accepts http only with TLS verification off, there being no TLS to verify).
import { KubeConfig } from '@kubernetes/client-node';

export function kubeConfigFor(serverUrl: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: serverUrl, skipTLSVerify: true }],
    users: [{ name: 'test' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test', namespace: 'default' }],
    currentContext: 'test',
  });
  return kc;
}

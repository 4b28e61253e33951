// Multus delegate mode (07 §2): a NetworkAttachmentDefinition's config names the network
// itself, `{"type": "ztkube", "network": "<ZTNetwork name or 16-hex id>", …}`, and Multus runs
// the plugin as an interface plugin with CNI_IFNAME = net1, net2, … . Such an invocation
// attaches exactly that network on CNI_IFNAME; the pod's own annotation plays no part.
import { CNI_CODE, CniError } from './cni-error.js';
import { isNetworkName } from './pod-networks.js';

/** The network a delegate config names, or null for the chained plugin (no "network" key). */
export function delegateNetwork(config: Record<string, unknown>): string | null {
  const v = config.network;
  if (v === undefined) return null;
  if (typeof v !== 'string' || !isNetworkName(v)) {
    throw new CniError(CNI_CODE.invalidConfig, `config: network must be a ZTNetwork name or a 16-digit network id, got ${JSON.stringify(v)}`);
  }
  return v;
}

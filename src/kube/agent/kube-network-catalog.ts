// The CNI catalog fed from ZTNetworks (issue #12): a name in `ztkube.io/networks` is a
// ZTNetwork's name or its 16-hex network ID; the entry carries its attach mode, this node's pod
// range (status.podRanges) and the MTU override. Errors are CniErrors a runtime shows as is.
import { parsePrefix } from '../../net/ip/prefix.js';
import { hexPad } from '../../util/hex.js';
import { CNI_CODE, CniError } from '../../cni/cni-error.js';
import type { CatalogEntry, NetworkCatalogPort } from '../../cni/network-catalog.js';
import { networkIdOf, podRangeOf, selectsNode, type ZTNetworkResource } from './ztnetwork-view.js';

/**
 * Pure: the entry for `name` among `networks`, for node `nodeName` with `labels`. A ZTNetwork
 * that does not select the node is refused: the node would join a network the agent then
 * never leaves.
 */
export function catalogEntryFor(networks: readonly ZTNetworkResource[], name: string, nodeName: string, labels: Record<string, string> | undefined): CatalogEntry {
  const lower = name.toLowerCase();
  const n = networks.find((x) => x.metadata?.name === name) ?? networks.find((x) => networkIdOf(x) === lower);
  if (!n) throw new CniError(CNI_CODE.invalidConfig, `the pod asks for network "${name}", and no ZTNetwork has that name or network ID`);
  const at = `ZTNetwork ${n.metadata?.name}`;
  if (!selectsNode(n, labels)) throw new CniError(CNI_CODE.invalidConfig, `${at} does not select node ${nodeName} (spec.nodeSelector), so its pods cannot attach to it here`);
  const id = networkIdOf(n);
  if (id === null) throw new CniError(CNI_CODE.tryAgainLater, `${at} has no network ID yet (the operator has not created it)`);
  const mode = n.spec?.attach?.mode ?? 'bridge';
  if (mode !== 'bridge' && mode !== 'sixplane') throw new CniError(CNI_CODE.invalidConfig, `${at}: spec.attach.mode must be bridge or sixplane, got ${JSON.stringify(mode)}`);
  const mtu = n.spec?.attach?.mtu ?? null;
  if (mode === 'sixplane') return { nwid: BigInt(`0x${id}`), mode, range: null, mtu };
  const text = podRangeOf(n, nodeName);
  if (text === null) throw new CniError(CNI_CODE.tryAgainLater, `${at} has no pod range for node ${nodeName} yet (status.podRanges)`);
  const range = parsePrefix(text);
  if (!range || range.family !== 4) throw new CniError(CNI_CODE.invalidConfig, `${at}: the pod range for node ${nodeName} must be an IPv4 CIDR, got ${JSON.stringify(text)}`);
  return { nwid: BigInt(`0x${id}`), mode, range, mtu };
}

export interface KubeNetworkCatalogOptions {
  networks(): readonly ZTNetworkResource[];
  labels(): Record<string, string> | undefined;
  nodeName: string;
  /**
   * Called before the attacher uses the network (and joins it when the node is not on it yet):
   * the agent records the join as its own, so that it leaves the network with its ZTNetwork.
   */
  claim(networkId: string, ztnetwork: string): Promise<void>;
}

export class KubeNetworkCatalog implements NetworkCatalogPort {
  private readonly o: KubeNetworkCatalogOptions;

  constructor(o: KubeNetworkCatalogOptions) {
    this.o = o;
  }

  async resolve(name: string): Promise<CatalogEntry> {
    const networks = this.o.networks();
    const entry = catalogEntryFor(networks, name, this.o.nodeName, this.o.labels());
    const id = hexPad(entry.nwid, 16);
    const owner = networks.find((n) => networkIdOf(n) === id)?.metadata?.name ?? name;
    await this.o.claim(id, owner);
    return entry;
  }
}

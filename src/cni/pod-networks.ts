// The `ztkube.io/networks` annotation (issue #12): a comma-separated list of networks, each a
// ZTNetwork name or a 16-hex network id, optionally `<network>@<ifname>`; unnamed ones get
// zt0, zt1, … in order, skipping names already taken.
import { CNI_CODE, CniError } from './cni-error.js';
import { isValidIfname } from './cni-request.js';

export const NETWORKS_ANNOTATION = 'ztkube.io/networks';

export interface PodNetworkRequest {
  /** The name as written: a ZTNetwork name or a network id. */
  network: string;
  ifname: string;
}

const NETWORK_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$|^[0-9a-fA-F]{16}$/;

/** A ZTNetwork name (DNS subdomain) or a 16-hex network id. */
export function isNetworkName(s: string): boolean {
  return NETWORK_NAME.test(s);
}

export function parseNetworksAnnotation(value: string): PodNetworkRequest[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const named = items.map((item) => {
    const at = item.indexOf('@');
    const network = at < 0 ? item : item.slice(0, at);
    const ifname = at < 0 ? null : item.slice(at + 1);
    if (!isNetworkName(network)) throw new CniError(CNI_CODE.invalidConfig, `${NETWORKS_ANNOTATION}: "${network}" is neither a ZTNetwork name nor a 16-digit network id`);
    if (ifname !== null && !isValidIfname(ifname)) throw new CniError(CNI_CODE.invalidConfig, `${NETWORKS_ANNOTATION}: "${ifname}" is not a valid interface name`);
    return { network, ifname };
  });
  const taken = new Set(named.flatMap((n) => (n.ifname === null ? [] : [n.ifname])));
  if (taken.size !== named.filter((n) => n.ifname !== null).length) throw new CniError(CNI_CODE.invalidConfig, `${NETWORKS_ANNOTATION}: an interface name is given twice in "${value}"`);
  let next = 0;
  return named.map((n) => {
    if (n.ifname !== null) return { network: n.network, ifname: n.ifname };
    while (taken.has(`zt${next}`)) next++;
    const ifname = `zt${next++}`;
    taken.add(ifname);
    return { network: n.network, ifname };
  });
}

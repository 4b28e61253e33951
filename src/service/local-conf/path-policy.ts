// The service's path policy from local.conf (06 §4.5): may the node use a remote physical
// address for a peer, and where else may it try to reach one. A remote address inside a
// `physical` blacklist, or inside the peer's `virtual.<addr>.blacklist`, is refused (the
// node itself already refuses addresses inside its own networks, 04 §7.7); `virtual.<addr>.try`
// gives the hints, one picked at random.
import type { InetAddress } from '../../protocol/inet-address.js';
import { cidrContains } from '../../node/physical.js';
import type { IpPrefix } from '../../net/ip/prefix.js';
import type { LocalConf, VirtualPeerConf } from './local-conf.js';

export class PathPolicy {
  private readonly blacklist: IpPrefix[];
  private readonly virtual: Map<number, VirtualPeerConf>;

  constructor(conf: Pick<LocalConf, 'physicalBlacklist' | 'virtual'>) {
    this.blacklist = conf.physicalBlacklist;
    this.virtual = conf.virtual;
  }

  isAllowed(address: number, remote: InetAddress): boolean {
    const inside = (n: IpPrefix): boolean => cidrContains(n, n.bits, remote);
    if (this.blacklist.some(inside)) return false;
    return !(this.virtual.get(address)?.blacklist.some(inside) ?? false);
  }

  /** A `try` address for the peer, chosen with `randomInt(n)` ∈ [0, n); null when it has none. */
  hint(address: number, randomInt: (n: number) => number): InetAddress | null {
    const list = this.virtual.get(address)?.try ?? [];
    return list.length === 0 ? null : list[randomInt(list.length)];
  }
}

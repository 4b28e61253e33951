// Per-physical-network settings (03 §14): a UDP payload MTU and a trusted-path ID for
// remote addresses inside a CIDR. The service reads them from local.conf `physical`; the
// node uses them when sending (MTU, suite 2) and when accepting suite-2 packets.
import type { InetAddress } from '../protocol/inet-address.js';
import { DEFAULT_PHYS_MTU_BYTES, MAX_PHYS_MTU_BYTES, MIN_PHYS_MTU_BYTES } from '../protocol/constants.js';

export const MAX_PHYSICAL_NETWORKS = 32;

export interface PhysicalNetwork {
  /** Network address; bits beyond `bits` are ignored. */
  network: { family: 4 | 6; ip: Uint8Array };
  bits: number;
  /** UDP payload MTU for this network; 0 or absent = default (1432). */
  mtu?: number;
  /** Non-zero: packets to this network go in suite 2 with this ID, and suite 2 from it is accepted with it. */
  trustedPathId?: bigint;
}

export function cidrContains(net: { family: 4 | 6; ip: Uint8Array }, bits: number, a: InetAddress): boolean {
  if (net.family !== a.family) return false;
  let left = bits;
  for (let i = 0; i < net.ip.length && left > 0; i++, left -= 8) {
    const mask = left >= 8 ? 0xff : (0xff << (8 - left)) & 0xff;
    if ((net.ip[i] & mask) !== (a.ip[i] & mask)) return false;
  }
  return true;
}

/** What applies to one remote address: the most specific matching network wins. */
export class PhysicalSettings {
  private readonly networks: PhysicalNetwork[];

  constructor(networks: PhysicalNetwork[] = []) {
    if (networks.length > MAX_PHYSICAL_NETWORKS) throw new RangeError(`at most ${MAX_PHYSICAL_NETWORKS} physical networks`);
    this.networks = [...networks].sort((a, b) => b.bits - a.bits);
  }

  private match(a: InetAddress): PhysicalNetwork | undefined {
    return this.networks.find((n) => cidrContains(n.network, n.bits, a));
  }

  /** The MTU to fragment at for this remote address, clamped to [1400, 10324]. */
  mtuFor(a: InetAddress): number {
    const m = this.match(a)?.mtu ?? 0;
    if (!m) return DEFAULT_PHYS_MTU_BYTES;
    return Math.min(MAX_PHYS_MTU_BYTES, Math.max(MIN_PHYS_MTU_BYTES, m));
  }

  /** The trusted-path ID for this remote address, or 0n. */
  trustedPathIdFor(a: InetAddress): bigint {
    return this.match(a)?.trustedPathId ?? 0n;
  }
}

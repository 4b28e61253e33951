// PLACEHOLDER until the node joins networks itself (issue #7): a NetworkPort that only
// remembers which networks were joined and shows each as a fresh join does before the
// controller answers (REQUESTING_CONFIGURATION, 06 §5.6). No traffic, nothing saved. It
// exists so the API and CLI can be used end to end; the daemon takes the real port instead.
import { macForMember } from '../protocol/member-mac.js';
import type { Address } from '../protocol/address.js';
import type { VirtualNetworkConfig } from '../node/virtual-network.js';
import type { NetworkPort } from './local-service.js';

export class PlaceholderNetworkPort implements NetworkPort {
  private readonly joined = new Map<bigint, VirtualNetworkConfig>();
  private readonly address: () => Address;

  constructor(address: () => Address) {
    this.address = address;
  }

  join(nwid: bigint): void {
    if (this.joined.has(nwid)) return;
    this.joined.set(nwid, {
      nwid,
      mac: macForMember(nwid, this.address()),
      name: '',
      status: 'REQUESTING_CONFIGURATION',
      type: 'PRIVATE',
      mtu: 2800,
      isBridgeAllowed: false,
      isBroadcastEnabled: false,
      portError: 0,
      netconfRevision: 0,
      assignedAddresses: [],
      routes: [],
      dns: null,
      multicastLimit: 32,
    });
  }

  leave(nwid: bigint): boolean {
    return this.joined.delete(nwid);
  }

  list(): VirtualNetworkConfig[] {
    return [...this.joined.values()];
  }
}

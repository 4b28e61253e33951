// Learned bridge routes of one network (spec 04 §7.4; Network::learnBridgeRoute and
// findBridgeTo of 1.14.1): which active bridge a MAC that is not a member's lives behind.
// Filled from EXT_FRAMEs (and MULTICAST_FRAMEs) of active bridges whose source MAC is not
// the sender's own. Entries never expire (1.14.1 has no expiry); each learn overwrites.
// Past the size limit, every entry of the address owning the most is removed (an
// anti-DoS breaker), repeated until the table is within the limit again.
import type { Address } from '../protocol/address.js';

/** ZT_MAX_BRIDGE_ROUTES. */
export const MAX_BRIDGE_ROUTES = 67_108_864;

export class BridgeRoutes {
  private readonly routes = new Map<number, Address>();
  private readonly limit: number;

  constructor(limit = MAX_BRIDGE_ROUTES) {
    this.limit = limit;
  }

  get size(): number {
    return this.routes.size;
  }

  /** The bridge `mac` was last seen behind, or 0 (1.14.1's nil address) when none. */
  find(mac: number): Address {
    return this.routes.get(mac) ?? 0;
  }

  learn(mac: number, bridge: Address): void {
    this.routes.set(mac, bridge);
    while (this.routes.size > this.limit) {
      const counts = new Map<Address, number>();
      let worst = 0;
      let worstCount = 0;
      for (const a of this.routes.values()) {
        const c = (counts.get(a) ?? 0) + 1;
        counts.set(a, c);
        if (c > worstCount) {
          worstCount = c;
          worst = a;
        }
      }
      for (const [m, a] of this.routes) if (a === worst) this.routes.delete(m);
    }
  }
}

// The node's networks as the local service sees them: joins and leaves go to the running
// node (which saves networks.d/<nwid>.conf through the state store), listings come from it.
import type { VirtualNetworkConfig } from '../node/virtual-network.js';
import type { Engine } from './engine.js';
import type { NetworkPort } from './local-service.js';

export class NodeNetworkPort implements NetworkPort {
  private readonly engine: Engine;

  constructor(engine: Engine) {
    this.engine = engine;
  }

  join(nwid: bigint): void {
    this.engine.act((node, now) => node.join(now, nwid));
  }

  leave(nwid: bigint): boolean {
    return this.engine.act((node, now) => node.leave(now, nwid));
  }

  list(): VirtualNetworkConfig[] {
    return this.engine.node.networks();
  }
}

// The networks this node has joined, and its link to a local controller (04 §1.4, 05 §1.2).
import type { Address } from '../protocol/address.js';
import type { NodeContext } from './context.js';
import { ControllerLink } from './controller-link.js';
import { LOCAL_REQUEST_PACKET_ID, Network, networkIdToString } from './network.js';
import type { Sender } from './sender.js';
import type { VirtualNetworkConfig } from './virtual-network.js';
import { Multicaster } from './multicaster.js';
import { alwaysContactAddresses } from './multicast-subscriptions.js';

export class Networks {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;
  private readonly metadata: Uint8Array;
  private readonly map = new Map<bigint, Network>();
  /** Per peer: when its last NETWORK_CREDENTIALS was accepted (1 per second, 04 §10). */
  private readonly credentialsReceivedAt = new Map<Address, number>();
  readonly controller: ControllerLink;
  /** Multicast group members and multicast sending, for every joined network (04 §8). */
  readonly multicaster: Multicaster;

  constructor(ctx: NodeContext, sender: Sender, metadata: Uint8Array) {
    this.ctx = ctx;
    this.sender = sender;
    this.metadata = metadata;
    this.controller = new ControllerLink(ctx, sender, (nwid) => this.map.get(nwid));
    this.multicaster = new Multicaster(ctx, sender, (nwid) => this.map.get(nwid));
  }

  get(nwid: bigint): Network | undefined {
    return this.map.get(nwid);
  }

  all(): IterableIterator<Network> {
    return this.map.values();
  }

  get size(): number {
    return this.map.size;
  }

  /** Node::join: a second join of the same network changes nothing. */
  join(nwid: bigint, saved: Uint8Array | null): Network {
    const existing = this.map.get(nwid);
    if (existing) return existing;
    if (nwid === 0n) throw new RangeError('network ID 0 is not a network');
    const parts = {
      ctx: this.ctx,
      sender: this.sender,
      metadata: this.metadata,
      askLocalController: (now: number, id: bigint, metadata: Uint8Array): boolean =>
        this.controller.request({ nwid: id, requestPacketId: LOCAL_REQUEST_PACKET_ID, identity: this.ctx.identity.toPublic(), metadata, physicalAddress: null, nowMs: now }),
    };
    const n = new Network(parts, nwid, saved);
    this.map.set(nwid, n);
    return n;
  }

  leave(nwid: bigint): boolean {
    const n = this.map.get(nwid);
    if (!n) return false;
    this.map.delete(nwid);
    n.destroy();
    return true;
  }

  /** The ping check's share (04 §9). */
  periodic(now: number): void {
    for (const n of [...this.map.values()]) n.periodic(now);
  }

  /** Every joined network's anchors and multicast replicators: kept in contact like upstreams (04 §9). */
  alwaysContactAddresses(): Set<Address> {
    const out = new Set<Address>();
    for (const n of this.map.values()) for (const a of alwaysContactAddresses(n.config)) if (a !== this.ctx.address) out.add(a);
    return out;
  }

  /** The 30 s housekeeping's share (04 §9): multicast members and queued multicasts expire. */
  housekeeping(now: number): void {
    this.multicaster.clean(now);
  }

  /** Node shutdown: every port goes DOWN, saved configs stay. */
  shutdown(): void {
    for (const n of this.map.values()) n.shutdown();
  }

  views(): VirtualNetworkConfig[] {
    return [...this.map.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((n) => n.view());
  }

  /** A network whose controller is `peer`, for answers that only its controller may give. */
  controlledBy(nwid: bigint, peer: Address): Network | undefined {
    const n = this.map.get(nwid);
    return n && n.controller === peer ? n : undefined;
  }

  /** Peer::rateGateCredentialsReceived. */
  credentialsRateGate(peer: Address, now: number, intervalMs: number): boolean {
    const last = this.credentialsReceivedAt.get(peer);
    if (last !== undefined && now - last < intervalMs) return false;
    this.credentialsReceivedAt.set(peer, now);
    return true;
  }

  describe(nwid: bigint): string {
    return networkIdToString(nwid);
  }
}

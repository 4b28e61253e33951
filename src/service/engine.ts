// The engine: one node, the host adapter that connects it to the edges, and the single
// timer kept at the node's deadline (STYLE §1). It knows nothing of files, sockets or logs:
// the daemon hands it a transport, a state sink and an event sink, and a clock.
import type { Identity } from '../protocol/identity.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { Node, type NodeOptions } from '../node/node.js';
import type { NodeEvent, NodeHost, SavedState, SocketId, StateKind } from '../node/host.js';
import type { NetworkPortOp, VirtualFrame, VirtualNetworkConfig } from '../node/virtual-network.js';
import type { NetworkControllerPort } from '../node/controller-link.js';
import { MonotonicNow, type Clock } from './clock.js';
import type { PhysicalNetwork } from '../node/physical.js';

/** The UDP edge as the engine sees it. `send` takes ownership of `data` (node/host.ts). */
export interface EngineTransport {
  send(socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): boolean;
  localAddresses(): InetAddress[];
}

export interface EngineOptions {
  clock: Clock;
  transport: EngineTransport;
  putState(kind: StateKind, id: string, data: Uint8Array | null): void;
  onEvent(e: NodeEvent): void;
  random(into: Uint8Array): void;
  /** A network's port op (the TAP edge); returns a port error code, or nothing when fine. */
  networkChanged?(nwid: bigint, op: NetworkPortOp, config: VirtualNetworkConfig | null): number | void;
  /** A frame for a network's TAP; the frame is the callee's only during the call (node/host.ts). */
  deliverFrame?(nwid: bigint, frame: VirtualFrame): void;
  /** Addresses kept in contact like network anchors (03 §6.1). */
  contact?: number[];
  node?: NodeOptions;
  /** The service's path policy (06 §4.5, local.conf): may this remote address carry traffic for a peer? */
  pathCheck?(address: number, socket: SocketId, remote: InetAddress): boolean;
  /** local.conf `virtual.<addr>.try`: another address to try for a peer, or null. */
  pathHint?(address: number): InetAddress | null;
}

export class Engine {
  private readonly opts: EngineOptions;
  private readonly time: MonotonicNow;
  private readonly host: NodeHost;
  private current: Node | null = null;
  private timer: unknown = null;
  private timerDeadline = Infinity;
  /** local.conf `physical` MTUs and trusted paths, kept for a node started later (identity replaced). */
  private physical: PhysicalNetwork[] | undefined;

  constructor(opts: EngineOptions) {
    this.opts = opts;
    this.time = new MonotonicNow(opts.clock);
    this.host = {
      send: (socket, to, data, ttl) => opts.transport.send(socket, to, data, ttl),
      putState: (kind, id, data) => opts.putState(kind, id, data),
      event: (e) => opts.onEvent(e),
      random: (into) => opts.random(into),
      localAddresses: () => opts.transport.localAddresses(),
      networkChanged: (nwid, op, config) => opts.networkChanged?.(nwid, op, config),
      deliverFrame: (nwid, frame) => opts.deliverFrame?.(nwid, frame),
      pathCheck: opts.pathCheck && ((address, socket, remote) => opts.pathCheck!(address, socket, remote)),
      pathHint: opts.pathHint && ((address) => opts.pathHint!(address)),
    };
  }

  /** The running node (for status, peers and saving); throws when stopped or suspended. */
  get node(): Node {
    if (!this.current) throw new Error('the engine has no running node');
    return this.current;
  }

  get isRunning(): boolean {
    return this.current !== null;
  }

  now(): number {
    return this.time.now();
  }

  /**
   * Builds the node for `identity` and runs its first background pass. `controller` answers
   * the requests for our own networks (05 §1.2); it is attached before that first pass, whose
   * ping check asks for the saved networks' configs at once (04 §1.4), as 1.14.1's service
   * sets its controller before it rejoins networks.d.
   */
  start(identity: Identity, saved: SavedState, controller: NetworkControllerPort | null = null): void {
    this.current = new Node(this.host, identity, saved, this.now(), { ...this.opts.node, physical: this.physical ?? this.opts.node?.physical });
    this.current.setNetworkController(controller);
    for (const a of this.opts.contact ?? []) this.current.addAlwaysContact(a);
    this.runTick();
  }

  /**
   * Calls into the running node from outside a datagram or tick (an API join, a controller's
   * answer) and moves the timer earlier if the call left work due sooner.
   */
  act<T>(fn: (node: Node, nowMs: number) => T): T {
    const node = this.node;
    const result = fn(node, this.now());
    const want = node.nextDeadlineMs();
    if (want < this.timerDeadline) this.arm(want);
    return result;
  }

  /** New physical-network settings (local.conf), for the running node and any started later. */
  setPhysical(networks: PhysicalNetwork[]): void {
    this.physical = networks;
    this.current?.setPhysical(networks);
  }

  /** A datagram from the UDP edge; ignored while no node runs. */
  onDatagram(socket: SocketId, from: InetAddress, data: Uint8Array): void {
    if (!this.current) return;
    const want = this.current.onDatagram(this.now(), socket, from, data);
    if (want < this.timerDeadline) this.arm(want);
  }

  /** Stops the node and its timer; start() may follow with another identity (03 §3.3). */
  suspend(): void {
    this.clearTimer();
    this.current = null;
  }

  /** Saves the peers, takes the networks' ports down and stops. */
  stop(): void {
    this.current?.shutdown(this.now());
    this.current?.savePeers();
    this.suspend();
  }

  private runTick(): void {
    if (!this.current) return;
    this.arm(this.current.tick(this.now()));
  }

  private arm(deadline: number): void {
    this.clearTimer();
    this.timerDeadline = deadline;
    this.timer = this.opts.clock.setTimer(() => {
      this.timer = null;
      this.timerDeadline = Infinity;
      this.runTick();
    }, Math.max(0, deadline - this.now()));
  }

  private clearTimer(): void {
    if (this.timer !== null) this.opts.clock.clearTimer(this.timer);
    this.timer = null;
    this.timerDeadline = Infinity;
  }
}

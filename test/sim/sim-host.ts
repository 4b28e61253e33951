// SimHost: the NodeHost (src/node/host.ts, STYLE §1) of one node on the simulated internet.
// It plays the part of the service: owns the node's UDP sockets (06 §4.2: one per bound
// address × port), its state store, its event log, and its single background timer.
//
// Timer (ZeroTier's nextBackgroundTaskDeadline): there is exactly one pending tick. It is
// armed at the deadline tick() returns (never earlier than now), and re-armed after every
// onDatagram that returns a deadline (1.14.1's processWirePacket leaves the deadline alone,
// so a node that never moves it may return nothing).
//
// Internal errors: a node that reports a drop with reason 'internal_error' has a bug; the
// host throws after the call returns, out of the clock run, so the test fails (STYLE §5).
import { ALL_SOCKETS } from '../../src/node/host.js';
import type { DropReason, NodeEvent, NodeHost, SavedState, SocketId, StateKind } from '../../src/node/host.js';
import type { NetworkPortOp, VirtualFrame, VirtualNetworkConfig } from '../../src/node/virtual-network.js';
import type { InetAddress } from './endpoint.js';
import type { SimTimer } from './clock.js';
import type { SimNetwork, InterfaceOptions } from './network.js';
import type { SeededRandom } from './seeded-random.js';

/** What the harness drives: the node core's entry points, or a toy with the same shape. */
export interface SimNode {
  /** May return its next background deadline (absolute ms) if handling the datagram moved it. */
  onDatagram(nowMs: number, socket: SocketId, from: InetAddress, data: Uint8Array): void | number;
  /** Background work; returns the next deadline (absolute ms). */
  tick(nowMs: number): number;
}

export interface SimHostOptions {
  /** The host's name in the network (its interfaces must exist). */
  name: string;
  net: SimNetwork;
  random: SeededRandom;
  /** UDP ports bound on every interface, primary first. Default [9993]. */
  ports?: number[];
  /** Service path policy (06 §4.5); absent = every path allowed. */
  pathCheck?: (address: number, socket: SocketId, remote: InetAddress) => boolean;
  pathHint?: (address: number) => InetAddress | null;
  /** Throw on an 'internal_error' drop (default true). */
  isInternalErrorFatal?: boolean;
}

export interface TimedEvent {
  readonly atMs: number;
  readonly event: NodeEvent;
}

export class SimHost implements NodeHost {
  readonly name: string;
  readonly net: SimNetwork;
  /** kind + '/' + id → bytes, as the service's home directory would hold them. */
  readonly state = new Map<string, Uint8Array>();
  readonly events: TimedEvent[] = [];
  readonly dropCounts = new Map<DropReason, number>();
  /** Datagrams handed to the node, and ticks run. */
  receivedTotal = 0;
  ticksTotal = 0;
  /** Times tick() returned a deadline already in the past (scheduled at now instead). */
  pastDeadlineTotal = 0;
  readonly pathCheck?: (address: number, socket: SocketId, remote: InetAddress) => boolean;
  readonly pathHint?: (address: number) => InetAddress | null;
  private readonly rng: SeededRandom;
  private readonly isInternalErrorFatal: boolean;
  private node: SimNode | null = null;
  private timer: SimTimer | null = null;
  private internalError: NodeEvent | null = null;

  constructor(opts: SimHostOptions) {
    this.name = opts.name;
    this.net = opts.net;
    this.rng = opts.random;
    this.pathCheck = opts.pathCheck;
    this.pathHint = opts.pathHint;
    this.isInternalErrorFatal = opts.isInternalErrorFatal ?? true;
    const ifaceCount = opts.net.addressesOf(opts.name).length;
    for (let i = 0; i < ifaceCount; i++) for (const port of opts.ports ?? [9993]) opts.net.bind(opts.name, i, port);
    opts.net.setReceiver(opts.name, (socket, from, data) => this.receive(socket, from, data));
  }

  get now(): number {
    return this.net.clock.now;
  }

  /** Bound sockets, in bind order (interface by interface, ports in the given order). */
  get sockets(): SocketId[] {
    return this.net.socketsOf(this.name);
  }

  socketAddress(socket: SocketId): InetAddress | null {
    return this.net.socketAddress(socket);
  }

  get isAttached(): boolean {
    return this.node !== null;
  }

  get isOnline(): boolean {
    return this.net.isOnline(this.name);
  }

  /** The deadline of the pending tick, or null. */
  get tickAtMs(): number | null {
    return this.timer && !this.timer.isDone ? this.timer.atMs : null;
  }

  // ---- NodeHost ----

  /**
   * ALL_SOCKETS, 0 or a socket that is not (or no longer) bound sends the same datagram
   * from every bound socket (06 §4.4); sockets of the wrong family fail silently. True if
   * at least one socket sent it.
   */
  send(socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): boolean {
    const mine = this.sockets;
    if (socket !== ALL_SOCKETS && socket !== 0 && mine.includes(socket)) return this.net.send(this.name, socket, to, data, ttl);
    let isSent = false;
    for (const s of mine) if (this.net.send(this.name, s, to, data, ttl)) isSent = true;
    return isSent;
  }

  /** Port operations the node asked for, in order (VL2). */
  readonly portOps: Array<{ atMs: number; nwid: bigint; op: NetworkPortOp; config: VirtualNetworkConfig | null }> = [];

  /** Frames the node delivered to the (simulated) TAPs, copied. */
  readonly frames: Array<{ atMs: number; nwid: bigint; frame: VirtualFrame }> = [];

  deliverFrame(nwid: bigint, frame: VirtualFrame): void {
    this.frames.push({ atMs: this.now, nwid, frame: { ...frame, data: frame.data.slice() } });
  }

  networkChanged(nwid: bigint, op: NetworkPortOp, config: VirtualNetworkConfig | null): void {
    this.portOps.push({ atMs: this.now, nwid, op, config });
  }

  putState(kind: StateKind, id: string, data: Uint8Array | null): void {
    const key = `${kind}/${id}`;
    if (data === null) this.state.delete(key);
    else this.state.set(key, data.slice());
  }

  event(e: NodeEvent): void {
    this.events.push({ atMs: this.now, event: e });
    if (e.type === 'drop') {
      this.dropCounts.set(e.reason, (this.dropCounts.get(e.reason) ?? 0) + 1);
      if (e.reason === 'internal_error' && !this.internalError) this.internalError = e;
    }
  }

  random(into: Uint8Array): void {
    this.rng.fill(into);
  }

  /** Addresses of the bound sockets (what the service reports to the core, 06 §4.2). */
  localAddresses(): InetAddress[] {
    return this.sockets.map((s) => this.net.socketAddress(s)!);
  }

  // ---- state, events ----

  getState(kind: StateKind, id: string): Uint8Array | null {
    return this.state.get(`${kind}/${id}`)?.slice() ?? null;
  }

  /** What a restarted service would read before building the node (STYLE §1), ids in sorted order. */
  savedState(): SavedState {
    const of = (kind: StateKind): Uint8Array[] =>
      [...this.state.entries()]
        .filter(([k]) => k.startsWith(kind + '/'))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, v]) => v.slice());
    return { planet: of('planet')[0] ?? null, moons: of('moon'), peers: of('peer') };
  }

  dropTotal(reason: DropReason): number {
    return this.dropCounts.get(reason) ?? 0;
  }

  eventsOf<T extends NodeEvent['type']>(type: T): Array<Extract<NodeEvent, { type: T }>> {
    return this.events.map((e) => e.event).filter((e): e is Extract<NodeEvent, { type: T }> => e.type === type);
  }

  // ---- node lifecycle ----

  /** Starts feeding `node`: brings the host online and runs its first tick at the current time. */
  attach(node: SimNode): void {
    if (this.node) throw new Error(`sim: host "${this.name}" already has a node attached`);
    this.node = node;
    this.net.setOnline(this.name, true);
    this.arm(this.now);
  }

  /** The node process stops: no more ticks or datagrams, and the host goes offline. State is kept. */
  detach(): void {
    this.node = null;
    this.net.clock.cancel(this.timer);
    this.timer = null;
    this.net.setOnline(this.name, false);
  }

  /** Cable unplugged: datagrams are dropped both ways; the node keeps running its timers. */
  goOffline(): void {
    this.net.setOnline(this.name, false);
  }

  goOnline(): void {
    this.net.setOnline(this.name, true);
  }

  /**
   * The host shows up at a new address. A string moves what the internet sees: the public
   * IP of the NAT directly in front of the host (all that NAT's mappings are lost, for every host
   * behind it), or the host's own address when it is not NAT'd. An object moves interface
   * `index` (default 0) to a new address and optionally another site (roaming to another
   * LAN). Socket ids stay the same; localAddresses() reports the new addresses.
   */
  moveTo(to: string | (InterfaceOptions & { index?: number })): void {
    if (typeof to !== 'string') return this.net.moveInterface(this.name, to.index ?? 0, to);
    const site = this.net.siteOfInterface(this.name, 0);
    if (this.net.gatewayOf(site)?.externalIp) this.net.setGatewayIp(site, to);
    else this.net.moveInterface(this.name, 0, { ip: to });
  }

  // ---- driving the node ----

  private receive(socket: SocketId, from: InetAddress, data: Uint8Array): void {
    const node = this.node;
    if (!node) return; // a host that never had a node: the datagram reached its socket and is ignored
    this.receivedTotal++;
    const deadline = node.onDatagram(this.now, socket, from, data);
    this.checkInternalError();
    if (typeof deadline === 'number' && this.node === node) this.arm(deadline);
  }

  private runTick(): void {
    const node = this.node;
    if (!node) return;
    this.timer = null;
    this.ticksTotal++;
    const deadline = node.tick(this.now);
    this.checkInternalError();
    if (this.node === node) this.arm(deadline);
  }

  /** Keeps exactly one pending tick, at max(deadline, now). */
  private arm(deadlineMs: number): void {
    if (!Number.isFinite(deadlineMs)) throw new Error(`sim: host "${this.name}" node returned deadline ${deadlineMs}`);
    if (deadlineMs < this.now) this.pastDeadlineTotal++;
    const at = Math.max(deadlineMs, this.now);
    if (this.timer && !this.timer.isDone && this.timer.atMs === at) return;
    this.net.clock.cancel(this.timer);
    this.timer = this.net.clock.schedule(at, () => this.runTick());
  }

  private checkInternalError(): void {
    const e = this.internalError;
    if (!e || !this.isInternalErrorFatal) return;
    this.internalError = null;
    const detail = e.type === 'drop' ? e.detail ?? '' : '';
    throw new Error(`sim: node on host "${this.name}" reported internal_error at t=${this.now}: ${detail}`);
  }
}

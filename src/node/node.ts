// The VL1 node (spec 03): a pure state machine driven from outside (STYLE §1). The host
// hands it datagrams and calls tick() at the deadline the node last returned; the node
// answers only through NodeHost. No I/O, timers, clock or randomness of its own.
//
// Inside, each part owns its state: the sender (TX queue, WHOIS), the receiver (reassembly,
// parked packets), the prober (deferred probes), the relay (introductions) and the
// background tasks. What they share lives in NodeContext; received verbs reach their
// handlers through the verb table.
import type { Identity } from '../protocol/identity.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { Verb } from '../protocol/constants.js';
import { decodeWorld, WorldType, worldIdToString, type World } from '../protocol/world.js';
import { EARTH_PLANET_HEX } from '../protocol/earth-planet.js';
import { hex } from '../util/hex.js';
import { encodeUserMessage } from '../protocol/verbs/user-message.js';
import type { NodeHost, SavedState, SocketId } from './host.js';
import type { Peer, PeerPath } from './peer.js';
import { Topology, type PeerRole } from './topology.js';
import { NodeContext } from './context.js';
import { Sender } from './sender.js';
import { Prober } from './prober.js';
import { Bookkeeping } from './bookkeeping.js';
import { Relay } from './relay.js';
import { Receiver } from './receiver.js';
import { Background } from './background.js';
import { VerbTable, type VerbContext } from './verb-table.js';
import { registerVl1Verbs } from './vl1-verbs.js';
import { registerVl2Verbs } from './vl2-verbs.js';
import { Networks } from './networks.js';
import type { Membership } from './membership.js';
import { Switch, staticIpsContain, type FrameRefusal, type SwitchMulticast } from './switch.js';
import type { VirtualFrame } from './virtual-network.js';
import type { ControllerLink, NetworkControllerPort } from './controller-link.js';
import type { NetworkConfig } from '../protocol/netconf/network-config.js';
import { encodeRequestMetadata, memberMetadata } from '../protocol/netconf/request-metadata.js';
import type { VirtualNetworkConfig } from './virtual-network.js';
import { PhysicalSettings, type PhysicalNetwork } from './physical.js';
import type { PacketCounts } from './packet-counts.js';
import { MIN_BACKGROUND_SPACING_MS, PEER_PATH_EXPIRATION_MS, SOFTWARE_VERSION, TIMER_TASK_PERIOD_MS } from './constants.js';
import { PROTOCOL_VERSION } from '../protocol/constants.js';

export interface NodeOptions {
  /** Planet used when none was saved (1.14.1 uses the public one, 03 §8.5). */
  defaultPlanet?: Uint8Array | null;
  /** Physical-network MTUs and trusted paths (03 §14; local.conf `physical`). */
  physical?: PhysicalNetwork[];
  /** `<platform>/<arch>` sent to controllers in config requests (04 §3.1); default linux/x86_64. */
  platform?: string;
}

/** What the service needs to show a peer (06 §5.8); formatting is the service's job. */
export interface PeerInfo {
  address: number;
  role: PeerRole;
  /** protocol 0 = unknown */
  version: { protocol: number; major: number; minor: number; revision: number };
  latencyMs: number | null;
  /** Non-expired paths, in the order the core holds them. */
  paths: Array<{ address: InetAddress; socket: SocketId; lastReceiveMs: number; lastSendMs: number; isPreferred: boolean; trustedPathId: bigint }>;
  /** Authenticated packets and plaintext bytes exchanged with the peer since it was met (metrics). */
  traffic: { packetsIn: number; packetsOut: number; bytesIn: number; bytesOut: number; invalidIn: number };
}

/** The node's own state for `status` and metrics (06 §5.2). */
export interface NodeStatus {
  address: number;
  isOnline: boolean;
  /** One of our own roots: the planet or a moon lists this node. */
  isRoot: boolean;
  planet: { id: bigint; timestamp: bigint } | null;
  moons: Array<{ id: bigint; timestamp: bigint; isWaiting: boolean }>;
  /** Where other nodes see us (03 §13). */
  surfaceAddresses: InetAddress[];
  /** Peers in the cache, restored when a packet names them (03 §3.4). */
  cachedPeers: number;
  drops: Record<string, number>;
  /** Packets by verb and ERROR code, both ways: live counters, read but never written by the caller. */
  packets: PacketCounts;
  receivedTotal: number;
  sentTotal: number;
  ignoredTotal: number;
}

export class Node {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;
  private readonly receiver: Receiver;
  private readonly prober: Prober;
  private readonly background: Background;
  private readonly vl2: Networks;
  private readonly frames: Switch;
  private nowMs: number;

  constructor(host: NodeHost, identity: Identity, saved: SavedState, nowMs: number, opts: NodeOptions = {}) {
    if (!identity.privateKey) throw new RangeError('a node needs its secret identity');
    this.nowMs = nowMs;
    const topology = new Topology(identity, { worldInstalled: (w, bytes) => this.onWorldInstalled(w, bytes) });
    const ctx = (this.ctx = new NodeContext(host, identity, topology, new PhysicalSettings(opts.physical)));
    this.sender = new Sender(ctx);
    this.prober = new Prober(ctx, this.sender);
    const relay = new Relay(ctx, this.sender);
    const metadata = encodeRequestMetadata(memberMetadata({ protocol: PROTOCOL_VERSION, ...SOFTWARE_VERSION }, opts.platform ?? 'linux/x86_64'));
    this.vl2 = new Networks(ctx, this.sender, metadata);
    const table = new VerbTable();
    registerVl1Verbs(table);
    registerVl2Verbs(table);
    this.frames = new Switch(ctx, this.sender, this.vl2);
    const multicaster = this.vl2.multicaster;
    this.frames.multicast = {
      send: (now, network, group, srcMac, etherType, data) => multicaster.send(now, network, group, srcMac, etherType, data),
      learnBridgedGroup: (now, network, group) => network.multicast.learnBridged(now, group),
    };
    table.register(Verb.FRAME, (v, rx) => this.frames.onFrame(v, rx));
    table.register(Verb.EXT_FRAME, (v, rx) => this.frames.onExtFrame(v, rx));
    // No ZeroTier over ZeroTier (04 §7.7): a path inside a joined network's static IPs is refused.
    ctx.isInsideJoinedNetwork = (remote) => {
      for (const n of this.vl2.all()) {
        const c = n.config;
        if (c && !n.isDestroyed && staticIpsContain(c, remote)) return true;
      }
      return false;
    };
    const verbs: VerbContext = { node: ctx, sender: this.sender, prober: this.prober, networks: this.vl2 };
    this.receiver = new Receiver({ verbs, table, bookkeeping: new Bookkeeping(ctx, this.sender), relay });
    this.background = new Background({ ctx, sender: this.sender, prober: this.prober, receiver: this.receiver, relay, networks: this.vl2 }, nowMs);
    ctx.peerKnown = (now, address) => {
      this.sender.retryQueued(now, address);
      this.receiver.retryParked(now, address);
    };
    this.restore(saved, opts.defaultPlanet);
  }

  get address(): number {
    return this.ctx.address;
  }

  get identity(): Identity {
    return this.ctx.identity;
  }

  get isOnline(): boolean {
    return this.ctx.isOnline;
  }

  /** The latest time the host has given us (never decreases). */
  get now(): number {
    return this.nowMs;
  }

  /**
   * A datagram arrived on `socket` from `from`. The buffer is ours only during the call.
   * Returns the time tick() wants to run next, which handling may have made earlier (a
   * packet queued for a WHOIS is retried within 500 ms).
   */
  onDatagram(nowMs: number, socket: SocketId, from: InetAddress, data: Uint8Array): number {
    const now = this.advance(nowMs);
    try {
      this.receiver.onDatagram(now, socket, from, data);
    } catch (e) {
      // Bytes from the network never throw out of the node (STYLE §5).
      this.ctx.reportThrown(e, from);
    }
    return this.deadline(now);
  }

  /** Runs due background work; returns the time (ms) it next wants to be called. */
  tick(nowMs: number): number {
    const now = this.advance(nowMs);
    try {
      this.background.run(now);
    } catch (e) {
      this.ctx.reportThrown(e);
    }
    return this.deadline(now);
  }

  /** Sends a USER_MESSAGE (02 §10.17) to a node by address; through a root if no path is known yet. */
  sendUserMessage(nowMs: number, dest: number, typeId: bigint, data: Uint8Array): void {
    const now = this.advance(nowMs);
    this.sender.sendToAddress(now, dest, Verb.USER_MESSAGE, encodeUserMessage({ typeId, data }));
  }

  /**
   * Keeps contact with a peer the way 1.14.1 keeps contact with a network's anchors
   * (03 §6.1, §6.2): WHOIS until its identity is known, then HELLOs (relayed through a root
   * until a direct path exists). Networks add their anchors here; the daemon's --contact too.
   */
  addAlwaysContact(address: number): void {
    if (address !== this.address) this.ctx.alwaysContact.add(address);
  }

  removeAlwaysContact(address: number): void {
    this.ctx.alwaysContact.delete(address);
  }

  /** Replaces the physical-network settings (the service re-reads local.conf). */
  setPhysical(networks: PhysicalNetwork[]): void {
    this.ctx.physical = new PhysicalSettings(networks);
  }

  /** Orbits a moon through a seed (03 §8.7). */
  orbit(nowMs: number, worldId: bigint, seed: number): void {
    this.advance(nowMs);
    this.ctx.topology.orbit(worldId, seed);
  }

  /** The moons held, in the order they arrived (not those still awaited through a seed). */
  moons(): World[] {
    return [...this.ctx.topology.moons.values()];
  }

  /** Leaves a moon: removes it and its file (03 §8.7). */
  deorbit(nowMs: number, worldId: bigint): void {
    this.advance(nowMs);
    if (this.ctx.topology.deorbit(worldId)) this.ctx.host.putState('moon', worldIdToString(worldId), null);
  }

  /**
   * Joins a network (04 §1.4). `saved` is its networks.d/<nwid>.conf as read by the service
   * (null when there is none): a saved config is used until the controller answers. Joining
   * a network already joined changes nothing. The port comes up through networkChanged.
   */
  join(nowMs: number, nwid: bigint, saved: Uint8Array | null = null): VirtualNetworkConfig {
    this.advance(nowMs);
    return this.vl2.join(nwid, saved).view();
  }

  /** Leaves a network: its port is destroyed and its saved config deleted. False when not joined. */
  leave(nowMs: number, nwid: bigint): boolean {
    this.advance(nowMs);
    return this.vl2.leave(nwid);
  }

  /**
   * An Ethernet frame from a network's TAP (04 §7.2): to a member, to a MAC behind an active
   * bridge, multicast/broadcast (through the multicaster), an NDP solicitation answered
   * locally, or to ourselves. Returns null when it was handled, else why not. The frame is
   * the node's only during the call; frames for our own TAP (to ourselves, NDP answers) are
   * delivered through host.deliverFrame before this returns.
   */
  sendFrame(nowMs: number, nwid: bigint, frame: VirtualFrame): FrameRefusal | null {
    const now = this.advance(nowMs);
    try {
      return this.frames.send(now, nwid, frame);
    } catch (e) {
      this.ctx.reportThrown(e);
      return 'filtered';
    }
  }

  /** Attaches the multicaster the switch hands multicast frames to (null: multicast is dropped and counted). */
  setMulticast(multicast: SwitchMulticast | null): void {
    this.frames.multicast = multicast;
  }

  /** The active bridge a MAC was learned behind on a network, or 0 (04 §7.4; tests, diagnostics). */
  bridgeRouteOf(nwid: bigint, mac: number): number {
    const n = this.vl2.get(nwid);
    return n ? this.frames.findBridgeTo(n, mac) : 0;
  }

  /**
   * ZT_Node_multicastSubscribe: the TAP joined a multicast group (MAC, ADI). A new group is
   * announced at once to the controller, the roots, the anchors and the network's members
   * (04 §8.3). Nothing happens for a network not joined.
   */
  multicastSubscribe(nowMs: number, nwid: bigint, mac: number, adi: number): void {
    const now = this.advance(nowMs);
    this.vl2.get(nwid)?.multicast.subscribe(now, { mac: mac % 0x1000000000000, adi: adi >>> 0 });
  }

  /** ZT_Node_multicastUnsubscribe: nothing is sent; others forget us after 600 s. */
  multicastUnsubscribe(nowMs: number, nwid: bigint, mac: number, adi: number): void {
    this.advance(nowMs);
    this.vl2.get(nwid)?.multicast.unsubscribe({ mac: mac % 0x1000000000000, adi: adi >>> 0 });
  }

  /** The groups the TAP subscribed on a network, sorted (the API's multicastSubscriptions); [] when not joined. */
  multicastSubscriptions(nwid: bigint): Array<{ mac: number; adi: number }> {
    return this.vl2.get(nwid)?.multicast.list() ?? [];
  }

  /** The members this node knows of a multicast group (inspection, tests). */
  multicastMembers(nwid: bigint, mac: number, adi: number): number[] {
    return this.vl2.multicaster.members(nwid, { mac, adi: adi >>> 0 });
  }

  /** The joined networks, by ID. */
  networks(): VirtualNetworkConfig[] {
    return this.vl2.views();
  }

  network(nwid: bigint): VirtualNetworkConfig | undefined {
    return this.vl2.get(nwid)?.view();
  }

  /** The config held for a network (for inspection and the API), or null. */
  networkConfig(nwid: bigint): NetworkConfig | null {
    return this.vl2.get(nwid)?.config ?? null;
  }

  /** What this node holds of a peer's credentials on a network (inspection, tests). */
  membershipOf(nwid: bigint, address: number): Membership | undefined {
    return this.vl2.get(nwid)?.memberships.get(address);
  }

  /** The host's port error for a network (0 = none); non-zero reports PORT_ERROR. */
  setPortError(nwid: bigint, code: number): void {
    this.vl2.get(nwid)?.setPortError(code);
  }

  /** Attaches (or detaches) the controller for networks whose IDs start with our address (05 §1.1). */
  setNetworkController(port: NetworkControllerPort | null): void {
    this.vl2.controller.port = port;
  }

  /** Where the local controller answers: signed config chunks, errors, revocations (05 §2.8). */
  get controllerLink(): ControllerLink {
    return this.vl2.controller;
  }

  /** The service stops: every network's port goes DOWN; saved configs stay. */
  shutdown(nowMs: number): void {
    this.advance(nowMs);
    this.vl2.shutdown();
  }

  /** Writes every peer to the cache, as the service does at shutdown (03 §3.4). */
  savePeers(): void {
    const { topology, peerCache } = this.ctx;
    peerCache.saveAll(topology.peers.values(), (a) => topology.isUpstream(a));
  }

  /** A peer in memory, for inspection (tests, diagnostics); undefined when not known. */
  getPeer(address: number): Peer | undefined {
    return this.ctx.topology.peers.get(address);
  }

  status(): NodeStatus {
    const { topology, traffic } = this.ctx;
    const moons = [...topology.moons.values()].map((m) => ({ id: m.id, timestamp: m.timestamp, isWaiting: false }));
    for (const id of topology.moonSeeds.keys()) moons.push({ id, timestamp: 0n, isWaiting: true });
    return {
      address: this.address,
      isOnline: this.ctx.isOnline,
      isRoot: topology.amRoot,
      planet: topology.planet ? { id: topology.planet.id, timestamp: topology.planet.timestamp } : null,
      moons,
      surfaceAddresses: this.ctx.awareness.surfaceAddresses(),
      cachedPeers: this.ctx.peerCache.size,
      drops: this.ctx.drops.snapshot(),
      packets: this.ctx.packets,
      receivedTotal: traffic.receivedTotal,
      sentTotal: traffic.sentTotal,
      ignoredTotal: traffic.ignoredTotal,
    };
  }

  /** Snapshot for `peers` listings (06 §5.8). */
  peerInfo(nowMs: number): PeerInfo[] {
    const { topology, physical } = this.ctx;
    const out: PeerInfo[] = [];
    for (const p of [...topology.peers.values()].sort((a, b) => a.address - b.address)) {
      const best = p.bestPath(nowMs);
      const describe = (e: PeerPath): PeerInfo['paths'][number] => ({
        address: e.path.address,
        socket: e.path.socket,
        lastReceiveMs: e.path.lastInMs,
        lastSendMs: e.path.lastOutMs,
        isPreferred: e === best,
        trustedPathId: physical.trustedPathIdFor(e.path.address),
      });
      out.push({
        address: p.address,
        role: topology.role(p.address),
        version: { ...p.version },
        latencyMs: best && best.path.latencyMs !== 0xffff ? best.path.latencyMs : null,
        paths: p.paths.filter((e) => nowMs - e.lastReceiveMs < PEER_PATH_EXPIRATION_MS).map(describe),
        traffic: { packetsIn: p.packetsInTotal, packetsOut: p.packetsOutTotal, bytesIn: p.bytesInTotal, bytesOut: p.bytesOutTotal, invalidIn: p.invalidPacketsInTotal },
      });
    }
    return out;
  }

  /** When tick() next wants to run, after a call that was not onDatagram or tick. */
  nextDeadlineMs(): number {
    return this.deadline(this.nowMs);
  }

  private advance(nowMs: number): number {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    return this.nowMs;
  }

  /** The one deadline: periodic tasks, due probes, and the 500 ms timer while anything waits. */
  private deadline(now: number): number {
    let next = Math.min(this.background.nextPeriodicMs(), this.prober.nextDueMs());
    if (this.sender.hasQueued || this.receiver.hasPending) next = Math.min(next, now + TIMER_TASK_PERIOD_MS);
    return Math.max(next, now + MIN_BACKGROUND_SPACING_MS);
  }

  private restore(saved: SavedState, defaultPlanet: Uint8Array | null | undefined): void {
    const { topology, peerCache } = this.ctx;
    let planetLoaded = false;
    if (saved.planet) {
      try {
        planetLoaded = topology.installWorld(decodeWorld(saved.planet), 'config');
      } catch (e) {
        this.ctx.report('malformed', undefined, `saved planet: ${(e as Error).message}`);
      }
    }
    const fallback = defaultPlanet === undefined ? hex(EARTH_PLANET_HEX) : defaultPlanet;
    if (fallback) {
      // The built-in planet only replaces a saved one under the update rule (03 §8.5).
      topology.installWorld(decodeWorld(fallback), planetLoaded ? 'ok_hello' : 'config');
    }
    for (const m of saved.moons ?? []) {
      try {
        topology.installWorld(decodeWorld(m), 'config');
      } catch (e) {
        this.ctx.report('malformed', undefined, `saved moon: ${(e as Error).message}`);
      }
    }
    for (const n of saved.networks ?? []) this.vl2.join(n.nwid, n.saved);
    for (const p of saved.peers ?? []) {
      try {
        peerCache.load(p, this.address);
      } catch (e) {
        this.ctx.report('malformed', undefined, `cached peer: ${(e as Error).message}`);
      }
    }
  }

  private onWorldInstalled(w: World, bytes: Uint8Array): void {
    const host = this.ctx.host;
    if (w.type === WorldType.PLANET) host.putState('planet', '', bytes);
    else host.putState('moon', worldIdToString(w.id), bytes);
    host.event({ type: 'world_updated', kind: w.type === WorldType.PLANET ? 'planet' : 'moon', id: w.id, timestamp: w.timestamp });
  }
}

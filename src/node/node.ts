// The VL1 node (spec 03): a pure state machine driven from outside (STYLE §1). The host
// hands it datagrams and calls tick() at the deadline tick() returned; the node answers
// only through NodeHost. No I/O, timers, clock or randomness of its own.
import { DecodeError } from '../util/errors.js';
import type { Identity } from '../protocol/identity.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { Reassembler } from '../protocol/reassembler.js';
import { REASSEMBLY_SLOTS, REASSEMBLY_TIMEOUT_MS, Verb } from '../protocol/constants.js';
import { decodeWorld, WorldType, worldIdToString, type World } from '../protocol/world.js';
import { EARTH_PLANET_HEX } from '../protocol/earth-planet.js';
import { hex } from '../util/hex.js';
import { encodeUserMessage } from '../protocol/verbs/user-message.js';
import type { DropReason, NodeEvent, NodeHost, SavedState, SocketId } from './host.js';
import { Path, pathKey } from './path.js';
import type { Peer } from './peer.js';
import { Topology } from './topology.js';
import { SelfAwareness } from './self-awareness.js';
import { ExpectedReplies } from './expected-replies.js';
import { IdentityVerifyGate } from './identity-verify-gate.js';
import { decodeCachedPeer, type CachedPeer } from './peer-cache.js';
import { onDatagram } from './receive.js';
import { backgroundTasks } from './background.js';
import { sendToPeerAddress, type QueuedPacket, type ParkedPacket } from './send.js';
import { isScopeAcceptableForPaths, sameIp } from './ip-scope.js';
import { PhysicalSettings, type PhysicalNetwork } from './physical.js';
import { MIN_BACKGROUND_SPACING_MS, PEER_PATH_EXPIRATION_MS, TIMER_TASK_PERIOD_MS } from './constants.js';

export interface NodeOptions {
  /** Planet used when none was saved (1.14.1 uses the public one, 03 §8.5). */
  defaultPlanet?: Uint8Array | null;
  /** Physical-network MTUs and trusted paths (03 §14; local.conf `physical`). */
  physical?: PhysicalNetwork[];
}

/** What the service needs to show a peer (06 §5.8); formatting is the service's job. */
export interface PeerInfo {
  address: number;
  role: 'LEAF' | 'MOON' | 'PLANET';
  /** protocol 0 = unknown */
  version: { protocol: number; major: number; minor: number; revision: number };
  latencyMs: number | null;
  /** Non-expired paths, in the order the core holds them. */
  paths: Array<{ address: InetAddress; socket: SocketId; lastReceive: number; lastSend: number; isPreferred: boolean }>;
}

export class Node {
  readonly host: NodeHost;
  readonly identity: Identity;
  readonly topology: Topology;
  readonly paths = new Map<string, Path>();
  readonly awareness = new SelfAwareness();
  readonly expected = new ExpectedReplies();
  readonly reassembler = new Reassembler({ maxEntries: REASSEMBLY_SLOTS, timeoutMs: REASSEMBLY_TIMEOUT_MS });
  readonly identityGate = new IdentityVerifyGate();
  /** Address → last WHOIS sent for it (03 §7.3). */
  readonly whoisRequests = new Map<number, number>();
  /** Evicted or saved peers, by address (03 §3.4). */
  readonly peerCache = new Map<number, CachedPeer>();
  txQueue: QueuedPacket[] = [];
  rxParked: ParkedPacket[] = [];
  /** Probes waiting for their moment after a RENDEZVOUS (on-control.ts). */
  deferredProbes: Array<{ atMs: number; peer: number; socket: SocketId; to: InetAddress }> = [];
  /** Extra always-contact addresses: anchors and --contact peers (03 §6.1). */
  readonly alwaysContact = new Set<number>();
  /** Unordered address pair → last RENDEZVOUS introduction (03 §11). */
  readonly lastUnite = new Map<string, number>();
  lastBeaconNop = -Infinity;
  lastPingCheck = -Infinity;
  lastHousekeeping = 0;
  isOnline = false;
  physical: PhysicalSettings;
  /** Counts of dropped datagrams/packets by reason; the service exports them as metrics. */
  readonly drops = new Map<DropReason, number>();
  receivedTotal = 0;
  /** Datagrams too short to be anything (NAT-opening junk): ignored, not dropped. */
  ignoredTotal = 0;
  sentTotal = 0;
  private nowMs: number;
  /** What the last tick() asked for. */
  private deadline = 0;

  constructor(host: NodeHost, identity: Identity, saved: SavedState, nowMs: number, opts: NodeOptions = {}) {
    if (!identity.privateKey) throw new RangeError('a node needs its secret identity');
    this.host = host;
    this.identity = identity;
    this.nowMs = nowMs;
    this.lastHousekeeping = nowMs;
    this.physical = new PhysicalSettings(opts.physical);
    this.topology = new Topology(identity, {
      worldInstalled: (w, bytes) => this.onWorldInstalled(w, bytes),
    });
    let planetLoaded = false;
    if (saved.planet) {
      try {
        planetLoaded = this.topology.installWorld(decodeWorld(saved.planet), 'config');
      } catch (e) {
        this.report('malformed', undefined, `saved planet: ${(e as Error).message}`);
      }
    }
    const fallback = opts.defaultPlanet === undefined ? hex(EARTH_PLANET_HEX) : opts.defaultPlanet;
    if (fallback) {
      // The built-in planet only replaces a saved one under the update rule (03 §8.5).
      this.topology.installWorld(decodeWorld(fallback), planetLoaded ? 'ok_hello' : 'config');
    }
    for (const m of saved.moons ?? []) {
      try {
        this.topology.installWorld(decodeWorld(m), 'config');
      } catch (e) {
        this.report('malformed', undefined, `saved moon: ${(e as Error).message}`);
      }
    }
    for (const p of saved.peers ?? []) {
      try {
        const c = decodeCachedPeer(p);
        if (c.identity.address !== identity.address) this.peerCache.set(c.identity.address, c);
      } catch (e) {
        this.report('malformed', undefined, `cached peer: ${(e as Error).message}`);
      }
    }
  }

  get address(): number {
    return this.identity.address;
  }

  /** The latest time the host has given us (never decreases). */
  get now(): number {
    return this.nowMs;
  }

  private advance(nowMs: number): number {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
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
      onDatagram(this, now, socket, from, data);
    } catch (e) {
      // Bytes from the network never throw out of the node (STYLE §5).
      if (e instanceof DecodeError) this.report('malformed', from, e.message);
      else this.report('internal_error', from, (e as Error)?.stack ?? String(e));
    }
    return this.nextDeadline(now);
  }

  private nextDeadline(now: number): number {
    let next = this.deadline;
    for (const p of this.deferredProbes) next = Math.min(next, p.atMs);
    if (this.txQueue.length > 0 || this.rxParked.length > 0 || this.reassembler.size > 0) next = Math.min(next, now + TIMER_TASK_PERIOD_MS);
    return Math.max(next, now + MIN_BACKGROUND_SPACING_MS);
  }

  /** Runs due background work; returns the time (ms) it next wants to be called. */
  tick(nowMs: number): number {
    const now = this.advance(nowMs);
    try {
      this.deadline = backgroundTasks(this, now);
    } catch (e) {
      this.report('internal_error', undefined, (e as Error)?.stack ?? String(e));
      this.deadline = now + 1000;
    }
    return this.nextDeadline(now);
  }

  /** Sends a USER_MESSAGE (02 §10.17) to a node by address; through a root if no path is known yet. */
  sendUserMessage(nowMs: number, dest: number, typeId: bigint, data: Uint8Array): void {
    const now = this.advance(nowMs);
    sendToPeerAddress(this, now, dest, Verb.USER_MESSAGE, encodeUserMessage({ typeId, data }));
  }

  /**
   * Keeps contact with a peer the way 1.14.1 keeps contact with a network's anchors
   * (03 §6.1, §6.2): WHOIS until its identity is known, then HELLOs (relayed through a root
   * until a direct path exists). Networks add their anchors here; the daemon's --contact too.
   */
  addAlwaysContact(address: number): void {
    if (address !== this.address) this.alwaysContact.add(address);
  }

  removeAlwaysContact(address: number): void {
    this.alwaysContact.delete(address);
  }

  /** Replaces the physical-network settings (the service re-reads local.conf). */
  setPhysical(networks: PhysicalNetwork[]): void {
    this.physical = new PhysicalSettings(networks);
  }

  /** Orbits a moon through a seed (03 §8.7). */
  orbit(nowMs: number, worldId: bigint, seed: number): void {
    this.advance(nowMs);
    this.topology.orbit(worldId, seed);
  }

  /** Leaves a moon: removes it and its file (03 §8.7). */
  deorbit(nowMs: number, worldId: bigint): void {
    this.advance(nowMs);
    if (this.topology.deorbit(worldId)) this.host.putState('moon', worldIdToString(worldId), null);
  }

  /** Snapshot for `peers` listings (06 §5.8). */
  peerInfo(nowMs: number): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (const p of [...this.topology.peers.values()].sort((a, b) => a.address - b.address)) {
      const best = p.bestPath(nowMs);
      out.push({
        address: p.address,
        role: this.topology.role(p.address),
        version: { ...p.version },
        latencyMs: best && best.path.latencyMs !== 0xffff ? best.path.latencyMs : null,
        paths: p.paths
          .filter((e) => nowMs - e.lr < PEER_PATH_EXPIRATION_MS)
          .map((e) => ({ address: e.path.address, socket: e.path.socket, lastReceive: e.path.lastIn, lastSend: e.path.lastOut, isPreferred: e === best })),
      });
    }
    return out;
  }

  // ---- internals shared by the modules of src/node ----

  getPath(socket: SocketId, address: InetAddress): Path {
    const k = pathKey(socket, address);
    let p = this.paths.get(k);
    if (!p) {
      p = new Path(socket, address);
      this.paths.set(k, p);
    }
    return p;
  }

  randomBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    this.host.random(b);
    return b;
  }

  /** A random integer in [0, n). */
  randomInt(n: number): number {
    const b = this.randomBytes(4);
    return (((b[0] << 24) >>> 0) + ((b[1] << 16) | (b[2] << 8) | b[3])) % n;
  }

  /** 03 §5.7: may this remote address carry traffic for `peerAddress`? */
  isPathAcceptable(peerAddress: number, socket: SocketId, remote: InetAddress): boolean {
    if (!isScopeAcceptableForPaths(remote)) return false;
    const eps = this.topology.rootEndpoints.get(peerAddress);
    if (eps && eps.length > 0 && !eps.some((e) => sameIp(e, remote))) return false;
    if (this.host.pathCheck && !this.host.pathCheck(peerAddress, socket, remote)) return false;
    return true;
  }

  /** Counts a drop and tells the host (which logs it rate-limited and exports the counter). */
  report(reason: DropReason, from?: InetAddress, detail?: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    const e: NodeEvent = { type: 'drop', reason };
    if (from) e.from = from;
    if (detail) e.detail = detail;
    this.host.event(e);
  }

  getPeer(address: number): Peer | undefined {
    return this.topology.peers.get(address);
  }

  setOnline(isOnline: boolean): void {
    if (isOnline === this.isOnline) return;
    this.isOnline = isOnline;
    this.host.event({ type: 'online', isOnline });
  }

  private onWorldInstalled(w: World, bytes: Uint8Array): void {
    if (w.type === WorldType.PLANET) this.host.putState('planet', '', bytes);
    else this.host.putState('moon', worldIdToString(w.id), bytes);
    this.host.event({ type: 'world_updated', kind: w.type === WorldType.PLANET ? 'planet' : 'moon', id: w.id, timestamp: w.timestamp });
  }
}

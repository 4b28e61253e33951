// Background work (03 §2, §6): timer tasks on every run, the 5 s ping check with the
// always-contact logic and keepalives, 30 s housekeeping with peer eviction to the cache.
import type { InetAddress } from '../protocol/inet-address.js';
import { ALL_SOCKETS } from './host.js';
import type { NodeContext } from './context.js';
import { Peer } from './peer.js';
import type { Prober } from './prober.js';
import type { Receiver } from './receiver.js';
import type { Relay } from './relay.js';
import type { Sender } from './sender.js';
import type { Networks } from './networks.js';
import {
  HOUSEKEEPING_PERIOD_MS,
  LEAF_TIMER_SCALE,
  PATH_HEARTBEAT_PERIOD_MS,
  PEER_ACTIVITY_TIMEOUT_MS,
  PEER_PING_PERIOD_MS,
  PING_CHECK_PERIOD_MS,
  ROOT_TIMER_SCALE,
} from './constants.js';

export interface BackgroundParts {
  ctx: NodeContext;
  sender: Sender;
  prober: Prober;
  receiver: Receiver;
  relay: Relay;
  networks: Networks;
}

interface Sent {
  v4: boolean;
  v6: boolean;
}

export class Background {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;
  private readonly prober: Prober;
  private readonly receiver: Receiver;
  private readonly relay: Relay;
  private readonly networks: Networks;
  private lastPingCheckMs = -Infinity;
  private lastHousekeepingMs: number;

  constructor(parts: BackgroundParts, nowMs: number) {
    this.ctx = parts.ctx;
    this.sender = parts.sender;
    this.prober = parts.prober;
    this.receiver = parts.receiver;
    this.relay = parts.relay;
    this.networks = parts.networks;
    this.lastHousekeepingMs = nowMs;
  }

  /** Runs what is due. */
  run(now: number): void {
    this.timerTasks(now);
    if (now - this.lastPingCheckMs >= PING_CHECK_PERIOD_MS) {
      this.lastPingCheckMs = now;
      this.pingCheck(now);
    }
    if (now - this.lastHousekeepingMs >= HOUSEKEEPING_PERIOD_MS) {
      this.lastHousekeepingMs = now;
      this.housekeeping(now);
    }
  }

  /** When the next periodic task (ping check, housekeeping) is due. */
  nextPeriodicMs(): number {
    return Math.min(this.lastPingCheckMs + PING_CHECK_PERIOD_MS, this.lastHousekeepingMs + HOUSEKEEPING_PERIOD_MS);
  }

  private timerTasks(now: number): void {
    this.prober.runDue(now);
    if (this.sender.hasQueued) this.sender.retryQueued(now);
    this.receiver.retryParked(now);
    this.receiver.retryRefused(now);
    this.receiver.expireFragments(now);
    this.sender.expireWhois(now);
  }

  /** The keepalive procedure for one peer (03 §6.3). */
  private keepalive(now: number, peer: Peer): Sent {
    const sent: Sent = { v4: false, v6: false };
    const isFullHello = now - peer.lastFullHelloMs >= PEER_PING_PERIOD_MS;
    if (isFullHello) peer.lastFullHelloMs = now;
    let maxPriority = 0;
    for (const e of peer.paths) maxPriority = Math.max(maxPriority, e.priority);
    const kept = [];
    for (const e of peer.paths) {
      if (Peer.isExpired(e, now) || e.priority < maxPriority) {
        this.ctx.trace('path_expired', peer.address, e.path.address);
        continue;
      }
      kept.push(e);
      if (isFullHello || e.path.needsHeartbeat(now)) {
        if (isFullHello) this.sender.sendHello(now, peer, ALL_SOCKETS, e.path.address);
        else this.prober.probe(now, peer, e.path.socket, e.path.address);
        if (e.path.address.family === 4) sent.v4 = true;
        else sent.v6 = true;
      }
    }
    peer.paths = kept;
    return sent;
  }

  /** The 5 s ping check (03 §6.1, §6.2, §6.4). */
  private pingCheck(now: number): void {
    const ctx = this.ctx;
    const topo = ctx.topology;
    const contact = new Map<number, InetAddress[]>();
    for (const [a, eps] of topo.rootEndpoints) contact.set(a, eps);
    for (const seed of topo.moonSeeds.values()) if (seed !== ctx.address && !contact.has(seed)) contact.set(seed, []);
    for (const a of ctx.alwaysContact) if (!contact.has(a)) contact.set(a, []);
    // The joined networks' anchors and multicast replicators (Node::processBackgroundTasks, 04 §9).
    for (const a of this.networks.alwaysContactAddresses()) if (!contact.has(a)) contact.set(a, []);

    for (const peer of [...topo.peers.values()]) {
      const endpoints = contact.get(peer.address);
      if (endpoints !== undefined) {
        if (this.alwaysContact(now, peer, endpoints)) contact.delete(peer.address);
      } else if (peer.isActive(now)) {
        this.keepalive(now, peer);
      }
    }
    for (const a of contact.keys()) this.sender.requestWhois(now, a);

    let isOnline = topo.amRoot;
    if (!isOnline) {
      for (const a of topo.upstreams) {
        const p = topo.peers.get(a);
        if (p && now - p.lastReceiveMs < PEER_ACTIVITY_TIMEOUT_MS) isOnline = true;
      }
      for (const a of topo.moonSeeds.values()) {
        const p = topo.peers.get(a);
        if (p && now - p.lastReceiveMs < PEER_ACTIVITY_TIMEOUT_MS) isOnline = true;
      }
    }
    ctx.setOnline(isOnline);
    this.networks.periodic(now);
  }

  /** 03 §6.2 for one always-contact peer; returns true when it was handled (removed from the set). */
  private alwaysContact(now: number, peer: Peer, endpoints: InetAddress[]): boolean {
    const ctx = this.ctx;
    const role = ctx.topology.role(peer.address);
    const scale = role === 'LEAF' ? LEAF_TIMER_SCALE : peer.paths.length === 0 ? 0 : ROOT_TIMER_SCALE;
    if (now - peer.lastFullHelloMs <= PATH_HEARTBEAT_PERIOD_MS * scale) return false;
    const sent = this.keepalive(now, peer);
    for (const family of [4, 6] as const) {
      if (family === 4 ? sent.v4 : sent.v6) continue;
      const candidates = endpoints.filter((e) => e.family === family);
      if (candidates.length === 0) continue;
      const start = ctx.randomInt(endpoints.length);
      let pick: InetAddress | undefined;
      for (let i = 0; i < endpoints.length && !pick; i++) {
        const e = endpoints[(start + i) % endpoints.length];
        if (e.family === family) pick = e;
      }
      if (pick) {
        this.sender.sendHello(now, peer, ALL_SOCKETS, pick);
        if (family === 4) sent.v4 = true;
        else sent.v6 = true;
      }
    }
    if (!sent.v4 && !sent.v6) {
      const up = ctx.topology.bestUpstream(now);
      const via = up && up !== peer ? up.bestPath(now) : null;
      // Relayed through the root; 1.14.1 sends it from every socket too (Peer.cpp sendHELLO with -1).
      if (up && via) this.sender.sendHello(now, peer, ALL_SOCKETS, via.path.address);
    }
    return true;
  }

  /** 30 s housekeeping (03 §2, §3.4). */
  private housekeeping(now: number): void {
    const ctx = this.ctx;
    const topo = ctx.topology;
    for (const peer of [...topo.peers.values()]) {
      if (peer.isAlive(now) || topo.isUpstream(peer.address)) continue;
      ctx.peerCache.evict(peer);
      topo.peers.delete(peer.address);
      ctx.trace('peer_evicted', peer.address);
    }
    const used = new Set<string>();
    for (const peer of topo.peers.values()) for (const e of peer.paths) used.add(e.path.key);
    // Keep recently active paths even without a peer: a HELLO exchange may be under way.
    ctx.paths.prune(now, used, PATH_HEARTBEAT_PERIOD_MS * 2);
    ctx.awareness.clean(now);
    this.relay.clean(now);
    this.networks.housekeeping(now);
  }
}

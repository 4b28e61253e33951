// Background work (03 §2, §6): timer tasks on every call, the 5 s ping check with the
// always-contact logic and keepalives, 30 s housekeeping with peer eviction to the cache.
import { Verb } from '../protocol/constants.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { addressToString } from '../protocol/address.js';
import { ALL_SOCKETS } from './host.js';
import type { Node } from './node.js';
import { Peer } from './peer.js';
import { encodeCachedPeer } from './peer-cache.js';
import { retryParked } from './receive.js';
import { runDeferredProbes } from './on-control.js';
import { findPeer, requestWhois, sendDirect, sendHello, sendToPeer } from './send.js';
import {
  HOUSEKEEPING_PERIOD_MS,
  LEAF_TIMER_SCALE,
  MIN_UNITE_INTERVAL_MS,
  PATH_HEARTBEAT_PERIOD_MS,
  PEER_ACTIVITY_TIMEOUT_MS,
  PEER_PING_PERIOD_MS,
  PING_CHECK_PERIOD_MS,
  QUEUE_TIMEOUT_MS,
  ROOT_TIMER_SCALE,
  TIMER_TASK_PERIOD_MS,
  WHOIS_STALE_MS,
} from './constants.js';

/** Runs what is due and returns the next deadline. */
export function backgroundTasks(node: Node, now: number): number {
  timerTasks(node, now);
  if (now - node.lastPingCheck >= PING_CHECK_PERIOD_MS) {
    node.lastPingCheck = now;
    pingCheck(node, now);
  }
  if (now - node.lastHousekeeping >= HOUSEKEEPING_PERIOD_MS) {
    node.lastHousekeeping = now;
    housekeeping(node, now);
  }
  let next = Math.min(node.lastPingCheck + PING_CHECK_PERIOD_MS, node.lastHousekeeping + HOUSEKEEPING_PERIOD_MS);
  if (node.txQueue.length > 0 || node.rxParked.length > 0 || node.reassembler.size > 0) next = Math.min(next, now + TIMER_TASK_PERIOD_MS);
  for (const p of node.deferredProbes) next = Math.min(next, p.atMs);
  return next;
}

/** Retries queued packets (all, or those for one address that just became known) (03 §7.2). */
export function retryQueued(node: Node, now: number, onlyDest?: number): void {
  const pending = node.txQueue;
  node.txQueue = [];
  for (const q of pending) {
    if (now - q.createdMs >= QUEUE_TIMEOUT_MS) {
      node.report('expired', undefined, `queued packet for ${addressToString(q.dest)}`);
      continue;
    }
    if (onlyDest !== undefined && q.dest !== onlyDest) {
      node.txQueue.push(q);
      continue;
    }
    const peer = findPeer(node, now, q.dest);
    if (peer) {
      // sendToPeer re-queues it (keeping its age) if there is still no way to send.
      sendToPeer(node, now, peer, q.verb, q.payload, q.createdMs);
    } else {
      node.txQueue.push(q);
      requestWhois(node, now, q.dest);
    }
  }
}

function timerTasks(node: Node, now: number): void {
  runDeferredProbes(node, now);
  if (node.txQueue.length > 0) retryQueued(node, now);
  if (node.rxParked.length > 0) retryParked(node, now);
  node.reassembler.expire(now);
  for (const [a, t] of node.whoisRequests) if (now - t >= WHOIS_STALE_MS) node.whoisRequests.delete(a);
}

interface Sent {
  v4: boolean;
  v6: boolean;
}

/** The keepalive procedure for one peer (03 §6.3). */
function keepalive(node: Node, now: number, peer: Peer): Sent {
  const sent: Sent = { v4: false, v6: false };
  const isFullHello = now - peer.lastFullHello >= PEER_PING_PERIOD_MS;
  if (isFullHello) peer.lastFullHello = now;
  let maxPriority = 0;
  for (const e of peer.paths) maxPriority = Math.max(maxPriority, e.priority);
  const kept = [];
  for (const e of peer.paths) {
    if (Peer.isExpired(e, now) || e.priority < maxPriority) continue;
    kept.push(e);
    if (isFullHello || e.path.needsHeartbeat(now)) {
      if (isFullHello) sendHello(node, now, peer, ALL_SOCKETS, e.path.address);
      else if (peer.probesWithHello()) sendHello(node, now, peer, ALL_SOCKETS, e.path.address);
      else sendDirect(node, now, peer, e.path.socket, e.path.address, Verb.ECHO, new Uint8Array(0), true);
      if (e.path.address.family === 4) sent.v4 = true;
      else sent.v6 = true;
    }
  }
  peer.paths = kept;
  return sent;
}

/** The 5 s ping check (03 §6.1, §6.2, §6.4). */
function pingCheck(node: Node, now: number): void {
  const topo = node.topology;
  const contact = new Map<number, InetAddress[]>();
  for (const [a, eps] of topo.rootEndpoints) contact.set(a, eps);
  for (const seed of topo.moonSeeds.values()) if (seed !== node.address && !contact.has(seed)) contact.set(seed, []);
  for (const a of node.alwaysContact) if (!contact.has(a)) contact.set(a, []);

  for (const peer of [...topo.peers.values()]) {
    const endpoints = contact.get(peer.address);
    if (endpoints !== undefined) {
      if (alwaysContact(node, now, peer, endpoints)) contact.delete(peer.address);
    } else if (peer.isActive(now)) {
      keepalive(node, now, peer);
    }
  }
  for (const a of contact.keys()) requestWhois(node, now, a);

  let isOnline = topo.amRoot;
  if (!isOnline) {
    for (const a of topo.upstreams) {
      const p = topo.peers.get(a);
      if (p && now - p.lastReceive < PEER_ACTIVITY_TIMEOUT_MS) isOnline = true;
    }
    for (const a of topo.moonSeeds.values()) {
      const p = topo.peers.get(a);
      if (p && now - p.lastReceive < PEER_ACTIVITY_TIMEOUT_MS) isOnline = true;
    }
  }
  node.setOnline(isOnline);
}

/** 03 §6.2 for one always-contact peer; returns true when it was handled (removed from the set). */
function alwaysContact(node: Node, now: number, peer: Peer, endpoints: InetAddress[]): boolean {
  const role = node.topology.role(peer.address);
  const scale = role === 'LEAF' ? LEAF_TIMER_SCALE : peer.paths.length === 0 ? 0 : ROOT_TIMER_SCALE;
  if (now - peer.lastFullHello <= PATH_HEARTBEAT_PERIOD_MS * scale) return false;
  const sent = keepalive(node, now, peer);
  for (const family of [4, 6] as const) {
    if (family === 4 ? sent.v4 : sent.v6) continue;
    const candidates = endpoints.filter((e) => e.family === family);
    if (candidates.length === 0) continue;
    const start = node.randomInt(endpoints.length);
    let pick: InetAddress | undefined;
    for (let i = 0; i < endpoints.length && !pick; i++) {
      const e = endpoints[(start + i) % endpoints.length];
      if (e.family === family) pick = e;
    }
    if (pick) {
      sendHello(node, now, peer, ALL_SOCKETS, pick);
      if (family === 4) sent.v4 = true;
      else sent.v6 = true;
    }
  }
  if (!sent.v4 && !sent.v6) {
    const up = node.topology.bestUpstream(now);
    const via = up && up !== peer ? up.bestPath(now) : null;
    // Relayed through the root; 1.14.1 sends it from every socket too (Peer.cpp sendHELLO with -1).
    if (up && via) sendHello(node, now, peer, ALL_SOCKETS, via.path.address);
  }
  return true;
}

/** 03 §13 step 2: our address of this scope changed; probe those paths and stop using them until they speak. */
export function resetPathsOfScope(node: Node, now: number, scope: number, family: 4 | 6): void {
  for (const peer of node.topology.peers.values()) {
    for (const e of peer.paths) {
      if (e.path.scope !== scope || e.path.address.family !== family) continue;
      if (peer.probesWithHello()) sendHello(node, now, peer, ALL_SOCKETS, e.path.address);
      else sendDirect(node, now, peer, e.path.socket, e.path.address, Verb.ECHO, new Uint8Array(0), true);
      e.lr = 0;
    }
  }
}

/** 30 s housekeeping (03 §2, §3.4). */
function housekeeping(node: Node, now: number): void {
  const topo = node.topology;
  for (const peer of [...topo.peers.values()]) {
    if (peer.isAlive(now) || topo.isUpstream(peer.address)) continue;
    evict(node, peer);
  }
  const used = new Set<string>();
  for (const peer of topo.peers.values()) for (const e of peer.paths) used.add(e.path.key);
  for (const [k, p] of node.paths) {
    // Keep recently active paths even without a peer: a HELLO exchange may be under way.
    if (!used.has(k) && now - Math.max(p.lastIn, p.lastOut) >= PATH_HEARTBEAT_PERIOD_MS * 2) node.paths.delete(k);
  }
  node.awareness.clean(now);
  node.expected.clean(now);
  for (const [k, t] of node.lastUnite) if (now - t >= MIN_UNITE_INTERVAL_MS) node.lastUnite.delete(k);
}

function evict(node: Node, peer: Peer): void {
  const cached = { identity: peer.identity, version: { ...peer.version }, addresses: peer.paths.map((e) => e.path.address) };
  node.peerCache.set(peer.address, cached);
  node.host.putState('peer', addressToString(peer.address), encodeCachedPeer(cached));
  node.topology.peers.delete(peer.address);
}

/** Writes every peer to the cache (at shutdown, 03 §3.4). */
export function saveAllPeers(node: Node): void {
  for (const peer of node.topology.peers.values()) {
    if (node.topology.isUpstream(peer.address)) continue;
    const cached = { identity: peer.identity, version: { ...peer.version }, addresses: peer.paths.map((e) => e.path.address) };
    node.host.putState('peer', addressToString(peer.address), encodeCachedPeer(cached));
  }
}

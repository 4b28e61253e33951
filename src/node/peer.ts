// A peer (03 §3.1): an identity we hold, its keys, its version and its paths (03 §5).
import type { Identity } from '../protocol/identity.js';
import type { PeerKeys } from '../crypto/peer-keys.js';
import { sameIp } from '../protocol/ip-scope.js';
import type { Path } from './path.js';
import {
  MAX_PEER_PATHS,
  PATH_LATENCY_UNKNOWN,
  PEER_ACTIVITY_TIMEOUT_MS,
  PEER_PATH_EXPIRATION_MS,
  TRUST_EXPIRATION_MS,
} from './constants.js';

export interface PeerPath {
  path: Path;
  /** Last valid packet from this peer over this path. */
  lastReceiveMs: number;
  priority: number;
}

export interface RemoteVersion {
  protocol: number;
  major: number;
  minor: number;
  revision: number;
}

export class Peer {
  readonly identity: Identity;
  readonly keys: PeerKeys;
  /** protocol 0 = not known yet (no HELLO / OK(HELLO) processed). */
  version: RemoteVersion = { protocol: 0, major: 0, minor: 0, revision: 0 };
  paths: PeerPath[] = [];
  lastReceiveMs = 0;
  lastNontrivialReceiveMs = 0;
  lastTrustEstablishedReceiveMs = 0;
  lastFullHelloMs = 0;
  lastWhoisAnsweredMs = 0;
  lastPushDirectPathsSentMs = 0;
  lastPushDirectPathsReceivedMs = 0;
  pushDirectPathsReceivedCount = 0;
  lastPathHintMs = 0;
  /** Authenticated packets and their plaintext bytes, both ways (metrics; plain increments). */
  packetsInTotal = 0;
  packetsOutTotal = 0;
  bytesInTotal = 0;
  bytesOutTotal = 0;
  /** Packets claiming to be from this peer that failed authentication (1.14.1's zt_peer_packet_errors). */
  invalidPacketsInTotal = 0;

  constructor(identity: Identity, keys: PeerKeys) {
    this.identity = identity;
    this.keys = keys;
  }

  get address(): number {
    return this.identity.address;
  }

  isAlive(nowMs: number): boolean {
    return nowMs - this.lastReceiveMs < PEER_ACTIVITY_TIMEOUT_MS;
  }

  isActive(nowMs: number): boolean {
    return nowMs - this.lastNontrivialReceiveMs < PEER_ACTIVITY_TIMEOUT_MS;
  }

  isTrustEstablished(nowMs: number): boolean {
    return nowMs - this.lastTrustEstablishedReceiveMs < TRUST_EXPIRATION_MS;
  }

  /** Path probes use HELLO instead of ECHO for very old peers and exactly 1.1.0 (03 §4.6). */
  probesWithHello(): boolean {
    const v = this.version;
    return v.protocol < 5 || (v.major === 1 && v.minor === 1 && v.revision === 0);
  }

  static isExpired(e: PeerPath, nowMs: number): boolean {
    return nowMs - e.lastReceiveMs >= PEER_PATH_EXPIRATION_MS;
  }

  entryFor(path: Path): PeerPath | undefined {
    return this.paths.find((e) => e.path === path);
  }

  /** Best path (03 §5.5): lowest quality/priority among the unexpired; ties go to the later entry. */
  bestPath(nowMs: number): PeerPath | null {
    return this.best(nowMs, false);
  }

  /** The same choice among all paths, expired ones too (the last resort of 03 §7.1). */
  bestPathIncludingExpired(nowMs: number): PeerPath | null {
    return this.best(nowMs, true);
  }

  private best(nowMs: number, isExpiredAllowed: boolean): PeerPath | null {
    let best: PeerPath | null = null;
    let bestQ = Infinity;
    for (const e of this.paths) {
      if (!isExpiredAllowed && Peer.isExpired(e, nowMs)) continue;
      const q = e.path.quality(nowMs) / e.priority;
      if (q <= bestQ) {
        bestQ = q;
        best = e;
      }
    }
    return best;
  }

  /** Another entry with the same IP and socket that is still alive (a flapping NAT port, 03 §5.3). */
  hasAliveSibling(path: Path, nowMs: number): boolean {
    return this.paths.some((e) => e.path !== path && e.path.socket === path.socket && sameIp(e.path.address, path.address) && e.path.isAlive(nowMs));
  }

  /** Learns a path (03 §5.4); only ever called on a direct OK. */
  learnPath(path: Path, nowMs: number): void {
    const entry: PeerPath = { path, lastReceiveMs: nowMs, priority: 1 };
    const sameIpDead = this.paths.findIndex((e) => e.path.socket === path.socket && sameIp(e.path.address, path.address) && !e.path.isAlive(nowMs));
    if (sameIpDead >= 0) {
      this.paths[sameIpDead] = entry;
      return;
    }
    if (this.paths.length < MAX_PEER_PATHS) {
      this.paths.push(entry);
      return;
    }
    let worst = 0;
    for (let i = 1; i < this.paths.length; i++) {
      if (nowMs - this.paths[i].path.lastInMs > nowMs - this.paths[worst].path.lastInMs) worst = i;
    }
    this.paths[worst] = entry;
  }

  latencyMs(nowMs: number): number {
    return this.bestPath(nowMs)?.path.latencyMs ?? PATH_LATENCY_UNKNOWN;
  }

  /** relayQuality of 03 §7.3, for choosing the best upstream. */
  relayQuality(nowMs: number): number {
    const since = nowMs - this.lastReceiveMs;
    if (since >= PEER_ACTIVITY_TIMEOUT_MS) return Infinity;
    return this.latencyMs(nowMs) * (Math.floor(since / 61_000) + 1);
  }
}

// Who we know (03 §3, §8): the planet and moons, the upstream list they imply, peers in
// memory and in the cache. Installing worlds follows the replacement rules of 03 §8.3.
import { agree } from '../crypto/c25519.js';
import { derivePeerKeys } from '../crypto/peer-keys.js';
import type { Identity } from '../protocol/identity.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { encodeWorld, shouldReplaceWorld, WorldType, worldIdToString, type World } from '../protocol/world.js';
import { Peer } from './peer.js';

export type PeerRole = 'LEAF' | 'MOON' | 'PLANET';
export type WorldSource = 'config' | 'ok_hello';

export interface TopologyHooks {
  worldInstalled(world: World, bytes: Uint8Array): void;
}

export class Topology {
  readonly self: Identity;
  planet: World | null = null;
  readonly moons = new Map<bigint, World>();
  /** Moons we orbit but do not hold yet: world ID → seed address (03 §8.7). */
  readonly moonSeeds = new Map<bigint, number>();
  readonly peers = new Map<number, Peer>();
  /** Stable endpoints per upstream address (empty list = any address accepted). */
  readonly rootEndpoints = new Map<number, InetAddress[]>();
  upstreams: number[] = [];
  planetRoots = new Set<number>();
  amRoot = false;
  private readonly hooks: TopologyHooks;

  constructor(self: Identity, hooks: TopologyHooks) {
    this.self = self;
    this.hooks = hooks;
  }

  /** Creates the peer object with its key set; the caller decides whether to store it. */
  makePeer(identity: Identity): Peer {
    if (!this.self.privateKey) throw new RangeError('the node identity needs its private key');
    return new Peer(identity.toPublic(), derivePeerKeys(agree(this.self.privateKey, identity.publicKey)));
  }

  /** Adding never replaces an existing record (03 §3.2). Returns the record in memory. */
  addPeer(peer: Peer): Peer {
    const existing = this.peers.get(peer.address);
    if (existing) return existing;
    this.peers.set(peer.address, peer);
    return peer;
  }

  isUpstream(address: number): boolean {
    return this.rootEndpoints.has(address);
  }

  role(address: number): PeerRole {
    if (this.planetRoots.has(address)) return 'PLANET';
    if (this.rootEndpoints.has(address)) return 'MOON';
    return 'LEAF';
  }

  isMoonSeed(address: number): boolean {
    for (const s of this.moonSeeds.values()) if (s === address) return true;
    return false;
  }

  /** The upstream with the best relay quality (03 §7.3); ties go to the later address. */
  bestUpstream(nowMs: number): Peer | null {
    let best: Peer | null = null;
    let bestQ = Infinity;
    for (const a of this.upstreams) {
      const p = this.peers.get(a);
      if (!p) continue;
      const q = p.relayQuality(nowMs);
      if (q <= bestQ) {
        bestQ = q;
        best = p;
      }
    }
    return best;
  }

  /**
   * Installs a world if the rules of 03 §8.3 allow it. `seedSender` is the address of the
   * peer whose OK(HELLO) carried it (for moons we wait for with a seed).
   */
  installWorld(w: World, source: WorldSource, seedSender?: number): boolean {
    if (w.type === WorldType.PLANET) {
      if (this.planet && !shouldReplaceWorld(this.planet, w)) return false;
      this.planet = w;
    } else {
      const existing = this.moons.get(w.id);
      if (existing) {
        if (!shouldReplaceWorld(existing, w)) return false;
      } else if (source === 'ok_hello') {
        const seed = this.moonSeeds.get(w.id);
        if (seed === undefined || seed !== seedSender || !w.roots.some((r) => r.identity.address === seed)) return false;
      }
      this.moonSeeds.delete(w.id);
      this.moons.set(w.id, w);
    }
    this.recompute();
    this.hooks.worldInstalled(w, encodeWorld(w));
    return true;
  }

  orbit(worldId: bigint, seed: number): void {
    if (this.moons.has(worldId)) return;
    this.moonSeeds.set(worldId, seed);
  }

  /** Returns true if anything was removed. */
  deorbit(worldId: bigint): boolean {
    const had = this.moons.delete(worldId) || this.moonSeeds.delete(worldId);
    this.moonSeeds.delete(worldId);
    if (had) this.recompute();
    return had;
  }

  private recompute(): void {
    this.rootEndpoints.clear();
    this.planetRoots = new Set();
    let amRoot = false;
    const addRoots = (w: World, isPlanet: boolean): void => {
      for (const r of w.roots) {
        if (r.identity.address === this.self.address) {
          amRoot = true;
          continue;
        }
        if (isPlanet) this.planetRoots.add(r.identity.address);
        const eps = this.rootEndpoints.get(r.identity.address) ?? [];
        eps.push(...r.stableEndpoints);
        this.rootEndpoints.set(r.identity.address, eps);
        if (!this.peers.has(r.identity.address)) this.peers.set(r.identity.address, this.makePeer(r.identity));
      }
    };
    if (this.planet) addRoots(this.planet, true);
    for (const m of this.moons.values()) addRoots(m, false);
    this.amRoot = amRoot;
    this.upstreams = [...this.rootEndpoints.keys()].sort((a, b) => a - b);
  }

  /** Moons for the HELLO tail: held ones with their timestamps, then wanted ones with 0. */
  helloMoons(): Array<{ worldId: bigint; timestamp: bigint }> {
    const out = [...this.moons.values()].map((m) => ({ worldId: m.id, timestamp: m.timestamp }));
    for (const id of this.moonSeeds.keys()) out.push({ worldId: id, timestamp: 0n });
    return out;
  }

  worldStateId(w: World): string {
    return worldIdToString(w.id);
  }
}

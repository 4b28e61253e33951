// The state the node's parts share, behind one narrow object that every handler receives.
// Each part (sender, receiver, prober, relay, background) keeps its own state private; what
// lives here is what several of them read: who we are, who we know, our paths, the host,
// the counters. Nothing here sends a packet, so this file depends on no other part.
import { AuthError, DecodeError } from '../util/errors.js';
import { addressToString } from '../protocol/address.js';
import type { Identity } from '../protocol/identity.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { isScopeAcceptableForPaths, sameIp } from '../protocol/ip-scope.js';
import type { NodeEvent, NodeHost, SocketId, TraceKind } from './host.js';
import { DropCounter, dropReasonOfDecodeError, type DropReason } from './drops.js';
import { PathTable } from './path.js';
import type { Peer } from './peer.js';
import { PeerCache } from './peer-cache.js';
import { Topology } from './topology.js';
import { SelfAwareness } from './self-awareness.js';
import { ExpectedReplies } from './expected-replies.js';
import { IdentityVerifyGate } from './identity-verify-gate.js';
import { PhysicalSettings } from './physical.js';
import { PacketCounts } from './packet-counts.js';

export interface TrafficCounters {
  receivedTotal: number;
  sentTotal: number;
  /** Datagrams too short to be anything (NAT-opening junk): ignored, not dropped. */
  ignoredTotal: number;
}


const RANDOM_POOL_BYTES = 4096;
export class NodeContext {
  readonly host: NodeHost;
  readonly identity: Identity;
  readonly topology: Topology;
  readonly paths = new PathTable();
  readonly awareness = new SelfAwareness();
  readonly expected = new ExpectedReplies();
  readonly identityGate = new IdentityVerifyGate();
  readonly peerCache: PeerCache;
  readonly drops = new DropCounter();
  readonly traffic: TrafficCounters = { receivedTotal: 0, sentTotal: 0, ignoredTotal: 0 };
  /** By verb and ERROR code, for metrics. */
  readonly packets = new PacketCounts();
  /** Extra always-contact addresses: anchors and --contact peers (03 §6.1). */
  readonly alwaysContact = new Set<number>();
  physical: PhysicalSettings;
  /**
   * Set by the node once its parts exist: an identity just became known, so packets
   * queued for it or parked from it can go on (03 §7.4, §7.5).
   */
  peerKnown: (nowMs: number, address: number) => void = () => undefined;
  /**
   * Set by the node: does a physical address lie inside a joined network's static IPs? Such
   * a path would carry ZeroTier over ZeroTier and is refused (04 §7.7).
   */
  isInsideJoinedNetwork: (remote: InetAddress) => boolean = () => false;
  private online = false;
  private readonly randomPool = new Uint8Array(RANDOM_POOL_BYTES);
  /** All of the pool counts as used until the first refill. */
  private randomUsed = RANDOM_POOL_BYTES;

  constructor(host: NodeHost, identity: Identity, topology: Topology, physical: PhysicalSettings) {
    this.host = host;
    this.identity = identity;
    this.topology = topology;
    this.physical = physical;
    this.peerCache = new PeerCache((address, data) => host.putState('peer', addressToString(address), data));
  }

  get address(): number {
    return this.identity.address;
  }

  get isOnline(): boolean {
    return this.online;
  }

  setOnline(isOnline: boolean): void {
    if (isOnline === this.online) return;
    this.online = isOnline;
    this.host.event({ type: 'online', isOnline });
  }

  /** Counts a drop and tells the host (which logs it rate-limited and exports the counter). */
  report(reason: DropReason, from?: InetAddress, detail?: string): void {
    this.drops.add(reason);
    const e: NodeEvent = { type: 'drop', reason };
    if (from) e.from = from;
    if (detail) e.detail = detail;
    this.host.event(e);
  }

  /** The one catch at the edge of the core (STYLE §5): a decoder's complaint or a bug. */
  reportThrown(e: unknown, from?: InetAddress): void {
    if (e instanceof DecodeError) this.report(dropReasonOfDecodeError(e), from, e.message);
    else this.report('internal_error', from, (e as Error)?.stack ?? String(e));
  }

  trace(kind: TraceKind, peer?: number, path?: InetAddress, detail?: string): void {
    const e: NodeEvent = { type: 'trace', kind };
    if (peer !== undefined) e.peer = peer;
    if (path) e.path = path;
    if (detail) e.detail = detail;
    this.host.event(e);
  }

  /**
   * n random bytes (a new array). Drawn from a pool the host refills 4 KiB at a time: every
   * packet takes 8 bytes for its ID, and one host call per packet showed in profiles.
   */
  randomBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    this.fillRandom(b);
    return b;
  }

  /** Fills `into` from the pool. */
  fillRandom(into: Uint8Array): void {
    const n = into.length;
    if (n > RANDOM_POOL_BYTES) {
      this.host.random(into);
      return;
    }
    if (this.randomUsed + n > RANDOM_POOL_BYTES) {
      this.host.random(this.randomPool);
      this.randomUsed = 0;
    }
    into.set(this.randomPool.subarray(this.randomUsed, this.randomUsed + n));
    this.randomUsed += n;
  }

  /** A random integer in [0, n), from the next 4 pool bytes (no allocation: frames draw one each). */
  randomInt(n: number): number {
    if (this.randomUsed + 4 > RANDOM_POOL_BYTES) {
      this.host.random(this.randomPool);
      this.randomUsed = 0;
    }
    const b = this.randomPool;
    const i = this.randomUsed;
    this.randomUsed = i + 4;
    return (((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3])) % n;
  }

  /** 03 §5.7, 04 §7.7: may this remote address carry traffic for `peerAddress`? */
  isPathAcceptable(peerAddress: number, socket: SocketId, remote: InetAddress): boolean {
    if (!isScopeAcceptableForPaths(remote)) return false;
    const eps = this.topology.rootEndpoints.get(peerAddress);
    if (eps && eps.length > 0 && !eps.some((e) => sameIp(e, remote))) return false;
    if (this.isInsideJoinedNetwork(remote)) return false;
    if (this.host.pathCheck && !this.host.pathCheck(peerAddress, socket, remote)) return false;
    return true;
  }

  /**
   * The peer object for an identity, with its key set; null (counted) when key agreement
   * refuses the identity's key, which only a hostile identity has (a low-order point).
   */
  tryMakePeer(identity: Identity, from: InetAddress | undefined, what: string): Peer | null {
    try {
      return this.topology.makePeer(identity);
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
      this.report('invalid_identity', from, `${what}: key agreement refused`);
      return null;
    }
  }
}

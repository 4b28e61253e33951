// The only door between the core and the world (STYLE §1). The service implements it with
// real sockets, TAPs and files; test/sim implements it with a virtual internet.
//
// Buffer ownership (STYLE §4):
// - send(): the node hands the datagram over and never reads or writes it again, so the
//   edge may queue it (a batched sendmmsg, a simulated link with latency) without a copy.
//   The same buffer may be handed over more than once (ALL_SOCKETS, a probe repeated); the
//   edge must not modify it either.
// - deliverFrame(): the frame is the host's only during the call (it usually points into
//   a packet the node is still using); copy it to keep it.
// - Buffers passed into the node (onDatagram, frames) belong to the node only during the
//   call; it copies what it keeps.
import type { InetAddress } from '../protocol/inet-address.js';
import type { SocketId } from '../util/socket-id.js';
import type { DropReason } from './drops.js';
import type { NetworkPortOp, VirtualNetworkConfig, VirtualFrame } from './virtual-network.js';

export type { DropReason } from './drops.js';

export { ALL_SOCKETS, type SocketId } from '../util/socket-id.js';

export type StateKind = 'planet' | 'moon' | 'peer' | 'network' | 'identity.public' | 'identity.secret';

/** What a user debugging a connection wants to see (the service logs these at debug, rate-limited). */
export type TraceKind =
  | 'path_learned'
  | 'path_expired'
  | 'whois_sent'
  | 'whois_answered'
  | 'rendezvous_received'
  | 'rendezvous_sent'
  | 'peer_restored'
  | 'peer_evicted'
  | 'surface_changed';

export type NodeEvent =
  | { type: 'online'; isOnline: boolean }
  | { type: 'drop'; reason: DropReason; from?: InetAddress; detail?: string }
  | { type: 'peer_direct'; address: number; path: InetAddress }
  | { type: 'world_updated'; kind: 'planet' | 'moon'; id: bigint; timestamp: bigint }
  | { type: 'identity_collision' }
  | { type: 'trace'; kind: TraceKind; peer?: number; path?: InetAddress; detail?: string }
  | { type: 'user_message'; source: number; typeId: bigint; data: Uint8Array };

export interface NodeHost {
  /**
   * Sends one UDP datagram, which the host now owns (see above). ttl (IP TTL) is set only
   * for NAT-opening junk (03 §12.1). Returns false if it could not be sent.
   */
  send(socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): boolean;
  /** Persists (data) or deletes (null) a state object; the service writes it on its own schedule. */
  putState(kind: StateKind, id: string, data: Uint8Array | null): void;
  event(e: NodeEvent): void;
  /** Fills `into` with random bytes (cryptographically secure in production, seeded in simulations). */
  random(into: Uint8Array): void;
  /** An ethernet frame for a joined network's TAP (VL2). The frame is the host's only during the call. */
  deliverFrame?(nwid: bigint, frame: VirtualFrame): void;
  /**
   * A joined network came up, changed its configuration, went down or was left (VL2). For
   * up and config_update the host may return a non-zero port error (the TAP could not be
   * made or configured); the network then reports PORT_ERROR (04 §1.2).
   */
  networkChanged?(nwid: bigint, op: NetworkPortOp, config: VirtualNetworkConfig | null): number | void;
  /** The service's path policy (06 §4.5): may this socket talk to this remote address? Absent = yes. */
  pathCheck?(address: number, socket: SocketId, remote: InetAddress): boolean;
  /** A static/memorized address hint for a peer (03 §12.4), or null. */
  pathHint?(address: number): InetAddress | null;
  /** Local interface addresses (bound addresses with ports) to advertise in PUSH_DIRECT_PATHS (03 §12.2). */
  localAddresses?(): InetAddress[];
}

/** What the service read from disk before building the node (STYLE §1). */
export interface SavedState {
  planet?: Uint8Array | null;
  moons?: Uint8Array[];
  peers?: Uint8Array[];
  /** Joined networks with their saved configs (networks.d/<nwid>.conf; "\n" when never configured). */
  networks?: Array<{ nwid: bigint; saved: Uint8Array }>;
}

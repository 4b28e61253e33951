// The only door between the core and the world (STYLE §1). The service implements it
// with real sockets and files; test/sim implements it with a virtual internet.
//
// Buffer ownership: a buffer passed to send() belongs to the host only for the duration of
// the call (copy it if it is kept, e.g. queued with latency). Buffers passed into the node
// (onDatagram) likewise belong to the node only during the call.
import type { InetAddress } from '../protocol/inet-address.js';

/** Opaque handle of a bound local UDP socket; ALL_SOCKETS means "send from every bound socket". */
export type SocketId = number;
export const ALL_SOCKETS: SocketId = -1;

export type StateKind = 'planet' | 'moon' | 'peer' | 'identity.public' | 'identity.secret';

export type NodeEvent =
  | { type: 'online'; isOnline: boolean }
  | { type: 'drop'; reason: DropReason; from?: InetAddress; detail?: string }
  | { type: 'peer_direct'; address: number; path: InetAddress }
  | { type: 'world_updated'; kind: 'planet' | 'moon'; id: bigint; timestamp: bigint }
  | { type: 'identity_collision' }
  | { type: 'trace'; message: string; fields?: Record<string, unknown> }
  | { type: 'user_message'; source: number; typeId: bigint; data: Uint8Array };

/** Closed set of reasons a datagram or packet is dropped (counted by the service). */
export type DropReason =
  | 'too_short'
  | 'too_big'
  | 'truncated'
  | 'malformed'
  | 'bad_mac'
  | 'bad_cipher_suite'
  | 'unknown_peer'
  | 'own_address'
  | 'rate_limited'
  | 'hop_limit'
  | 'relay_not_allowed'
  | 'unexpected_reply'
  | 'invalid_identity'
  | 'identity_collision'
  | 'bad_fragment'
  | 'decompress_failed'
  | 'not_upstream'
  | 'path_not_acceptable'
  | 'queue_full'
  | 'expired'
  | 'internal_error';

export interface NodeHost {
  /** Sends one UDP datagram. ttl (IP TTL) is set only for NAT-opening junk (03 §12.1). Returns false if it could not be sent. */
  send(socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): boolean;
  /** Persists (data) or deletes (null) a state object; the service writes it on its own schedule. */
  putState(kind: StateKind, id: string, data: Uint8Array | null): void;
  event(e: NodeEvent): void;
  /** Fills `into` with random bytes (cryptographically secure in production, seeded in simulations). */
  random(into: Uint8Array): void;
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
}

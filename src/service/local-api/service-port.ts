// What the local API reads and changes (06 §5), as one port: the routes are pure functions
// of it, so they run in tests against a fake and in the daemon against the engine.
import type { InetAddress } from '../../protocol/inet-address.js';
import type { PeerInfo } from '../../node/node.js';
import type { VirtualNetworkConfig } from '../../node/virtual-network.js';
import type { World } from '../../protocol/world.js';

/** The four per-network switches a user sets (06 §5.7), kept in networks.d/<nwid>.local.conf. */
export interface NetworkSettings {
  allowManaged: boolean;
  allowGlobal: boolean;
  allowDefault: boolean;
  allowDNS: boolean;
}

export interface MulticastSubscription {
  mac: number;
  adi: number;
}

/** A joined network as the API shows it: the core's config plus what the service adds. */
export interface NetworkView extends VirtualNetworkConfig {
  settings: NetworkSettings;
  portDeviceName: string;
  multicastSubscriptions: MulticastSubscription[];
}

export interface PeerView extends PeerInfo {
  /** The node talks through a TCP relay (the same for every peer, as in 1.14.1). */
  isTunneled: boolean;
}

/** Everything GET /status reports (06 §5.4). */
export interface StatusView {
  address: number;
  publicIdentity: string;
  isOnline: boolean;
  isTcpFallbackActive: boolean;
  clockMs: number;
  planet: { id: bigint; timestamp: bigint } | null;
  homeDir: string;
  primaryPort: number;
  /** 0 when there is none. */
  secondaryPort: number;
  tertiaryPort: number;
  listeningOn: InetAddress[];
  surfaceAddresses: InetAddress[];
  isTcpFallbackRelayAllowed: boolean;
  isTcpRelayForced: boolean;
  isPortMappingEnabled: boolean;
  /** The parsed local.conf, reported verbatim under `config` ({} when there is none). */
  localConfig: Record<string, unknown>;
}

/**
 * An answer from a route. `body`: undefined sends nothing (no Content-Type), null is 1.14.1's
 * "no content" (`{}`, or `NAME(null);` with JSONP), a string is JSON text sent as is, anything
 * else is serialized with sorted keys.
 */
export interface ApiResponse {
  status: number;
  body?: unknown;
  /** With a string body: sent as is under this type, never wrapped in JSONP (metrics text). */
  contentType?: string;
}

/**
 * The embedded controller's routes (`/controller…`, `/unstable/controller…`, 05 §8):
 * `pathSegments` are the path split on '/' without the empty first one, `body` the parsed
 * JSON of a POST/PUT (never called with an unparsable one: that is a 500 before, as in
 * 1.14.1), undefined for other methods. A thrown ApiError answers its status with no
 * body; anything else thrown becomes a 500 with the error's text.
 */
export type ControllerHandler = (method: string, pathSegments: string[], body: unknown, nowMs: number) => Promise<ApiResponse>;

export interface LocalService {
  status(): StatusView;
  /** Sorted by address. */
  peers(): PeerView[];
  /** Sorted by network id. */
  networks(): NetworkView[];
  network(nwid: bigint): NetworkView | undefined;
  /** Joins if needed, applies the settings given, saves them (06 §5.7). */
  join(nwid: bigint, settings: Partial<NetworkSettings>): NetworkView;
  /** false when the network was not joined. */
  leave(nwid: bigint): boolean;
  /** The moons held, not those still awaited (06 §5.9). */
  moons(): World[];
  /** Orbits a moon through a seed (the seed is asked for the world at its next HELLO). */
  orbit(worldId: bigint, seed: number): void;
  /** Leaves a moon, held or awaited; nothing when it is neither. */
  deorbit(worldId: bigint): void;
  /** The current metrics in Prometheus text format (06 §5.11). */
  metrics(): string;
  controller?: ControllerHandler;
  /** GET /config: the local.conf object held in memory ({} when none, 06 §5.10). */
  localConfig?(): Record<string, unknown>;
  /** POST /config/settings: each key replaces that key of local.conf's settings; throws ConfigError for a value a restart would refuse. */
  mergeConfigSettings?(changes: Record<string, unknown>): void;
}

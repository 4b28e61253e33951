// The two doors of the Docker network driver (STYLE §1): the engine's ZeroTier side and the
// host's links. The driver's logic is tested against fakes of both; the daemon gives it the
// running engine (src/service/docker-plugin-host.ts) and iproute2 (src/net/ip/linux-container-links.ts).
import type { VirtualNetworkConfig } from '../node/virtual-network.js';
import type { IpPrefix } from '../net/ip/prefix.js';

export interface ZeroTierPort {
  /** This node's 40-bit address. */
  address(): number;
  isJoined(nwid: bigint): boolean;
  /** Joins (no-op when joined); the config follows asynchronously. */
  join(nwid: bigint): void;
  leave(nwid: bigint): void;
  /** The network's config as the node has it, or undefined when not joined. */
  config(nwid: bigint): VirtualNetworkConfig | undefined;
  /** The name of the network's TAP, or undefined while it has none. */
  tapName(nwid: bigint): string | undefined;
  /**
   * Makes this node an active bridge on `nwid` through the daemon's own controller; false
   * when that controller does not run the network (a foreign controller decides).
   */
  markActiveBridge(nwid: bigint): Promise<boolean>;
  /**
   * Reserves an IPv4 block for this host's containers at the daemon's own controller, inside
   * one of `lans` and overlapping none of `avoid` (controller-range.ts); null when that
   * controller does not run the network.
   */
  reserveHostRange(nwid: bigint, lans: IpPrefix[], avoid: IpPrefix[]): Promise<IpPrefix | null>;
  /**
   * Puts the network's managed addresses and routes on `dev` (the bridge above the TAP, so
   * the host itself stays reachable on the network), or back on the TAP with null.
   */
  setAddressDevice(nwid: bigint, dev: string | null): void;
}

export interface VethSpec {
  /** The end that stays on the host. */
  hostName: string;
  /** The end dockerd moves into the container (InterfaceName.SrcName). */
  peerName: string;
  /** The container's MAC, `aa:bb:cc:dd:ee:ff`. */
  peerMac: string;
  mtu: number;
  /** Bridge mode: the bridge the host end joins; null for a routed (sixplane) end. */
  bridge: string | null;
}

/** The host's links for containers. Every removal resolves also when the link is gone already. */
export interface ContainerLinks {
  /** Makes `bridge` (if missing) with `tap` as a port, the TAP's MAC and the MTU set, both up. Idempotent. */
  ensureBridge(bridge: string, tap: string, mtu: number): Promise<void>;
  removeBridge(bridge: string): Promise<void>;
  /** Makes the pair (a stale pair of the same name is replaced), host end up. */
  createVeth(v: VethSpec): Promise<void>;
  removeLink(name: string): Promise<void>;
  /** The names of the host's links now (to find pairs the kernel removed with their namespace). */
  linkNames(): Promise<Set<string>>;
  /** Sixplane: fe80::1 on the host end and a /128 route to the container's address through it. */
  routeToContainer(hostName: string, ip6: string): Promise<void>;
  /** Is the host forwarding IPv6 (needed to route 6PLANE addresses to containers)? */
  isIpv6Forwarding(): boolean;
}

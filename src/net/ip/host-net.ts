// What the service needs from the host's IP stack for a network's TAP (06 §8.6–8.8): the
// addresses on a device and its link-layer multicast groups (read synchronously, as
// 1.14.1's getifaddrs and /proc/net/dev_mcast), and the managed addresses and routes
// (changed asynchronously, so the event loop never waits for the kernel). LinuxHostNet
// implements it with iproute2; tests use FakeHostNet (test/helpers).
import type { IpPrefix } from './prefix.js';

/** A route in the main table whose output device is the TAP. */
export interface KernelRoute {
  /** The destination as installed (a default route already split in two /1). */
  target: IpPrefix;
  /** The gateway (same family as target), or null for a device route. */
  via: Uint8Array | null;
}

export interface HostNet {
  /** Does an interface of this name exist (06 §8.1's collision test)? */
  interfaceExists(name: string): boolean;
  /** The addresses on `dev` (IPv4 and IPv6, link-local included) with their prefix lengths. */
  addresses(dev: string): IpPrefix[];
  /** The link-layer multicast MACs `dev` has joined (/proc/net/dev_mcast), as 48-bit numbers. */
  multicastMacs(dev: string): number[];
  /** Adds `IP/bits` to `dev` (permanent, IPv4 with the subnet broadcast). */
  addAddress(dev: string, p: IpPrefix): Promise<void>;
  /** Resolves also when the address is not there (any more). */
  removeAddress(dev: string, p: IpPrefix): Promise<void>;
  /** Routes in the main table through `dev`, both families. */
  routes(dev: string): Promise<KernelRoute[]>;
  /** Adds a route through `dev` (protocol static; with a gateway, metric 5000). */
  addRoute(dev: string, r: KernelRoute): Promise<void>;
  /** Resolves also when the route is not there (the kernel drops gateway routes with their subnet). */
  removeRoute(dev: string, r: KernelRoute): Promise<void>;
}

/** 1.14.1's ZT_RTE_METRIC: routes with a gateway get this priority. */
export const MANAGED_ROUTE_METRIC = 5000;

// The pod side of an attachment (issue #12): the container end of a veth pair moved into the
// pod's network namespace, renamed, addressed and routed. The host side (bridges, veths,
// sixplane routes) is the Docker plugin's ContainerLinks, shared.
export interface PodRoute {
  /** CIDR. */
  dst: string;
  /** Next hop; absent for a route onto the link. */
  gw?: string;
}

export interface PodLinkSpec {
  /** The netns path (CNI_NETNS). */
  netns: string;
  /** The veth end on the host that goes into the pod. */
  peerName: string;
  ifname: string;
  /** CIDR on the interface; an IPv6 /128 is added without DAD. */
  address: string;
  routes: PodRoute[];
}

export interface PodLinks {
  /** Moves, renames, addresses, brings up and routes the pod's end. */
  setUpPodEnd(s: PodLinkSpec): Promise<void>;
  /** Does the pod have `ifname` with `mac`? False when the netns is gone. */
  hasPodLink(netns: string, ifname: string, mac: string): Promise<boolean>;
  /** Is there a file at the netns path? */
  isNetnsPresent(netns: string): boolean;
}

// What the Docker plugin remembers between calls and across restarts (dockerd does not
// announce a plugin restart, and calls for containers made before it must still succeed):
// IPAM pools with their allocations, Docker networks and endpoints. Plain JSON, written
// whole after every change (docker-state-file.ts); the handlers never touch files.

export interface PoolRecord {
  id: string;
  family: 4 | 6;
  /** What dockerd is told the pool is (`IP/bits`): the prefix length containers get. */
  pool: string;
  /**
   * Where addresses come from (inside pool). '' (and pool '' too) while a pool made without
   * --subnet or ztkube.range waits for CreateNetwork to reserve this host's range.
   */
  range: string;
  /** The address handed out as the gateway (reserved, never given to a container), or null. */
  gateway: string | null;
  /** Addresses handed out, plain IPs. */
  allocated: string[];
  /** How many identical RequestPool calls hold it (07 §3.5). */
  refs: number;
  /**
   * The prefix length containers get when it is not the pool's: a range given without
   * --subnet is a slice of the ZeroTier network's subnet, whose length CreateNetwork learns
   * from the network's routes (so the LAN is on-link and its broadcast address works).
   */
  addressBits?: number;
}

export type AttachMode = 'bridge' | 'sixplane';

export interface NetworkRecord {
  networkId: string;
  /** The ZeroTier network, 16 hex digits. */
  nwid: string;
  mode: AttachMode;
  /** The MTU containers get (the option, or the ZeroTier network's). */
  mtu: number;
  /** InterfaceName.DstPrefix: the container's interface is this plus an index. */
  ifPrefix: string;
  /** Was the ZeroTier network joined by the plugin (then the last Docker network on it leaves it)? */
  isJoinedByPlugin: boolean;
}

export interface EndpointRecord {
  networkId: string;
  endpointId: string;
  mac: string;
  /** `IP/bits` from IPAM, or '' when none. */
  address: string;
  /** `IP/bits`, from Docker's IPAM or (sixplane) ours; '' when none. */
  addressIPv6: string;
  /** Set when the plugin itself took addressIPv6 from the 6PLANE /80. */
  isSixplaneAddress: boolean;
}

/** An IPv4 block this host's own controller reserved for it (kept for reuse after its pool goes). */
export interface HostReservation {
  /** The ZeroTier network, 16 hex digits. */
  nwid: string;
  range: string;
}

export interface DockerPluginState {
  version: 1;
  pools: Record<string, PoolRecord>;
  /** Absent in state files written before automatic ranges. */
  reservations?: HostReservation[];
  networks: Record<string, NetworkRecord>;
  endpoints: Record<string, EndpointRecord>;
}

export function emptyState(): DockerPluginState {
  return { version: 1, pools: {}, networks: {}, endpoints: {} };
}

/** Where the state lives: load once at start, save after every change (atomically). */
export interface PluginStateStore {
  load(): DockerPluginState;
  save(state: DockerPluginState): void;
}

/** A store in memory (unit tests, and a plugin run without a home). */
export class MemoryStateStore implements PluginStateStore {
  private text = JSON.stringify(emptyState());
  saves = 0;

  load(): DockerPluginState {
    return JSON.parse(this.text) as DockerPluginState;
  }

  save(state: DockerPluginState): void {
    this.text = JSON.stringify(state);
    this.saves++;
  }
}

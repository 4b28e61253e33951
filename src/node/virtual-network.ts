// What the core tells the edge about a joined virtual network (VL2), modelled on
// ZT_VirtualNetworkConfig of ZeroTierOne.h: the service turns it into a TAP device,
// managed addresses and routes, and the local API's /network objects (06 §5).

export type NetworkStatus =
  | 'REQUESTING_CONFIGURATION'
  | 'OK'
  | 'ACCESS_DENIED'
  | 'NOT_FOUND'
  | 'PORT_ERROR'
  | 'CLIENT_TOO_OLD'
  | 'AUTHENTICATION_REQUIRED';

/** UP: create the port; CONFIG_UPDATE: apply a new config; DOWN: the service stops; DESTROY: the network was left. */
export type NetworkPortOp = 'up' | 'config_update' | 'down' | 'destroy';

export interface IpPrefix {
  family: 4 | 6;
  ip: Uint8Array;
  bits: number;
}

export interface ManagedRoute {
  target: IpPrefix;
  /** Gateway, or null for a route onto the virtual LAN itself. */
  via: Uint8Array | null;
  flags: number;
  metric: number;
}

export interface VirtualNetworkConfig {
  nwid: bigint;
  /** This member's MAC on the network (04: derived from address and network ID). */
  mac: number;
  name: string;
  status: NetworkStatus;
  type: 'PRIVATE' | 'PUBLIC';
  mtu: number;
  isBridgeAllowed: boolean;
  isBroadcastEnabled: boolean;
  /** The host's last error creating the port (06 §5.7 portError), 0 when none. */
  portError: number;
  netconfRevision: number;
  assignedAddresses: IpPrefix[];
  routes: ManagedRoute[];
  dns: { domain: string; servers: Uint8Array[] } | null;
  multicastLimit: number;
  /** The groups the TAP subscribed (multicastSubscribe), sorted; the implicit broadcast group is not listed. */
  multicastSubscriptions: Array<{ mac: number; adi: number }>;
  /** SSO: where the user authenticates (empty when none). */
  authenticationUrl: string;
}

/** One ethernet frame on a virtual network. */
export interface VirtualFrame {
  sourceMac: number;
  destMac: number;
  etherType: number;
  vlanId: number;
  /** The payload after the ethernet header. */
  data: Uint8Array;
}

// Network objects as the local API shows them (06 §5.6), field for field as 1.14.1's
// _networkToJson: `id` and `nwid` both, `via` null when the gateway's family differs from the
// target's (no gateway), DNS `{"domain":"","servers":[]}` when none pushed.
import { formatMac } from '../../protocol/member-mac.js';
import { ipToString } from '../../protocol/inet-address.js';
import { hexPad } from '../../util/hex.js';
import type { IpPrefix, ManagedRoute } from '../../node/virtual-network.js';
import type { NetworkView } from './service-port.js';

export interface RouteJson {
  flags: number;
  metric: number;
  target: string;
  via: string | null;
}

export interface NetworkJson {
  allowDNS: boolean;
  allowDefault: boolean;
  allowGlobal: boolean;
  allowManaged: boolean;
  assignedAddresses: string[];
  bridge: boolean;
  broadcastEnabled: boolean;
  dhcp: boolean;
  dns: { domain: string; servers: string[] };
  id: string;
  mac: string;
  mtu: number;
  multicastSubscriptions: Array<{ adi: number; mac: string }>;
  name: string;
  netconfRevision: number;
  nwid: string;
  portDeviceName: string;
  portError: number;
  routes: RouteJson[];
  status: string;
  type: string;
}

function ip(family: 4 | 6, bytes: Uint8Array): string {
  return ipToString({ family, ip: bytes, port: 0 });
}

/** `IP/bits` (06 §5.5). */
export function prefixToString(p: IpPrefix): string {
  return `${ip(p.family, p.ip)}/${p.bits}`;
}

function routeToJson(r: ManagedRoute): RouteJson {
  // 1.14.1 keeps `via` as an address of the target's family or none; a 4-byte gateway for a
  // v6 target (or the reverse) is "no gateway" there too.
  const viaFamily = r.via?.length === 4 ? 4 : r.via?.length === 16 ? 6 : null;
  return {
    flags: r.flags,
    metric: r.metric,
    target: prefixToString(r.target),
    via: r.via && viaFamily === r.target.family ? ip(viaFamily, r.via) : null,
  };
}

export function networkToJson(n: NetworkView): NetworkJson {
  const id = hexPad(n.nwid, 16);
  return {
    allowDNS: n.settings.allowDNS,
    allowDefault: n.settings.allowDefault,
    allowGlobal: n.settings.allowGlobal,
    allowManaged: n.settings.allowManaged,
    assignedAddresses: n.assignedAddresses.map(prefixToString),
    bridge: n.isBridgeAllowed,
    broadcastEnabled: n.isBroadcastEnabled,
    dhcp: false, // never set by 1.14.1
    dns: {
      domain: n.dns?.domain ?? '',
      servers: (n.dns?.servers ?? []).filter((s) => s.length === 4 || s.length === 16).map((s) => ip(s.length === 4 ? 4 : 6, s)),
    },
    id,
    mac: formatMac(n.mac),
    mtu: n.mtu,
    multicastSubscriptions: n.multicastSubscriptions.map((m) => ({ adi: m.adi, mac: formatMac(m.mac) })),
    name: n.name,
    netconfRevision: n.netconfRevision,
    nwid: id,
    portDeviceName: n.portDeviceName,
    portError: n.portError,
    routes: n.routes.map(routeToJson),
    status: n.status,
    type: n.type,
  };
}

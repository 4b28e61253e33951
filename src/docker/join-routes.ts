// Join's routes (07 §3.4): the container's Gateway, GatewayIPv6 and StaticRoutes from the
// ZeroTier network's managed routes, per attach mode (07 §7.1, §7.3).
import type { VirtualNetworkConfig } from '../node/virtual-network.js';
import { sixPlaneIp, SIXPLANE_PREFIX_BITS } from '../protocol/zt-ipv6.js';
import { parsePrefix, prefixToString, isDefaultRoute, networkOf, samePrefix, type IpPrefix } from '../net/ip/prefix.js';
import { ipText } from './ip-arith.js';
import type { EndpointRecord, NetworkRecord } from './plugin-state.js';
import type { Body } from './request-fields.js';

/** The host end of every sixplane veth; the containers' next hop. */
export const SIXPLANE_HOST_LINK_LOCAL = 'fe80::1';

/** RouteType 0: via NextHop; 1: connected (on the interface). */
interface StaticRoute {
  Destination: string;
  RouteType: 0 | 1;
  NextHop?: string;
}

/**
 * Join's Gateway and StaticRoutes from the ZeroTier network's managed routes: bridge mode
 * puts the container on the LAN (routes onto it are connected, others via their gateway; a
 * default route becomes the Gateway); sixplane routes everything IPv6 through the host.
 */
export function joinRoutes(n: NetworkRecord, ep: EndpointRecord, config: VirtualNetworkConfig): Body {
  const routes: StaticRoute[] = [];
  const out: Body = {};
  const own = [ep.address, ep.addressIPv6].map((a) => parsePrefix(a)).filter((p): p is IpPrefix => p !== null).map(networkOf);
  if (n.mode === 'bridge') {
    for (const r of config.routes) {
      const family = r.target.family;
      if (!own.some((p) => p.family === family)) continue; // the container has no address of that family
      const via = r.via ? ipText(family, r.via) : null;
      if (isDefaultRoute(r.target)) {
        if (via) out[family === 4 ? 'Gateway' : 'GatewayIPv6'] = via;
        continue;
      }
      if (own.some((p) => samePrefix(p, networkOf(r.target)))) continue; // the interface's own subnet
      routes.push(via ? { Destination: prefixToString(networkOf(r.target)), RouteType: 0, NextHop: via } : { Destination: prefixToString(networkOf(r.target)), RouteType: 1 });
    }
  } else if (ep.addressIPv6 !== '') {
    const plane: IpPrefix = { family: 6, ip: sixPlaneIp(config.nwid, 0), bits: SIXPLANE_PREFIX_BITS };
    routes.push({ Destination: prefixToString(networkOf(plane)), RouteType: 0, NextHop: SIXPLANE_HOST_LINK_LOCAL });
    for (const r of config.routes) {
      if (r.target.family !== 6) continue;
      if (isDefaultRoute(r.target)) out.GatewayIPv6 = SIXPLANE_HOST_LINK_LOCAL;
      else routes.push({ Destination: prefixToString(networkOf(r.target)), RouteType: 0, NextHop: SIXPLANE_HOST_LINK_LOCAL });
    }
  }
  out.StaticRoutes = routes.filter((r, i) => routes.findIndex((x) => x.Destination === r.Destination) === i);
  return out;
}

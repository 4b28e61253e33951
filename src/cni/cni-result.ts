// Success results (07 §1.6): the prevResult a chained plugin got, with this plugin's
// interfaces, IPs and routes appended, in the cniVersion of the request. Fields a version
// does not have are left out: `ips[].version` exists before 1.0.0 only, `interfaces[].mtu`
// from 1.1.0 on.
export interface AddedInterface {
  name: string;
  mac: string;
  mtu?: number;
  /** The netns path for the pod's end; absent for a host-side interface. */
  sandbox?: string;
}
export interface AddedIp {
  /** CIDR. */
  address: string;
  gateway?: string;
  /** Index into this attachment's own interfaces. */
  interface: number;
}
export interface AddedRoute {
  dst: string;
  gw?: string;
}
export interface Additions {
  interfaces: AddedInterface[];
  ips: AddedIp[];
  routes: AddedRoute[];
}

type Json = Record<string, unknown>;

const isBefore1 = (v: string): boolean => v.startsWith('0.');

export function appendToResult(prevResult: unknown, cniVersion: string, add: Additions): Json {
  const prev: Json = typeof prevResult === 'object' && prevResult !== null && !Array.isArray(prevResult) ? (prevResult as Json) : {};
  const interfaces = Array.isArray(prev.interfaces) ? [...(prev.interfaces as unknown[])] : [];
  const ips = Array.isArray(prev.ips) ? [...(prev.ips as unknown[])] : [];
  const routes = Array.isArray(prev.routes) ? [...(prev.routes as unknown[])] : [];
  const base = interfaces.length;
  for (const i of add.interfaces) {
    const row: Json = { name: i.name, mac: i.mac };
    if (i.mtu !== undefined && cniVersion === '1.1.0') row.mtu = i.mtu;
    if (i.sandbox !== undefined) row.sandbox = i.sandbox;
    interfaces.push(row);
  }
  for (const ip of add.ips) {
    const row: Json = {};
    if (isBefore1(cniVersion)) row.version = ip.address.includes(':') ? '6' : '4';
    row.address = ip.address;
    if (ip.gateway !== undefined) row.gateway = ip.gateway;
    row.interface = base + ip.interface;
    ips.push(row);
  }
  for (const r of add.routes) routes.push(r.gw === undefined ? { dst: r.dst } : { dst: r.dst, gw: r.gw });
  const out: Json = { ...prev, cniVersion, interfaces, ips };
  if (routes.length > 0) out.routes = routes;
  return out;
}

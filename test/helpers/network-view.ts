// NetworkViews for tests, built back from API network objects (the 04 vectors, the spec's
// observed bodies), so a formatter can be checked against the real thing field by field.
import { parseIp } from '../../src/protocol/inet-address.js';
import { parseMac } from '../../src/protocol/member-mac.js';
import type { IpPrefix } from '../../src/node/virtual-network.js';
import type { NetworkView } from '../../src/service/local-api/service-port.js';

function prefix(s: string): IpPrefix {
  const [ip, bits] = s.split('/');
  const p = parseIp(ip)!;
  return { family: p.family, ip: p.ip, bits: Number(bits) };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export function networkViewFromJson(j: any): NetworkView {
  return {
    nwid: BigInt('0x' + j.id),
    mac: parseMac(j.mac)!,
    name: j.name,
    status: j.status,
    type: j.type,
    mtu: j.mtu,
    isBridgeAllowed: j.bridge,
    isBroadcastEnabled: j.broadcastEnabled,
    portError: j.portError,
    netconfRevision: j.netconfRevision,
    assignedAddresses: j.assignedAddresses.map(prefix),
    routes: j.routes.map((r: any) => ({ target: prefix(r.target), via: r.via === null ? null : parseIp(r.via)!.ip, flags: r.flags, metric: r.metric })),
    dns: j.dns.domain === '' && j.dns.servers.length === 0 ? null : { domain: j.dns.domain, servers: j.dns.servers.map((s: string) => parseIp(s)!.ip) },
    multicastLimit: 32,
    authenticationUrl: j.authenticationURL ?? '',
    settings: { allowManaged: j.allowManaged, allowGlobal: j.allowGlobal, allowDefault: j.allowDefault, allowDNS: j.allowDNS },
    portDeviceName: j.portDeviceName,
    multicastSubscriptions: j.multicastSubscriptions.map((m: any) => ({ adi: m.adi, mac: parseMac(m.mac)! })),
  };
}

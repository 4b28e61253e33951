// Reserving this host's IPv4 range at the daemon's own controller (issue #10), through the
// controller API the local API serves: the network's pools and every member's addresses are
// read, a block carved (host-range.ts), and the pools written back without it. That write is
// the record: the controller assigns members only from its pools, so none ever gets an
// address of the block, and a later reservation (by this or another Docker network) carves
// from what is left. Only the host running the controller can do this; other hosts give
// --ipam-opt ztkube.range.
import { prefixToString, type IpPrefix } from '../net/ip/prefix.js';
import { carveHostRange, HOST_RANGE_BITS, type AssignmentPool } from './host-range.js';
import { badRequest, PluginError } from './plugin-error.js';

export type ControllerCall = (method: string, path: string[], body: unknown) => Promise<{ status: number; body?: unknown }>;

/** Carves and records a block for this host on network `nwid` (16 hex digits). */
export async function reserveOnController(call: ControllerCall, nwid: string, lans: IpPrefix[], avoid: IpPrefix[]): Promise<IpPrefix> {
  const path = ['controller', 'network', nwid];
  const net = await call('GET', path, undefined);
  if (net.status !== 200) throw new PluginError('docker_zerotier', `this host's controller could not read ZeroTier network ${nwid} (HTTP ${net.status})`);
  const list = await call('GET', ['unstable', ...path, 'member'], undefined);
  if (list.status !== 200) throw new PluginError('docker_zerotier', `this host's controller could not list the members of ZeroTier network ${nwid} (HTTP ${list.status})`);
  const pools = poolsOf(net.body);
  const carved = carveHostRange({ pools, memberIps: memberIpsOf(list.body), lans, avoid });
  if (!carved) {
    const shown = pools.map((p) => `${p.ipRangeStart}-${p.ipRangeEnd}`).join(', ') || 'none';
    throw badRequest(`no free IPv4 block of /${HOST_RANGE_BITS[HOST_RANGE_BITS.length - 1]} or larger is left in the assignment pools of ZeroTier network ${nwid} (${shown}) inside its routes (${lans.map(prefixToString).join(', ') || 'none'}); give this host's range with --ipam-opt ztkube.range=CIDR`);
  }
  const wrote = await call('POST', path, { ipAssignmentPools: carved.pools });
  if (wrote.status !== 200) throw new PluginError('docker_zerotier', `this host's controller refused to reserve ${prefixToString(carved.range)} in the pools of ZeroTier network ${nwid} (HTTP ${wrote.status})`);
  return carved.range;
}

function poolsOf(network: unknown): AssignmentPool[] {
  const v = (network as { ipAssignmentPools?: unknown } | null)?.ipAssignmentPools;
  if (!Array.isArray(v)) return [];
  return v.filter((p): p is AssignmentPool => typeof p?.ipRangeStart === 'string' && typeof p?.ipRangeEnd === 'string');
}

/** Every address of every member (the unstable list: `{ data: [member, ...] }`). */
function memberIpsOf(list: unknown): string[] {
  const data = (list as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  return data.flatMap((m) => {
    const a = (m as { ipAssignments?: unknown } | null)?.ipAssignments;
    return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string') : [];
  });
}

// Fakes of the Docker network driver's two doors (src/docker/ports.ts): a ZeroTier side whose
// networks and configs the test sets, and host links that record what was asked.
import { macForMember } from '../../src/protocol/member-mac.js';
import { parsePrefix } from '../../src/net/ip/prefix.js';
import { parseIp } from '../../src/protocol/inet-address.js';
import { sixPlaneIp } from '../../src/protocol/zt-ipv6.js';
import type { ManagedRoute, VirtualNetworkConfig } from '../../src/node/virtual-network.js';
import type { ContainerLinks, VethSpec, ZeroTierPort } from '../../src/docker/ports.js';
import type { IpPrefix } from '../../src/net/ip/prefix.js';
import type { AssignmentPool } from '../../src/docker/host-range.js';
import { reserveOnController } from '../../src/docker/controller-range.js';
import { hexPad } from '../../src/util/hex.js';

export const SELF = 0xe290b75015;

export function route(target: string, via: string | null = null): ManagedRoute {
  return { target: parsePrefix(target)!, via: via ? parseIp(via)!.ip : null, flags: 0, metric: 0 };
}

export function ztConfig(nwid: bigint, o: Partial<VirtualNetworkConfig> = {}): VirtualNetworkConfig {
  return {
    nwid, mac: macForMember(nwid, SELF), name: 'net', status: 'OK', type: 'PRIVATE', mtu: 2800, isBridgeAllowed: true, isBroadcastEnabled: true,
    portError: 0, netconfRevision: 1, assignedAddresses: [parsePrefix('10.147.17.5/24')!, { family: 6, ip: sixPlaneIp(nwid, SELF), bits: 40 }],
    routes: [route('10.147.17.0/24')], dns: null, multicastLimit: 32, authenticationUrl: '', multicastSubscriptions: [], ...o,
  };
}

export class FakeZeroTier implements ZeroTierPort {
  /** Configs by network; `onJoin` decides what a join leads to. */
  readonly configs = new Map<bigint, VirtualNetworkConfig>();
  onJoin: (nwid: bigint) => VirtualNetworkConfig | undefined = (nwid) => ztConfig(nwid);
  /** Networks our own controller runs (markActiveBridge succeeds for them). */
  readonly own = new Set<bigint>();
  readonly calls: string[] = [];
  readonly addressDevices = new Map<bigint, string | null>();

  address(): number {
    return SELF;
  }
  isJoined(nwid: bigint): boolean {
    return this.configs.has(nwid);
  }
  join(nwid: bigint): void {
    this.calls.push(`join ${nwid.toString(16)}`);
    const c = this.onJoin(nwid);
    if (c) this.configs.set(nwid, c);
  }
  leave(nwid: bigint): void {
    this.calls.push(`leave ${nwid.toString(16)}`);
    this.configs.delete(nwid);
  }
  config(nwid: bigint): VirtualNetworkConfig | undefined {
    return this.configs.get(nwid);
  }
  tapName(nwid: bigint): string | undefined {
    return this.configs.has(nwid) ? `zt${nwid.toString(36).slice(0, 8)}` : undefined;
  }
  async markActiveBridge(nwid: bigint): Promise<boolean> {
    this.calls.push(`bridge ${nwid.toString(16)}`);
    if (!this.own.has(nwid)) return false;
    const c = this.configs.get(nwid);
    if (c) this.configs.set(nwid, { ...c, isBridgeAllowed: true });
    return true;
  }
  setAddressDevice(nwid: bigint, dev: string | null): void {
    this.addressDevices.set(nwid, dev);
  }
  /** Our controller's view of its networks (own ones): pools and members' addresses. */
  readonly controller = new Map<bigint, { ipAssignmentPools: AssignmentPool[]; memberIps: string[] }>();
  async reserveHostRange(nwid: bigint, lans: IpPrefix[], avoid: IpPrefix[]): Promise<IpPrefix | null> {
    this.calls.push(`reserve ${nwid.toString(16)}`);
    if (!this.own.has(nwid)) return null;
    return reserveOnController((method, path, body) => this.controllerCall(nwid, method, path, body), hexPad(nwid, 16), lans, avoid);
  }
  /** The three controller API calls reserveOnController makes, answered from `controller`. */
  private async controllerCall(nwid: bigint, method: string, path: string[], body: unknown): Promise<{ status: number; body?: unknown }> {
    const n = this.controller.get(nwid);
    if (!n) return { status: 404 };
    if (method === 'GET' && path[0] === 'unstable') return { status: 200, body: { data: n.memberIps.map((ip) => ({ ipAssignments: [ip] })) } };
    if (method === 'GET') return { status: 200, body: { ipAssignmentPools: n.ipAssignmentPools } };
    n.ipAssignmentPools = (body as { ipAssignmentPools: AssignmentPool[] }).ipAssignmentPools;
    return { status: 200, body: {} };
  }
}

export class FakeLinks implements ContainerLinks {
  readonly calls: string[] = [];
  readonly links = new Set<string>();
  isForwarding = true;

  async ensureBridge(bridge: string, tap: string, mtu: number): Promise<void> {
    this.calls.push(`bridge ${bridge} ${tap} ${mtu}`);
    this.links.add(bridge);
  }
  async removeBridge(bridge: string): Promise<void> {
    this.calls.push(`rmbridge ${bridge}`);
    this.links.delete(bridge);
  }
  async createVeth(v: VethSpec): Promise<void> {
    this.calls.push(`veth ${v.hostName} ${v.peerName} ${v.peerMac} ${v.mtu} ${v.bridge ?? '-'}`);
    this.links.add(v.hostName);
  }
  async removeLink(name: string): Promise<void> {
    this.calls.push(`rm ${name}`);
    this.links.delete(name);
  }
  async linkNames(): Promise<Set<string>> {
    return new Set(this.links);
  }
  async routeToContainer(hostName: string, ip6: string): Promise<void> {
    this.calls.push(`route6 ${ip6} ${hostName}`);
  }
  isIpv6Forwarding(): boolean {
    return this.isForwarding;
  }
}

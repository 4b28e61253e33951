// The remote network driver (07 §3.4): Docker networks of `-d ztkube` are attachments to a
// ZeroTier network the engine joins. CreateNetwork joins it and checks what the mode needs
// (07 §7.1, §7.3); Join hands dockerd one end of a veth pair whose host end sits on the
// network's Linux bridge (bridge mode) or is routed to from the 6PLANE /80 (sixplane).
// Deletes and leaves for things already gone succeed: dockerd repeats them after a plugin
// restart, and the kernel deletes a container's veth pair before DeleteEndpoint arrives.
import type { VirtualNetworkConfig } from '../node/virtual-network.js';
import { firstOctetForNetwork, formatMac, parseMac } from '../protocol/member-mac.js';
import { addressToString } from '../protocol/address.js';
import { sixPlaneIp, SIXPLANE_PREFIX_BITS } from '../protocol/zt-ipv6.js';
import { parsePrefix, prefixToString, isDefaultRoute, networkOf, type IpPrefix } from '../net/ip/prefix.js';
import { hexPad } from '../util/hex.js';
import { macForIpv4, randomContainerMac } from '../net/ip/container-mac.js';
import { bigintToIp, ipText, ipToBigint, prefixInside } from './ip-arith.js';
import { MTU_OPTION, parseNetworkOptions } from './network-options.js';
import { badRequest, PluginError } from './plugin-error.js';
import type { DockerPluginState, EndpointRecord, NetworkRecord, PluginStateStore, PoolRecord } from './plugin-state.js';
import type { ContainerLinks, ZeroTierPort } from './ports.js';
import { asBody, optionalObject, optionalString, requireString, type Body } from './request-fields.js';
import { joinRoutes } from './join-routes.js';
import { PENDING_POOL_PREFIX } from './ipam-driver.js';

/** How long CreateNetwork waits for the controller's answer (dockerd's own call timeout is longer). */
export const CONFIG_WAIT_MS = 20_000;
const POLL_MS = 200;

export interface NetworkDriverOptions {
  store: PluginStateStore;
  state: DockerPluginState;
  zerotier: ZeroTierPort;
  links: ContainerLinks;
  delay(ms: number): Promise<void>;
  /** Random bytes for container MACs. */
  random(n: number): Uint8Array;
  configWaitMs?: number;
}

export class NetworkDriver {
  private readonly o: NetworkDriverOptions;
  private readonly state: DockerPluginState;
  /** The last range reservation (bindHostRange), which the next one waits for. */
  private binding: Promise<unknown> = Promise.resolve();

  constructor(o: NetworkDriverOptions) {
    this.o = o;
    this.state = o.state;
  }

  getCapabilities(): Body {
    return { Scope: 'local', ConnectivityScope: 'global' };
  }

  async createNetwork(raw: unknown): Promise<Body> {
    const m = 'CreateNetwork';
    const body = asBody(m, raw);
    const networkId = requireString(m, body, 'NetworkID');
    const opts = parseNetworkOptions(optionalObject(m, body, 'Options'));
    const v4 = ipamData(m, body.IPv4Data);
    const nwid = hexPad(opts.nwid, 16);
    const zt = this.o.zerotier;
    const others = this.networksOn(nwid);
    const isJoinedByPlugin = others.length > 0 ? others[0].isJoinedByPlugin : !zt.isJoined(opts.nwid);
    if (!zt.isJoined(opts.nwid)) zt.join(opts.nwid);
    try {
      let config = await this.waitForConfig(opts.nwid);
      const pending = v4.map((d) => this.autoPool(d.gateway)).filter((p) => p !== undefined);
      for (const p of pending) if (p.range === '') await this.bindHostRange(p, opts.nwid, nwid, config);
      if (opts.mode === 'bridge') {
        for (const d of v4) {
          if (pending.some((p) => p.gateway === d.gateway)) continue; // bound to its LAN by bindHostRange
          const lan = this.lanRouteOf(config, d.subnet, nwid);
          if (d.isUnchecked) this.widenAddresses(d.gateway, lan.bits);
        }
        if (!config.isBridgeAllowed) config = await this.becomeBridge(opts.nwid, nwid);
      } else {
        this.checkSixplane(config, nwid);
      }
      if (opts.mtu !== null && opts.mtu > config.mtu) throw badRequest(`-o ${MTU_OPTION}=${opts.mtu} is above the MTU of ZeroTier network ${nwid} (${config.mtu})`);
      const mtu = opts.mtu ?? config.mtu;
      if (opts.mode === 'bridge') await this.attachBridge(opts.nwid, nwid, config);
      this.state.networks[networkId] = { networkId, nwid, mode: opts.mode, mtu, ifPrefix: opts.ifPrefix, isJoinedByPlugin };
      this.o.store.save(this.state);
      return {};
    } catch (e) {
      if (isJoinedByPlugin && others.length === 0) zt.leave(opts.nwid);
      throw e;
    }
  }

  async deleteNetwork(raw: unknown): Promise<Body> {
    const body = asBody('DeleteNetwork', raw);
    const n = this.state.networks[requireString('DeleteNetwork', body, 'NetworkID')];
    if (!n) return {}; // deleted already
    delete this.state.networks[n.networkId];
    for (const ep of Object.values(this.state.endpoints)) {
      if (ep.networkId !== n.networkId) continue;
      await this.o.links.removeLink(hostEnd(ep.endpointId));
      delete this.state.endpoints[ep.endpointId];
    }
    this.o.store.save(this.state);
    const rest = this.networksOn(n.nwid);
    const nwid = BigInt(`0x${n.nwid}`);
    if (n.mode === 'bridge' && !rest.some((r) => r.mode === 'bridge')) {
      await this.o.links.removeBridge(bridgeName(nwid));
      this.o.zerotier.setAddressDevice(nwid, null);
    }
    if (rest.length === 0 && n.isJoinedByPlugin) this.o.zerotier.leave(nwid);
    return {};
  }

  createEndpoint(raw: unknown): Body {
    const m = 'CreateEndpoint';
    const body = asBody(m, raw);
    const n = this.network(m, requireString(m, body, 'NetworkID'));
    const endpointId = requireString(m, body, 'EndpointID');
    const iface = optionalObject(m, body, 'Interface');
    const given = optionalString(m, iface, 'MacAddress');
    const nwid = BigInt(`0x${n.nwid}`);
    const memberOctet = firstOctetForNetwork(nwid);
    let mac = '';
    if (given !== '') {
      const v = parseMac(given);
      if (v === null || Math.floor(v / 2 ** 40) & 1) throw badRequest(`--mac-address must be a unicast MAC like 0e:11:22:33:44:55, got ${JSON.stringify(given)}`);
      // A MAC with the network's member octet is taken for a member's own (07 §7.2).
      if (Math.floor(v / 2 ** 40) === memberOctet) throw badRequest(`--mac-address ${given} starts with ${hexPad(memberOctet, 2)}, which marks ZeroTier member MACs on network ${n.nwid}; choose another first octet`);
      mac = formatMac(v);
    }
    const address = optionalString(m, iface, 'Address');
    if (given === '') mac = address !== '' ? macForIpv4(address, memberOctet) : randomContainerMac(this.o.random, memberOctet);
    let addressIPv6 = optionalString(m, iface, 'AddressIPv6');
    const isSixplaneAddress = n.mode === 'sixplane' && addressIPv6 === '';
    if (isSixplaneAddress) addressIPv6 = `${this.sixplaneAddress(nwid)}/128`;
    const ep: EndpointRecord = { networkId: n.networkId, endpointId, mac, address, addressIPv6, isSixplaneAddress };
    this.state.endpoints[endpointId] = ep;
    this.o.store.save(this.state);
    // Return only what dockerd did not supply (07 §3.4: a value it gave must come back empty).
    const out: Body = {};
    if (given === '') out.MacAddress = mac;
    if (isSixplaneAddress) out.AddressIPv6 = addressIPv6;
    return { Interface: out };
  }

  async deleteEndpoint(raw: unknown): Promise<Body> {
    const body = asBody('DeleteEndpoint', raw);
    const id = requireString('DeleteEndpoint', body, 'EndpointID');
    if (!this.state.endpoints[id]) return {};
    await this.o.links.removeLink(hostEnd(id)); // usually gone with the container already
    delete this.state.endpoints[id];
    this.o.store.save(this.state);
    return {};
  }

  endpointOperInfo(raw: unknown): Body {
    const body = asBody('EndpointOperInfo', raw);
    const ep = this.state.endpoints[requireString('EndpointOperInfo', body, 'EndpointID')];
    if (!ep) return { Value: {} };
    const n = this.state.networks[ep.networkId];
    return { Value: { 'ztkube.network': n?.nwid ?? '', 'ztkube.mode': n?.mode ?? '', hostInterface: hostEnd(ep.endpointId), mac: ep.mac } };
  }

  async join(raw: unknown): Promise<Body> {
    const m = 'Join';
    const body = asBody(m, raw);
    const n = this.network(m, requireString(m, body, 'NetworkID'));
    const id = requireString(m, body, 'EndpointID');
    const ep = this.state.endpoints[id];
    if (!ep) throw new PluginError('docker_not_found', `Join: no endpoint ${id} on this ztkube network`);
    const nwid = BigInt(`0x${n.nwid}`);
    const config = this.o.zerotier.config(nwid);
    if (!config) throw new PluginError('docker_zerotier', `ZeroTier network ${n.nwid} is not joined on this host any more; remove and re-create the Docker network`);
    const host = hostEnd(id);
    if (n.mode === 'bridge') {
      if (!config.isBridgeAllowed) throw notBridge(this.o.zerotier.address(), n.nwid);
      const bridge = await this.attachBridge(nwid, n.nwid, config);
      await this.o.links.createVeth({ hostName: host, peerName: peerEnd(id), peerMac: ep.mac, mtu: n.mtu, bridge });
    } else {
      await this.o.links.createVeth({ hostName: host, peerName: peerEnd(id), peerMac: ep.mac, mtu: n.mtu, bridge: null });
      if (ep.addressIPv6 !== '') await this.o.links.routeToContainer(host, ep.addressIPv6.replace(/\/\d+$/, ''));
    }
    return { InterfaceName: { SrcName: peerEnd(id), DstPrefix: n.ifPrefix }, ...joinRoutes(n, ep, config), DisableGatewayService: true };
  }

  async leave(raw: unknown): Promise<Body> {
    const body = asBody('Leave', raw);
    const id = requireString('Leave', body, 'EndpointID');
    await this.o.links.removeLink(hostEnd(id));
    return {};
  }

  /** Re-attaches the bridge-mode networks' TAPs (after an engine restart the TAPs are new). */
  async reconcile(): Promise<void> {
    const seen = new Set<string>();
    for (const n of Object.values(this.state.networks)) {
      if (n.mode !== 'bridge' || seen.has(n.nwid)) continue;
      seen.add(n.nwid);
      const nwid = BigInt(`0x${n.nwid}`);
      const config = this.o.zerotier.config(nwid);
      if (this.o.zerotier.tapName(nwid) && config) await this.attachBridge(nwid, n.nwid, config);
    }
  }

  // ---- internals ----------------------------------------------------------------------

  private network(method: string, id: string): NetworkRecord {
    const n = this.state.networks[id];
    if (!n) throw new PluginError('docker_not_found', `${method}: ${id.slice(0, 12)} is not a ztkube network on this host`);
    return n;
  }

  private networksOn(nwid: string): NetworkRecord[] {
    return Object.values(this.state.networks).filter((n) => n.nwid === nwid);
  }

  /** The network's bridge with its TAP as a port and the host's addresses on the bridge. */
  private async attachBridge(nwid: bigint, id: string, config: VirtualNetworkConfig): Promise<string> {
    const bridge = bridgeName(nwid);
    await this.o.links.ensureBridge(bridge, this.tapOf(nwid, id), config.mtu);
    this.o.zerotier.setAddressDevice(nwid, bridge);
    return bridge;
  }

  private tapOf(nwid: bigint, id: string): string {
    const tap = this.o.zerotier.tapName(nwid);
    if (!tap) throw new PluginError('docker_host', `ZeroTier network ${id} has no TAP device on this host (see the engine's log)`);
    return tap;
  }

  /** Polls until the controller has answered: OK, or a refusal in words. */
  private async waitForConfig(nwid: bigint): Promise<VirtualNetworkConfig> {
    const id = hexPad(nwid, 16);
    const limit = this.o.configWaitMs ?? CONFIG_WAIT_MS;
    for (let waited = 0; ; waited += POLL_MS) {
      const c = this.o.zerotier.config(nwid);
      if (c?.status === 'OK' && this.o.zerotier.tapName(nwid)) return c;
      if (c?.status === 'NOT_FOUND') throw new PluginError('docker_zerotier', `ZeroTier network ${id} does not exist: its controller does not know it`);
      if (c?.status === 'ACCESS_DENIED') throw new PluginError('docker_zerotier', `this host (member ${addressToString(this.o.zerotier.address())}) is not authorized on ZeroTier network ${id}; authorize it at the controller`);
      if (c && c.status !== 'REQUESTING_CONFIGURATION' && c.status !== 'OK') throw new PluginError('docker_zerotier', `ZeroTier network ${id} is ${c.status} on this host`);
      if (waited >= limit) throw new PluginError('docker_zerotier', `no configuration for ZeroTier network ${id} from its controller within ${Math.round(limit / 1000)} s; is the controller online?`);
      await this.o.delay(POLL_MS);
    }
  }

  /** The most specific of the network's LAN routes holding `pool`, or a sentence saying there is none. */
  private lanRouteOf(config: VirtualNetworkConfig, pool: IpPrefix, id: string): IpPrefix {
    const lans = config.routes.filter((r) => r.via === null && r.target.family === pool.family && !isDefaultRoute(r.target));
    const holding = lans.filter((r) => prefixInside(pool, r.target)).sort((x, y) => y.target.bits - x.target.bits);
    if (holding.length > 0) return holding[0].target;
    const shown = lans.map((r) => prefixToString(r.target)).join(', ') || 'none';
    throw badRequest(`the IPv${pool.family} range ${prefixToString(pool)} is outside the routes of ZeroTier network ${id} (${shown}); choose a range inside one`);
  }

  /** The IPAM pool made without a range whose placeholder gateway dockerd reports, if any. */
  private autoPool(gateway: string): PoolRecord | undefined {
    if (gateway === '') return undefined;
    return Object.values(this.state.pools).find((p) => p.id.startsWith(PENDING_POOL_PREFIX) && p.gateway === gateway);
  }

  /**
   * Gives a pool made without --subnet or ztkube.range its range: one this host reserved on
   * this ZeroTier network before and no pool uses now, else a new one from the daemon's own
   * controller (controller-range.ts). One at a time, so two creates never carve the same block.
   */
  private bindHostRange(p: PoolRecord, nwid: bigint, id: string, config: VirtualNetworkConfig): Promise<void> {
    const run = this.binding.then(async () => {
      const inUse = Object.values(this.state.pools).map((x) => x.range).filter((r) => r !== '');
      const reservations = (this.state.reservations ??= []);
      const kept = reservations.find((r) => r.nwid === id && !inUse.includes(r.range));
      let range: IpPrefix;
      if (kept) {
        range = parsePrefix(kept.range)!;
      } else {
        const lans = config.routes.filter((r) => r.via === null && r.target.family === 4 && !isDefaultRoute(r.target)).map((r) => r.target);
        const got = await this.o.zerotier.reserveHostRange(nwid, lans, inUse.map((r) => parsePrefix(r)!));
        if (!got) throw badRequest(`ZeroTier network ${id} is not run by this host's controller, so no IPv4 range can be reserved for this host automatically; give one with --ipam-opt ztkube.range=CIDR (a slice of the network's subnet that no other host and no controller pool uses) or --subnet`);
        range = got;
        reservations.push({ nwid: id, range: prefixToString(range) });
      }
      const lan = this.lanRouteOf(config, range, id);
      p.range = prefixToString(range);
      p.pool = prefixToString(lan);
      p.addressBits = lan.bits;
      this.o.store.save(this.state);
    });
    this.binding = run.catch(() => undefined);
    return run;
  }

  /**
   * A range given without --subnet is a slice of the network's subnet: the IPAM pool whose
   * gateway dockerd reports hands out addresses with the subnet's prefix length from now on.
   */
  private widenAddresses(gateway: string, bits: number): void {
    const pool = Object.values(this.state.pools).find((p) => p.gateway === gateway);
    if (pool && pool.addressBits !== bits) {
      pool.addressBits = bits;
      this.o.store.save(this.state);
    }
  }

  private checkSixplane(config: VirtualNetworkConfig, id: string): void {
    const mine = sixPlaneIp(config.nwid, this.o.zerotier.address());
    const has = config.assignedAddresses.some((a) => a.family === 6 && a.bits === SIXPLANE_PREFIX_BITS && ipText(6, a.ip) === ipText(6, mine));
    if (!has) throw new PluginError('docker_zerotier', `ZeroTier network ${id} does not assign 6PLANE addresses, which -o ztkube.mode=sixplane needs; enable v6AssignMode 6plane at its controller`);
    if (!this.o.links.isIpv6Forwarding()) throw new PluginError('docker_host', '-o ztkube.mode=sixplane routes IPv6 to the containers, and this host does not forward IPv6; set net.ipv6.conf.all.forwarding=1');
  }

  /** 07 §7.1: our own controller can make us an active bridge; a foreign one must have done it. */
  private async becomeBridge(nwid: bigint, id: string): Promise<VirtualNetworkConfig> {
    if (!(await this.o.zerotier.markActiveBridge(nwid))) throw notBridge(this.o.zerotier.address(), id);
    const limit = this.o.configWaitMs ?? CONFIG_WAIT_MS;
    for (let waited = 0; ; waited += POLL_MS) {
      const c = this.o.zerotier.config(nwid);
      if (c?.isBridgeAllowed) return c;
      if (waited >= limit) throw new PluginError('docker_zerotier', `this host was made an active bridge on ZeroTier network ${id}, but no config saying so arrived within ${Math.round(limit / 1000)} s`);
      await this.o.delay(POLL_MS);
    }
  }

  /** The lowest free address after the member's own ::1 in this host's 6PLANE /80. */
  private sixplaneAddress(nwid: bigint): string {
    const base = ipToBigint(sixPlaneIp(nwid, this.o.zerotier.address())) & ~0xffffffffffffn;
    const taken = new Set(Object.values(this.state.endpoints).filter((e) => e.isSixplaneAddress).map((e) => e.addressIPv6.replace(/\/\d+$/, '')));
    for (let i = 2n; i < 0xffffffffffffn; i++) {
      const ip = ipText(6, bigintToIp(base | i, 16));
      if (!taken.has(ip)) return ip;
    }
    throw new PluginError('docker_exhausted', `no free address is left in this host's 6PLANE /80 on ZeroTier network ${hexPad(nwid, 16)}`);
  }
}

/** The per-ZeroTier-network bridge: `ztb` + 12 hex digits folded from the network ID. */
export function bridgeName(nwid: bigint): string {
  return `ztb${hexPad((nwid ^ (nwid >> 48n)) & 0xffffffffffffn, 12)}`;
}

export const hostEnd = (endpointId: string): string => `ztv${endpointId.slice(0, 12)}`;
export const peerEnd = (endpointId: string): string => `ztc${endpointId.slice(0, 12)}`;

function notBridge(address: number, id: string): PluginError {
  return new PluginError('docker_zerotier', `-o ztkube.mode=bridge needs this host (member ${addressToString(address)}) to be an active bridge on ZeroTier network ${id}; allow Ethernet bridging for it at the controller, or use -o ztkube.mode=sixplane`);
}

interface Ipv4Data {
  /** The prefix containers get: the gateway's `IP/bits` from our IPAM, or the Pool. */
  subnet: IpPrefix;
  /** The gateway's IP, '' when none. */
  gateway: string;
  /** Pool is 0.0.0.0/0: no --subnet was given (ipam-driver.ts). */
  isUnchecked: boolean;
}

/** IPv4Data of CreateNetwork (07 §3.4), parsed. */
function ipamData(method: string, v: unknown): Ipv4Data[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badRequest(`${method}: IPv4Data must be a JSON array`);
  return v.map((d, i) => {
    const text = (field: string): string => (typeof (d as Body | null)?.[field] === 'string' ? ((d as Body)[field] as string) : '');
    const gateway = parsePrefix(text('Gateway'));
    const pool = parsePrefix(text('Pool'));
    const subnet = gateway ?? pool;
    if (!subnet) throw badRequest(`${method}: IPv4Data[${i}] needs a Gateway or Pool in CIDR form`);
    return { subnet: networkOf(subnet), gateway: gateway ? ipText(gateway.family, gateway.ip) : '', isUnchecked: pool !== null && isDefaultRoute(pool) };
  }).filter((x) => !isDefaultRoute(x.subnet));
}

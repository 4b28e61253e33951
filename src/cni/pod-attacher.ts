// Pod attachments (issue #12; 07 §7): for each network a pod asks for, a veth pair whose host
// end joins the network's Linux bridge with its TAP (bridge: the pod is on the ZeroTier LAN
// with its own MAC, which needs this node to be an active bridge, 07 §7.1) or is routed to
// from this node's 6PLANE /80 (sixplane, 07 §7.3). Calls run one at a time, so two ADDs never
// take the same address. DEL and GC succeed for what is gone already (07 §1.8).
import type { VirtualNetworkConfig } from '../node/virtual-network.js';
import { isDefaultRoute, networkOf, prefixToString, samePrefix, type IpPrefix } from '../net/ip/prefix.js';
import { ipText, prefixInside } from '../docker/ip-arith.js';
import { bridgeName } from '../docker/network-driver.js';
import { SIXPLANE_HOST_LINK_LOCAL } from '../docker/join-routes.js';
import type { ContainerLinks, ZeroTierPort } from '../docker/ports.js';
import { firstOctetForNetwork } from '../protocol/member-mac.js';
import { addressToString } from '../protocol/address.js';
import { sixPlaneIp, SIXPLANE_PREFIX_BITS } from '../protocol/zt-ipv6.js';
import { hexPad } from '../util/hex.js';
import { macForIpv4, randomContainerMac } from '../net/ip/container-mac.js';
import { CNI_CODE, CniError } from './cni-error.js';
import type { Additions, AddedRoute } from './cni-result.js';
import type { AttachmentRecord, AttachmentStateStore } from './attachment-state.js';
import type { NetworkCatalogPort } from './network-catalog.js';
import { allocateIpv4, allocateSixplane } from './pod-ipam.js';
import type { PodLinks } from './pod-links.js';
import type { AttachmentKey, AttachmentPort, AttachRequest, ValidAttachment } from './ports.js';

/** How long an ADD waits for a network's config (the runtime's own timeout is minutes). */
export const CONFIG_WAIT_MS = 30_000;
const POLL_MS = 200;

export interface PodAttacherOptions {
  zerotier: ZeroTierPort;
  links: ContainerLinks;
  podLinks: PodLinks;
  catalog: NetworkCatalogPort;
  store: AttachmentStateStore;
  delay(ms: number): Promise<void>;
  random(n: number): Uint8Array;
  /** STATUS: is the engine up (online or not, it can attach once configs arrive). */
  isReady(): boolean;
  configWaitMs?: number;
}

export class PodAttacher implements AttachmentPort {
  private readonly o: PodAttacherOptions;
  private records: AttachmentRecord[];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(o: PodAttacherOptions) {
    this.o = o;
    this.records = o.store.load();
  }

  isReady(): boolean {
    return this.o.isReady();
  }

  /** The records, for reconciling bridges after a restart and for tests. */
  list(): readonly AttachmentRecord[] {
    return this.records;
  }

  attach(r: AttachRequest): Promise<Additions> {
    return this.serialize(() => this.attachNow(r));
  }

  detach(key: AttachmentKey): Promise<void> {
    return this.serialize(() => this.release((x) => isUnder(x, key)));
  }

  /** Releases every attachment to one network (before the node leaves it); answers how many went. */
  detachNetwork(nwid: bigint): Promise<number> {
    const id = hexPad(nwid, 16);
    return this.serialize(async () => {
      const n = this.records.filter((x) => x.nwid === id).length;
      await this.release((x) => x.nwid === id);
      return n;
    });
  }

  check(key: AttachmentKey, netns: string): Promise<void> {
    return this.serialize(async () => {
      for (const x of this.records.filter((y) => isUnder(y, key))) {
        if (!(await this.o.podLinks.hasPodLink(netns, x.ifname, x.mac))) throw new CniError(CNI_CODE.attachFailed, `the pod's interface ${x.ifname} on network ${x.network} is missing or has another MAC`);
        if (!this.o.zerotier.isJoined(BigInt(`0x${x.nwid}`))) throw new CniError(CNI_CODE.attachFailed, `this node is no longer on ZeroTier network ${x.nwid} (${x.network})`);
      }
    });
  }

  /**
   * Releases the records whose host veth is gone: the kernel deletes a pair with the pod's
   * namespace, so such a pod went without a DEL reaching us (it came while the agent was
   * down, where the shim answers DEL with success, 07 §1.8); its address is free again.
   * Answers the container IDs released.
   */
  releaseVanished(): Promise<string[]> {
    return this.serialize(async () => {
      if (this.records.length === 0) return [];
      const present = await this.o.links.linkNames();
      const gone = new Set(this.records.filter((x) => !present.has(x.hostVeth)));
      if (gone.size === 0) return [];
      await this.release((x) => gone.has(x));
      return [...new Set([...gone].map((x) => x.containerId))];
    });
  }

  gc(valid: ValidAttachment[]): Promise<void> {
    const keep = new Set(valid.map((v) => `${v.containerId}\n${v.ifname}`));
    const containers = new Set(valid.map((v) => v.containerId));
    const isValid = (x: AttachmentRecord): boolean => keep.has(`${x.containerId}\n${x.primaryIfname}`) || (x.isDelegate === true && containers.has(x.containerId));
    return this.serialize(() => this.release((x) => !isValid(x)));
  }

  // ---- internals ----------------------------------------------------------------------

  private serialize<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f);
    this.queue = run.catch(() => undefined); // the caller gets the error; the queue goes on
    return run;
  }

  /** Removes the host ends (the pair goes with them) and the records; reports every failure. */
  private async release(match: (x: AttachmentRecord) => boolean): Promise<void> {
    const failures: string[] = [];
    for (const x of this.records.filter(match)) {
      try {
        await this.o.links.removeLink(x.hostVeth);
        this.records = this.records.filter((y) => y !== x);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    this.o.store.save(this.records);
    if (failures.length > 0) throw new CniError(CNI_CODE.attachFailed, `releasing pod attachments failed: ${failures.join('; ')}`);
  }

  private async attachNow(r: AttachRequest): Promise<Additions> {
    const entry = await this.o.catalog.resolve(r.network, r.config);
    const id = hexPad(entry.nwid, 16);
    if (this.records.some((x) => x.containerId === r.containerId && x.ifname === r.ifname)) {
      throw new CniError(CNI_CODE.invalidConfig, `the pod already has an interface ${r.ifname} from ztkube`);
    }
    const zt = this.o.zerotier;
    if (!zt.isJoined(entry.nwid)) zt.join(entry.nwid);
    let config = await this.waitFor(entry.nwid, (c) => c.status === 'OK' && zt.tapName(entry.nwid) !== undefined, `no configuration for ZeroTier network ${id} within`);
    // A pod MTU above the network's would have frames the overlay must drop: refuse it, as the Docker plugin does.
    if (entry.mtu !== null && entry.mtu > config.mtu) {
      throw new CniError(CNI_CODE.invalidConfig, `the MTU ${entry.mtu} asked for network ${r.network} is above ZeroTier network ${id}'s MTU ${config.mtu}`);
    }
    const mtu = entry.mtu ?? config.mtu;
    const key = vethKey(r.containerId, r.ifname);
    const hostVeth = `ztp${key}`;
    const memberOctet = firstOctetForNetwork(entry.nwid);
    const taken = this.records.map((x) => x.address);
    let address: string;
    let mac: string;
    let routes: AddedRoute[];
    if (entry.mode === 'bridge') {
      if (!config.isBridgeAllowed) config = await this.becomeBridge(entry.nwid, id);
      const lan = lanOf(config, entry.range!, id);
      address = allocateIpv4(entry.range!, lan, taken, config.assignedAddresses.filter((a) => a.family === 4).map((a) => ipText(4, a.ip)));
      mac = macForIpv4(address, memberOctet);
      const bridge = bridgeName(entry.nwid);
      await this.o.links.ensureBridge(bridge, zt.tapName(entry.nwid)!, config.mtu);
      zt.setAddressDevice(entry.nwid, bridge);
      await this.o.links.createVeth({ hostName: hostVeth, peerName: `ztq${key}`, peerMac: mac, mtu, bridge });
      routes = bridgeRoutes(config, lan);
    } else {
      checkSixplane(config, zt.address(), id, this.o.links.isIpv6Forwarding());
      address = allocateSixplane(entry.nwid, zt.address(), taken);
      mac = randomContainerMac(this.o.random, memberOctet); // routed: no peer ever sees it
      await this.o.links.createVeth({ hostName: hostVeth, peerName: `ztq${key}`, peerMac: mac, mtu, bridge: null });
      await this.o.links.routeToContainer(hostVeth, address.replace(/\/\d+$/, ''));
      routes = sixplaneRoutes(config);
    }
    // Recorded before the pod end is set up, so a failure from here on is undone by DEL.
    this.records.push({ containerId: r.containerId, primaryIfname: r.primaryIfname, ...(r.isDelegate ? { isDelegate: true } : {}), network: r.network, nwid: id, mode: entry.mode, ifname: r.ifname, hostVeth, mac, address });
    this.o.store.save(this.records);
    await this.o.podLinks.setUpPodEnd({ netns: r.netns, peerName: `ztq${key}`, ifname: r.ifname, address, routes });
    return { interfaces: [{ name: r.ifname, mac, mtu, sandbox: r.netns }], ips: [{ address, interface: 0 }], routes };
  }

  private async waitFor(nwid: bigint, isDone: (c: VirtualNetworkConfig) => boolean, what: string): Promise<VirtualNetworkConfig> {
    const limit = this.o.configWaitMs ?? CONFIG_WAIT_MS;
    const id = hexPad(nwid, 16);
    for (let waited = 0; ; waited += POLL_MS) {
      const c = this.o.zerotier.config(nwid);
      if (c && isDone(c)) return c;
      if (c?.status === 'NOT_FOUND') throw new CniError(CNI_CODE.attachFailed, `ZeroTier network ${id} does not exist: its controller does not know it`);
      if (c?.status === 'ACCESS_DENIED') throw new CniError(CNI_CODE.attachFailed, `this node (member ${addressToString(this.o.zerotier.address())}) is not authorized on ZeroTier network ${id}`);
      if (waited >= limit) throw new CniError(CNI_CODE.tryAgainLater, `${what} ${Math.round(limit / 1000)} s`);
      await this.o.delay(POLL_MS);
    }
  }

  /** 07 §7.1: our own controller can make us an active bridge; a foreign one must have done it. */
  private async becomeBridge(nwid: bigint, id: string): Promise<VirtualNetworkConfig> {
    if (!(await this.o.zerotier.markActiveBridge(nwid))) {
      throw new CniError(CNI_CODE.attachFailed, `bridge mode needs this node (member ${addressToString(this.o.zerotier.address())}) to be an active bridge on ZeroTier network ${id}; allow Ethernet bridging for it at the controller, or use sixplane mode`);
    }
    return this.waitFor(nwid, (c) => c.isBridgeAllowed, `this node was made an active bridge on ZeroTier network ${id}, but no config saying so arrived within`);
  }
}

function isUnder(x: AttachmentRecord, key: AttachmentKey): boolean {
  return x.containerId === key.containerId && x.primaryIfname === key.ifname && (x.isDelegate === true) === key.isDelegate;
}

/** The most specific LAN route of the network holding the node's pod range. */
function lanOf(config: VirtualNetworkConfig, range: IpPrefix, id: string): IpPrefix {
  const lans = config.routes.filter((r) => r.via === null && r.target.family === 4 && !isDefaultRoute(r.target) && prefixInside(range, r.target));
  lans.sort((a, b) => b.target.bits - a.target.bits);
  if (lans.length === 0) throw new CniError(CNI_CODE.invalidConfig, `the pod range ${prefixToString(range)} is outside every IPv4 route of ZeroTier network ${id}`);
  return networkOf(lans[0].target);
}

/**
 * The network's managed IPv4 routes inside the pod, except its own LAN (on the link already)
 * and default routes: the pod's primary network owns its default route.
 */
function bridgeRoutes(config: VirtualNetworkConfig, lan: IpPrefix): AddedRoute[] {
  const out: AddedRoute[] = [];
  for (const r of config.routes) {
    if (r.target.family !== 4 || isDefaultRoute(r.target) || samePrefix(networkOf(r.target), lan)) continue;
    const dst = prefixToString(networkOf(r.target));
    if (out.some((x) => x.dst === dst)) continue;
    out.push(r.via ? { dst, gw: ipText(4, r.via) } : { dst });
  }
  return out;
}

/** Sixplane: the network's /40 and its other IPv6 routes through the host end (fe80::1). */
function sixplaneRoutes(config: VirtualNetworkConfig): AddedRoute[] {
  const plane = prefixToString(networkOf({ family: 6, ip: sixPlaneIp(config.nwid, 0), bits: SIXPLANE_PREFIX_BITS }));
  const out: AddedRoute[] = [{ dst: plane, gw: SIXPLANE_HOST_LINK_LOCAL }];
  for (const r of config.routes) {
    if (r.target.family !== 6 || isDefaultRoute(r.target)) continue;
    const dst = prefixToString(networkOf(r.target));
    if (!out.some((x) => x.dst === dst)) out.push({ dst, gw: SIXPLANE_HOST_LINK_LOCAL });
  }
  return out;
}

function checkSixplane(config: VirtualNetworkConfig, member: number, id: string, isForwarding: boolean): void {
  const mine = ipText(6, sixPlaneIp(config.nwid, member));
  if (!config.assignedAddresses.some((a) => a.family === 6 && a.bits === SIXPLANE_PREFIX_BITS && ipText(6, a.ip) === mine)) {
    throw new CniError(CNI_CODE.attachFailed, `ZeroTier network ${id} does not assign 6PLANE addresses, which sixplane mode needs; enable v6AssignMode 6plane at its controller`);
  }
  if (!isForwarding) throw new CniError(CNI_CODE.attachFailed, 'sixplane mode routes IPv6 to the pods, and this node does not forward IPv6; set net.ipv6.conf.all.forwarding=1');
}

/** 12 hex digits from (container, interface) (FNV-1a 64): stable names for the host ends. */
function vethKey(containerId: string, ifname: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(`${containerId}/${ifname}`)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hexPad(h & 0xffffffffffffn, 12);
}



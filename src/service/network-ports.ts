// The service side of joined networks (06 §8): one TAP per network, its managed addresses
// and routes, its frames and its multicast groups — 1.14.1's OneService NetworkState with
// nodeVirtualNetworkConfigFunction, syncManagedStuff and the 5 s multicast scan.
//
// * UP: the TAP is created (name as zerotier-one picks it, the member MAC, the network MTU,
//   up) and the network's local settings are read; then as CONFIG_UPDATE. A TAP that cannot
//   be created is one error line and port error -999 (PORT_ERROR); the daemon goes on.
// * CONFIG_UPDATE: managed addresses and routes re-synced, MTU set.
// * DOWN (shutdown) / DESTROY (leave): the TAP is closed, and the kernel removes its
//   addresses and every route through it, which are all we ever add.
// * Settings changed through the API re-sync; routes are also re-synced every 30 s and when
//   the node goes online (a default route with a gateway waits for that).
// Syncs run through the host's HostNet asynchronously, one at a time per network, coalesced:
// requests during a sync make one more pass with the newest config.
//
// Frames: a TAP batch is one engine.act with node.sendFrame per frame. deliverFrame builds
// the frame (its header rebuilt) into the port's write slab, and one microtask writes all
// that one wakeup delivered with a single writeFrames, as the UDP side sends its batch; a
// TAP with offload then hands consecutive TCP segments to the kernel as one (issue #8).
import type winston from 'winston';
import type { VirtualFrame, VirtualNetworkConfig, NetworkPortOp } from '../node/virtual-network.js';
import type { FrameBatch, Tap, TapOptions } from '../net/tap/tap.js';
import { MIN_TAP_MTU, ETHERNET_HEADER_BYTES } from '../net/tap/tap.js';
import { chooseTapName, tapNameForNetwork } from '../net/tap/names.js';
import { buildTapFrame, parseTapFrame } from '../net/tap/ethernet.js';
import type { HostNet, KernelRoute } from '../net/ip/host-net.js';
import { parsePrefix, prefixToString, samePrefix, sameIp, splitDefault, sortUniquePrefixes, networkOf, type IpPrefix } from '../net/ip/prefix.js';
import { formatMac } from '../protocol/member-mac.js';
import { ipToString } from '../protocol/inet-address.js';
import { hexPad } from '../util/hex.js';
import { planAddresses, planRoutes, prefixKey, wantedAddresses, type ManagedPolicy, type WantedRoute } from './managed-sync.js';
import type { NetworkSettings } from './local-api/service-port.js';
import type { LocalConf } from './network-local-conf.js';
import { RateLimiter } from './rate-limit.js';

/** What 1.14.1's nodeVirtualNetworkConfigFunction returns when the TAP cannot be made. */
export const PORT_ERROR_TAP_FAILED = -999;
/** ZT_TAP_CHECK_MULTICAST_INTERVAL. */
export const MULTICAST_SCAN_INTERVAL_MS = 5000;
/** Routes are re-synced with every binder refresh in 1.14.1 (06 §8.7). */
export const ROUTE_REFRESH_INTERVAL_MS = 30_000;

/** Frames a port queues for one writeFrames at most (a full slab is written at once). */
export const TAP_WRITE_BATCH = 64;

/** One multicast group: a MAC and its additional distinguishing information (ADI). */
export interface MulticastGroup {
  mac: number;
  adi: number;
}

/** The node calls this edge makes. */
export interface PortNode {
  /** null (or nothing) when the frame went on, else why it was refused (counted per network). */
  sendFrame(nowMs: number, nwid: bigint, frame: VirtualFrame): unknown;
  multicastSubscribe(nowMs: number, nwid: bigint, mac: number, adi: number): unknown;
  multicastUnsubscribe(nowMs: number, nwid: bigint, mac: number, adi: number): unknown;
  /** The port broke after it was made (PORT_ERROR while non-zero). */
  setPortError?(nwid: bigint, code: number): void;
}

export interface NetworkPortsOptions {
  log: winston.Logger;
  host: HostNet;
  openTap(o: TapOptions): Tap;
  /** networks.d/<nwid>.local.conf, read when a network comes up (06 §2.5). */
  loadLocalConf(nwid: bigint): LocalConf;
  /** The legacy devicemap (06 §8.1), if any. */
  deviceMap?(): ReadonlyMap<string, string> | undefined;
  /** Runs `fn` against the running node (Engine.act); throws when none runs. */
  act<T>(fn: (node: PortNode, nowMs: number) => T): T;
  isOnline(): boolean;
  /** Milliseconds now, for rate-limited logs. */
  nowMs(): number;
}

interface AppliedRoute extends WantedRoute {
  /** The kernel routes it stands for (a default route split in two). */
  kernel: KernelRoute[];
}

/**
 * A network's frames as the service sees them: in = delivered from the network to the TAP,
 * out = read from the TAP and accepted by the node, refused = read but refused by the node
 * (rules, unknown destination, multicast limits).
 */
export interface NetworkTraffic {
  framesInTotal: number;
  bytesInTotal: number;
  framesOutTotal: number;
  bytesOutTotal: number;
  framesRefusedTotal: number;
}

class Port {
  readonly nwid: bigint;
  readonly id: string;
  readonly tap: Tap;
  config: VirtualNetworkConfig;
  settings: NetworkSettings;
  whitelist: Array<IpPrefix | null>;
  /** The managed IPs as last synced (1.14.1's n.managedIps(), in memory only). */
  managedIps: IpPrefix[] = [];
  readonly routes = new Map<string, AppliedRoute>();
  groups: MulticastGroup[] = [];
  /** A bridge with the TAP as a port that carries the managed addresses and routes instead (issue #10). */
  upper: string | null = null;
  /** The device the managed addresses and routes are to leave at the next sync. */
  moveFrom: string | null = null;
  closed = false;
  wantIps = false;
  wantRoutes = false;
  running: Promise<void> | null = null;
  /** Reused for every frame read: the node reads it only during sendFrame. */
  readonly rx: VirtualFrame = { sourceMac: 0, destMac: 0, etherType: 0, vlanId: 0, data: new Uint8Array(0) };
  /** Frames delivered this wakeup, frame i at txSlab[i * txSlotBytes], written in one go. */
  readonly txSlab: Uint8Array;
  readonly txSlotBytes: number;
  readonly txLengths = new Uint32Array(TAP_WRITE_BATCH);
  txCount = 0;
  rxDropsTotal = 0;
  txDropsTotal = 0;
  /** Frames (and their payload bytes) between the TAP and the network, for metrics (plain increments). */
  readonly traffic: NetworkTraffic = { framesInTotal: 0, bytesInTotal: 0, framesOutTotal: 0, bytesOutTotal: 0, framesRefusedTotal: 0 };

  constructor(nwid: bigint, tap: Tap, config: VirtualNetworkConfig, conf: LocalConf) {
    this.nwid = nwid;
    this.id = hexPad(nwid, 16);
    this.tap = tap;
    this.config = config;
    this.settings = { ...conf.settings };
    this.whitelist = conf.managedWhitelist.map((s) => parsePrefix(s));
    this.txSlotBytes = Math.ceil((tap.maxMtu + ETHERNET_HEADER_BYTES) / 8) * 8;
    this.txSlab = new Uint8Array(TAP_WRITE_BATCH * this.txSlotBytes);
  }

  /** Where the managed addresses and routes go (06 §8.6–8.7): the TAP, or the bridge above it. */
  get addressDevice(): string {
    return this.upper ?? this.tap.name;
  }

  policy(): ManagedPolicy {
    return { allowManaged: this.settings.allowManaged, allowGlobal: this.settings.allowGlobal, allowDefault: this.settings.allowDefault, whitelist: this.whitelist };
  }
}

export class NetworkPorts {
  private readonly opts: NetworkPortsOptions;
  private readonly log: winston.Logger;
  private readonly ports = new Map<bigint, Port>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly limiter = new RateLimiter(10_000);

  constructor(opts: NetworkPortsOptions) {
    this.opts = opts;
    this.log = opts.log;
  }

  /** Starts the multicast scan (5 s) and the route refresh (30 s). */
  start(scanMs = MULTICAST_SCAN_INTERVAL_MS, routeMs = ROUTE_REFRESH_INTERVAL_MS): void {
    this.timers.push(setInterval(() => this.scanMulticast(), scanMs));
    this.timers.push(setInterval(() => this.refreshRoutes(), routeMs));
  }

  /** Stops the timers and closes every TAP (the kernel removes their addresses and routes). */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    this.closeAll();
  }

  closeAll(): void {
    for (const p of [...this.ports.values()]) this.remove(p, 'closed');
  }

  /** NodeHost.networkChanged: returns a port error (non-zero) when the TAP could not be made. */
  networkChanged(nwid: bigint, op: NetworkPortOp, config: VirtualNetworkConfig | null): number {
    try {
      if (op === 'down' || op === 'destroy') {
        const p = this.ports.get(nwid);
        if (p) this.remove(p, op === 'down' ? 'service stopping' : 'network left');
        return 0;
      }
      if (!config) return 0;
      let p = this.ports.get(nwid);
      if (!p) {
        // As 1.14.1: a network whose TAP failed on UP stays without one (PORT_ERROR).
        if (op !== 'up') return PORT_ERROR_TAP_FAILED;
        const made = this.create(nwid, config);
        if (!made) return PORT_ERROR_TAP_FAILED;
        p = made;
      }
      p.config = config;
      this.requestSync(p, true, true);
      this.setMtu(p, config.mtu);
      return 0;
    } catch (e) {
      // Never let the port edge take the node (or the daemon) down.
      this.log.error('network port failed', { nwid: hexPad(nwid, 16), op, error: (e as Error).message });
      return PORT_ERROR_TAP_FAILED;
    }
  }

  /** The settings in force for a network with a port (read at UP, changed by the API). */
  settings(nwid: bigint): NetworkSettings | undefined {
    const p = this.ports.get(nwid);
    return p && { ...p.settings };
  }

  /** POST /network changed the settings: managed addresses and routes re-synced (06 §5.7 step 4). */
  updateSettings(nwid: bigint, s: NetworkSettings): void {
    const p = this.ports.get(nwid);
    if (!p) return;
    p.settings = { ...s };
    this.requestSync(p, true, true);
  }

  /** The TAP's name (06 §5.6 portDeviceName); the first-choice name when there is no TAP. */
  deviceName(nwid: bigint): string {
    return this.ports.get(nwid)?.tap.name ?? tapNameForNetwork(nwid);
  }

  /**
   * Moves the network's managed addresses and routes to `dev` (a bridge that has the TAP as a
   * port, whose frames would otherwise never reach an address on the TAP), or back to the
   * TAP with null. No-op for a network without a port or when nothing changes.
   */
  setAddressDevice(nwid: bigint, dev: string | null): void {
    const p = this.ports.get(nwid);
    if (!p || p.upper === dev) return;
    p.moveFrom ??= p.addressDevice;
    p.upper = dev;
    this.log.info('managed addresses moved', { nwid: p.id, device: p.addressDevice });
    this.requestSync(p, true, true);
  }

  /** The TAP itself (tests, diagnostics). */
  tapOf(nwid: bigint): Tap | undefined {
    return this.ports.get(nwid)?.tap;
  }

  /** The groups the last scan found on the TAP, sorted (06 §8.8). */
  multicastSubscriptions(nwid: bigint): MulticastGroup[] {
    return (this.ports.get(nwid)?.groups ?? []).map((g) => ({ ...g }));
  }

  /** The managed IPs as last synced (tests, diagnostics). */
  managedIps(nwid: bigint): IpPrefix[] {
    return [...(this.ports.get(nwid)?.managedIps ?? [])];
  }

  /** The managed routes in place (tests, diagnostics): target, gateway, kernel routes. */
  managedRoutes(nwid: bigint): Array<{ target: string; via: string | null; kernel: string[] }> {
    const p = this.ports.get(nwid);
    if (!p) return [];
    return [...p.routes.values()].map((r) => ({ target: prefixToString(r.target), via: viaString(r.target, r.via), kernel: r.kernel.map((k) => prefixToString(k.target)) }));
  }

  /** Resolves when no sync is running or requested. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [...this.ports.values()].map((p) => p.running).filter((r): r is Promise<void> => r !== null);
      if (busy.length === 0) return;
      await Promise.all(busy);
    }
  }

  /** The frame counters of a network with a port (a live object: read, never written). */
  trafficOf(nwid: bigint): Readonly<NetworkTraffic> | undefined {
    return this.ports.get(nwid)?.traffic;
  }

  /**
   * NodeHost.deliverFrame: the frame, its 14-byte header rebuilt, is copied into the port's
   * write slab and reaches the TAP in a microtask with the rest of this wakeup's frames (at
   * once when the slab is full), in order.
   */
  deliverFrame(nwid: bigint, frame: VirtualFrame): void {
    const p = this.ports.get(nwid);
    if (!p) return;
    if (frame.data.length > p.tap.mtu) {
      p.txDropsTotal++;
      return;
    }
    if (p.txCount === 0) this.queueWrite(p);
    p.txLengths[p.txCount] = buildTapFrame(p.txSlab, frame, p.txCount * p.txSlotBytes);
    if (++p.txCount === TAP_WRITE_BATCH) this.writeQueued(p);
  }

  /** The node came online or went offline: default routes with a gateway wait for online. */
  onlineChanged(): void {
    for (const p of this.ports.values()) this.requestSync(p, false, true);
  }

  /** The 30 s route pass (re-adds managed routes someone removed). */
  refreshRoutes(): void {
    for (const p of this.ports.values()) this.requestSync(p, false, true);
  }

  /**
   * One multicast scan (06 §8.8, LinuxEthernetTap::scanMulticastGroups): the device's
   * link-layer groups with ADI 0, plus for every IP on it the address-resolution group —
   * IPv4: ff:ff:ff:ff:ff:ff with ADI = the address; IPv6: 33:33:ff + its last 3 bytes.
   * New groups are subscribed, vanished ones unsubscribed.
   */
  scanMulticast(): void {
    for (const p of this.ports.values()) {
      let now: MulticastGroup[];
      try {
        now = scanGroups(this.opts.host.multicastMacs(p.addressDevice), this.opts.host.addresses(p.addressDevice));
      } catch (e) {
        if (this.limiter.allow(`scan:${p.id}`, this.opts.nowMs())) this.log.warn('multicast scan failed', { nwid: p.id, device: p.tap.name, error: (e as Error).message });
        continue;
      }
      const { added, removed } = diffGroups(p.groups, now);
      p.groups = now;
      if (added.length === 0 && removed.length === 0) continue;
      try {
        this.opts.act((node, nowMs) => {
          for (const g of added) node.multicastSubscribe(nowMs, p.nwid, g.mac, g.adi);
          for (const g of removed) node.multicastUnsubscribe(nowMs, p.nwid, g.mac, g.adi);
        });
      } catch {
        // No node runs (identity replacement): the next scan after a new UP starts afresh.
      }
    }
  }

  // ---- internals ----------------------------------------------------------------------

  private create(nwid: bigint, config: VirtualNetworkConfig): Port | null {
    const id = hexPad(nwid, 16);
    let name = '';
    let tap: Tap;
    try {
      name = chooseTapName(nwid, (n) => this.opts.host.interfaceExists(n), this.opts.deviceMap?.());
      tap = this.opts.openTap({ name, mac: config.mac, mtu: clampMtu(config.mtu), up: true });
    } catch (e) {
      this.log.error('unable to configure virtual network port', { nwid: id, device: name, error: (e as Error).message });
      return null;
    }
    let conf: LocalConf;
    try {
      conf = this.opts.loadLocalConf(nwid);
    } catch (e) {
      this.log.warn('network settings unreadable; using the defaults', { nwid: id, error: (e as Error).message });
      conf = { settings: { allowManaged: true, allowGlobal: false, allowDefault: false, allowDNS: false }, managedWhitelist: [] };
    }
    const p = new Port(nwid, tap, config, conf);
    this.ports.set(nwid, p);
    tap.onError((err) => {
      // The device went away under us (e.g. `ip link del`): the network is PORT_ERROR from now.
      this.log.error('TAP read failed; the network has no working port', { nwid: id, device: tap.name, error: err.message });
      try {
        this.opts.act((node) => node.setPortError?.(nwid, PORT_ERROR_TAP_FAILED));
      } catch {
        // no node runs
      }
    });
    tap.onFrames((b) => this.onFrames(p, b));
    this.log.info('network port up', { nwid: id, device: tap.name, mac: formatMac(tap.mac), mtu: tap.mtu });
    return p;
  }

  private queuedWrites: Port[] = [];
  private readonly writeQueuedNow = (): void => {
    const ports = this.queuedWrites;
    this.queuedWrites = [];
    for (const p of ports) this.writeQueued(p);
  };

  /** One microtask per wakeup writes what the ports queued in it. */
  private queueWrite(p: Port): void {
    if (this.queuedWrites.length === 0) queueMicrotask(this.writeQueuedNow);
    if (!this.queuedWrites.includes(p)) this.queuedWrites.push(p);
  }

  private writeQueued(p: Port): void {
    const count = p.txCount;
    p.txCount = 0;
    if (count === 0 || p.closed) return;
    try {
      const written = p.tap.writeFrames(p.txSlab, p.txSlotBytes, p.txLengths, count);
      p.txDropsTotal += count - written;
      // the first `written` frames went in; each length counts the 14-byte header
      let bytes = 0;
      for (let i = 0; i < written; i++) bytes += p.txLengths[i] - ETHERNET_HEADER_BYTES;
      p.traffic.framesInTotal += written;
      p.traffic.bytesInTotal += bytes;
    } catch (e) {
      p.txDropsTotal += count;
      if (this.limiter.allow(`tx:${p.id}`, this.opts.nowMs())) this.log.warn('TAP write failed', { nwid: p.id, device: p.tap.name, error: (e as Error).message });
    }
  }

  private remove(p: Port, why: string): void {
    this.writeQueued(p); // what the node delivered before the port went away
    p.closed = true;
    this.ports.delete(p.nwid);
    try {
      p.tap.close();
    } catch (e) {
      this.log.warn('TAP close failed', { nwid: p.id, device: p.tap.name, error: (e as Error).message });
    }
    p.routes.clear();
    p.managedIps = [];
    this.log.info('network port removed', { nwid: p.id, device: p.tap.name, why });
  }

  private setMtu(p: Port, mtu: number): void {
    const m = clampMtu(mtu, p.tap.maxMtu);
    if (m === p.tap.mtu) return;
    try {
      p.tap.setMtu(m);
    } catch (e) {
      this.log.warn('unable to set the TAP MTU', { nwid: p.id, device: p.tap.name, mtu, error: (e as Error).message });
    }
  }

  private onFrames(p: Port, b: FrameBatch): void {
    const { slab } = b;
    const mtu = p.tap.mtu;
    try {
      this.opts.act((node, nowMs) => {
        for (let i = 0; i < b.count; i++) {
          if (!parseTapFrame(p.rx, slab, b.offset(i), b.length(i), mtu)) {
            p.rxDropsTotal++;
            continue;
          }
          if (node.sendFrame(nowMs, p.nwid, p.rx)) p.traffic.framesRefusedTotal++;
          else {
            p.traffic.framesOutTotal++;
            p.traffic.bytesOutTotal += p.rx.data.length;
          }
        }
      });
    } catch (e) {
      p.rxDropsTotal += b.count;
      if (this.limiter.allow(`rx:${p.id}`, this.opts.nowMs())) this.log.debug('frames from the TAP dropped', { nwid: p.id, device: p.tap.name, error: (e as Error).message });
    }
    p.rx.data = EMPTY; // the batch is the Tap's again after this callback
  }

  private requestSync(p: Port, ips: boolean, routes: boolean): void {
    if (p.closed) return;
    p.wantIps ||= ips;
    p.wantRoutes ||= routes;
    if (p.running) return;
    p.running = (async () => {
      try {
        while (!p.closed && (p.wantIps || p.wantRoutes)) {
          const doIps = p.wantIps;
          const doRoutes = p.wantRoutes;
          p.wantIps = p.wantRoutes = false;
          if (p.moveFrom !== null) await this.leaveDevice(p);
          if (doIps) await this.syncIps(p);
          if (doRoutes && !p.closed) await this.syncRoutes(p);
        }
      } catch (e) {
        if (!p.closed) this.log.error('managed address/route sync failed', { nwid: p.id, device: p.tap.name, error: (e as Error).message });
      } finally {
        p.running = null;
      }
    })();
  }

  /** The managed addresses and routes leave the device they were on (when it still exists). */
  private async leaveDevice(p: Port): Promise<void> {
    const from = p.moveFrom!;
    p.moveFrom = null;
    const ips = p.managedIps;
    const routes = [...p.routes.values()].flatMap((r) => r.kernel);
    p.managedIps = [];
    p.routes.clear();
    if (from === p.addressDevice || !this.opts.host.interfaceExists(from)) return;
    for (const k of routes) await this.opts.host.removeRoute(from, k).catch((e: Error) => this.log.warn('unable to remove managed route', { nwid: p.id, device: from, error: e.message }));
    for (const a of ips) await this.opts.host.removeAddress(from, a).catch((e: Error) => this.log.warn('unable to remove ip address', { nwid: p.id, device: from, error: e.message }));
  }

  /** 06 §8.6. */
  private async syncIps(p: Port): Promise<void> {
    const host = this.opts.host;
    const dev = p.addressDevice;
    const wanted = wantedAddresses(p.policy(), p.config.assignedAddresses);
    const ops = planAddresses(p.managedIps, wanted, host.addresses(dev));
    for (const op of ops) {
      if (p.closed) return;
      try {
        if (op.op === 'add') await host.addAddress(dev, op.address);
        else await host.removeAddress(dev, op.address);
        this.log.debug(op.op === 'add' ? 'managed address added' : 'managed address removed', { nwid: p.id, device: dev, address: prefixToString(op.address) });
      } catch (e) {
        if (!p.closed) this.log.error(`unable to ${op.op} ip address`, { nwid: p.id, device: dev, address: prefixToString(op.address), error: (e as Error).message });
      }
    }
    p.managedIps = wanted;
  }

  /** 06 §8.7. */
  private async syncRoutes(p: Port): Promise<void> {
    const host = this.opts.host;
    const dev = p.addressDevice;
    const plan = planRoutes({
      policy: p.policy(),
      routes: p.config.routes,
      assigned: p.config.assignedAddresses,
      tapIps: host.addresses(dev),
      managedIps: p.managedIps,
      online: this.opts.isOnline(),
    });
    const keep = new Map(plan.keep.map((r) => [prefixKey(r.target), r]));
    // Route objects no longer wanted, or whose gateway changed (1.14.1 keeps a stale object
    // until restart; we replace it), are removed with their kernel routes.
    for (const [key, r] of [...p.routes]) {
      const w = keep.get(key);
      if (w && sameVia(w.via, r.via)) continue;
      p.routes.delete(key);
      for (const k of r.kernel) await this.kernelRoute(p, 'remove', k);
    }
    for (const w of plan.keep) {
      const key = prefixKey(w.target);
      if (!p.routes.has(key)) p.routes.set(key, { ...w, kernel: splitDefault(w.target).map((t) => ({ target: t, via: w.via })) });
    }
    if (plan.sync.length === 0 || p.closed) return;
    let present: KernelRoute[];
    try {
      present = await host.routes(dev);
    } catch (e) {
      if (!p.closed) this.log.error('unable to read routes', { nwid: p.id, device: dev, error: (e as Error).message });
      return;
    }
    for (const w of plan.sync) {
      const r = p.routes.get(prefixKey(w.target));
      if (!r) continue;
      for (const k of r.kernel) {
        if (present.some((x) => samePrefix(networkOf(x.target), networkOf(k.target)) && sameVia(x.via, k.via))) continue;
        await this.kernelRoute(p, 'add', k);
      }
    }
  }

  private async kernelRoute(p: Port, op: 'add' | 'remove', k: KernelRoute): Promise<void> {
    if (p.closed) return; // the device is gone, and with it every route through it
    const dev = p.addressDevice;
    const fields = { nwid: p.id, device: dev, target: prefixToString(k.target), via: viaString(k.target, k.via) };
    try {
      if (op === 'add') await this.opts.host.addRoute(dev, k);
      else await this.opts.host.removeRoute(dev, k);
      this.log.debug(op === 'add' ? 'managed route added' : 'managed route removed', fields);
    } catch (e) {
      if (!p.closed) this.log.error(`unable to ${op} managed route`, { ...fields, error: (e as Error).message });
    }
  }
}

const EMPTY = new Uint8Array(0);

function viaString(target: IpPrefix, via: Uint8Array | null): string | null {
  return via ? ipToString({ family: target.family, ip: via, port: 0 }) : null;
}

function clampMtu(mtu: number, max = 10000): number {
  if (!Number.isInteger(mtu)) return 2800;
  return Math.max(MIN_TAP_MTU, Math.min(max, mtu));
}

function sameVia(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (!a || !b) return a === b;
  return sameIp({ family: a.length === 4 ? 4 : 6, ip: a, bits: 0 }, { family: b.length === 4 ? 4 : 6, ip: b, bits: 0 });
}

const BROADCAST_MAC = 0xffffffffffff;

/** The groups of one scan, sorted (MAC, then ADI) and de-duplicated. */
export function scanGroups(deviceMacs: readonly number[], ips: readonly IpPrefix[]): MulticastGroup[] {
  const groups: MulticastGroup[] = deviceMacs.map((mac) => ({ mac, adi: 0 }));
  for (const ip of sortUniquePrefixes(ips)) {
    if (ip.family === 4) groups.push({ mac: BROADCAST_MAC, adi: ((ip.ip[0] << 24) | (ip.ip[1] << 16) | (ip.ip[2] << 8) | ip.ip[3]) >>> 0 });
    else groups.push({ mac: 0x3333ff000000 + ((ip.ip[13] << 16) | (ip.ip[14] << 8) | ip.ip[15]), adi: 0 });
  }
  groups.sort((a, b) => a.mac - b.mac || a.adi - b.adi);
  return groups.filter((g, i) => i === 0 || g.mac !== groups[i - 1].mac || g.adi !== groups[i - 1].adi);
}

export function diffGroups(before: readonly MulticastGroup[], now: readonly MulticastGroup[]): { added: MulticastGroup[]; removed: MulticastGroup[] } {
  const key = (g: MulticastGroup): string => `${g.mac}/${g.adi}`;
  const had = new Set(before.map(key));
  const has = new Set(now.map(key));
  return { added: now.filter((g) => !had.has(key(g))), removed: before.filter((g) => !has.has(key(g))) };
}

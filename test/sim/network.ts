// SimNetwork: a deterministic simulated internet for UDP (STYLE §11, Tailscale natlab-like).
//
// Topology is a tree of sites. The root site is "internet"; every other site is a LAN
// behind a gateway (a NAT or firewall, nat.ts) whose uplink sits in the parent site, so
// double NAT (a home LAN behind a carrier NAT) is just a deeper tree. Hosts have interfaces
// (IPv4/IPv6 addresses) in sites and bind UDP sockets on them; SocketIds are unique in the
// network and start at 1 (0 and -1 mean "all sockets" to the core, 03 §1 / 06 §4.4).
//
// A datagram travels hop by hop on the virtual clock, and each gateway sees it when it
// really gets there (so a punch that reaches a NAT before the inside host's own outbound
// datagram is filtered, as on a real network):
//
//   host a ──access link── [site a-lan] ── gw(NAT a) ──uplink── [internet] ──uplink── gw(NAT b) ── [site b-lan] ──access link── host b
//             latency/loss     0 hops       1 hop     latency/loss  internetHops    latency/loss     1 hop          0 hops     latency/loss
//
// IP TTL: every gateway is one router hop and crossing the internet costs `internetHops`
// (default 1); a router drops a datagram whose TTL is ≤ 1 before forwarding (and a NAT
// creates no mapping for it). So a TTL-2 datagram from a NAT'd host opens its own NAT and
// dies in the internet, never reaching the far side (the NAT-opening junk of 03 §12.1).
//
// Everything a run does follows from its seed and the order of calls: loss draws come
// from one seeded stream, events run in (time, scheduling order).
import type { SocketId } from '../../src/node/host.js';
import { ConfigError } from '../../src/util/errors.js';
import { copyEndpoint, ipKey, parseIpOrThrow, sameIp, withPort } from './endpoint.js';
import type { InetAddress, IpAddress } from './endpoint.js';
import { Nat } from './nat.js';
import type { NatOptions } from './nat.js';
import type { CaptureListener, CaptureRecord, NetDropReason } from './capture.js';
import { SimClock } from './clock.js';
import { SeededRandom } from './seeded-random.js';

export const INTERNET = 'internet';
export const DEFAULT_TTL = 64;
const MAX_UDP_PAYLOAD_BYTES = 65_507;

export interface SimNetworkOptions {
  clock: SimClock;
  random: SeededRandom;
  /** Router hops to cross the internet site. Default 1. */
  internetHops?: number;
  /** TTL of datagrams sent without one. Default 64. */
  defaultTtl?: number;
  /** Access-link defaults for hosts that give none. Default 0 ms, no loss. */
  latencyMs?: number;
  loss?: number;
  /** Keep every record in `capture` (listeners are called either way). Default true. */
  isCaptureKept?: boolean;
}

export interface SiteOptions {
  /** Parent site; default the internet. */
  parent?: string;
  /** The gateway in front of the site. */
  gateway: Omit<NatOptions, 'random'>;
  /** One-way latency and loss of the uplink between the gateway and the parent site. Default 0. */
  latencyMs?: number;
  loss?: number;
}

export interface InterfaceOptions {
  ip: string;
  /** Default the internet. */
  site?: string;
}

export interface HostOptions {
  interfaces: InterfaceOptions[];
  /** One-way latency and loss of the host's access link (each direction). */
  latencyMs?: number;
  loss?: number;
}

/** What a host's sockets receive: (socket, source as seen after every NAT, the receiver's own copy). */
export type DatagramReceiver = (socket: SocketId, from: InetAddress, data: Uint8Array) => void;

interface Site {
  name: string;
  parent: Site | null;
  gateway: Nat | null;
  hops: number;
  uplinkLatencyMs: number;
  uplinkLoss: number;
  /** Interface IPs directly in this site. */
  local: Map<string, Iface>;
  /** IPs reachable through a child site's gateway. */
  down: Map<string, Site>;
}

interface Iface {
  host: NetHost;
  site: Site;
  addr: IpAddress;
  key: string;
  ports: Map<number, Socket>;
}

interface Socket {
  id: SocketId;
  host: NetHost;
  iface: Iface;
  port: number;
}

interface NetHost {
  name: string;
  ifaces: Iface[];
  sockets: Socket[];
  latencyMs: number;
  loss: number;
  isOnline: boolean;
  receiver: DatagramReceiver | null;
}

/** A datagram on its way. */
interface Transit {
  rec: CaptureRecord;
  src: InetAddress;
  dst: InetAddress;
  ttl: number;
}

export class SimNetwork {
  readonly clock: SimClock;
  /** Every finished datagram, in completion order (when isCaptureKept). */
  readonly capture: CaptureRecord[] = [];
  readonly defaultTtl: number;
  private readonly rng: SeededRandom;
  private readonly random: SeededRandom;
  private readonly sites = new Map<string, Site>();
  private readonly hosts = new Map<string, NetHost>();
  private readonly sockets = new Map<SocketId, Socket>();
  private readonly listeners = new Set<CaptureListener>();
  private readonly defaultLatencyMs: number;
  private readonly defaultLoss: number;
  private readonly isCaptureKept: boolean;
  private nextSocketId = 1;
  private seq = 0;

  constructor(opts: SimNetworkOptions) {
    this.clock = opts.clock;
    this.random = opts.random;
    this.rng = opts.random.fork('net');
    this.defaultTtl = opts.defaultTtl ?? DEFAULT_TTL;
    this.defaultLatencyMs = opts.latencyMs ?? 0;
    this.defaultLoss = opts.loss ?? 0;
    this.isCaptureKept = opts.isCaptureKept ?? true;
    this.sites.set(INTERNET, this.newSite(INTERNET, null, null, opts.internetHops ?? 1, 0, 0));
  }

  // ---- topology ----

  addSite(name: string, opts: SiteOptions): Nat {
    if (this.sites.has(name)) throw new ConfigError(`sim: site "${name}" already exists`);
    const parent = this.siteOf(opts.parent ?? INTERNET);
    const nat = new Nat({ ...opts.gateway, random: this.random.fork(`nat:${name}`) });
    this.sites.set(name, this.newSite(name, parent, nat, 0, opts.latencyMs ?? 0, opts.loss ?? 0));
    this.commit(() => this.sites.delete(name));
    return nat;
  }

  addHost(name: string, opts: HostOptions): void {
    if (this.hosts.has(name)) throw new ConfigError(`sim: host "${name}" already exists`);
    if (opts.interfaces.length === 0) throw new ConfigError(`sim: host "${name}" needs at least one interface`);
    const h: NetHost = {
      name,
      ifaces: [],
      sockets: [],
      latencyMs: opts.latencyMs ?? this.defaultLatencyMs,
      loss: opts.loss ?? this.defaultLoss,
      isOnline: true,
      receiver: null,
    };
    for (const o of opts.interfaces) {
      const addr = parseIpOrThrow(o.ip, `host "${name}" interface`);
      h.ifaces.push({ host: h, site: this.siteOf(o.site ?? INTERNET), addr, key: ipKey(addr), ports: new Map() });
    }
    this.hosts.set(name, h);
    this.commit(() => this.hosts.delete(name));
  }

  hostNames(): string[] {
    return [...this.hosts.keys()];
  }

  /** The gateway of a site (null for the internet). */
  gatewayOf(site: string): Nat | null {
    return this.siteOf(site).gateway;
  }

  /** The interface addresses of a host, in declaration order. */
  addressesOf(host: string): IpAddress[] {
    return this.hostOf(host).ifaces.map((i) => ({ family: i.addr.family, ip: i.addr.ip.slice() }));
  }

  /** The name of the site a host's interface sits in. */
  siteOfInterface(host: string, ifaceIndex = 0): string {
    return this.ifaceOf(host, ifaceIndex).site.name;
  }

  /** The IP the internet sees a host's interface at: the outermost NAT's address, or its own. */
  publicIpOf(host: string, ifaceIndex = 0): IpAddress {
    const i = this.ifaceOf(host, ifaceIndex);
    let ip: IpAddress = i.addr;
    for (let s: Site | null = i.site; s && s.parent; s = s.parent) if (s.gateway?.externalIp) ip = s.gateway.externalIp;
    return { family: ip.family, ip: ip.ip.slice() };
  }

  /** Moves a host's interface to another address and/or site (roaming); its sockets follow. */
  moveInterface(host: string, ifaceIndex: number, to: InterfaceOptions): void {
    const i = this.ifaceOf(host, ifaceIndex);
    const addr = parseIpOrThrow(to.ip, `host "${host}" new address`);
    if (addr.family !== i.addr.family) throw new ConfigError(`sim: host "${host}" cannot move an IPv${i.addr.family} interface to ${to.ip}`);
    const old = { addr: i.addr, key: i.key, site: i.site };
    i.site = to.site !== undefined ? this.siteOf(to.site) : i.site;
    i.addr = addr;
    i.key = ipKey(addr);
    this.commit(() => Object.assign(i, old));
  }

  /** The site's NAT gets a new public IP (all its mappings are lost). */
  setGatewayIp(site: string, ip: string): void {
    const g = this.siteOf(site).gateway;
    if (!g) throw new ConfigError(`sim: site "${site}" has no gateway`);
    const old = ipKey(g.externalIp!);
    g.setExternalIp(ip);
    this.commit(() => g.setExternalIp(old));
  }

  setOnline(host: string, isOnline: boolean): void {
    this.hostOf(host).isOnline = isOnline;
  }

  isOnline(host: string): boolean {
    return this.hostOf(host).isOnline;
  }

  /** Where a host's received datagrams go (one receiver per host). */
  setReceiver(host: string, receiver: DatagramReceiver | null): void {
    this.hostOf(host).receiver = receiver;
  }

  // ---- sockets ----

  /** Binds UDP `port` on the host's interface `ifaceIndex`; returns its SocketId. */
  bind(host: string, ifaceIndex: number, port: number): SocketId {
    const i = this.ifaceOf(host, ifaceIndex);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`sim: port must be 1-65535, got ${port}`);
    if (i.ports.has(port)) throw new ConfigError(`sim: host "${host}" already bound ${i.key}/${port}`);
    const s: Socket = { id: this.nextSocketId++, host: i.host, iface: i, port };
    i.ports.set(port, s);
    i.host.sockets.push(s);
    this.sockets.set(s.id, s);
    return s.id;
  }

  unbind(socket: SocketId): void {
    const s = this.sockets.get(socket);
    if (!s) return;
    this.sockets.delete(socket);
    s.iface.ports.delete(s.port);
    s.host.sockets = s.host.sockets.filter((x) => x !== s);
  }

  /** The host's bound sockets, in bind order. */
  socketsOf(host: string): SocketId[] {
    return this.hostOf(host).sockets.map((s) => s.id);
  }

  /** The local address a socket is bound to (follows interface moves), or null if unbound. */
  socketAddress(socket: SocketId): InetAddress | null {
    const s = this.sockets.get(socket);
    return s ? withPort(s.iface.addr, s.port) : null;
  }

  // ---- capture ----

  /** Calls `fn` for every finished datagram; returns the unsubscribe function. */
  onCapture(fn: CaptureListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- sending ----

  /**
   * Sends one datagram from a bound socket of `fromHost`. The data is copied (the caller
   * keeps its buffer). Returns false where a real sendto would fail: unknown or foreign
   * socket, family mismatch (IPv6 sockets fail for IPv4 destinations, 06 §4.4), port 0,
   * oversize, or the sender offline. Delivery, even with zero latency, happens in a later
   * clock event, never inside this call.
   */
  send(fromHost: string, socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): boolean {
    const s = this.sockets.get(socket);
    if (!s || s.host.name !== fromHost) return false;
    if (to.family !== s.iface.addr.family || to.port < 1 || to.port > 65535) return false;
    const now = this.clock.now;
    const t: Transit = {
      rec: {
        seq: ++this.seq,
        sentMs: now,
        atMs: now,
        fromHost,
        fromSocket: socket,
        src: withPort(s.iface.addr, s.port),
        dst: copyEndpoint(to),
        ttl: ttl ?? this.defaultTtl,
        data: data.slice(),
        outcome: 'in_flight',
        trace: [],
      },
      src: withPort(s.iface.addr, s.port),
      dst: copyEndpoint(to),
      ttl: ttl ?? this.defaultTtl,
    };
    if (!s.host.isOnline) return this.drop(t, 'host_offline', fromHost), false;
    if (data.length > MAX_UDP_PAYLOAD_BYTES) return this.drop(t, 'too_big', fromHost), false;
    const site = s.iface.site;
    if (this.rng.chance(s.host.loss)) {
      this.drop(t, 'loss', `${fromHost}:link`);
      return true;
    }
    this.clock.after(s.host.latencyMs, () => this.route(t, site));
    return true;
  }

  // ---- the hop-by-hop walk ----

  /** The datagram is inside `site`: deliver it to a host there, pass it down to a child site, or up. */
  private route(t: Transit, site: Site): void {
    t.rec.trace.push({ site: site.name, atMs: this.clock.now, src: copyEndpoint(t.src), dst: copyEndpoint(t.dst) });
    if (site.hops > 0) {
      if (t.ttl <= site.hops) return this.drop(t, 'ttl_expired', site.name);
      t.ttl -= site.hops;
    }
    const key = ipKey(t.dst);
    const iface = site.local.get(key);
    if (iface) {
      const h = iface.host;
      return this.link(t, h.latencyMs, h.loss, `${h.name}:link`, () => this.arrive(t, iface, key));
    }
    const child = site.down.get(key);
    if (child) return this.link(t, child.uplinkLatencyMs, child.uplinkLoss, `${child.name}:uplink`, () => this.inbound(t, child));
    if (site.parent && site.gateway) return this.outbound(t, site);
    this.drop(t, 'no_route', site.name);
  }

  /** Leaving `site` through its gateway toward the parent (or hairpinning back in). */
  private outbound(t: Transit, site: Site): void {
    const gw = site.gateway!;
    const where = `${site.name}:gw`;
    if (!this.routerHop(t, where)) return;
    if (!gw.handlesFamily(t.dst.family)) return this.drop(t, 'no_route', where);
    const now = this.clock.now;
    if (gw.externalIp && sameIp(t.dst, gw.externalIp)) {
      if (!gw.isHairpinEnabled) return this.drop(t, 'no_hairpin', where);
      const out = gw.outbound(t.src, t.dst, now);
      if (typeof out === 'string') return this.drop(t, out, where);
      const back = gw.inbound(out, t.dst, now);
      if (typeof back === 'string') return this.drop(t, back, where);
      t.src = out;
      t.dst = back;
      return this.route(t, site);
    }
    const out = gw.outbound(t.src, t.dst, now);
    if (typeof out === 'string') return this.drop(t, out, where);
    t.src = out;
    const parent = site.parent!;
    this.link(t, site.uplinkLatencyMs, site.uplinkLoss, `${site.name}:uplink`, () => this.route(t, parent));
  }

  /** Entering `site` from its parent through its gateway. */
  private inbound(t: Transit, site: Site): void {
    const where = `${site.name}:gw`;
    if (!this.routerHop(t, where)) return;
    const back = site.gateway!.inbound(t.src, t.dst, this.clock.now);
    if (typeof back === 'string') return this.drop(t, back, where);
    t.dst = back;
    this.route(t, site);
  }

  private arrive(t: Transit, iface: Iface, key: string): void {
    const h = iface.host;
    t.rec.toHost = h.name;
    // The interface may have moved while the datagram was on the access link.
    if (iface.key !== key) return this.drop(t, 'no_route', `${h.name}:link`);
    if (!h.isOnline) return this.drop(t, 'host_offline', h.name);
    const s = iface.ports.get(t.dst.port);
    if (!s) return this.drop(t, 'port_unreachable', h.name);
    const r = t.rec;
    r.toSocket = s.id;
    r.seenFrom = copyEndpoint(t.src);
    r.outcome = 'delivered';
    this.finish(r);
    h.receiver?.(s.id, copyEndpoint(t.src), r.data.slice());
  }

  /** A router forwards only datagrams with TTL > 1 (and decrements it). */
  private routerHop(t: Transit, where: string): boolean {
    if (t.ttl <= 1) {
      this.drop(t, 'ttl_expired', where);
      return false;
    }
    t.ttl--;
    return true;
  }

  /** Crosses one link: maybe lost (seeded), else `next` after the latency (at once if 0). */
  private link(t: Transit, latencyMs: number, loss: number, where: string, next: () => void): void {
    if (this.rng.chance(loss)) return this.drop(t, 'loss', where);
    if (latencyMs > 0) this.clock.after(latencyMs, next);
    else next();
  }

  private drop(t: Transit, reason: NetDropReason, where: string): void {
    t.rec.outcome = 'dropped';
    t.rec.reason = reason;
    t.rec.where = where;
    this.finish(t.rec);
  }

  private finish(r: CaptureRecord): void {
    r.atMs = this.clock.now;
    if (this.isCaptureKept) this.capture.push(r);
    for (const fn of this.listeners) fn(r);
  }

  // ---- tables ----

  private newSite(name: string, parent: Site | null, gateway: Nat | null, hops: number, latencyMs: number, loss: number): Site {
    return { name, parent, gateway, hops, uplinkLatencyMs: latencyMs, uplinkLoss: loss, local: new Map(), down: new Map() };
  }

  private siteOf(name: string): Site {
    const s = this.sites.get(name);
    if (!s) throw new ConfigError(`sim: unknown site "${name}"`);
    return s;
  }

  private hostOf(name: string): NetHost {
    const h = this.hosts.get(name);
    if (!h) throw new ConfigError(`sim: unknown host "${name}"`);
    return h;
  }

  private ifaceOf(host: string, index: number): Iface {
    const i = this.hostOf(host).ifaces[index];
    if (!i) throw new ConfigError(`sim: host "${host}" has no interface ${index}`);
    return i;
  }

  /** IPs by which the parent reaches into `site`: a NAT's public IP, or (firewall) everything inside. */
  private visibleIps(site: Site): string[] {
    if (site.gateway?.externalIp) return [ipKey(site.gateway.externalIp)];
    const out = [...site.local.keys()];
    for (const c of this.sites.values()) if (c.parent === site) out.push(...this.visibleIps(c));
    return out;
  }

  /** Applies a topology change: rebuilds the tables, or undoes the change if an address clashes. */
  private commit(undo: () => void): void {
    try {
      this.reindex();
    } catch (e) {
      undo();
      this.reindex();
      throw e;
    }
  }

  /** Rebuilds the per-site address tables; a clash is a config error. */
  private reindex(): void {
    for (const s of this.sites.values()) {
      s.local.clear();
      s.down.clear();
    }
    for (const h of this.hosts.values()) {
      for (const i of h.ifaces) {
        const other = i.site.local.get(i.key);
        if (other) throw new ConfigError(`sim: ${i.key} is used twice in site "${i.site.name}" (hosts "${other.host.name}" and "${h.name}")`);
        i.site.local.set(i.key, i);
      }
    }
    // Children before parents is not needed: visibleIps reads only `local` tables, filled above.
    for (const c of this.sites.values()) {
      if (!c.parent) continue;
      for (const k of this.visibleIps(c)) {
        if (c.parent.local.has(k) || c.parent.down.has(k)) throw new ConfigError(`sim: ${k} is used twice in site "${c.parent.name}" (site "${c.name}")`);
        c.parent.down.set(k, c);
      }
    }
  }
}

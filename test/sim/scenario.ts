// simNet(): builds a whole simulated topology from one description and registers its
// teardown, like hyperdht's createTestnet (STYLE §11). Node construction stays outside:
// pass a factory `(host) => node` (the real core or a toy), for all hosts or per host.
//
//   simNet({ seed: 1, latencyMs: 10, node: (h) => makeNode(h), t, hosts: [
//     { name: 'root', public: '203.0.113.1' },
//     { name: 'a', lan: '10.1.0.2', nat: 'port-restricted', natPublic: '198.51.100.1' },
//     { name: 'b', lan: '10.2.0.2', nat: 'symmetric', natPublic: '198.51.100.2' },
//   ] })
//
//          [internet] 203.0.113.1 root
//          /                      \
//   NAT 198.51.100.1         NAT 198.51.100.2
//     [a-lan] 10.1.0.2 a        [b-lan] 10.2.0.2 b
//
// Note for ZeroTier tests: 03 §5.2 classifies 192.0.2/24, 198.51.100/24 and 203.0.113/24 as
// PRIVATE scope, like 10/8. A test that needs GLOBAL-scope addresses (e.g. 06 §4.4's
// "direct receive from a global address") can use any other public-looking address: the
// sim never sends real traffic.
import { ConfigError } from '../../src/util/errors.js';
import { SimClock } from './clock.js';
import { formatRecord } from './capture.js';
import type { CaptureRecord } from './capture.js';
import { ipKey } from './endpoint.js';
import type { FirewallType, NatOptions, NatType, PortAllocation } from './nat.js';
import { INTERNET, SimNetwork } from './network.js';
import type { InterfaceOptions } from './network.js';
import { SeededRandom } from './seeded-random.js';
import { SimHost } from './sim-host.js';
import type { SimHostOptions, SimNode } from './sim-host.js';

export type NodeFactory = (host: SimHost) => SimNode;

/** Gateway settings shared by host and site specs. */
export interface GatewaySpec {
  nat?: NatType;
  /** The NAT's public IP (required with `nat`). */
  natPublic?: string;
  firewall?: FirewallType;
  mappingTimeoutMs?: number;
  portAllocation?: PortAllocation;
  isHairpinEnabled?: boolean;
  isRefreshedByInbound?: boolean;
}

export interface SiteSpec extends GatewaySpec {
  name: string;
  /** Default the internet; name another site for double NAT. */
  parent?: string;
  /** Uplink between the gateway and the parent. Default 0 ms, no loss. */
  latencyMs?: number;
  loss?: number;
}

export interface HostSpec extends GatewaySpec {
  name: string;
  /** Addresses directly on the internet (behind `firewall` if given). */
  public?: string | string[];
  /** Address in a private LAN: `site`, or else a LAN of its own ("<name>-lan") behind `nat`. */
  lan?: string;
  site?: string;
  /** UDP ports bound on each interface (default: the scenario's, else [9993]). */
  ports?: number[];
  /** Access link, each direction (default: the scenario's). */
  latencyMs?: number;
  loss?: number;
  /** This host's node (overrides the scenario's factory); null = none attached. */
  node?: NodeFactory | null;
  pathCheck?: SimHostOptions['pathCheck'];
  pathHint?: SimHostOptions['pathHint'];
}

export interface SimNetOptions {
  seed: number | string;
  hosts: HostSpec[];
  sites?: SiteSpec[];
  /** Default access-link latency per host, one way (a public↔public datagram takes 2×). */
  latencyMs?: number;
  /** Default access-link loss per host (applied on both ends of a path). */
  loss?: number;
  internetHops?: number;
  defaultTtl?: number;
  ports?: number[];
  /** Virtual wall clock at start (ZeroTier times are wall-clock ms). Default 1 700 000 000 000. */
  startMs?: number;
  /** Attached to every host whose spec does not say otherwise. */
  node?: NodeFactory;
  /** A node:test context (or anything with after()): destroy() is registered there. */
  t?: { after(fn: () => void): unknown };
  isCaptureKept?: boolean;
}

export interface SimNet {
  readonly clock: SimClock;
  readonly net: SimNetwork;
  readonly random: SeededRandom;
  readonly hosts: Readonly<Record<string, SimHost>>;
  readonly now: number;
  readonly capture: readonly CaptureRecord[];
  host(name: string): SimHost;
  /** The node attached to a host (throws if none). */
  node<T extends SimNode = SimNode>(name: string): T;
  /** Attaches a node built by `factory` to the host (first tick at the current time). */
  start(name: string, factory: NodeFactory): SimNode;
  /** Detaches the host's node and starts a new one (it can read host.savedState()). */
  restart(name: string, factory: NodeFactory): SimNode;
  /** The IP the internet sees the host at, as text. */
  publicIp(name: string): string;
  run(untilMs: number): void;
  runFor(ms: number): void;
  runUntil(predicate: () => boolean, timeoutMs: number): boolean;
  /** The capture log, one formatted line per datagram. */
  log(): string[];
  destroy(): void;
}

export const DEFAULT_START_MS = 1_700_000_000_000;

function gatewayOptions(g: GatewaySpec, what: string): Omit<NatOptions, 'random'> | null {
  if (g.nat && g.firewall) throw new ConfigError(`sim: ${what}: give nat or firewall, not both`);
  if (g.nat && !g.natPublic) throw new ConfigError(`sim: ${what}: nat "${g.nat}" needs natPublic`);
  const type = g.nat ?? g.firewall;
  if (!type) return null;
  return {
    type,
    externalIp: g.nat ? g.natPublic : undefined,
    mappingTimeoutMs: g.mappingTimeoutMs,
    portAllocation: g.portAllocation,
    isHairpinEnabled: g.isHairpinEnabled,
    isRefreshedByInbound: g.isRefreshedByInbound,
  };
}

/** Declares the host's sites (own LAN, own firewall) and returns its interfaces. */
function interfacesOf(net: SimNetwork, h: HostSpec): InterfaceOptions[] {
  const out: InterfaceOptions[] = [];
  const what = `host "${h.name}"`;
  const gw = gatewayOptions(h, what);
  if (h.nat && !h.lan) throw new ConfigError(`sim: ${what}: nat needs a lan address (use firewall in front of a public one)`);
  if (h.firewall && !h.public) throw new ConfigError(`sim: ${what}: firewall needs a public address`);
  if (h.lan) {
    let site = h.site;
    if (site && gw) throw new ConfigError(`sim: ${what}: shared site "${site}" has its gateway declared in sites`);
    if (!site) {
      if (!h.nat) throw new ConfigError(`sim: ${what}: a lan address needs nat (or a shared site)`);
      site = `${h.name}-lan`;
      net.addSite(site, { gateway: gw! });
    }
    out.push({ ip: h.lan, site });
  }
  const publics = h.public === undefined ? [] : Array.isArray(h.public) ? h.public : [h.public];
  if (publics.length > 0) {
    let site = INTERNET;
    if (h.firewall) {
      site = `${h.name}-fw`;
      net.addSite(site, { gateway: gw! });
    }
    for (const ip of publics) out.push({ ip, site });
  }
  if (out.length === 0) throw new ConfigError(`sim: ${what} needs a public or lan address`);
  return out;
}

export function simNet(opts: SimNetOptions): SimNet {
  const random = new SeededRandom(opts.seed);
  const clock = new SimClock(opts.startMs ?? DEFAULT_START_MS);
  const net = new SimNetwork({
    clock,
    random,
    internetHops: opts.internetHops,
    defaultTtl: opts.defaultTtl,
    latencyMs: opts.latencyMs,
    loss: opts.loss,
    isCaptureKept: opts.isCaptureKept,
  });
  for (const s of opts.sites ?? []) {
    const gw = gatewayOptions(s, `site "${s.name}"`);
    if (!gw) throw new ConfigError(`sim: site "${s.name}" needs nat or firewall`);
    net.addSite(s.name, { parent: s.parent, gateway: gw, latencyMs: s.latencyMs, loss: s.loss });
  }
  const hosts: Record<string, SimHost> = {};
  const nodes = new Map<string, SimNode>();
  for (const h of opts.hosts) {
    net.addHost(h.name, { interfaces: interfacesOf(net, h), latencyMs: h.latencyMs, loss: h.loss });
    hosts[h.name] = new SimHost({
      name: h.name,
      net,
      random: random.fork(`host:${h.name}`),
      ports: h.ports ?? opts.ports,
      pathCheck: h.pathCheck,
      pathHint: h.pathHint,
    });
  }
  const host = (name: string): SimHost => {
    const h = hosts[name];
    if (!h) throw new ConfigError(`sim: unknown host "${name}"`);
    return h;
  };
  const start = (name: string, factory: NodeFactory): SimNode => {
    const h = host(name);
    const n = factory(h);
    nodes.set(name, n);
    h.attach(n);
    return n;
  };
  let isDestroyed = false;
  const sim: SimNet = {
    clock,
    net,
    random,
    hosts,
    get now() {
      return clock.now;
    },
    get capture() {
      return net.capture;
    },
    host,
    node<T extends SimNode = SimNode>(name: string): T {
      const n = nodes.get(name);
      if (!n) throw new ConfigError(`sim: host "${name}" has no node`);
      return n as T;
    },
    start,
    restart(name, factory) {
      host(name).detach();
      nodes.delete(name);
      return start(name, factory);
    },
    publicIp: (name) => ipKey(net.publicIpOf(name)),
    run: (untilMs) => clock.run(untilMs),
    runFor: (ms) => clock.runFor(ms),
    runUntil: (predicate, timeoutMs) => clock.runUntil(predicate, timeoutMs),
    log: () => net.capture.map(formatRecord),
    destroy() {
      if (isDestroyed) return;
      isDestroyed = true;
      for (const h of Object.values(hosts)) h.detach();
      nodes.clear();
      clock.clear();
    },
  };
  for (const h of opts.hosts) {
    const factory = h.node === undefined ? opts.node : h.node;
    if (factory) start(h.name, factory);
  }
  opts.t?.after(() => sim.destroy());
  return sim;
}

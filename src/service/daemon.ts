// The daemon: wires the engine to its edges — the home directory, the UDP binder, logs,
// the peer-cache sweep and the local API — and restarts the engine with a new identity
// after a collision. Each of those lives in its own module; this file only composes them.
import type winston from 'winston';
import { secureRandomBytes, secureRandomFill, secureRandomInt } from '../crypto/random.js';
import { addressToString } from '../protocol/address.js';
import { inetAddressToString, parseInetAddress, type InetAddress } from '../protocol/inet-address.js';
import type { Identity } from '../protocol/identity.js';
import type { NodeEvent } from '../node/host.js';
import { ConfigError, StateError } from '../util/errors.js';
import { ALL_SOCKETS } from '../util/socket-id.js';
import { UdpBinder } from '../net/udp-binder.js';
import { chooseSecondaryPort } from '../net/ports.js';
import { HomeDir, lockHome, PID_FILE, PORT_FILE, writeFileAtomic } from './home.js';
import { readIdentity, retireIdentity, writeIdentity } from './identity-files.js';
import { generateIdentityInWorker } from './identity-worker.js';
import { Engine } from './engine.js';
import { enableNativeCrypto } from '../crypto/native-loader.js';
import { findUdpAddon } from '../net/udp/native-udp.js';
import { systemClock, type Clock } from './clock.js';
import { NodeEventLog } from './node-event-log.js';
import { sweepPeerCache, PEER_CACHE_SWEEP_INTERVAL_MS } from './peer-cache-sweep.js';
import { NO_SAFETY, type SafetyPolicy } from './safety.js';
import { loadOrCreateAuthToken, loadOrCreateMetricsToken } from './authtoken.js';
import { MetricsSampler, METRICS_FILE, METRICS_SAMPLE_INTERVAL_MS } from './metrics/metrics-sampler.js';
import type { IpPrefix } from '../net/ip/prefix.js';
import type { MetricsInput } from './metrics/node-metrics.js';

type MetricsSnapshotInput = Omit<MetricsInput, 'latency'>;
import { EngineLocalService, type NetworkPort } from './local-service.js';
import { NetworkLocalConfStore } from './network-local-conf.js';
import { NodeNetworkPort } from './node-network-port.js';
import { NetworkChangeLog } from './network-change-log.js';
import { ControllerHost, CONTROLLER_DB_DIR } from './controller-host.js';
import type { ControllerStore } from '../controller/store.js';
import { LocalApiServer, type LocalApiServerOptions } from './local-api/server.js';
import { NetworkPorts } from './network-ports.js';
import { LinuxTap } from '../net/tap/linux-tap.js';
import type { Tap, TapOptions } from '../net/tap/tap.js';
import { parseDeviceMap } from '../net/tap/names.js';
import type { HostNet } from '../net/ip/host-net.js';
import { LinuxHostNet } from '../net/ip/linux-host-net.js';
import { MemoryHostNet, memoryTapOpener } from '../net/ip/memory-host-net.js';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { ApiResponse } from './local-api/service-port.js';
import { DEFAULT_TCP_FALLBACK_RELAY, TcpFallback } from './tcp-fallback.js';
import { emptyLocalConf, LOCAL_CONF_FILE, type LocalConf } from './local-conf/local-conf.js';
import { LocalConfFile, LOCAL_CONF_CHECK_INTERVAL_MS } from './local-conf/local-conf-file.js';
import { PathPolicy } from './local-conf/path-policy.js';
import { reloadableOptions, resolveOptions, type ConfigurableOptions, type ResolvedOptions } from './local-conf/daemon-settings.js';
import { LocalConfError } from './startup-errors.js';
import { checkTapAccess } from './tap-preflight.js';
import { PortInUseError } from '../util/errors.js';
import { DockerPluginHost } from './docker-plugin-host.js';
import { CniHost, type CniPorts } from './cni-host.js';
import { LinuxContainerLinks } from '../net/ip/linux-container-links.js';

const BINDER_REFRESH_MS = 30_000;

/** Remote management needs a listener off loopback: every interface, filtered per request (auth.ts). */
function apiHosts(conf: LocalConf): string[] | undefined {
  return conf.allowManagementFrom.length > 0 ? ['0.0.0.0', '::'] : undefined;
}
/** 1.14.1's controller checks SSO expiries every 0.5 s. */
const CONTROLLER_TICK_MS = 500;

/**
 * What the command line gives. A setting local.conf can also give is undefined when the flag
 * was not used; local-conf/daemon-settings.ts says which wins.
 */
export interface DaemonOptions extends ConfigurableOptions {
  home: string;
  /** Addresses kept in contact like network anchors (03 §6.1). */
  contact?: number[];
  log: winston.Logger;
  /** Resolved by the CLI (ZTKUBE_SAFETY); the daemon never reads the environment. */
  safety?: SafetyPolicy;
  clock?: Clock;
  /**
   * 'linux' (default): real TAPs, addresses and routes through iproute2. 'memory' (--no-taps):
   * in-memory ports with no OS device, for tests in the host's namespace and API-only nodes.
   */
  taps?: 'linux' | 'memory';
  /** Batched native UDP sockets when the addon is built (default); false: node:dgram. */
  nativeUdp?: boolean;
  /**
   * TAPs with IFF_VNET_HDR and TCP segmentation offload (default): the kernel hands over
   * TCP super-frames, which the TAP addon cuts into network-MTU frames (issue #8). false:
   * plain TAPs, the kernel segments.
   */
  tapOffload?: boolean;
  /** Overrides both (unit tests). */
  openTap?(o: TapOptions): Tap;
  hostNet?: HostNet;
  /** Serve the Docker network and IPAM plugin on this Unix socket (issue #10). */
  dockerPluginSocket?: string;
  /** Serve the CNI plugin on this Unix socket (issue #12). */
  cniSocket?: string;
  /** The agent's Kubernetes-fed catalog, pod annotations and readiness; absent: the net config's tables (daemon --cni). */
  cniPorts?: CniPorts;
  /** Where the embedded controller keeps its records instead of controller.d (the operator: Kubernetes). */
  controllerStore?: ControllerStore;
}

export class Daemon {
  /** The options in force: the command line's with local.conf applied (reloadable keys change at a reload). */
  private opts: ResolvedOptions<DaemonOptions>;
  /** As the command line gave them, for the precedence at each reload. */
  private readonly flags: DaemonOptions;
  private readonly localConf: LocalConfFile;
  private pathPolicy = new PathPolicy({ physicalBlacklist: [], virtual: new Map() });
  private allowManagementFrom: IpPrefix[] = [];
  /** How the API server was made, to make it anew when allowManagementFrom changes its listeners. */
  private apiOptions: LocalApiServerOptions | null = null;
  /** controller.d, or local.conf's controllerDbPath as read at start (it is not reloaded). */
  private controllerDir = '';
  /** local.conf keys already reported as ignored or unknown (once each per run). */
  private readonly reportedKeys = new Set<string>();
  private readonly home: HomeDir;
  private readonly log: winston.Logger;
  private readonly clock: Clock;
  private readonly engine: Engine;
  private readonly events: NodeEventLog;
  private binder: UdpBinder | null = null;
  private api: LocalApiServer | null = null;
  private docker: DockerPluginHost | null = null;
  private cni: CniHost | null = null;
  private readonly networks: NetworkPort;
  /** The networks' TAPs, managed addresses and routes (06 §8). */
  readonly netPorts: NetworkPorts;
  /** The embedded controller for networks <our address>xxxxxx (05 §1.1). */
  private controller: ControllerHost | null = null;
  private boundPorts: number[] = [];
  /** UDP payload bytes both ways (zt_data): one addition per datagram at this edge. */
  private readonly udpBytes = { bytesInTotal: 0, bytesOutTotal: 0 };
  private readonly metrics: MetricsSampler;
  private readonly intervals: NodeJS.Timeout[] = [];
  private isStopped = false;
  private releaseHome: (() => void) | null = null;
  /** UDP sends and receipts pass through it: it tunnels through a TCP relay when UDP is blocked. */
  private readonly tcpFallback: TcpFallback;

  constructor(opts: DaemonOptions) {
    this.flags = opts;
    this.opts = resolveOptions(opts, emptyLocalConf());
    this.home = new HomeDir(opts.home);
    this.localConf = new LocalConfFile(this.home.path(LOCAL_CONF_FILE));
    this.log = opts.log.child({ component: 'daemon' });
    this.clock = opts.clock ?? systemClock;
    this.events = new NodeEventLog(opts.log, () => this.clock.now());
    const networkLog = new NetworkChangeLog(opts.log.child({ component: 'network' }));
    // Native packet ciphers for every peer derived from here on, when built (issue #8).
    try {
      this.log.debug(`native packet crypto ${enableNativeCrypto() ? 'on' : 'off'}`);
    } catch (e) {
      this.log.warn(`native packet crypto off: ${(e as Error).message}`);
    }
    this.tcpFallback = new TcpFallback({
      isAllowed: this.opts.allowTcpFallbackRelay,
      isForced: this.opts.forceTcpRelay,
      relay: parseRelay(this.opts.tcpFallbackRelay),
      clock: this.clock,
      log: opts.log.child({ component: 'tcp-fallback' }),
      sendUdp: (socket, to, data, ttl) => {
        const bytes = data.length; // read before the binder owns the buffer
        const isSent = this.binder?.send(socket, to, data, ttl) ?? false;
        if (isSent) this.udpBytes.bytesOutTotal += bytes;
        return isSent;
      },
      // 1.14.1 hands tunnelled packets to the core with local socket -1.
      onTunnelPacket: (from, packet) => this.engine.onDatagram(ALL_SOCKETS, from, packet),
      isDestinationAllowed: opts.safety?.isDestinationAllowed,
    });
    this.engine = new Engine({
      clock: this.clock,
      transport: {
        send: (socket, to, data, ttl) => this.tcpFallback.send(socket, to, data, ttl),
        localAddresses: () => this.binder?.bound().map((b) => b.local) ?? [],
      },
      putState: (kind, id, data) => {
        try {
          this.home.putState(kind, id, data);
        } catch (e) {
          this.log.error('state write failed', { kind, id, error: (e as Error).message });
        }
      },
      onEvent: (e) => this.onEvent(e),
      networkChanged: (nwid, op, config) => {
        networkLog.handle(nwid, op, config);
        return this.netPorts.networkChanged(nwid, op, config);
      },
      deliverFrame: (nwid, frame) => this.netPorts.deliverFrame(nwid, frame),
      random: secureRandomFill,
      contact: opts.contact,
      pathCheck: (address, _socket, remote) => this.pathPolicy.isAllowed(address, remote),
      pathHint: (address) => this.pathPolicy.hint(address, secureRandomInt),
    });
    this.networks = new NodeNetworkPort(this.engine);
    const localConfs = new NetworkLocalConfStore(this.home.dir);
    const deviceMapPath = this.home.path('devicemap');
    const memory = opts.taps === 'memory' ? new MemoryHostNet() : null;
    this.netPorts = new NetworkPorts({
      log: opts.log.child({ component: 'port' }),
      host: opts.hostNet ?? memory ?? new LinuxHostNet(),
      openTap: opts.openTap ?? (memory ? memoryTapOpener(memory) : (o) => LinuxTap.open({ ...o, offload: opts.tapOffload ?? true })),
      loadLocalConf: (nwid) => localConfs.load(nwid),
      deviceMap: () => (existsSync(deviceMapPath) ? parseDeviceMap(readFileSync(deviceMapPath, 'utf8')) : undefined),
      act: (fn) => this.engine.act(fn),
      isOnline: () => this.engine.isRunning && this.engine.node.isOnline,
      nowMs: () => this.clock.now(),
    });
    this.metrics = new MetricsSampler({
      gather: () => this.gatherMetrics(),
      filePath: this.home.path(METRICS_FILE),
      log: opts.log.child({ component: 'metrics' }),
      nowMs: () => this.clock.now(),
    });
  }

  /** What /metrics and metrics.prom report, from the running node and the edges (null while none runs). */
  private gatherMetrics(): MetricsSnapshotInput | null {
    if (!this.engine.isRunning) return null;
    const node = this.engine.node;
    const nowMs = this.engine.now();
    return {
      nowMs,
      status: node.status(),
      peers: node.peerInfo(nowMs),
      networks: node.networks().map((c) => ({ nwid: c.nwid, status: c.status, multicastGroups: c.multicastSubscriptions.length, traffic: this.netPorts.trafficOf(c.nwid) })),
      udp: this.udpBytes,
      tcp: this.tcpFallback.bytes,
      controller: this.controller?.metricsSnapshot(),
    };
  }

  /**
   * Checks and locks the home, loads or makes the identity, binds the ports and starts the
   * node. On any failure what was taken is given back (lock, sockets) and the error
   * propagates: a busy primary port is a PortInUseError, as zerotier-one refuses to start.
   */
  async start(): Promise<void> {
    this.home.ensure();
    this.releaseHome = lockHome(this.home.dir);
    try {
      await this.startLocked();
    } catch (e) {
      await this.docker?.stop();
      this.docker = null;
      await this.api?.stop();
      this.api = null;
      this.binder?.close();
      this.binder = null;
      this.engine.suspend();
      this.tcpFallback.stop();
      this.netPorts.stop();
      this.releaseHome();
      this.releaseHome = null;
      throw e;
    }
  }

  private async startLocked(): Promise<void> {
    const safety = this.opts.safety ?? NO_SAFETY;
    const conf = this.loadLocalConf();
    // Before anything is made: without a way to make TAPs every join would fail later.
    if ((this.opts.taps ?? 'linux') === 'linux' && !this.opts.openTap) checkTapAccess();
    const identity = await this.loadOrCreateIdentity();
    const saved = this.home.loadSaved();
    if (!saved.planet) {
      if (!safety.isPublicPlanetAllowed) throw new StateError(`${this.home.path('planet')}: missing, and ${safety.origin} forbids the public planet`);
      this.log.warn('no planet file: using the public ZeroTier planet', { home: this.opts.home });
    }
    const token = loadOrCreateAuthToken(this.home.dir, secureRandomBytes);
    const metricsToken = loadOrCreateMetricsToken(this.home.dir, secureRandomBytes);
    if (this.opts.port === 0) this.opts = { ...this.opts, port: await this.randomPrimaryPort() };
    this.boundPorts = await this.ports();
    const binder = (this.binder = new UdpBinder({
      ports: this.boundPorts,
      bind: this.opts.bind,
      interfacePrefixBlacklist: conf.interfacePrefixBlacklist,
      physicalBlacklist: conf.physicalBlacklist,
      onDatagram: (socket, from, data) => {
        this.udpBytes.bytesInTotal += data.length;
        if (this.tcpFallback.onUdpDatagram(from, data)) this.engine.onDatagram(socket, from, data);
      },
      onError: (e, where) => this.log.error('udp error', { where, error: e.message }),
      isDestinationAllowed: safety.isDestinationAllowed,
      // Batched native sockets (recvmmsg/sendmmsg) when the addon is built, unless turned off.
      nativeUdp: (this.opts.nativeUdp ?? true) && findUdpAddon() !== null,
    }));
    await binder.refresh();
    this.netPorts.start();
    // The controller's records are loaded before the node runs: its first pass already asks
    // for our own networks' configs, and members may ask as soon as the node answers.
    const controller = await this.openController(identity);
    this.engine.start(identity, saved, controller.port);
    this.tcpFallback.start();
    this.apiOptions = {
      port: this.opts.port,
      tokens: { auth: token, metrics: metricsToken },
      service: this.localService(),
      nowMs: () => this.engine.now(),
      log: this.opts.log.child({ component: 'api' }),
      allowManagementFrom: () => this.allowManagementFrom,
    };
    const api = (this.api = new LocalApiServer({ ...this.apiOptions, hosts: apiHosts(conf) }));
    await api.start();
    writeFileAtomic(this.home.path(PORT_FILE), String(this.opts.port));
    writeFileAtomic(this.home.path(PID_FILE), String(process.pid));
    if (this.opts.dockerPluginSocket) await this.startDockerPlugin(this.opts.dockerPluginSocket);
    if (this.opts.cniSocket) await this.startCni(this.opts.cniSocket);
    this.log.info('started', { address: addressToString(identity.address), listeningOn: binder.bound().map((b) => inetAddressToString(b.local)), api: api.listening });
    this.every(BINDER_REFRESH_MS, () => {
      if (this.tcpFallback.isForced) return; // 1.14.1 stops refreshing the binder under forceTcpRelay
      binder.refresh().catch((e: Error) => this.log.error('binder refresh failed', { error: e.message }));
    });
    this.sweepPeers();
    this.every(PEER_CACHE_SWEEP_INTERVAL_MS, () => this.sweepPeers());
    this.every(CONTROLLER_TICK_MS, () => this.controller?.tick(this.engine.now()));
    this.every(METRICS_SAMPLE_INTERVAL_MS, () => this.metrics.sample());
    this.every(LOCAL_CONF_CHECK_INTERVAL_MS, () => this.reloadLocalConf());
  }

  /** Reads local.conf at start and applies it; a bad file is a LocalConfError naming it. */
  private loadLocalConf(): LocalConf {
    let conf: LocalConf;
    try {
      conf = this.localConf.load();
    } catch (e) {
      if (e instanceof ConfigError) throw new LocalConfError(e.message, { cause: e });
      throw e;
    }
    this.opts = resolveOptions(this.flags, conf);
    this.controllerDir = conf.controllerDbPath ?? this.home.path(CONTROLLER_DB_DIR);
    if (conf.primaryPort !== undefined && conf.primaryPort !== this.flags.port) this.log.info('primary port from local.conf', { port: conf.primaryPort, file: this.localConf.path });
    // 1.14.1 warns the same way: a fixed secondary port cannot escape a NAT that stops forwarding it.
    if (conf.secondaryPort !== undefined && this.flags.secondaryPort === undefined) this.log.warn('using a manually-specified secondary port; this can cause NAT issues', { port: conf.secondaryPort });
    this.applyLocalConf(conf);
    return conf;
  }

  /** The 10 s check (06 §3.1): a changed local.conf is re-read and its reloadable keys applied. */
  private reloadLocalConf(): void {
    let conf: LocalConf | null;
    try {
      conf = this.localConf.reloadIfChanged();
    } catch (e) {
      this.log.error('local.conf not reloaded; the configuration in force stays', { error: (e as Error).message });
      return;
    }
    if (!conf) return;
    this.opts = reloadableOptions(this.opts, this.flags, conf);
    this.applyLocalConf(conf);
    const restartOnly: string[] = [];
    if ((conf.primaryPort ?? this.flags.port) !== this.opts.port && conf.primaryPort !== 0) restartOnly.push('primaryPort');
    if (this.flags.secondaryPort === undefined && resolveOptions(this.flags, conf).secondaryPort !== this.opts.secondaryPort) restartOnly.push('secondaryPort/allowSecondaryPort');
    this.log.info('local.conf reloaded', { file: this.localConf.path, ...(restartOnly.length > 0 ? { restartNeededFor: restartOnly } : {}) });
    this.binder?.refresh().catch((e: Error) => this.log.error('binder refresh failed', { error: e.message }));
    this.relistenApi(apiHosts(conf)).catch((e: Error) => this.log.error('local api not restarted', { error: e.message }));
  }

  /**
   * allowManagementFrom appeared or went at a reload: the API moves between loopback and every
   * interface (1.14.1 always listens everywhere, so it never has to). If the new listeners
   * cannot be had, loopback is taken back, so the CLI keeps working.
   */
  private async relistenApi(hosts: string[] | undefined): Promise<void> {
    const old = this.api;
    const isRemote = old?.listening.some((l) => l.startsWith('0.0.0.0/')) ?? false;
    if (!old || !this.apiOptions || this.isStopped || isRemote === (hosts !== undefined)) return;
    this.api = null;
    await old.stop();
    if (this.isStopped) return;
    const next = new LocalApiServer({ ...this.apiOptions, hosts });
    try {
      await next.start();
    } catch (e) {
      this.log.error('local api not moved; back on loopback', { error: (e as Error).message });
      const loopback = new LocalApiServer(this.apiOptions);
      await loopback.start();
      this.api = loopback;
      return;
    }
    if (this.isStopped) {
      await next.stop(); // stopped meanwhile: stop() did not see this server
      return;
    }
    this.api = next;
    this.log.info('local api listening', { api: next.listening });
  }

  /** Puts local.conf's reloadable parts in force: binding rules, API sources, path policy, physical networks. */
  private applyLocalConf(conf: LocalConf): void {
    this.tcpFallback.configure({ isAllowed: this.opts.allowTcpFallbackRelay, isForced: this.opts.forceTcpRelay, relay: parseRelay(this.opts.tcpFallbackRelay) });
    this.binder?.setPolicy({ bind: this.opts.bind, interfacePrefixBlacklist: conf.interfacePrefixBlacklist, physicalBlacklist: conf.physicalBlacklist });
    this.allowManagementFrom = conf.allowManagementFrom;
    this.pathPolicy = new PathPolicy(conf);
    this.engine.setPhysical(conf.physical);
    const ignored = conf.ignored.filter((k) => !this.reportedKeys.has(k));
    const unknown = conf.unknown.filter((k) => !this.reportedKeys.has(k));
    for (const k of [...ignored, ...unknown]) this.reportedKeys.add(k);
    if (ignored.length > 0) this.log.info('local.conf keys not implemented by ztkube, ignored', { keys: ignored, file: this.localConf.path });
    if (unknown.length > 0) this.log.warn('local.conf keys unknown to zerotier-one 1.14.1, ignored', { keys: unknown, file: this.localConf.path });
  }

  /** local.conf primaryPort 0: a random free port in 20000–65499, as 1.14.1 picks one. */
  private async randomPrimaryPort(): Promise<number> {
    const port = await chooseSecondaryPort([]);
    if (port === 0) throw new PortInUseError(0, '0.0.0.0');
    return port;
  }

  private localService(): EngineLocalService {
    return new EngineLocalService({
      engine: this.engine,
      networks: this.networks,
      localConfs: new NetworkLocalConfStore(this.home.dir),
      homeDir: this.home.dir,
      ports: this.netPorts,
      primaryPort: this.opts.port,
      secondaryPort: () => this.boundPorts[1] ?? 0,
      localConfig: () => this.localConf.current.raw,
      mergeConfigSettings: (changes) => this.localConf.mergeSettings(changes),
      listeningOn: () => this.binder?.bound().map((b) => b.local) ?? [],
      metrics: () => this.metrics.render(),
      tcpFallback: this.tcpFallback,
      controller: (method, path, body, nowMs): Promise<ApiResponse> => this.controller?.api(method, path, body, nowMs) ?? Promise.resolve({ status: 404 }),
    });
  }

  /** What the Docker plugin and the CNI server both attach containers with: this engine, its ports and its controller. */
  private containerHostOptions(socketPath: string, component: 'docker' | 'cni') {
    return {
      home: this.home.dir,
      socketPath,
      engine: this.engine,
      networks: this.networks,
      tapName: (nwid: bigint) => this.netPorts.tapOf(nwid)?.name,
      setAddressDevice: (nwid: bigint, dev: string | null) => this.netPorts.setAddressDevice(nwid, dev),
      controller: (method: string, path: string[], body: unknown): Promise<ApiResponse> => this.controller?.api(method, path, body, this.engine.now()) ?? Promise.resolve({ status: 404 }),
      links: new LinuxContainerLinks(),
      log: this.opts.log.child({ component }),
    };
  }

  private async startDockerPlugin(socketPath: string): Promise<void> {
    const docker = (this.docker = new DockerPluginHost(this.containerHostOptions(socketPath, 'docker')));
    await docker.start();
  }

  private async startCni(socketPath: string): Promise<void> {
    const cni = (this.cni = new CniHost({ ...this.containerHostOptions(socketPath, 'cni'), ports: this.flags.cniPorts }));
    await cni.start();
  }

  /** The node's metrics as Prometheus text, as GET /metrics answers ('' while no node runs). */
  metricsText(): string {
    return this.metrics.render();
  }

  /** Whether the node reaches a root or is one (`info` says ONLINE): the operator's readiness. */
  get isOnline(): boolean {
    return this.engine.isRunning && this.engine.node.isOnline;
  }

  /** The CNI server once started (null before or without --cni), for the agent that detaches pods. */
  get cniHost(): CniHost | null {
    return this.cni;
  }

  /** The embedded controller once started (null before), for the operator that drives it. */
  get embeddedController(): ControllerHost | null {
    return this.controller;
  }

  /** The embedded controller of `identity` over controller.d, loaded; the node is started with its port. */
  private async openController(identity: Identity): Promise<ControllerHost> {
    this.controller = await ControllerHost.open(this.controllerDir, identity, this.engine, this.opts.log.child({ component: 'controller' }), this.flags.controllerStore);
    return this.controller;
  }

  /** Stops the API first (its port is free when this resolves), then the node and the sockets. */
  async stop(): Promise<void> {
    if (this.isStopped) return;
    this.isStopped = true;
    for (const t of this.intervals) clearInterval(t);
    const api = this.api;
    this.api = null;
    await this.docker?.stop();
    this.docker = null;
    await this.cni?.stop();
    this.cni = null;
    await api?.stop();
    this.tcpFallback.stop();
    this.engine.stop(); // every network goes DOWN: its TAP closes
    this.netPorts.stop();
    this.binder?.close();
    try {
      rmSync(this.home.path(PID_FILE), { force: true }); // as 1.14.1 at a clean stop
    } catch (e) {
      this.log.warn('pid file not removed', { error: (e as Error).message }); // stale, and harmless: the lock decides
    }
    this.releaseHome?.();
    this.releaseHome = null;
    this.log.info('stopped');
  }

  private async loadOrCreateIdentity(): Promise<Identity> {
    const existing = readIdentity(this.home);
    if (existing) return existing;
    this.log.info('generating identity', { home: this.opts.home });
    const id = await generateIdentityInWorker();
    writeIdentity(this.home, id);
    return id;
  }

  private async ports(): Promise<number[]> {
    const ports = [this.opts.port];
    const sp = this.opts.secondaryPort;
    if (typeof sp === 'number') ports.push(sp);
    else if (sp === 'random') {
      const p = await chooseSecondaryPort(ports);
      if (p) ports.push(p);
    }
    return ports;
  }

  private onEvent(e: NodeEvent): void {
    this.events.handle(e);
    // Outside the node's call stack: route syncs read the node's state.
    if (e.type === 'online') setImmediate(() => this.netPorts.onlineChanged());
    // Outside the node's call stack: the node is replaced, as 1.14.1's service restarts (03 §3.3).
    if (e.type === 'identity_collision') setImmediate(() => void this.replaceIdentity().catch((err: Error) => this.fail('identity replacement failed', err)));
  }

  /**
   * 03 §3.3 / 06: keep the old secret as identity.secret.saved_after_collision, make a new
   * identity off the event loop and start a new node with it (peers.d is kept; peers
   * re-learn us by HELLO).
   */
  private async replaceIdentity(): Promise<void> {
    if (this.isStopped || !this.engine.isRunning) return;
    this.engine.suspend();
    // The member MACs change with the address: the TAPs are made anew when the networks come up.
    this.netPorts.closeAll();
    const kept = retireIdentity(this.home);
    this.log.info('old identity kept', { file: kept });
    const identity = await generateIdentityInWorker();
    if (this.isStopped) return;
    writeIdentity(this.home, identity);
    const controller = await this.openController(identity);
    if (this.isStopped) return;
    this.engine.start(identity, this.home.loadSaved(), controller.port);
    this.log.info('new identity', { address: addressToString(identity.address) });
  }

  private fail(what: string, e: Error): void {
    this.log.error(what, { error: e.message });
    process.exitCode = 1;
    this.stop().catch((err: Error) => this.log.error('stop failed', { error: err.message }));
  }

  private sweepPeers(): void {
    for (const f of sweepPeerCache(this.home.path('peers.d'), this.clock.now())) this.log.warn('peer cache cleanup failed', f);
  }

  private every(ms: number, fn: () => void): void {
    this.intervals.push(setInterval(fn, ms));
  }
}

/** The relay address of DaemonOptions.tcpFallbackRelay. */
function parseRelay(text: string): InetAddress {
  const a = parseInetAddress(text);
  if (!a || a.port === 0) throw new ConfigError(`tcpFallbackRelay must be IP/port (e.g. ${DEFAULT_TCP_FALLBACK_RELAY}), got ${JSON.stringify(text)}`);
  return a;
}

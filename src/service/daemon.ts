// The daemon: wires the engine to its edges — the home directory, the UDP binder, logs,
// the peer-cache sweep and the local API — and restarts the engine with a new identity
// after a collision. Each of those lives in its own module; this file only composes them.
import type winston from 'winston';
import { secureRandomBytes, secureRandomFill } from '../crypto/random.js';
import { addressToString } from '../protocol/address.js';
import { inetAddressToString } from '../protocol/inet-address.js';
import type { Identity } from '../protocol/identity.js';
import type { NodeEvent } from '../node/host.js';
import { StateError } from '../util/errors.js';
import { UdpBinder } from '../net/udp-binder.js';
import { chooseSecondaryPort } from '../net/ports.js';
import { HomeDir, lockHome, PORT_FILE, writeFileAtomic } from './home.js';
import { readIdentity, retireIdentity, writeIdentity } from './identity-files.js';
import { generateIdentityInWorker } from './identity-worker.js';
import { Engine } from './engine.js';
import { enableNativeCrypto } from '../crypto/native-loader.js';
import { findUdpAddon } from '../net/udp/native-udp.js';
import { systemClock, type Clock } from './clock.js';
import { NodeEventLog } from './node-event-log.js';
import { sweepPeerCache, PEER_CACHE_SWEEP_INTERVAL_MS } from './peer-cache-sweep.js';
import { NO_SAFETY, type SafetyPolicy } from './safety.js';
import { loadOrCreateAuthToken } from './authtoken.js';
import { EngineLocalService, type NetworkPort } from './local-service.js';
import { NetworkLocalConfStore } from './network-local-conf.js';
import { NodeNetworkPort } from './node-network-port.js';
import { NetworkChangeLog } from './network-change-log.js';
import { ControllerHost, CONTROLLER_DB_DIR } from './controller-host.js';
import { LocalApiServer } from './local-api/server.js';
import { NetworkPorts } from './network-ports.js';
import { LinuxTap } from '../net/tap/linux-tap.js';
import type { Tap, TapOptions } from '../net/tap/tap.js';
import { parseDeviceMap } from '../net/tap/names.js';
import type { HostNet } from '../net/ip/host-net.js';
import { LinuxHostNet } from '../net/ip/linux-host-net.js';
import { MemoryHostNet, memoryTapOpener } from '../net/ip/memory-host-net.js';
import { existsSync, readFileSync } from 'node:fs';
import type { ApiResponse } from './local-api/service-port.js';
import { DockerPluginHost } from './docker-plugin-host.js';
import { LinuxContainerLinks } from '../net/ip/linux-container-links.js';

const BINDER_REFRESH_MS = 30_000;
/** 1.14.1's controller checks SSO expiries every 0.5 s. */
const CONTROLLER_TICK_MS = 500;

export interface DaemonOptions {
  home: string;
  port: number;
  /** A number, 'random' (1.14.1's default: allowSecondaryPort) or 'none'. */
  secondaryPort: number | 'random' | 'none';
  bind?: string[];
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
  /** Overrides both (unit tests). */
  openTap?(o: TapOptions): Tap;
  hostNet?: HostNet;
  /** Serve the Docker network and IPAM plugin on this Unix socket (issue #10). */
  dockerPluginSocket?: string;
}

export class Daemon {
  private readonly opts: DaemonOptions;
  private readonly home: HomeDir;
  private readonly log: winston.Logger;
  private readonly clock: Clock;
  private readonly engine: Engine;
  private readonly events: NodeEventLog;
  private binder: UdpBinder | null = null;
  private api: LocalApiServer | null = null;
  private docker: DockerPluginHost | null = null;
  private readonly networks: NetworkPort;
  /** The networks' TAPs, managed addresses and routes (06 §8). */
  readonly netPorts: NetworkPorts;
  /** The embedded controller for networks <our address>xxxxxx (05 §1.1). */
  private controller: ControllerHost | null = null;
  private boundPorts: number[] = [];
  private readonly intervals: NodeJS.Timeout[] = [];
  private isStopped = false;
  private releaseHome: (() => void) | null = null;

  constructor(opts: DaemonOptions) {
    this.opts = opts;
    this.home = new HomeDir(opts.home);
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
    this.engine = new Engine({
      clock: this.clock,
      transport: {
        send: (socket, to, data, ttl) => this.binder?.send(socket, to, data, ttl) ?? false,
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
    });
    this.networks = new NodeNetworkPort(this.engine);
    const localConfs = new NetworkLocalConfStore(this.home.dir);
    const deviceMapPath = this.home.path('devicemap');
    const memory = opts.taps === 'memory' ? new MemoryHostNet() : null;
    this.netPorts = new NetworkPorts({
      log: opts.log.child({ component: 'port' }),
      host: opts.hostNet ?? memory ?? new LinuxHostNet(),
      openTap: opts.openTap ?? (memory ? memoryTapOpener(memory) : (o) => LinuxTap.open(o)),
      loadLocalConf: (nwid) => localConfs.load(nwid),
      deviceMap: () => (existsSync(deviceMapPath) ? parseDeviceMap(readFileSync(deviceMapPath, 'utf8')) : undefined),
      act: (fn) => this.engine.act(fn),
      isOnline: () => this.engine.isRunning && this.engine.node.isOnline,
      nowMs: () => this.clock.now(),
    });
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
      this.netPorts.stop();
      this.releaseHome();
      this.releaseHome = null;
      throw e;
    }
  }

  private async startLocked(): Promise<void> {
    const safety = this.opts.safety ?? NO_SAFETY;
    const identity = await this.loadOrCreateIdentity();
    const saved = this.home.loadSaved();
    if (!saved.planet) {
      if (!safety.isPublicPlanetAllowed) throw new StateError(`${this.home.path('planet')}: missing, and ${safety.origin} forbids the public planet`);
      this.log.warn('no planet file: using the public ZeroTier planet', { home: this.opts.home });
    }
    const token = loadOrCreateAuthToken(this.home.dir, secureRandomBytes);
    this.boundPorts = await this.ports();
    const binder = (this.binder = new UdpBinder({
      ports: this.boundPorts,
      bind: this.opts.bind,
      onDatagram: (socket, from, data) => this.engine.onDatagram(socket, from, data),
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
    const api = (this.api = new LocalApiServer({ port: this.opts.port, token, service: this.localService(), nowMs: () => this.engine.now(), log: this.opts.log.child({ component: 'api' }) }));
    await api.start();
    writeFileAtomic(this.home.path(PORT_FILE), String(this.opts.port));
    if (this.opts.dockerPluginSocket) await this.startDockerPlugin(this.opts.dockerPluginSocket);
    this.log.info('started', { address: addressToString(identity.address), listeningOn: binder.bound().map((b) => inetAddressToString(b.local)), api: api.listening });
    this.every(BINDER_REFRESH_MS, () => binder.refresh().catch((e: Error) => this.log.error('binder refresh failed', { error: e.message })));
    this.sweepPeers();
    this.every(PEER_CACHE_SWEEP_INTERVAL_MS, () => this.sweepPeers());
    this.every(CONTROLLER_TICK_MS, () => this.controller?.tick(this.engine.now()));
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
      listeningOn: () => this.binder?.bound().map((b) => b.local) ?? [],
      controller: (method, path, body, nowMs): Promise<ApiResponse> => this.controller?.api(method, path, body, nowMs) ?? Promise.resolve({ status: 404 }),
    });
  }

  private async startDockerPlugin(socketPath: string): Promise<void> {
    const docker = (this.docker = new DockerPluginHost({
      home: this.home.dir,
      socketPath,
      engine: this.engine,
      networks: this.networks,
      tapName: (nwid) => this.netPorts.tapOf(nwid)?.name,
      setAddressDevice: (nwid, dev) => this.netPorts.setAddressDevice(nwid, dev),
      controller: (method, path, body) => this.controller?.api(method, path, body, this.engine.now()) ?? Promise.resolve({ status: 404 }),
      links: new LinuxContainerLinks(),
      log: this.opts.log.child({ component: 'docker' }),
    }));
    await docker.start();
  }

  /** The embedded controller of `identity` over controller.d, loaded; the node is started with its port. */
  private async openController(identity: Identity): Promise<ControllerHost> {
    this.controller = await ControllerHost.open(this.home.path(CONTROLLER_DB_DIR), identity, this.engine, this.opts.log.child({ component: 'controller' }));
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
    await api?.stop();
    this.engine.stop(); // every network goes DOWN: its TAP closes
    this.netPorts.stop();
    this.binder?.close();
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

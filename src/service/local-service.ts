// The LocalService the API serves, over the running engine (status, peers) and a NetworkPort
// (joined networks). The service side of a network — its local settings file and TAP name —
// lives here, as in 1.14.1's OneService; joining and leaving is the node's.
import type { InetAddress } from '../protocol/inet-address.js';
import type { World } from '../protocol/world.js';
import type { VirtualNetworkConfig } from '../node/virtual-network.js';
import { tapNameForNetwork } from '../net/tap/names.js';
import type { Engine } from './engine.js';
import type { NetworkLocalConfStore } from './network-local-conf.js';
import type { ControllerHandler, LocalService, NetworkSettings, NetworkView, PeerView, StatusView } from './local-api/service-port.js';

/** The node's networks, as the service needs them. */
export interface NetworkPort {
  /** Joins (no-op when joined already). */
  join(nwid: bigint): void;
  /** false when the network was not joined. */
  leave(nwid: bigint): boolean;
  list(): VirtualNetworkConfig[];
}

/** The networks' ports (network-ports.ts) as the API sees them. */
export interface NetworkPortsView {
  /** The settings in force for a network with a port (read when it came up). */
  settings(nwid: bigint): NetworkSettings | undefined;
  /** New settings from POST /network: managed addresses and routes re-synced. */
  updateSettings(nwid: bigint, s: NetworkSettings): void;
  deviceName(nwid: bigint): string;
}

export interface EngineLocalServiceOptions {
  engine: Engine;
  networks: NetworkPort;
  localConfs: NetworkLocalConfStore;
  homeDir: string;
  primaryPort: number;
  /** 0 when none. */
  secondaryPort(): number;
  listeningOn(): InetAddress[];
  controller?: ControllerHandler;
  /** GET /metrics: the current metrics text. */
  metrics(): string;
  /** The parsed local.conf as held in memory ({} when none). */
  localConfig?(): Record<string, unknown>;
  /** POST /config/settings: merge into local.conf's settings and write it (local-conf-file.ts). */
  mergeConfigSettings?(changes: Record<string, unknown>): void;
  /** The TAPs; without them the device name is the first choice and no groups are listed. */
  ports?: NetworkPortsView;
  /** The TCP fallback (06 §9); without it nothing is tunnelled and the fallback counts as allowed. */
  tcpFallback?: TcpFallbackView;
}

/** What the API reports of the TCP fallback. */
export interface TcpFallbackView {
  readonly isActive: boolean;
  readonly isAllowed: boolean;
  readonly isForced: boolean;
}

export class EngineLocalService implements LocalService {
  readonly controller?: ControllerHandler;
  private readonly opts: EngineLocalServiceOptions;
  /** In memory once read: 1.14.1 reads the file when the network comes up, never after. */
  private readonly settings = new Map<bigint, NetworkSettings>();

  constructor(opts: EngineLocalServiceOptions) {
    this.opts = opts;
    this.controller = opts.controller;
  }

  status(): StatusView {
    const node = this.opts.engine.node;
    const st = node.status();
    return {
      address: st.address,
      publicIdentity: node.identity.toString(false),
      isOnline: st.isOnline,
      isTcpFallbackActive: this.opts.tcpFallback?.isActive ?? false,
      clockMs: this.opts.engine.now(),
      planet: st.planet,
      homeDir: this.opts.homeDir,
      primaryPort: this.opts.primaryPort,
      secondaryPort: this.opts.secondaryPort(),
      tertiaryPort: 0, // no port mapper
      listeningOn: this.opts.listeningOn(),
      surfaceAddresses: st.surfaceAddresses,
      isTcpFallbackRelayAllowed: this.opts.tcpFallback?.isAllowed ?? true,
      isTcpRelayForced: this.opts.tcpFallback?.isForced ?? false,
      isPortMappingEnabled: false,
      localConfig: this.localConfig(),
    };
  }

  localConfig(): Record<string, unknown> {
    return this.opts.localConfig?.() ?? {};
  }

  mergeConfigSettings(changes: Record<string, unknown>): void {
    if (!this.opts.mergeConfigSettings) throw new Error('this service keeps no local.conf');
    this.opts.mergeConfigSettings(changes);
  }

  peers(): PeerView[] {
    const engine = this.opts.engine;
    const isTunneled = this.opts.tcpFallback?.isActive ?? false;
    return engine.node.peerInfo(engine.now()).map((p) => ({ ...p, isTunneled }));
  }

  networks(): NetworkView[] {
    return this.opts.networks
      .list()
      .sort((a, b) => (a.nwid < b.nwid ? -1 : a.nwid > b.nwid ? 1 : 0))
      .map((c) => this.view(c));
  }

  network(nwid: bigint): NetworkView | undefined {
    const c = this.opts.networks.list().find((x) => x.nwid === nwid);
    return c && this.view(c);
  }

  join(nwid: bigint, changes: Partial<NetworkSettings>): NetworkView {
    this.opts.networks.join(nwid);
    const s = { ...this.settingsOf(nwid), ...changes };
    this.settings.set(nwid, s);
    this.opts.localConfs.save(nwid, s); // every POST rewrites the file (06 §5.7)
    this.opts.ports?.updateSettings(nwid, s);
    const v = this.network(nwid);
    if (!v) throw new Error(`network ${nwid.toString(16).padStart(16, '0')} not listed after joining it`);
    return v;
  }

  leave(nwid: bigint): boolean {
    if (!this.opts.networks.leave(nwid)) return false;
    this.settings.delete(nwid);
    this.opts.localConfs.remove(nwid);
    return true;
  }

  moons(): World[] {
    return this.opts.engine.node.moons();
  }

  orbit(worldId: bigint, seed: number): void {
    this.opts.engine.act((node, now) => node.orbit(now, worldId, seed));
  }

  deorbit(worldId: bigint): void {
    this.opts.engine.act((node, now) => node.deorbit(now, worldId));
  }

  metrics(): string {
    return this.opts.metrics();
  }

  private settingsOf(nwid: bigint): NetworkSettings {
    // The port read the file when the network came up (and took every change since).
    const fromPort = this.opts.ports?.settings(nwid);
    if (fromPort) return fromPort;
    let s = this.settings.get(nwid);
    if (!s) {
      s = this.opts.localConfs.load(nwid).settings;
      this.settings.set(nwid, s);
    }
    return s;
  }

  private view(c: VirtualNetworkConfig): NetworkView {
    return {
      ...c,
      settings: { ...this.settingsOf(c.nwid) },
      // The TAP's name; the name of trial 0 when there is none (06 §8.1).
      portDeviceName: this.opts.ports?.deviceName(c.nwid) ?? tapNameForNetwork(c.nwid),
      // What the node was told the TAP subscribed (Node.multicastSubscribe, 04 §1.5).
      multicastSubscriptions: c.multicastSubscriptions.map((m) => ({ mac: m.mac, adi: m.adi })),
    };
  }
}

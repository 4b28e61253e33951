// The Docker plugin as the daemon runs it (issue #10): the network and IPAM drivers over the
// running engine — joins and leaves through the node, configs and TAP names from the node and
// its ports, active-bridge marking and IPv4 ranges reserved through the daemon's own controller — and the plugin
// socket. State lives in <home>/docker.d, so a restart of the daemon loses nothing.
import type winston from 'winston';
import { secureRandomBytes } from '../crypto/random.js';
import { addressToString } from '../protocol/address.js';
import { hexPad } from '../util/hex.js';
import { IpamDriver } from '../docker/ipam-driver.js';
import { NetworkDriver } from '../docker/network-driver.js';
import { PluginRouter } from '../docker/plugin-router.js';
import { PluginServer } from '../docker/plugin-server.js';
import { DockerStateFile } from '../docker/docker-state-file.js';
import { PluginError } from '../docker/plugin-error.js';
import { reserveOnController } from '../docker/controller-range.js';
import type { ContainerLinks, ZeroTierPort } from '../docker/ports.js';
import type { Engine } from './engine.js';
import type { NetworkPort } from './local-service.js';
import type { ApiResponse } from './local-api/service-port.js';

/** Bridge-mode TAPs are re-attached this often (a TAP made anew after a restart is not on its bridge). */
const RECONCILE_INTERVAL_MS = 5_000;

export interface DockerPluginHostOptions {
  home: string;
  socketPath: string;
  engine: Engine;
  networks: NetworkPort;
  /** The TAP's name for a network with a port. */
  tapName(nwid: bigint): string | undefined;
  /** NetworkPorts.setAddressDevice. */
  setAddressDevice(nwid: bigint, dev: string | null): void;
  /** The daemon's own controller API (/controller/…), as the local API serves it. */
  controller(method: string, path: string[], body: unknown): Promise<ApiResponse>;
  links: ContainerLinks;
  log: winston.Logger;
}

export class DockerPluginHost {
  private readonly server: PluginServer;
  private readonly driver: NetworkDriver;
  private readonly log: winston.Logger;
  private timer: NodeJS.Timeout | null = null;

  constructor(o: DockerPluginHostOptions) {
    this.log = o.log;
    const store = new DockerStateFile(o.home);
    const state = store.load();
    this.driver = new NetworkDriver({
      store,
      state,
      zerotier: engineZeroTier(o),
      links: o.links,
      delay: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: secureRandomBytes,
    });
    const router = new PluginRouter({
      network: this.driver,
      ipam: new IpamDriver(store, state),
      onBug: (method, e) => this.log.warn('docker plugin call failed', { method, error: (e as Error).stack ?? String(e) }),
      onCall: (method, refusal) => {
        if (refusal !== null) this.log.info('docker request refused', { method, error: refusal });
        else if (this.log.isLevelEnabled('debug')) this.log.debug('docker request', { method });
      },
    });
    this.server = new PluginServer(o.socketPath, router);
  }

  async start(): Promise<void> {
    await this.server.start();
    this.timer = setInterval(() => this.reconcile(), RECONCILE_INTERVAL_MS);
    this.reconcile();
    this.log.info('docker plugin listening', { socket: this.server.socketPath });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.server.stop();
  }

  private reconcile(): void {
    this.driver.reconcile().catch((e: Error) => this.log.warn('docker plugin: re-attaching bridges failed', { error: e.message }));
  }
}

/** What the engine's ZeroTier side needs; the CNI host (cni-host.ts) builds it the same way. */
export type EngineZeroTierOptions = Pick<DockerPluginHostOptions, 'engine' | 'networks' | 'tapName' | 'setAddressDevice' | 'controller'>;

/** The running engine as the container attachments see it (shared by Docker and CNI). */
export function engineZeroTier(o: EngineZeroTierOptions): ZeroTierPort {
  const config = (nwid: bigint) => o.networks.list().find((c) => c.nwid === nwid);
  const address = (): number => o.engine.node.identity.address;
  // 05 §1.1: our controller runs the networks whose IDs start with our address.
  const isOurs = (nwid: bigint): boolean => Number(nwid >> 24n) === address();
  return {
    address,
    isJoined: (nwid) => config(nwid) !== undefined,
    join: (nwid) => o.networks.join(nwid),
    leave: (nwid) => void o.networks.leave(nwid),
    config,
    tapName: (nwid) => o.tapName(nwid),
    setAddressDevice: (nwid, dev) => o.setAddressDevice(nwid, dev),
    reserveHostRange: async (nwid, lans, avoid) => (isOurs(nwid) ? reserveOnController(o.controller, hexPad(nwid, 16), lans, avoid) : null),
    markActiveBridge: async (nwid) => {
      if (!isOurs(nwid)) return false;
      const r = await o.controller('POST', ['controller', 'network', hexPad(nwid, 16), 'member', addressToString(address())], { activeBridge: true });
      if (r.status !== 200) throw new PluginError('docker_zerotier', `this host's own controller refused to make it an active bridge on ZeroTier network ${hexPad(nwid, 16)} (HTTP ${r.status})`);
      return true;
    },
  };
}

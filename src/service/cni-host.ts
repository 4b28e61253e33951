// The CNI plugin as the daemon runs it (issue #12): the agent's verbs (src/cni) over the
// running engine — joins, configs and TAPs from the node, active-bridge marking through the
// daemon's own controller, the Docker plugin's host links — served on the CNI socket. Pod
// records live in <home>/cni.d, so a restart of the daemon can still DEL and GC its pods.
import type winston from 'winston';
import { secureRandomBytes } from '../crypto/random.js';
import { CniPlugin } from '../cni/cni-plugin.js';
import { CniServer } from '../cni/cni-server.js';
import { AttachmentStateFile } from '../cni/attachment-state.js';
import { ConfigNetworkCatalog, type NetworkCatalogPort } from '../cni/network-catalog.js';
import type { PodNetworksPort } from '../cni/ports.js';
import { ConfigPodNetworks } from '../cni/config-pod-networks.js';
import { PodAttacher } from '../cni/pod-attacher.js';
import { bridgeName } from '../docker/network-driver.js';
import type { ContainerLinks } from '../docker/ports.js';
import { LinuxPodLinks } from '../net/ip/linux-pod-links.js';
import { engineZeroTier, type EngineZeroTierOptions } from './docker-plugin-host.js';

/** Bridge-mode TAPs are re-attached this often (a TAP made anew after a restart is not on its bridge). */
const RECONCILE_INTERVAL_MS = 5_000;

/** Where a pod's networks and their meaning come from, and whether ADDs may be served. */
export interface CniPorts {
  catalog: NetworkCatalogPort;
  podNetworks: PodNetworksPort;
  /** Besides the engine running (the agent: informers synced, no identity conflict). */
  isReady(): boolean;
}

export interface CniHostOptions extends EngineZeroTierOptions {
  home: string;
  /** Absent: the net config's "networks" and "podNetworks" tables (ztkube daemon --cni). */
  ports?: CniPorts;
  socketPath: string;
  links: ContainerLinks;
  log: winston.Logger;
}

export class CniHost {
  private readonly server: CniServer;
  private readonly attacher: PodAttacher;
  private readonly o: CniHostOptions;
  private timer: NodeJS.Timeout | null = null;
  private isStopping = false;
  /** Requests answered, by "<command> <ok|error>" (ztkube_cni_requests_total). */
  private readonly requests = new Map<string, number>();

  constructor(o: CniHostOptions) {
    this.o = o;
    const zerotier = engineZeroTier(o);
    this.attacher = new PodAttacher({
      zerotier,
      links: o.links,
      podLinks: new LinuxPodLinks(),
      catalog: o.ports?.catalog ?? new ConfigNetworkCatalog(),
      store: new AttachmentStateFile(o.home),
      delay: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: secureRandomBytes,
      // The socket listens only while the engine runs; once a stop has begun, ADDs are refused.
      isReady: () => !this.isStopping && (o.ports?.isReady() ?? true),
    });
    const plugin = new CniPlugin({
      podNetworks: o.ports?.podNetworks ?? new ConfigPodNetworks(),
      attachments: this.attacher,
      onUnexpected: (e) => o.log.warn('cni call failed', { error: (e as Error).stack ?? String(e) }),
    });
    this.server = new CniServer(o.socketPath, {
      handle: async (text) => {
        const r = await plugin.handle(text);
        this.count(text, r.exitCode === 0);
        if (r.exitCode !== 0) o.log.info('cni request refused', { answer: r.stdout.trim() });
        else if (o.log.isLevelEnabled('debug')) o.log.debug('cni request', { bytes: text.length });
        return r;
      },
    });
  }

  async start(): Promise<void> {
    await this.server.start();
    this.timer = setInterval(() => this.reconcile(), RECONCILE_INTERVAL_MS);
    this.log().info('cni plugin listening', { socket: this.server.socketPath });
  }

  async stop(): Promise<void> {
    this.isStopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.server.stop();
  }

  /**
   * Removes every pod interface on the network and its bridge, and puts the network's managed
   * addresses back on its TAP (the node is about to leave it); answers how many went.
   */
  async detachNetwork(nwid: bigint): Promise<number> {
    const n = await this.attacher.detachNetwork(nwid);
    const zt = engineZeroTier(this.o);
    zt.setAddressDevice(nwid, null);
    await this.o.links.removeBridge(bridgeName(nwid)); // absent (sixplane, no pods) counts as removed
    return n;
  }

  /** Pods attached per network (16 hex → count), for the ZTNode status. */
  podsPerNetwork(): Map<string, number> {
    const out = new Map<string, number>();
    const seen = new Set<string>();
    for (const x of this.attacher.list()) {
      const pod = `${x.nwid}\n${x.containerId}`;
      if (seen.has(pod)) continue;
      seen.add(pod);
      out.set(x.nwid, (out.get(x.nwid) ?? 0) + 1);
    }
    return out;
  }

  /** Requests answered so far, by CNI command and outcome (a copy). */
  requestCounts(): Array<{ command: string; outcome: 'ok' | 'error'; total: number }> {
    return [...this.requests].map(([k, total]) => {
      const [command, outcome] = k.split(' ') as [string, 'ok' | 'error'];
      return { command, outcome, total };
    });
  }

  private count(text: string, isOk: boolean): void {
    let command = 'UNKNOWN';
    try {
      const c = (JSON.parse(text) as { env?: { CNI_COMMAND?: unknown } }).env?.CNI_COMMAND;
      if (typeof c === 'string' && /^[A-Z]{1,10}$/.test(c)) command = c;
    } catch {
      command = 'UNKNOWN'; // not JSON: the plugin answered it with a decode error already
    }
    const key = `${command} ${isOk ? 'ok' : 'error'}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  private log(): winston.Logger {
    return this.o.log;
  }

  /**
   * Forgets pods whose veths the kernel removed with their namespace (deleted while the agent
   * was down), then puts the TAPs of networks with bridge-mode pods back on their bridges
   * (after an engine restart).
   */
  private reconcile(): void {
    this.attacher
      .releaseVanished()
      .then((ids) => {
        if (ids.length > 0) this.o.log.info('cni: released the attachments of pods that are gone', { containerIds: ids });
      })
      .catch((e: Error) => this.o.log.warn('cni: releasing the attachments of pods that are gone failed', { error: e.message }));
    const zt = engineZeroTier(this.o);
    const nwids = new Set(this.attacher.list().filter((x) => x.mode === 'bridge').map((x) => x.nwid));
    for (const id of nwids) {
      const nwid = BigInt(`0x${id}`);
      const tap = zt.tapName(nwid);
      const config = zt.config(nwid);
      if (!tap || !config) continue;
      const bridge = bridgeName(nwid);
      this.o.links
        .ensureBridge(bridge, tap, config.mtu)
        .then(() => zt.setAddressDevice(nwid, bridge))
        .catch((e: Error) => this.o.log.warn('cni: re-attaching a bridge failed', { network: id, error: e.message }));
    }
  }
}

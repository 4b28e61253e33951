// The node agent (issue #12; 07 §6): the ZeroTier engine (Daemon, with its CNI server fed from
// Kubernetes) plus one loop that, on every informer event and every PASS_MS, joins the
// ZTNetworks that select this node and leaves the ones it joined that no longer do (their pods
// detached first), checks for a cloned identity, writes the ZTNode status (on change, and at
// least every HEARTBEAT_MS) and, once ready, installs the CNI shim and its chained config.
// The engine is reached through its local API on 127.0.0.1, as zerotier-cli in the pod does.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type winston from 'winston';
import { httpApiCall, type ApiCall } from '../../cli/api-client.js';
import { AUTHTOKEN_FILE, trimToken } from '../../service/authtoken.js';
import { Daemon } from '../../service/daemon.js';
import { PORT_FILE } from '../../service/home.js';
import type { SafetyPolicy } from '../../service/safety.js';
import { renderPrometheusText, type MetricFamily } from '../../service/metrics/prometheus-text.js';
import { StateError } from '../../util/errors.js';
import { CniInstaller } from './cni-installer.js';
import { planNetworks, type JoinedRecord } from './desired-networks.js';
import { HealthServer } from '../health-server.js';
import { findIdentityConflict } from './identity-conflict.js';
import { JoinedNetworksFile } from './joined-networks-file.js';
import { KubeInformers } from './kube-informers.js';
import { KubeNetworkCatalog } from './kube-network-catalog.js';
import { KubePodNetworks } from './kube-pod-networks.js';
import { ZTNodeWriter } from './ztnode-writer.js';
import { buildZTNodeStatus, statusFingerprint, type LocalNetworkJson, type LocalPeerJson, type LocalStatusJson } from './ztnode-status.js';

/** The loop runs this often without events (status, online, the CNI config still chained). */
const PASS_MS = 5_000;
/** The ZTNode status is written at least this often (contracts: every 30 s). */
export const HEARTBEAT_MS = 30_000;
const FAILURE_LOG_INTERVAL_MS = 60_000;

export interface AgentOptions {
  nodeName: string;
  kc: KubeConfig;
  home: string;
  port: number;
  bind?: string[];
  cniSocket: string;
  /** null: --no-cni-install. */
  installer: CniInstaller | null;
  uninstallOnExit: boolean;
  health: { host: string; port: number };
  log: winston.Logger;
  safety?: SafetyPolicy;
}

export class Agent {
  private readonly o: AgentOptions;
  private readonly log: winston.Logger;
  private readonly informers: KubeInformers;
  private readonly joined: JoinedNetworksFile;
  private records: Map<string, JoinedRecord>;
  private readonly writer: ZTNodeWriter;
  private readonly daemon: Daemon;
  private readonly health: HealthServer;
  private api: ApiCall | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private isPassWanted = false;
  private isStopped = false;
  private isOnline = false;
  private conflictWith: string | null = null;
  private lastFingerprint = '';
  private lastWriteMs = 0;
  private isCniInstalled = false;
  private hasWarnedNoConfig = false;
  private passFailuresTotal = 0;
  private lastFailure = '';
  private lastFailureLogMs = 0;

  constructor(o: AgentOptions) {
    this.o = o;
    this.log = o.log.child({ component: 'agent' });
    mkdirSync(o.home, { recursive: true, mode: 0o700 });
    this.joined = new JoinedNetworksFile(o.home);
    this.records = this.joined.load();
    this.informers = new KubeInformers(o.kc, o.nodeName, this.log, () => this.wake());
    this.writer = new ZTNodeWriter(o.kc.makeApiClient(CustomObjectsApi), o.kc.makeApiClient(CoreV1Api), o.nodeName);
    this.daemon = new Daemon({
      home: o.home,
      port: o.port,
      bind: o.bind,
      log: o.log.child({ component: 'node' }),
      safety: o.safety,
      cniSocket: o.cniSocket,
      cniPorts: {
        catalog: new KubeNetworkCatalog({ networks: () => this.informers.ztNetworks(), labels: () => this.informers.nodeLabels(), nodeName: o.nodeName, claim: (id, ztnetwork) => this.claim(id, ztnetwork) }),
        podNetworks: new KubePodNetworks(o.kc.makeApiClient(CoreV1Api)),
        isReady: () => this.notReadyReason() === null,
      },
    });
    this.health = new HealthServer(o.health.host, o.health.port, { notReadyReason: () => this.notReadyReason(), metrics: () => this.metrics() });
  }

  /** null when the agent can attach pods; else why not. */
  notReadyReason(): string | null {
    if (this.isStopped) return 'the agent is stopping';
    if (this.api === null) return 'the ZeroTier node is starting';
    if (!this.isOnline) return 'the ZeroTier node reaches no root yet';
    if (!this.informers.isSynced) return 'the ZTNetwork, ZTNode and Node informers have not synced yet';
    if (this.informers.nodeLabels() === undefined) return `Node ${this.o.nodeName} is not in the API server (check --node-name)`;
    if (this.conflictWith !== null) return `node ${this.conflictWith} runs this node's ZeroTier identity; give one of them a fresh identity`;
    return null;
  }

  async start(): Promise<void> {
    await this.health.start();
    await this.daemon.start();
    const port = Number(readFileSync(join(this.o.home, PORT_FILE), 'utf8'));
    const token = trimToken(readFileSync(join(this.o.home, AUTHTOKEN_FILE), 'utf8'));
    this.api = httpApiCall({ host: '127.0.0.1', port, token }, 10_000);
    await this.informers.start();
    this.log.info('agent started', { node: this.o.nodeName, health: `${this.o.health.host}:${this.health.listeningPort}`, cniSocket: this.o.cniSocket });
    this.timer = setInterval(() => this.wake(), PASS_MS);
    this.wake();
  }

  async stop(): Promise<void> {
    if (this.isStopped) return;
    this.isStopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined); // its failure was logged by the pass
    await this.informers.stop();
    if (this.o.uninstallOnExit && this.o.installer) {
      const changed = this.o.installer.uninstall();
      this.log.info('cni uninstalled', { changed });
    }
    await this.daemon.stop();
    await this.health.stop();
  }

  /** Runs a pass now, or right after the one running (events coalesce). */
  private wake(): void {
    if (this.isStopped || this.api === null) return;
    if (this.running) {
      this.isPassWanted = true;
      return;
    }
    this.running = this.pass()
      .catch((e: Error) => {
        this.passFailuresTotal++;
        // A lasting failure (the API server away) is said once a minute, not every pass.
        const now = Date.now();
        if (e.message !== this.lastFailure || now - this.lastFailureLogMs >= FAILURE_LOG_INTERVAL_MS) {
          this.log.warn('agent pass failed', { error: e.message, failuresTotal: this.passFailuresTotal });
          this.lastFailure = e.message;
          this.lastFailureLogMs = now;
        }
      })
      .finally(() => {
        this.running = null;
        if (this.isPassWanted) {
          this.isPassWanted = false;
          this.wake();
        }
      });
  }

  /**
   * One pass. Its steps do not depend on each other's success (an API outage must not keep
   * the CNI config from being put back, nor a failed join the status from being written);
   * the first failure is reported after all ran.
   */
  private async pass(): Promise<void> {
    const status = await this.get<LocalStatusJson>('/status');
    this.isOnline = status.online;
    const failures: unknown[] = [];
    const step = async (f: () => Promise<void> | void): Promise<void> => {
      try {
        await f();
      } catch (e) {
        failures.push(e);
      }
    };
    if (this.informers.isSynced) {
      this.checkConflict(status.address);
      await step(() => this.reconcileNetworks());
    }
    await step(() => this.ensureCni());
    await step(() => this.writeStatus(status));
    if (failures.length > 0) throw failures[0];
  }

  private checkConflict(address: string): void {
    const other = findIdentityConflict(this.informers.ztNodes(), this.o.nodeName, address, Date.now());
    if (other !== this.conflictWith) {
      if (other !== null) this.log.error('identity conflict: another node runs this ZeroTier identity; not attaching pods', { address, node: this.o.nodeName, otherNode: other });
      else this.log.info('identity conflict over', { address, node: this.o.nodeName });
    }
    this.conflictWith = other;
  }

  private async reconcileNetworks(): Promise<void> {
    const labels = this.informers.nodeLabels();
    if (labels === undefined) return; // our Node not seen yet: selectors cannot be judged
    const plan = planNetworks(this.informers.ztNetworks(), labels, this.records);
    const onNode = new Set((await this.get<LocalNetworkJson[]>('/network')).map((n) => n.id));
    for (const [id, ztnetwork] of plan.wanted) {
      const had = this.records.get(id);
      if (had && onNode.has(id)) continue;
      const isOwned = had?.isOwned ?? !onNode.has(id);
      if (!onNode.has(id)) {
        await this.call('POST', `/network/${id}`, '{}');
        this.log.info('joined for ZTNetwork', { networkId: id, ztnetwork });
      }
      this.records.set(id, { ztnetwork, isOwned });
      this.joined.save(this.records);
    }
    for (const id of plan.unwanted) {
      const r = this.records.get(id)!;
      const pods = (await this.daemon.cniHost?.detachNetwork(BigInt(`0x${id}`))) ?? 0;
      if (r.isOwned && onNode.has(id)) await this.call('DELETE', `/network/${id}`);
      this.log.info(r.isOwned ? 'left network: no ZTNetwork selects this node for it' : 'network no longer wanted by a ZTNetwork; staying on it (it was joined by hand)', { networkId: id, ztnetwork: r.ztnetwork, podsDetached: pods });
      this.records.delete(id);
      this.joined.save(this.records);
    }
  }

  /** A pod's ADD is about to use the network: a join it causes is the agent's own. */
  private async claim(id: string, ztnetwork: string): Promise<void> {
    if (this.records.has(id)) return;
    const isOnNode = (await this.get<LocalNetworkJson[]>('/network')).some((n) => n.id === id);
    if (this.records.has(id)) return; // a pass recorded it meanwhile
    this.records.set(id, { ztnetwork, isOwned: !isOnNode });
    this.joined.save(this.records);
  }

  private async writeStatus(status: LocalStatusJson): Promise<void> {
    const [networks, peers] = await Promise.all([this.get<LocalNetworkJson[]>('/network'), this.get<LocalPeerJson[]>('/peer')]);
    const podsPerNetwork = this.daemon.cniHost?.podsPerNetwork() ?? new Map<string, number>();
    const nowMs = Date.now();
    const nowIso = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const input = { status, networks, peers, podsPerNetwork, conflictWith: this.conflictWith, isSynced: this.informers.isSynced, nowIso };
    const fingerprint = statusFingerprint(buildZTNodeStatus({ ...input, previous: undefined }));
    if (fingerprint === this.lastFingerprint && nowMs - this.lastWriteMs < HEARTBEAT_MS) return;
    await this.writer.writeStatus((prev) => buildZTNodeStatus({ ...input, previous: (prev.status as { conditions?: never } | undefined)?.conditions }));
    this.lastFingerprint = fingerprint;
    this.lastWriteMs = nowMs;
  }

  /** Once ready: the shim and the chained config, put back when someone took them away. */
  private ensureCni(): void {
    const installer = this.o.installer;
    if (!installer || this.notReadyReason() !== null) return;
    if (this.isCniInstalled && installer.isInstalled()) return;
    const outcome = installer.ensure();
    if (outcome.kind === 'no-primary-config') {
      if (this.isCniInstalled || !this.hasWarnedNoConfig) this.log.warn('no primary CNI config to chain into yet; waiting for one', {});
      this.hasWarnedNoConfig = true;
      this.isCniInstalled = false;
      return;
    }
    if (outcome.kind === 'installed') this.log.info('cni installed', { binary: installer.binaryPath, conf: outcome.conf });
    this.isCniInstalled = true;
  }

  private async get<T>(path: string): Promise<T> {
    return JSON.parse(await this.call('GET', path)) as T;
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: string): Promise<string> {
    const r = await this.api!(method, path, body);
    if (r.status !== 200) throw new StateError(`the local API answered ${method} ${path} with ${r.status === 0 ? `no connection (${r.body})` : `HTTP ${r.status}`}`);
    return r.body;
  }

  private metrics(): string {
    const cni = this.daemon.cniHost?.requestCounts() ?? [];
    const families: MetricFamily[] = [
      { name: 'ztkube_agent_ready', help: 'Whether the agent attaches pods (1) or not (0)', type: 'gauge', samples: [{ value: this.notReadyReason() === null ? 1 : 0 }] },
      { name: 'ztkube_agent_identity_conflict', help: 'Whether another node runs this identity', type: 'gauge', samples: [{ value: this.conflictWith === null ? 0 : 1 }] },
      { name: 'ztkube_agent_networks_joined', help: 'Networks the agent joined for ZTNetworks', type: 'gauge', samples: [{ value: this.records.size }] },
      { name: 'ztkube_agent_pass_failures_total', help: 'Agent passes that failed (logged at warn)', type: 'counter', samples: [{ value: this.passFailuresTotal }] },
      { name: 'ztkube_cni_requests_total', help: 'CNI requests answered, by command and outcome', type: 'counter', samples: cni.map((c) => ({ labels: { command: c.command, outcome: c.outcome }, value: c.total })) },
    ];
    return `${this.daemon.metricsText()}${renderPrometheusText(families)}`;
  }
}

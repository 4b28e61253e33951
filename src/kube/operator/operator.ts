// The operator (issue #11): an in-cluster controller (a ztkube node whose identity is kept in
// a Secret and whose controller records are ZTNetwork/ZTMember resources) plus informers on
// both kinds feeding a work queue of network reconciles and the member relay; informers on
// v1 Nodes and ZTNodes re-queue the networks a node's change concerns (cluster-nodes.ts).
// Informers list and then watch from the list's resourceVersion, and re-list on 410 Gone
// (client-node's ListWatch); after any other error they are started again after a delay.
import { mkdirSync } from 'node:fs';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import type winston from 'winston';
import { secureRandomBytes } from '../../crypto/random.js';
import type { Identity } from '../../protocol/identity.js';
import { addressToString } from '../../protocol/address.js';
import { Daemon } from '../../service/daemon.js';
import { HomeDir } from '../../service/home.js';
import { readIdentity, writeIdentity } from '../../service/identity-files.js';
import { generateIdentityInWorker } from '../../service/identity-worker.js';
import type { SafetyPolicy } from '../../service/safety.js';
import { ConfigError, StateError } from '../../util/errors.js';
import { ZTKUBE_GROUP as group, ZTKUBE_VERSION as version, ZTMEMBER, ZTNETWORK, ZTNODE } from '../crd-names.js';
import { KubeControllerStore } from '../kube-controller-store.js';
import { ClusterNodes } from './cluster-nodes.js';
import { loadOrCreateIdentitySecret } from './identity-secret.js';
import { MemberRelay, type MemberResource } from './member-relay.js';
import { MemberStatusWriter } from './member-status.js';
import { NetworkAttachments } from './network-attachments.js';
import { NetworkReconciler } from './network-reconciler.js';
import { networkRefOf } from './node-events.js';
import { NodeMembers } from './node-members.js';
import { WorkQueue } from './work-queue.js';

/** How long a failed informer waits before it lists and watches again. */
const INFORMER_RESTART_MS = 2_000;
/** Every managed network is reconciled this often even without events (a watch that died silently). */
const RESYNC_MS = 60_000;
export const DEFAULT_CNI_SOCKET = '/run/ztkube/cni.sock';
/** How often ZTMember status (last seen, version, physical address) is brought up to date. */
const MEMBER_STATUS_PASS_MS = 10_000;

export interface OperatorOptions {
  kc: KubeConfig;
  namespace: string;
  identitySecret: string;
  /** The node's home (planet, peers); its identity comes from the Secret. */
  home: string;
  port: number;
  /** Local IPs to bind (default: every eligible interface address). */
  bind?: string[];
  log: winston.Logger;
  safety?: SafetyPolicy;
  /** Namespaces that get a Multus NetworkAttachmentDefinition per ZTNetwork (besides `namespace`). */
  nadNamespaces?: string[];
  /** The agents' CNI socket, as the NADs' plugin config names it. */
  cniSocket?: string;
}

/** Puts the Secret's identity in the home; a home holding another identity is refused. */
function placeIdentity(home: string, id: Identity): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const h = new HomeDir(home);
  const have = readIdentity(h);
  if (have && have.address !== id.address) throw new ConfigError(`${h.path('identity.secret')}: holds identity ${addressToString(have.address)}, not the controller's ${addressToString(id.address)} from its Secret; use an empty home`);
  if (!have) writeIdentity(h, id);
}

export class Operator {
  private readonly opts: OperatorOptions;
  private daemon: Daemon | null = null;
  private queue: WorkQueue | null = null;
  private readonly informers: Array<Informer<KubernetesObject> & ObjectCache<KubernetesObject>> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  /** Per informer: has a list come back (client-node's start() resolves after a failed one too)? */
  private readonly hasListed: boolean[] = [];
  private isStarted = false;
  private isStopped = false;

  constructor(opts: OperatorOptions) {
    this.opts = opts;
  }

  async start(): Promise<void> {
    const { kc, log } = this.opts;
    const identity = await loadOrCreateIdentitySecret(kc, this.opts.namespace, this.opts.identitySecret, generateIdentityInWorker);
    const address = addressToString(identity.address);
    log.info('controller identity', { address, secret: `${this.opts.namespace}/${this.opts.identitySecret}` });
    placeIdentity(this.opts.home, identity);
    const store = new KubeControllerStore(kc);
    const daemon = (this.daemon = new Daemon({ home: this.opts.home, port: this.opts.port, bind: this.opts.bind, log: log.child({ component: 'node' }), safety: this.opts.safety, taps: 'memory', controllerStore: store }));
    await daemon.start();
    const host = daemon.embeddedController;
    if (!host) throw new StateError('the node started without its controller');
    const api = kc.makeApiClient(CustomObjectsApi);
    const now = (): number => Date.now();
    let networks: ReturnType<Operator['informer']> | null = null;
    const cluster = new ClusterNodes(() => (networks?.list() ?? []).map(networkRefOf).filter((r) => r !== null), (name) => this.queue?.add(name));
    const members = new NodeMembers({ api, controller: host.api, now });
    const attachments = new NetworkAttachments({
      api,
      crds: kc.makeApiClient(ApiextensionsV1Api),
      namespaces: [...new Set([this.opts.namespace, ...(this.opts.nadNamespaces ?? [])])],
      socket: this.opts.cniSocket ?? DEFAULT_CNI_SOCKET,
      now,
    });
    const reconciler = new NetworkReconciler({ api, store, controller: { api: host.api, db: host.db, address }, nodes: () => cluster.nodes(), ztnodes: () => cluster.ztnodes(), members, attachments, now, random: secureRandomBytes });
    const queue = (this.queue = new WorkQueue({
      work: (name) => reconciler.reconcile(name),
      onError: (name, e, attempt, retryInMs) => log.warn('reconcile failed', { ztnetwork: name, attempt, retryInMs, error: (e as Error).message }),
    }));
    const relay = new MemberRelay(() => host.db);
    // The nodes are listed first, so that the first reconcile of each network sees them.
    const core = kc.makeApiClient(CoreV1Api);
    const nodeInformer = this.informer('v1 nodes', '/api/v1/nodes', () => core.listNode() as never);
    nodeInformer.on('add', (o) => cluster.nodeChanged(o));
    nodeInformer.on('update', (o) => cluster.nodeChanged(o));
    nodeInformer.on('delete', (o) => cluster.nodeChanged(o, true));
    const ztnodes = this.customInformer(ZTNODE.plural, api);
    ztnodes.on('add', (o) => cluster.ztNodeChanged(o));
    ztnodes.on('update', (o) => cluster.ztNodeChanged(o));
    ztnodes.on('delete', (o) => cluster.ztNodeChanged(o, true));
    await Promise.all([nodeInformer.start(), ztnodes.start()]);
    networks = this.customInformer(ZTNETWORK.plural, api);
    for (const ev of ['add', 'update', 'delete'] as const) networks.on(ev, (o) => o.metadata?.name && queue.add(o.metadata.name));
    const memberInformer = this.customInformer(ZTMEMBER.plural, api);
    memberInformer.on('add', (o) => relay.changed(o as MemberResource));
    memberInformer.on('update', (o) => relay.changed(o as MemberResource));
    memberInformer.on('delete', (o) => relay.deleted(o as MemberResource));
    await Promise.all([networks.start(), memberInformer.start()]);
    const listed = networks;
    this.timers.push(setInterval(() => {
      for (const o of listed.list()) if (o.metadata?.name) queue.add(o.metadata.name);
    }, RESYNC_MS));
    const memberStatus = new MemberStatusWriter({ api, sightings: () => host.memberSightings(), nodeOf: (a) => cluster.ztnodes().find((z) => z.address === a)?.name, now });
    this.timers.push(setInterval(() => {
      memberStatus.pass().catch((e: Error) => log.warn('member status write failed', { error: e.message }));
    }, MEMBER_STATUS_PASS_MS));
    this.isStarted = true;
    log.info('operator started', { address });
  }

  /** null when reconciling (started, every informer listed, the controller node online); else why not. */
  notReadyReason(): string | null {
    if (this.isStopped) return 'the operator is stopping';
    if (!this.isStarted) return 'the operator is starting (controller identity, node, informers)';
    if (this.hasListed.includes(false)) return 'the Node, ZTNode, ZTNetwork and ZTMember informers have not all listed yet';
    if (!this.daemon?.isOnline) return 'the controller node is not online yet';
    return null;
  }

  /** The work queue's counters, and the controller node's metrics (Prometheus text, '' before it runs). */
  stats(): { queueDepth: number; retrying: number; reconcilesTotal: number; reconcileFailuresTotal: number; nodeMetrics: string } {
    const q = this.queue;
    const counts = q?.counts ?? { runsTotal: 0, failuresTotal: 0 };
    return { queueDepth: q?.depth ?? 0, retrying: q?.retrying ?? 0, reconcilesTotal: counts.runsTotal, reconcileFailuresTotal: counts.failuresTotal, nodeMetrics: this.daemon?.metricsText() ?? '' };
  }

  private customInformer(plural: string, api: CustomObjectsApi): Informer<KubernetesObject> & ObjectCache<KubernetesObject> {
    return this.informer(plural, `/apis/${group}/${version}/${plural}`, () => api.listClusterCustomObject({ group, version, plural }) as never);
  }

  private informer(plural: string, path: string, list: Parameters<typeof makeInformer<KubernetesObject>>[2]): Informer<KubernetesObject> & ObjectCache<KubernetesObject> {
    const index = this.hasListed.push(false) - 1;
    const listed: typeof list = async () => {
      const r = await list();
      this.hasListed[index] = true;
      return r;
    };
    const inf = makeInformer<KubernetesObject>(this.opts.kc, path, listed);
    inf.on('error', (e) => {
      if (this.isStopped) return;
      this.opts.log.warn('watch failed; listing again', { resource: plural, error: String((e as Error)?.message ?? e), retryInMs: INFORMER_RESTART_MS });
      const t = setTimeout(() => {
        if (!this.isStopped) inf.start().catch((err: Error) => this.opts.log.warn('informer restart failed', { resource: plural, error: err.message }));
      }, INFORMER_RESTART_MS);
      this.timers.push(t);
    });
    this.informers.push(inf);
    return inf;
  }

  async stop(): Promise<void> {
    if (this.isStopped) return;
    this.isStopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.queue?.stop();
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.daemon?.stop();
  }
}

// Reconcile of one managed ZTNetwork into a network on the in-cluster controller (issue #11):
// finalizer and network-ID label first (the label binds the resource to its network in the
// Kubernetes store), then the record through the controller's own API so it is filled and
// normalized as any API write, then the status through the status subresource. A deleted
// ZTNetwork is deleted on the controller (members get revoked) before its finalizer goes.
// Every ZTNetwork, managed or joined by ID (spec.networkId), gets the selected nodes' counts,
// NodesJoined and its per-node pod ranges in status (network-nodes.ts, pod-ranges.ts); on a
// managed network the selected nodes' members are also authorized (node-members.ts). Where
// Multus is installed, each gets NetworkAttachmentDefinitions, deleted by a second finalizer.
import { ApiException, type CustomObjectsApi } from '@kubernetes/client-node';
import type { ControllerDb } from '../../controller/controller-db.js';
import type { NetworkRecord } from '../../controller/network-record.js';
import { sameRecord } from '../../controller/controller-db.js';
import { StateError } from '../../util/errors.js';
import type { ControllerHandler } from '../../service/local-api/service-port.js';
import { ZTKUBE_GROUP as group, ZTKUBE_VERSION as version, ZTNETWORK } from '../crd-names.js';
import { NETWORK_ID_LABEL } from '../controller-record-mapping.js';
import type { KubeControllerStore } from '../kube-controller-store.js';
import { networkStatus, type ReconcileOutcome } from './network-status.js';
import { networkNodesView, type NetworkNodesView, type NodeInfo, type ZtNodeInfo } from './network-nodes.js';
import type { NodeMembers } from './node-members.js';
import { NAD_FINALIZER, type NetworkAttachments } from './network-attachments.js';
import { allocatePodRanges, type PodRange, type PodRangeResult } from './pod-ranges.js';

export const CONTROLLER_FINALIZER = 'ztkube.io/controller';
const plural = ZTNETWORK.plural;
const STATUS_RETRIES = 5;

interface NetworkResource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; generation?: number; resourceVersion?: string; labels?: Record<string, string>; finalizers?: string[]; deletionTimestamp?: string };
  spec?: {
    managed?: { ipv4Pools?: Array<{ start: string; end: string }>; routes?: Array<{ target: string; via?: string }>; [k: string]: unknown };
    networkId?: string;
    nodeSelector?: Record<string, string>;
    attach?: { mode?: 'bridge' | 'sixplane'; podRanges?: string[]; perNodePrefixLength?: number };
  };
  status?: Record<string, unknown>;
}

export interface NetworkReconcilerOptions {
  api: CustomObjectsApi;
  store: KubeControllerStore;
  /** The embedded controller's /controller routes and its records layer. */
  controller: { api: ControllerHandler; db: ControllerDb; address: string };
  /** The cluster's nodes and ZTNodes (the informers' caches). */
  nodes(): NodeInfo[];
  ztnodes(): ZtNodeInfo[];
  members: NodeMembers;
  /** Multus NADs per ZTNetwork; absent: none are made. */
  attachments?: NetworkAttachments;
  now(): number;
  /** n secure random bytes (the network ID's low 24 bits). */
  random(n: number): Uint8Array;
}

function isCode(e: unknown, code: number): boolean {
  return e instanceof ApiException && e.code === code;
}

function withoutRevision(r: NetworkRecord | null): NetworkRecord | null {
  if (!r) return null;
  const { revision: _r, ...rest } = r;
  return rest;
}

export class NetworkReconciler {
  private readonly opts: NetworkReconcilerOptions;
  /** The record last seen per network ID, to tell the controller of kubectl's edits. */
  private readonly lastSeen = new Map<string, NetworkRecord>();

  constructor(opts: NetworkReconcilerOptions) {
    this.opts = opts;
  }

  private async read(name: string): Promise<NetworkResource | null> {
    try {
      return (await this.opts.api.getClusterCustomObject({ group, version, plural, name })) as NetworkResource;
    } catch (e) {
      if (isCode(e, 404)) return null;
      throw e;
    }
  }

  async reconcile(name: string): Promise<void> {
    let r = await this.read(name);
    if (!r) return;
    const isManaged = r.spec?.managed !== undefined;
    if (!isManaged && !r.spec?.networkId) return;
    if (r.metadata.deletionTimestamp) return this.finalize(r);
    const hasNads = (await this.opts.attachments?.isAvailable()) ?? false;
    const nwid = r.metadata.labels?.[NETWORK_ID_LABEL];
    const wanted = [...(isManaged ? [CONTROLLER_FINALIZER] : []), ...(hasNads ? [NAD_FINALIZER] : [])];
    if ((isManaged && !nwid) || wanted.some((f) => !(r!.metadata.finalizers ?? []).includes(f))) {
      // A 409 here (someone wrote in between) fails the run; the queue retries on the new version.
      const labels = isManaged ? { ...r.metadata.labels, [NETWORK_ID_LABEL]: nwid ?? (await this.newNetworkId()) } : r.metadata.labels;
      const finalizers = [...new Set([...(r.metadata.finalizers ?? []), ...wanted])];
      r = (await this.opts.api.replaceClusterCustomObject({ group, version, plural, name, body: { ...r, metadata: { ...r.metadata, labels, finalizers } } })) as NetworkResource;
    }
    if (!isManaged) {
      const external = r.spec!.networkId!;
      if (hasNads) await this.opts.attachments!.ensure(name, external);
      // No controller of ours: what the nodes report is all there is to know.
      return this.writeStatus(name, (cur) => {
        const nodes = this.nodesOf(cur, external);
        const heard = this.opts.ztnodes().flatMap((z) => z.networks).find((n) => n.networkId === external && n.status === 'OK');
        return { networkId: external, isExternal: true, failure: null, nodes, podRanges: podRangesOf(cur, nodes), record: heard ? { name: heard.name, mtu: heard.mtu } : null };
      });
    }
    const id = r.metadata.labels![NETWORK_ID_LABEL]!;
    const outcome = await this.ensureNetwork(id);
    if (!outcome.failure) {
      const nodes = this.nodesOf(r, id);
      await this.opts.members.sync(id, new Set(nodes.addresses.values()), (r.spec?.attach?.mode ?? 'bridge') === 'bridge');
      if (hasNads) await this.opts.attachments!.ensure(name, id);
    }
    await this.writeStatus(name, (cur) => {
      const nodes = this.nodesOf(cur, id);
      return outcome.failure ? outcome : { ...outcome, nodes, podRanges: podRangesOf(cur, nodes) };
    });
  }

  private nodesOf(r: NetworkResource, nwid: string): NetworkNodesView {
    return networkNodesView(nwid, r.spec?.attach?.mode ?? 'bridge', r.spec?.nodeSelector, this.opts.nodes(), this.opts.ztnodes());
  }

  /** 1.14.1's rule: the controller's address and 24 random bits, not in use yet. */
  private async newNetworkId(): Promise<string> {
    const taken = new Set(await this.opts.store.listNetworks());
    for (;;) {
      const id = this.opts.controller.address + Buffer.from(this.opts.random(3)).toString('hex');
      if (!taken.has(id)) return id;
    }
  }

  private async ensureNetwork(nwid: string): Promise<ReconcileOutcome> {
    const { controller } = this.opts;
    const before = this.lastSeen.get(nwid) ?? null;
    const current = await this.opts.store.getNetwork(nwid);
    // The controller's own API fills the defaults a kubectl-made spec lacks and saves the record.
    const res = await controller.api('POST', ['controller', 'network', nwid], {}, this.opts.now());
    if (res.status !== 200) return { networkId: nwid, failure: { reason: 'ControllerError', message: `the controller answered HTTP ${res.status} for network ${nwid}` } };
    const after = await this.opts.store.getNetwork(nwid);
    // A spec edited with kubectl is in the store already, so the API saw no change: tell the
    // controller so online members get the new config.
    if (before && current && !sameRecord(withoutRevision(before), withoutRevision(current))) controller.db.networkChangedInStore(nwid, before, current);
    if (after) this.lastSeen.set(nwid, after);
    return { networkId: nwid, record: after, failure: null };
  }

  /** A deleted ZTNetwork: the network off the controller (managed), its NADs gone, then our finalizers. */
  private async finalize(r: NetworkResource): Promise<void> {
    const has = (f: string): boolean => (r.metadata.finalizers ?? []).includes(f);
    if (!has(CONTROLLER_FINALIZER) && !has(NAD_FINALIZER)) return;
    const nwid = r.metadata.labels?.[NETWORK_ID_LABEL];
    if (has(CONTROLLER_FINALIZER) && nwid) {
      const res = await this.opts.controller.api('DELETE', ['controller', 'network', nwid], undefined, this.opts.now());
      if (res.status !== 200 && res.status !== 404) throw new StateError(`the controller answered HTTP ${res.status} deleting network ${nwid}`);
      this.lastSeen.delete(nwid);
    }
    if (has(NAD_FINALIZER)) {
      if (!this.opts.attachments) throw new StateError(`ZTNetwork ${r.metadata.name} waits for its NetworkAttachmentDefinitions to be deleted, but this operator does not manage them`);
      await this.opts.attachments.remove(r.metadata.name);
    }
    const latest = await this.read(r.metadata.name);
    if (!latest) return;
    const finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== CONTROLLER_FINALIZER && f !== NAD_FINALIZER);
    try {
      await this.opts.api.replaceClusterCustomObject({ group, version, plural, name: r.metadata.name, body: { ...latest, metadata: { ...latest.metadata, finalizers } } });
    } catch (e) {
      if (!isCode(e, 404)) throw e; // gone already: nothing left to release
    }
  }

  /** The status through /status with the resourceVersion just read; a 409 re-reads and retries. */
  private async writeStatus(name: string, outcomeOf: (r: NetworkResource) => ReconcileOutcome): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.read(name);
      if (!r || r.metadata.deletionTimestamp) return;
      const status = networkStatus(r.status, r.metadata.generation ?? 0, outcomeOf(r), new Date(this.opts.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      try {
        await this.opts.api.replaceClusterCustomObjectStatus({ group, version, plural, name, body: { ...r, status } });
        return;
      } catch (e) {
        if (!isCode(e, 409) || attempt >= STATUS_RETRIES) throw e;
      }
    }
  }
}

/** Bridge-mode pod ranges for the selected nodes, kept from the status last written. */
function podRangesOf(r: NetworkResource, nodes: NetworkNodesView): PodRangeResult | undefined {
  const attach = r.spec?.attach ?? {};
  if ((attach.mode ?? 'bridge') !== 'bridge' || !attach.podRanges?.length) return undefined;
  const previous = Array.isArray(r.status?.podRanges) ? (r.status.podRanges as PodRange[]) : [];
  const managed = r.spec?.managed;
  const lanRoutes = managed ? (managed.routes ?? []).filter((x) => !x.via).map((x) => x.target) : undefined;
  return allocatePodRanges({ podRanges: attach.podRanges, perNodePrefixLength: attach.perNodePrefixLength ?? 26, nodes: nodes.selected, previous, pools: managed?.ipv4Pools ?? [], lanRoutes });
}

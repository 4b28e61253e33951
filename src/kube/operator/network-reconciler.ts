// Reconcile of one managed ZTNetwork into a network on the in-cluster controller (issue #11):
// finalizer and network-ID label first (the label binds the resource to its network in the
// Kubernetes store), then the record through the controller's own API so it is filled and
// normalized as any API write, then the status through the status subresource. A deleted
// ZTNetwork is deleted on the controller (members get revoked) before its finalizer goes.
// Networks joined by ID (spec.networkId) are the node agents' business, not this one's.
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

export const CONTROLLER_FINALIZER = 'ztkube.io/controller';
const plural = ZTNETWORK.plural;
const STATUS_RETRIES = 5;

interface NetworkResource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; generation?: number; resourceVersion?: string; labels?: Record<string, string>; finalizers?: string[]; deletionTimestamp?: string };
  spec?: { managed?: Record<string, unknown>; networkId?: string };
  status?: Record<string, unknown>;
}

export interface NetworkReconcilerOptions {
  api: CustomObjectsApi;
  store: KubeControllerStore;
  /** The embedded controller's /controller routes and its records layer. */
  controller: { api: ControllerHandler; db: ControllerDb; address: string };
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
    if (!r || r.spec?.managed === undefined) return;
    if (r.metadata.deletionTimestamp) return this.finalize(r);
    const nwid = r.metadata.labels?.[NETWORK_ID_LABEL];
    if (!nwid || !(r.metadata.finalizers ?? []).includes(CONTROLLER_FINALIZER)) {
      // A 409 here (someone wrote in between) fails the run; the queue retries on the new version.
      const labels = { ...r.metadata.labels, [NETWORK_ID_LABEL]: nwid ?? (await this.newNetworkId()) };
      const finalizers = [...new Set([...(r.metadata.finalizers ?? []), CONTROLLER_FINALIZER])];
      r = (await this.opts.api.replaceClusterCustomObject({ group, version, plural, name, body: { ...r, metadata: { ...r.metadata, labels, finalizers } } })) as NetworkResource;
    }
    const id = r.metadata.labels![NETWORK_ID_LABEL]!;
    const outcome = await this.ensureNetwork(id);
    await this.writeStatus(name, outcome);
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

  private async finalize(r: NetworkResource): Promise<void> {
    if (!(r.metadata.finalizers ?? []).includes(CONTROLLER_FINALIZER)) return;
    const nwid = r.metadata.labels?.[NETWORK_ID_LABEL];
    if (nwid) {
      const res = await this.opts.controller.api('DELETE', ['controller', 'network', nwid], undefined, this.opts.now());
      if (res.status !== 200 && res.status !== 404) throw new StateError(`the controller answered HTTP ${res.status} deleting network ${nwid}`);
      this.lastSeen.delete(nwid);
    }
    const latest = await this.read(r.metadata.name);
    if (!latest) return;
    const finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== CONTROLLER_FINALIZER);
    try {
      await this.opts.api.replaceClusterCustomObject({ group, version, plural, name: r.metadata.name, body: { ...latest, metadata: { ...latest.metadata, finalizers } } });
    } catch (e) {
      if (!isCode(e, 404)) throw e; // gone already: nothing left to release
    }
  }

  /** The status through /status with the resourceVersion just read; a 409 re-reads and retries. */
  private async writeStatus(name: string, outcome: ReconcileOutcome): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.read(name);
      if (!r || r.metadata.deletionTimestamp) return;
      const status = networkStatus(r.status, r.metadata.generation ?? 0, outcome, new Date(this.opts.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      try {
        await this.opts.api.replaceClusterCustomObjectStatus({ group, version, plural, name, body: { ...r, status } });
        return;
      } catch (e) {
        if (!isCode(e, 409) || attempt >= STATUS_RETRIES) throw e;
      }
    }
  }
}

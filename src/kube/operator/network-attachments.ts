// Multus NetworkAttachmentDefinitions for ZTNetworks (07 §2, issue #11): where the
// `network-attachment-definitions.k8s.cni.cncf.io` CRD is served, each ZTNetwork gets a NAD of
// the same name in each configured namespace whose `spec.config` delegates to the ztkube plugin
// with the network's ID, so a pod selects the network with the standard Multus annotation.
// A cluster-scoped ZTNetwork cannot own namespaced objects, so the NADs carry ZTNETWORK_LABEL
// and are deleted by the ZTNetwork's finalizer. A NAD of that name made by someone else (no
// label) is left alone.
import { ApiException, type ApiextensionsV1Api, type CustomObjectsApi } from '@kubernetes/client-node';

export const NAD_FINALIZER = 'ztkube.io/network-attachments';
/** On a NAD: the ZTNetwork it was made for. */
export const ZTNETWORK_LABEL = 'ztkube.io/ztnetwork';
export const NAD_CRD = 'network-attachment-definitions.k8s.cni.cncf.io';
const NAD = { group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions' } as const;
/** How long the answer to "is the NAD CRD served?" is kept. */
const CRD_CHECK_MS = 30_000;

/** The NAD's spec.config: a CNI config for the ztkube plugin (07 §2's delegate form). Pure. */
export function nadConfig(name: string, networkId: string, socket: string): string {
  return JSON.stringify({ cniVersion: '1.1.0', name, type: 'ztkube', socket, network: networkId });
}

interface NadResource {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: { config?: string };
}

export interface NetworkAttachmentsOptions {
  api: CustomObjectsApi;
  crds: ApiextensionsV1Api;
  namespaces: readonly string[];
  /** The agents' CNI socket, as the plugin config names it. */
  socket: string;
  now(): number;
}

function isCode(e: unknown, code: number): boolean {
  return e instanceof ApiException && e.code === code;
}

export class NetworkAttachments {
  private readonly opts: NetworkAttachmentsOptions;
  private checked: { atMs: number; isServed: boolean } | null = null;

  constructor(opts: NetworkAttachmentsOptions) {
    this.opts = opts;
  }

  /** Whether the cluster serves NADs (checked again after CRD_CHECK_MS). */
  async isAvailable(): Promise<boolean> {
    const now = this.opts.now();
    if (this.checked && now - this.checked.atMs < CRD_CHECK_MS) return this.checked.isServed;
    let isServed = true;
    try {
      await this.opts.crds.readCustomResourceDefinition({ name: NAD_CRD });
    } catch (e) {
      if (!isCode(e, 404)) throw e;
      isServed = false;
    }
    this.checked = { atMs: now, isServed };
    return isServed;
  }

  /** Creates or corrects the NAD of `ztnetwork` in every namespace. */
  async ensure(ztnetwork: string, networkId: string): Promise<void> {
    const config = nadConfig(ztnetwork, networkId, this.opts.socket);
    for (const namespace of this.opts.namespaces) {
      const current = await this.get(namespace, ztnetwork);
      if (current && current.metadata.labels?.[ZTNETWORK_LABEL] !== ztnetwork) continue; // someone else's
      if (current?.spec?.config === config) continue;
      const metadata = { ...current?.metadata, name: ztnetwork, namespace, labels: { ...current?.metadata.labels, [ZTNETWORK_LABEL]: ztnetwork } };
      const body = { apiVersion: `${NAD.group}/${NAD.version}`, kind: 'NetworkAttachmentDefinition', metadata, spec: { ...current?.spec, config } };
      // A 409 (written meanwhile) fails the reconcile; the queue retries on the new version.
      if (current) await this.opts.api.replaceNamespacedCustomObject({ ...NAD, namespace, name: ztnetwork, body });
      else await this.opts.api.createNamespacedCustomObject({ ...NAD, namespace, body });
    }
  }

  /** Deletes the NADs made for `ztnetwork` (finalizer). */
  async remove(ztnetwork: string): Promise<void> {
    for (const namespace of this.opts.namespaces) {
      let items: NadResource[];
      try {
        items = ((await this.opts.api.listNamespacedCustomObject({ ...NAD, namespace, labelSelector: `${ZTNETWORK_LABEL}=${ztnetwork}` })) as { items: NadResource[] }).items;
      } catch (e) {
        if (isCode(e, 404)) return; // the CRD went away: nothing of ours is left
        throw e;
      }
      for (const n of items) {
        try {
          await this.opts.api.deleteNamespacedCustomObject({ ...NAD, namespace, name: n.metadata.name });
        } catch (e) {
          if (!isCode(e, 404)) throw e; // gone already
        }
      }
    }
  }

  private async get(namespace: string, name: string): Promise<NadResource | null> {
    try {
      return (await this.opts.api.getNamespacedCustomObject({ ...NAD, namespace, name })) as NadResource;
    } catch (e) {
      if (isCode(e, 404)) return null;
      throw e;
    }
  }
}

// Writes this node's ZTNode (issue #12): created once, owned by the v1 Node (so deleting the
// Node deletes it), status through the /status subresource with the resourceVersion just read;
// a 409 (someone wrote in between) reads again and retries.
import { ApiException, type CoreV1Api, type CustomObjectsApi } from '@kubernetes/client-node';
import { ZTKUBE_API_VERSION, ZTKUBE_GROUP as group, ZTKUBE_VERSION as version, ZTNODE } from '../crd-names.js';
import { StateError } from '../../util/errors.js';
import type { ZTNodeStatus } from './ztnode-status.js';
import type { ZTNodeResource } from './identity-conflict.js';

const STATUS_RETRIES = 5;
const plural = ZTNODE.plural;

function isCode(e: unknown, code: number): boolean {
  return e instanceof ApiException && e.code === code;
}

export class ZTNodeWriter {
  private readonly api: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly nodeName: string;

  constructor(api: CustomObjectsApi, core: CoreV1Api, nodeName: string) {
    this.api = api;
    this.core = core;
    this.nodeName = nodeName;
  }

  /** The ZTNode as stored, created (owned by the Node) when absent. */
  async ensure(): Promise<ZTNodeResource> {
    const have = await this.read();
    if (have) return have;
    let node;
    try {
      node = await this.core.readNode({ name: this.nodeName });
    } catch (e) {
      if (isCode(e, 404)) throw new StateError(`Node ${this.nodeName} is not in the API server, and its ZTNode must be owned by it; check --node-name`);
      throw e;
    }
    const body = {
      apiVersion: ZTKUBE_API_VERSION,
      kind: ZTNODE.kind,
      metadata: {
        name: this.nodeName,
        labels: { 'app.kubernetes.io/managed-by': 'ztkube-agent' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: node.metadata!.uid!, blockOwnerDeletion: false }],
      },
      spec: { nodeName: this.nodeName },
    };
    try {
      return (await this.api.createClusterCustomObject({ group, version, plural, body })) as ZTNodeResource;
    } catch (e) {
      if (!isCode(e, 409)) throw e;
      return (await this.read())!; // made by our previous run in between
    }
  }

  /** Writes `status(previous)`; a conflict reads again and retries. */
  async writeStatus(status: (previous: ZTNodeResource) => ZTNodeStatus): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const r = await this.ensure();
      try {
        await this.api.replaceClusterCustomObjectStatus({ group, version, plural, name: this.nodeName, body: { ...r, status: status(r) } });
        return;
      } catch (e) {
        if (!(isCode(e, 409) || isCode(e, 404)) || attempt >= STATUS_RETRIES) throw e;
      }
    }
  }

  private async read(): Promise<ZTNodeResource | null> {
    try {
      return (await this.api.getClusterCustomObject({ group, version, plural, name: this.nodeName })) as ZTNodeResource;
    } catch (e) {
      if (isCode(e, 404)) return null;
      throw e;
    }
  }
}

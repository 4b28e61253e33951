// The agent's three informers (issue #12): ZTNetworks (what to join), ZTNodes (identity
// conflicts) and its own Node (labels for the selectors, by a field selector on the list and
// the watch). ZTNetwork and Node events wake the agent's loop. An informer that fails lists and watches again after a delay (client-node
// re-lists on 410 Gone by itself); `isSynced` turns true once every first list is in.
import { CoreV1Api, CustomObjectsApi, ListWatch, Watch, type KubeConfig, type KubernetesObject, type V1Node } from '@kubernetes/client-node';
import type winston from 'winston';
import { ZTKUBE_GROUP as group, ZTKUBE_VERSION as version, ZTNETWORK, ZTNODE } from '../crd-names.js';
import type { ZTNetworkResource } from './ztnetwork-view.js';
import type { ZTNodeResource } from './identity-conflict.js';

const RESTART_MS = 2_000;

export class KubeInformers {
  private readonly lists: Array<ListWatch<KubernetesObject>> = [];
  private readonly networks: ListWatch<KubernetesObject>;
  private readonly ztnodes: ListWatch<KubernetesObject>;
  private readonly node: ListWatch<KubernetesObject>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private isStopped = false;
  /** Per informer: has a list ever succeeded (its cache holds the truth, not an empty start)? */
  private readonly hasListed: boolean[] = [];

  constructor(kc: KubeConfig, nodeName: string, log: winston.Logger, onChange: () => void) {
    const api = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const watch = new Watch(kc);
    const byName = `metadata.name=${nodeName}`;
    const make = (path: string, list: () => Promise<unknown>, isWaking: boolean, fieldSelector?: string): ListWatch<KubernetesObject> => {
      const index = this.hasListed.push(false) - 1;
      // client-node's start() resolves even when its list failed (it reports an error event):
      // only a list that came back makes the cache trustworthy. An agent that took an empty
      // cache for the truth would leave every network and detach every pod.
      const listed = async (): Promise<unknown> => {
        const r = await list();
        this.hasListed[index] = true;
        return r;
      };
      const lw = new ListWatch<KubernetesObject>(path, watch, listed as never, false, undefined, fieldSelector);
      if (isWaking) for (const ev of ['add', 'update', 'delete'] as const) lw.on(ev, () => onChange());
      lw.on('error', (e) => {
        if (this.isStopped) return;
        log.warn('watch failed; listing again', { path, error: String((e as Error)?.message ?? e), retryInMs: RESTART_MS });
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (!this.isStopped) lw.start().catch((err: Error) => log.warn('informer restart failed', { path, error: err.message }));
        }, RESTART_MS);
        this.timers.add(t);
      });
      this.lists.push(lw);
      return lw;
    };
    this.networks = make(`/apis/${group}/${version}/${ZTNETWORK.plural}`, () => api.listClusterCustomObject({ group, version, plural: ZTNETWORK.plural }), true);
    // Every agent writes its ZTNode at least every 30 s: waking every agent for each of those
    // writes would cost passes quadratic in the nodes; the periodic pass reads them instead.
    this.ztnodes = make(`/apis/${group}/${version}/${ZTNODE.plural}`, () => api.listClusterCustomObject({ group, version, plural: ZTNODE.plural }), false);
    this.node = make('/api/v1/nodes', () => core.listNode({ fieldSelector: byName }), true, byName);
  }

  /** Lists and watches; a failed first list is retried in the background (isSynced stays false). */
  async start(): Promise<void> {
    await Promise.all(this.lists.map((l) => l.start()));
  }

  get isSynced(): boolean {
    return this.hasListed.every((x) => x);
  }

  async stop(): Promise<void> {
    this.isStopped = true;
    for (const t of this.timers) clearTimeout(t);
    await Promise.all(this.lists.map((l) => l.stop()));
  }

  ztNetworks(): ZTNetworkResource[] {
    return this.networks.list() as ZTNetworkResource[];
  }

  ztNodes(): ZTNodeResource[] {
    return this.ztnodes.list() as ZTNodeResource[];
  }

  /** This node's labels, or undefined before its Node is seen. */
  nodeLabels(): Record<string, string> | undefined {
    const n = this.node.list()[0] as V1Node | undefined;
    return n?.metadata?.labels ?? (n ? {} : undefined);
  }
}

// The server-side controllers a real cluster runs next to the API server, reduced to what
// deletion needs: the garbage collector (dependents whose owners are all gone are deleted;
// `foregroundDeletion` and `orphan` finalizers), the namespace controller (a terminating
// namespace empties itself), and CRD cleanup (a deleted CRD takes its custom resources along).
// Each pass runs after the store changed, off the request's call stack, as a controller would.
import { NAMESPACE_FINALIZER, type ApiCore } from './api-core.js';
import { CRD_CLEANUP_FINALIZER } from './crd-types.js';
import { KubeApiError } from './kube-error.js';
import type { KubeObject } from './kube-object.js';
import { typeKey, type ResourceType } from './resource-type.js';

const BACKGROUND = { isDryRun: false, propagationPolicy: 'Background' as const, preconditions: {} };

export class CleanupControllers {
  private isScheduled = false;
  private isClosed = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly core: ApiCore, private readonly report: (e: unknown) => void) {
    this.unsubscribe = core.store.subscribe(() => this.schedule());
  }

  close(): void {
    this.isClosed = true;
    this.unsubscribe();
  }

  private schedule(): void {
    if (this.isScheduled || this.isClosed) return;
    this.isScheduled = true;
    setImmediate(() => {
      this.isScheduled = false;
      if (this.isClosed) return;
      try {
        this.pass();
      } catch (e) {
        this.report(e);
      }
    });
  }

  private pass(): void {
    const all = this.core.store.all();
    const uids = new Set(all.map((e) => e.object.metadata.uid));
    const dependentsOf = (uid: string | undefined): { type: ResourceType; object: KubeObject }[] =>
      all.filter((e) => (e.object.metadata.ownerReferences ?? []).some((r) => r.uid === uid)).flatMap((e) => this.typed(e));
    for (const e of all) {
      const o = e.object;
      const type = this.core.registry.byKey(e.typeKey);
      if (type === undefined) continue;
      const finalizers = o.metadata.finalizers ?? [];
      if (o.metadata.deletionTimestamp !== undefined) {
        if (finalizers.includes('orphan')) {
          for (const d of dependentsOf(o.metadata.uid)) this.disown(d.type, d.object, o.metadata.uid!);
          this.core.dropFinalizer(type, o, 'orphan');
        }
        if (finalizers.includes('foregroundDeletion')) this.finishWhenEmpty(type, o, 'foregroundDeletion', dependentsOf(o.metadata.uid));
        const specFinalizers = (o.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
        if (type.kind === 'Namespace' && type.group === '' && specFinalizers.includes(NAMESPACE_FINALIZER)) {
          const contents = all.filter((x) => x.object.metadata.namespace === o.metadata.name).flatMap((x) => this.typed(x));
          if (contents.length === 0) this.core.finalizeNamespace(type, o);
          else for (const c of contents) if (c.object.metadata.deletionTimestamp === undefined) this.deleteQuietly(c.type, c.object);
        }
        if (finalizers.includes(CRD_CLEANUP_FINALIZER)) {
          const spec = o.spec as { group: string; names: { plural: string } };
          const key = typeKey({ group: spec.group, plural: spec.names.plural });
          this.finishWhenEmpty(type, o, CRD_CLEANUP_FINALIZER, all.filter((x) => x.typeKey === key).flatMap((x) => this.typed(x)));
        }
      }
      const owners = o.metadata.ownerReferences ?? [];
      if (owners.length > 0 && owners.every((r) => !uids.has(r.uid)) && o.metadata.deletionTimestamp === undefined) this.deleteQuietly(type, o);
    }
  }

  private typed(e: { typeKey: string; object: KubeObject }): { type: ResourceType; object: KubeObject }[] {
    const type = this.core.registry.byKey(e.typeKey);
    return type === undefined ? [] : [{ type, object: e.object }];
  }

  /** Deletes what blocks `finalizer` (each once) and drops the finalizer when nothing is left. */
  private finishWhenEmpty(type: ResourceType, o: KubeObject, finalizer: string, blockers: { type: ResourceType; object: KubeObject }[]): void {
    if (blockers.length === 0) {
      this.core.dropFinalizer(type, o, finalizer);
      return;
    }
    for (const b of blockers) if (b.object.metadata.deletionTimestamp === undefined) this.deleteQuietly(b.type, b.object);
  }

  private deleteQuietly(type: ResourceType, o: KubeObject): void {
    try {
      this.core.delete({ type, namespace: o.metadata.namespace }, o.metadata.name!, BACKGROUND);
    } catch (e) {
      // Someone else deleted it between our snapshot and now: the goal is reached.
      if (!(e instanceof KubeApiError && e.status === 404)) throw e;
    }
  }

  private disown(type: ResourceType, o: KubeObject, ownerUid: string): void {
    const next = this.core.store.get(typeKey(type), o.metadata.namespace, o.metadata.name!);
    if (next === undefined) return;
    next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
    if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
    this.core.store.put(typeKey(type), next);
  }
}

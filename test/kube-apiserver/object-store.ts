// The server's storage: every object of every type under one global resourceVersion counter
// (etcd's revision), plus a bounded history of changes from which watches resume. A watch
// asking for a version older than the history holds gets 410 Gone, like a compacted etcd.
import { gone } from './kube-error.js';
import { deepCopy, type KubeObject } from './kube-object.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  typeKey: string;
  rv: number;
  object: KubeObject;
  /** The object before this change (MODIFIED and DELETED), so watchers can tell selector transitions. */
  previous: KubeObject | undefined;
}

const objectKey = (typeKey: string, namespace: string | undefined, name: string): string => `${typeKey}|${namespace ?? ''}|${name}`;

/** The key lists are sorted and paged by. */
export function listKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export class ObjectStore {
  private rv = 1;
  private readonly objects = new Map<string, KubeObject>();
  private history: StoreEvent[] = [];
  /** Events after this version are all still in `history`. */
  private compactedRv = 1;
  private readonly listeners = new Set<(e: StoreEvent) => void>();

  constructor(private readonly historyLimit: number) {}

  get currentRv(): number {
    return this.rv;
  }

  get(typeKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.objects.get(objectKey(typeKey, namespace, name));
    return o === undefined ? undefined : deepCopy(o);
  }

  /** Objects of a type (in one namespace, or all when namespace is undefined), sorted by namespace then name. */
  list(typeKey: string, namespace: string | undefined): KubeObject[] {
    const prefix = `${typeKey}|`;
    const out: KubeObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (namespace !== undefined && (o.metadata.namespace ?? '') !== namespace) continue;
      out.push(deepCopy(o));
    }
    // Code-point order of "namespace/name": the order continue tokens page through.
    return out.sort((a, b) => (listKey(a) < listKey(b) ? -1 : listKey(a) > listKey(b) ? 1 : 0));
  }

  /** Every stored object, whatever its type (for garbage collection). */
  all(): { typeKey: string; object: KubeObject }[] {
    return [...this.objects.entries()].map(([k, o]) => ({ typeKey: k.slice(0, k.indexOf('|')), object: deepCopy(o) }));
  }

  /** Stores obj under a new resourceVersion and tells watchers; returns the stored copy. */
  put(typeKey: string, obj: KubeObject): KubeObject {
    const key = objectKey(typeKey, obj.metadata.namespace, obj.metadata.name!);
    const previous = this.objects.get(key);
    const stored = deepCopy(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, stored);
    this.record({ type: previous === undefined ? 'ADDED' : 'MODIFIED', typeKey, rv: this.rv, object: stored, previous });
    return deepCopy(stored);
  }

  /** Removes an object; the DELETED event carries its last state under a new resourceVersion. */
  remove(typeKey: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = objectKey(typeKey, namespace, name);
    const previous = this.objects.get(key);
    if (previous === undefined) return undefined;
    this.objects.delete(key);
    const last = deepCopy(previous);
    last.metadata.resourceVersion = String(++this.rv);
    this.record({ type: 'DELETED', typeKey, rv: this.rv, object: last, previous });
    return deepCopy(last);
  }

  /** The changes of a type after version `since`; throws 410 Gone when history no longer reaches back that far. */
  eventsSince(typeKey: string, since: number): StoreEvent[] {
    if (since < this.compactedRv) throw gone(since, this.compactedRv + 1);
    return this.history.filter((e) => e.rv > since && e.typeKey === typeKey);
  }

  /** Forgets all history, as etcd compaction does: watches from any earlier version get 410. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rv;
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(e: StoreEvent): void {
    this.history.push(e);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRv = dropped[dropped.length - 1].rv;
    }
    for (const l of [...this.listeners]) l(e);
  }
}

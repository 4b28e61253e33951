// Which types the server serves right now: the built-ins plus one per established CRD,
// kept in step with the stored CRDs by following the store's events.
import { builtinTypes } from './builtin-types.js';
import { workloadTypes } from './workload-types.js';
import { CRD_GROUP, crdType, customResourceType } from './crd-types.js';
import type { KubeObject } from './kube-object.js';
import type { ObjectStore } from './object-store.js';
import { typeKey, type ResourceType } from './resource-type.js';

export class ResourceRegistry {
  private readonly types = new Map<string, ResourceType>();
  readonly crdTypeKey: string;

  constructor(store: ObjectStore) {
    for (const t of [...builtinTypes(), ...workloadTypes(), crdType()]) this.types.set(typeKey(t), t);
    this.crdTypeKey = typeKey({ group: CRD_GROUP, plural: 'customresourcedefinitions' });
    store.subscribe((e) => {
      if (e.typeKey !== this.crdTypeKey) return;
      if (e.type === 'DELETED') this.forgetCrd(e.object);
      else this.learnCrd(e.object);
    });
  }

  private learnCrd(crd: KubeObject): void {
    const t = customResourceType(crd);
    this.types.set(typeKey(t), t);
  }

  private forgetCrd(crd: KubeObject): void {
    const spec = crd.spec as { group: string; names: { plural: string } };
    this.types.delete(typeKey({ group: spec.group, plural: spec.names.plural }));
  }

  /** The type served at group/version/plural, or undefined. */
  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    const t = this.types.get(typeKey({ group, plural }));
    return t !== undefined && t.servedVersions.includes(version) ? t : undefined;
  }

  byKey(key: string): ResourceType | undefined {
    return this.types.get(key);
  }

  /** The type of an object by its apiVersion and kind (for owner references). */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    return this.all().find((t) => t.group === group && t.kind === kind);
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }
}

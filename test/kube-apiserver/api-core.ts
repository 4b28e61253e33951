// The semantics of the API server's verbs on stored objects, without HTTP: create, get, list,
// update (main resource or /status), patch, delete. Implements optimistic concurrency (409 on
// a stale resourceVersion), metadata.generation (bumped by spec writes only), status
// subresource separation, finalizers with deletionTimestamp, and dry runs.
import { randomBytes, randomUUID } from 'node:crypto';
import { alreadyExists, badRequest, conflict, invalid, KubeApiError, notFound, unsupportedMediaType, type FieldProblem } from './kube-error.js';
import { deepCopy, deepEqual, isPlainObject, kubeTime, type KubeObject } from './kube-object.js';
import { listKey, type ObjectStore } from './object-store.js';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from './patches.js';
import type { ResourceRegistry } from './registry.js';
import type { DeleteOptions, ListOptions, WriteOptions } from './request-options.js';
import { apiVersionOf, typeKey, type ResourceType } from './resource-type.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { admitCrd, CRD_GROUP } from './crd-types.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** The alphabet of generateName suffixes (no vowels, no look-alike digits), as the real server uses. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export interface Target {
  type: ResourceType;
  namespace: string | undefined;
}

export class ApiCore {
  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    private readonly clock: () => number,
  ) {}

  get(t: Target, name: string): KubeObject {
    const o = this.store.get(typeKey(t.type), t.namespace, name);
    if (o === undefined) throw notFound(t.type.group, t.type.plural, name);
    return o;
  }

  list(t: Target, opts: ListOptions): { items: KubeObject[]; rv: number; continueToken?: string; remaining?: number } {
    const rv = this.store.currentRv;
    const bySelectors = this.selectorFor(t.type, opts);
    let items = this.store.list(typeKey(t.type), t.namespace).filter(bySelectors);
    if (opts.continueToken) {
      let start: string;
      try {
        start = String(JSON.parse(Buffer.from(opts.continueToken, 'base64url').toString()).start);
      } catch {
        throw badRequest('continue key is not valid: the token is not the one this server issued');
      }
      items = items.filter((o) => listKey(o) > start);
    }
    if (opts.limit !== undefined && opts.limit > 0 && items.length > opts.limit) {
      const page = items.slice(0, opts.limit);
      const last = page[page.length - 1];
      const continueToken = Buffer.from(JSON.stringify({ rv, start: listKey(last) })).toString('base64url');
      return { items: page, rv, continueToken, remaining: items.length - page.length };
    }
    return { items, rv };
  }

  selectorFor(type: ResourceType, opts: { labelSelector?: string; fieldSelector?: string }): (o: KubeObject) => boolean {
    const byLabel = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : () => true;
    const byField = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector, type.selectableFields) : () => true;
    return (o) => byLabel(o) && byField(o);
  }

  create(t: Target, body: unknown, opts: WriteOptions): KubeObject {
    const obj = this.checkBody(t, body);
    const m = obj.metadata;
    if (!m.name) {
      if (!m.generateName) throw invalid(t.type.kind, t.type.group, '', [{ field: 'metadata.name', type: 'FieldValueRequired', detail: 'Required value: name or generateName is required' }]);
      const suffix = [...randomBytes(5)].map((b) => NAME_ALPHABET[b % NAME_ALPHABET.length]).join('');
      m.name = m.generateName + suffix;
    }
    this.checkName(t.type, m.name);
    if (t.type.isNamespaced) this.checkNamespaceOpen(t.namespace!);
    const now = this.clock();
    m.uid = randomUUID();
    m.creationTimestamp = kubeTime(now);
    delete m.resourceVersion;
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    if (t.type.hasGeneration) m.generation = 1;
    else delete m.generation;
    // Custom resources with a status subresource cannot set status on create.
    if (t.type.isCustom && t.type.hasStatus) delete obj.status;
    if (t.type.kind === 'Pod' && !isPlainObject(obj.status)) obj.status = { phase: 'Pending' };
    this.admit(t.type, obj, undefined, opts);
    if (this.store.get(typeKey(t.type), t.namespace, m.name) !== undefined) throw alreadyExists(t.type.group, t.type.plural, m.name);
    if (opts.isDryRun) return obj;
    return this.store.put(typeKey(t.type), obj);
  }

  /** PUT on the object (isStatus false) or on its /status subresource. */
  update(t: Target, name: string, body: unknown, isStatus: boolean, opts: WriteOptions): KubeObject {
    const old = this.get(t, name);
    const obj = this.checkBody(t, body);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    return this.write(t, old, obj, isStatus, opts);
  }

  patch(t: Target, name: string, contentType: string, patchBody: unknown, isStatus: boolean, opts: WriteOptions): KubeObject {
    if (!t.type.patchTypes.includes(contentType)) throw unsupportedMediaType(contentType, t.type.patchTypes);
    const old = this.get(t, name);
    let patched: unknown;
    try {
      if (contentType === 'application/json-patch+json') patched = jsonPatch(old, patchBody);
      else if (contentType === 'application/merge-patch+json') patched = mergePatch(old, patchBody);
      else patched = strategicMergePatch(old, patchBody);
    } catch (e) {
      if (!(e instanceof PatchError)) throw e;
      throw new KubeApiError(422, 'Invalid', e.message);
    }
    const obj = this.checkBody(t, patched);
    if (obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    return this.write(t, old, obj, isStatus, opts);
  }

  /** The shared tail of update and patch: concurrency check, field ownership, generation, finalizers. */
  private write(t: Target, old: KubeObject, obj: KubeObject, isStatus: boolean, opts: WriteOptions): KubeObject {
    const type = t.type;
    const name = old.metadata.name!;
    const rv = obj.metadata.resourceVersion;
    if (rv === undefined || rv === '') {
      if (type.requiresResourceVersionOnUpdate) throw invalid(type.kind, type.group, name, [{ field: 'metadata.resourceVersion', type: 'FieldValueInvalid', detail: 'Invalid value: 0x0: must be specified for an update' }]);
    } else if (rv !== old.metadata.resourceVersion) throw conflict(type.group, type.plural, name);
    let next: KubeObject;
    if (isStatus) {
      next = deepCopy(old);
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
    } else {
      next = obj;
      const keep = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name'] as const;
      for (const k of keep) {
        if (old.metadata[k] === undefined) delete next.metadata[k];
        else (next.metadata as Record<string, unknown>)[k] = old.metadata[k];
      }
      if (type.hasStatus) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status;
      }
      if (old.metadata.deletionTimestamp !== undefined) {
        const added = (next.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
        if (added.length > 0) throw invalid(type.kind, type.group, name, [{ field: 'metadata.finalizers', type: 'FieldValueForbidden', detail: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` }]);
      }
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    this.admit(type, next, old, opts);
    if (!isStatus && type.hasGeneration && !deepEqual(specPart(next, type.hasStatus), specPart(old, type.hasStatus))) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if ((next.metadata.finalizers ?? []).length === 0) delete next.metadata.finalizers;
    if (deepEqual(next, old)) return old;
    if (opts.isDryRun) return next;
    if (next.metadata.deletionTimestamp !== undefined && !isHeld(type, next)) return this.store.remove(typeKey(type), t.namespace, name)!;
    return this.store.put(typeKey(type), next);
  }

  delete(t: Target, name: string, opts: DeleteOptions): KubeObject {
    const old = this.get(t, name);
    const pre = opts.preconditions;
    if (pre.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw new KubeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${t.type.group ? `${t.type.plural}.${t.type.group}` : t.type.plural} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) throw conflict(t.type.group, t.type.plural, name);
    const next = deepCopy(old);
    const finalizers = new Set(next.metadata.finalizers ?? []);
    if (opts.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan') finalizers.add('orphan');
    next.metadata.finalizers = [...finalizers];
    if (!isHeld(t.type, next)) {
      if (opts.isDryRun) return old;
      return this.store.remove(typeKey(t.type), t.namespace, name)!;
    }
    if (old.metadata.deletionTimestamp !== undefined && finalizers.size === (old.metadata.finalizers ?? []).length) return old;
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    if (next.metadata.deletionTimestamp === undefined) {
      next.metadata.deletionTimestamp = kubeTime(this.clock());
      next.metadata.deletionGracePeriodSeconds = 0;
      if (t.type.hasGeneration) next.metadata.generation = (next.metadata.generation ?? 0) + 1;
    }
    if (t.type.kind === 'Namespace' && t.type.group === '') next.status = { phase: 'Terminating' };
    if (t.type.group === CRD_GROUP) admitCrd(next, this.clock());
    if (opts.isDryRun) return next;
    return this.store.put(typeKey(t.type), next);
  }

  /** Removes one finalizer on behalf of a server-side controller (GC, namespace, CRD cleanup). */
  dropFinalizer(type: ResourceType, o: KubeObject, finalizer: string): void {
    const cur = this.store.get(typeKey(type), o.metadata.namespace, o.metadata.name!);
    if (cur === undefined || !(cur.metadata.finalizers ?? []).includes(finalizer)) return;
    cur.metadata.finalizers = cur.metadata.finalizers!.filter((f) => f !== finalizer);
    if (cur.metadata.finalizers.length === 0) delete cur.metadata.finalizers;
    this.putOrRemove(type, cur);
  }

  /** The namespace controller's last step: drops `kubernetes` from spec.finalizers (what /finalize does). */
  finalizeNamespace(type: ResourceType, o: KubeObject): void {
    const cur = this.store.get(typeKey(type), undefined, o.metadata.name!);
    const spec = cur?.spec as { finalizers?: string[] } | undefined;
    if (cur === undefined || !(spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return;
    spec!.finalizers = spec!.finalizers!.filter((f) => f !== NAMESPACE_FINALIZER);
    this.putOrRemove(type, cur);
  }

  private putOrRemove(type: ResourceType, o: KubeObject): void {
    if (o.metadata.deletionTimestamp !== undefined && !isHeld(type, o)) this.store.remove(typeKey(type), o.metadata.namespace, o.metadata.name!);
    else this.store.put(typeKey(type), o);
  }

  private checkBody(t: Target, body: unknown): KubeObject {
    if (!isPlainObject(body)) throw badRequest(`the request body must be a JSON object for ${t.type.kind}`);
    const obj = deepCopy(body) as KubeObject;
    const apiVersion = apiVersionOf(t.type);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion && !t.type.servedVersions.some((v) => obj.apiVersion === apiVersionOf({ group: t.type.group, version: v }))) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (obj.kind !== undefined && obj.kind !== t.type.kind) throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${t.type.kind})`);
    obj.apiVersion = apiVersion;
    obj.kind = t.type.kind;
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    const ns = obj.metadata.namespace;
    if (t.type.isNamespaced) {
      if (ns !== undefined && ns !== '' && ns !== t.namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = t.namespace;
    } else delete obj.metadata.namespace;
    return obj;
  }

  private checkName(type: ResourceType, name: string): void {
    const pattern = type.kind === 'Namespace' ? DNS_LABEL : DNS_SUBDOMAIN;
    const max = type.kind === 'Namespace' ? 63 : 253;
    if (!pattern.test(name) || name.length > max) {
      const what = type.kind === 'Namespace' ? 'a lowercase RFC 1123 label' : 'a lowercase RFC 1123 subdomain';
      throw invalid(type.kind, type.group, name, [{ field: 'metadata.name', type: 'FieldValueInvalid', detail: `Invalid value: ${JSON.stringify(name)}: ${what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` }]);
    }
  }

  private checkNamespaceOpen(namespace: string): void {
    const ns = this.store.get('/namespaces', undefined, namespace);
    if (ns === undefined) throw notFound('', 'namespaces', namespace);
    if (ns.metadata.deletionTimestamp !== undefined) {
      throw new KubeApiError(403, 'Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`, { name: namespace, kind: 'namespaces' });
    }
  }

  private admit(type: ResourceType, obj: KubeObject, old: KubeObject | undefined, opts: WriteOptions): void {
    const unknown: string[] = [];
    const problems: FieldProblem[] = type.group === CRD_GROUP ? admitCrd(obj, this.clock()) : type.admit(obj, old, unknown);
    if (unknown.length > 0 && opts.fieldValidation === 'Strict') {
      const list = unknown.map((f) => `unknown field "${f}"`).join(', ');
      throw badRequest(`${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${list}`);
    }
    if (opts.fieldValidation === 'Warn') for (const f of unknown) opts.warnings.push(`unknown field "${f}"`);
    if (problems.length > 0) throw invalid(type.kind, type.group, obj.metadata.name ?? '', problems);
  }
}

/** The finalizer a namespace carries in spec.finalizers until the namespace controller has emptied it. */
export const NAMESPACE_FINALIZER = 'kubernetes';

/** Whether a deleted object must stay: metadata finalizers, or a namespace's spec.finalizers. */
function isHeld(type: ResourceType, o: KubeObject): boolean {
  if ((o.metadata.finalizers ?? []).length > 0) return true;
  const spec = o.spec as { finalizers?: unknown } | undefined;
  return type.kind === 'Namespace' && type.group === '' && Array.isArray(spec?.finalizers) && spec.finalizers.length > 0;
}

/** What counts as "spec" for metadata.generation: everything but metadata (and status, when it is a subresource). */
function specPart(o: KubeObject, hasStatus: boolean): Record<string, unknown> {
  const { metadata: _metadata, ...rest } = o;
  if (hasStatus) delete rest.status;
  return rest;
}

// OpenAPI v3 documents: the root index (`/openapi/v3`, one entry per group-version with a
// hash-pinned URL) and one document per group-version. kubectl 1.30 reads them before a
// validating `apply` to learn that each kind's patch operation takes `fieldValidation`; CRDs
// contribute their own schemas so `kubectl explain` sees the real fields.
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './registry.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** `io.ztkube.v1alpha1.ZTNetwork`, `io.k8s.api.core.v1.Pod` (the real server's naming). */
function schemaName(t: ResourceType, version: string): string {
  if (t.group === '') return `io.k8s.api.core.v1.${t.kind}`;
  if (t.group.endsWith('.k8s.io')) return `io.k8s.api.${t.group.replace(/\.k8s\.io$/, '').split('.').join('.')}.${version}.${t.kind}`;
  return `${t.group.split('.').reverse().join('.')}.${version}.${t.kind}`;
}

function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

export function openApiDocument(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const types = registry.all().filter((t) => t.group === group && t.servedVersions.includes(version));
  if (types.length === 0) return undefined;
  const schemas: Record<string, unknown> = { [OBJECT_META]: { type: 'object', description: 'ObjectMeta is metadata that all persisted resources must have.', 'x-kubernetes-preserve-unknown-fields': true } };
  const paths: Record<string, unknown> = {};
  const query = (name: string): object => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
  for (const t of types) {
    const gvk = { group: t.group, version, kind: t.kind };
    const name = schemaName(t, version);
    const ref = { $ref: `#/components/schemas/${name}` };
    schemas[name] = { ...bodySchemaOf(t), 'x-kubernetes-group-version-kind': [gvk] };
    const op = (action: string, extra: object = {}): object => ({
      operationId: `${action}${t.kind}`,
      parameters: [query('dryRun'), query('fieldManager'), query('fieldValidation')],
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      ...extra,
    });
    const body = (types: string[]): object => ({ requestBody: { content: Object.fromEntries(types.map((c) => [c, { schema: ref }])) } });
    // Strategic merge patch is not advertised: our schemas lack the patch merge keys, and
    // kubectl 1.30 computes apply patches from OpenAPI v3 when it is (and warns when that fails),
    // falling back to its compiled-in types otherwise, which know them.
    const patchTypes = t.patchTypes.filter((c) => c !== 'application/strategic-merge-patch+json');
    const base = `/${groupVersionPath(t.group, version)}${t.isNamespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    paths[base] = { get: op('list'), post: op('post', body(['*/*'])) };
    paths[`${base}/{name}`] = { get: op('get'), put: op('put', body(['*/*'])), patch: op('patch', body(patchTypes)), delete: op('delete') };
    if (t.hasStatus) paths[`${base}/{name}/status`] = { get: op('get'), put: op('put', body(['*/*'])), patch: op('patch', body(patchTypes)) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.30.13' }, paths, components: { schemas } };
}

/** For CRs the CRD's own schema with apiVersion, kind and metadata; built-ins are open objects. */
function bodySchemaOf(t: ResourceType): object {
  const meta = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { $ref: `#/components/schemas/${OBJECT_META}` } };
  const schema = t.schema as { properties?: Record<string, unknown> } | undefined;
  if (schema === undefined) return { type: 'object', properties: meta, 'x-kubernetes-preserve-unknown-fields': true };
  return { ...schema, properties: { ...meta, ...(schema.properties ?? {}) } };
}

export function openApiRoot(registry: ResourceRegistry): object {
  const gvs = new Set<string>();
  for (const t of registry.all()) for (const v of t.servedVersions) gvs.add(apiVersionOf({ group: t.group, version: v }));
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of [...gvs].sort()) {
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    const doc = JSON.stringify(openApiDocument(registry, group, version));
    const hash = createHash('sha512').update(doc).digest('hex').slice(0, 32).toUpperCase();
    const path = groupVersionPath(group, version);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

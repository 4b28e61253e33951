// Discovery documents: /version, /api and /apis (plain, or the aggregated
// apidiscovery.k8s.io/v2 APIGroupDiscoveryList kubectl 1.30 asks for first), and the
// per-group-version APIResourceList that older clients (kubectl 1.20) walk.
import type { ResourceRegistry } from './registry.js';
import { apiVersionOf, type ResourceType } from './resource-type.js';

export const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** kubectl's dispatcher picks the kubectl matching the server's minor version: we answer as a 1.30 server. */
export const SERVER_VERSION = {
  major: '1', minor: '30', gitVersion: 'v1.30.13-ztkube-test', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.22.0', compiler: 'gc', platform: 'linux/amd64',
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function groupsOf(registry: ResourceRegistry): Map<string, Map<string, ResourceType[]>> {
  const groups = new Map<string, Map<string, ResourceType[]>>();
  for (const t of registry.all()) {
    for (const v of t.servedVersions) {
      const versions = groups.get(t.group) ?? new Map<string, ResourceType[]>();
      versions.set(v, [...(versions.get(v) ?? []), t]);
      groups.set(t.group, versions);
    }
  }
  return groups;
}

/** Version order of discovery: v1 > v1beta1 > v1alpha1, newest major first. */
function byPriority(a: string, b: string): number {
  const rank = (v: string): number[] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    return [m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(registry: ResourceRegistry): object {
  const groups = [...groupsOf(registry)].filter(([g]) => g !== '').sort(([a], [b]) => a.localeCompare(b));
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map(([name, versions]) => {
      const ordered = [...versions.keys()].sort(byPriority);
      return {
        name,
        versions: ordered.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${name}/${ordered[0]}`, version: ordered[0] },
      };
    }),
  };
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const types = groupsOf(registry).get(group)?.get(version);
  if (types === undefined) return undefined;
  const resources: object[] = [];
  for (const t of [...types].sort((a, b) => a.plural.localeCompare(b.plural))) {
    resources.push({
      name: t.plural, singularName: t.singular, namespaced: t.isNamespaced, kind: t.kind, verbs: VERBS,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}), ...(t.categories.length > 0 ? { categories: t.categories } : {}),
      storageVersionHash: Buffer.from(`${t.group}/${t.plural}`).toString('base64').slice(0, 11),
    });
    if (t.hasStatus) resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.isNamespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}

/** The aggregated form for the core group (/api) or every other group (/apis). */
export function aggregatedDiscovery(registry: ResourceRegistry, isCore: boolean): object {
  const groups = [...groupsOf(registry)].filter(([g]) => (g === '') === isCore).sort(([a], [b]) => a.localeCompare(b));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map(([name, versions]) => ({
      metadata: name === '' ? { creationTimestamp: null } : { name, creationTimestamp: null },
      versions: [...versions.keys()].sort(byPriority).map((v) => ({
        version: v,
        resources: versions.get(v)!.sort((a, b) => a.plural.localeCompare(b.plural)).map((t) => ({
          resource: t.plural,
          responseKind: { group: t.group, version: v, kind: t.kind },
          scope: t.isNamespaced ? 'Namespaced' : 'Cluster',
          singularResource: t.singular,
          verbs: VERBS,
          ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
          ...(t.categories.length > 0 ? { categories: t.categories } : {}),
          ...(t.hasStatus ? { subresources: [{ subresource: 'status', responseKind: { group: t.group, version: v, kind: t.kind }, verbs: ['get', 'patch', 'update'] }] } : {}),
        })),
        freshness: 'Current',
      })),
    })),
  };
}

/** True when an Accept header asks for the aggregated discovery form (v2 or v2beta1). */
export function wantsAggregated(accept: string | undefined): boolean {
  return accept !== undefined && /as=APIGroupDiscoveryList/.test(accept) && /g=apidiscovery\.k8s\.io/.test(accept);
}

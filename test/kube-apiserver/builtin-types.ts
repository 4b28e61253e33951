// The built-in resources the test server serves (core v1 Namespaces, Nodes, Pods, Secrets,
// Events; coordination.k8s.io/v1 Leases) with the table columns of the real server's printers
// (pkg/printers/internalversion), reduced to what the fields we store can show.
import { ageOf } from './human-duration.js';
import type { KubeObject } from './kube-object.js';
import { isPlainObject } from './kube-object.js';
import { badRequest, type FieldProblem } from './kube-error.js';
import type { ResourceType } from './resource-type.js';
import { ageColumn, nameColumn, type TableColumn } from './table.js';

const BUILTIN_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

export const col = (name: string, cell: TableColumn['cell'], priority = 0, type: TableColumn['type'] = 'string'): TableColumn => ({ name, type, description: name, priority, cell });
export const field = (o: KubeObject, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), o);
export const orNone = (v: unknown): unknown => (v === undefined || v === null || v === '' ? '<none>' : v);

export function builtin(t: Partial<ResourceType> & Pick<ResourceType, 'group' | 'version' | 'kind' | 'plural' | 'isNamespaced' | 'columns'>): ResourceType {
  return {
    servedVersions: [t.version],
    listKind: `${t.kind}List`,
    singular: t.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    isCustom: false,
    hasStatus: false,
    hasGeneration: false,
    requiresResourceVersionOnUpdate: false,
    patchTypes: BUILTIN_PATCH_TYPES,
    selectableFields: [],
    admit: () => [],
    ...t,
  };
}

function podReady(o: KubeObject): string {
  const containers = field(o, 'spec', 'containers');
  const statuses = field(o, 'status', 'containerStatuses');
  const total = Array.isArray(containers) ? containers.length : 0;
  const ready = Array.isArray(statuses) ? statuses.filter((s) => isPlainObject(s) && s.ready === true).length : 0;
  return `${ready}/${total}`;
}

function podRestarts(o: KubeObject): number {
  const statuses = field(o, 'status', 'containerStatuses');
  return Array.isArray(statuses) ? statuses.reduce((n: number, s) => n + (isPlainObject(s) && typeof s.restartCount === 'number' ? s.restartCount : 0), 0) : 0;
}

function nodeStatus(o: KubeObject): string {
  const conditions = field(o, 'status', 'conditions');
  const ready = Array.isArray(conditions) ? conditions.find((c) => isPlainObject(c) && c.type === 'Ready') : undefined;
  let s = !isPlainObject(ready) ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown';
  if (field(o, 'spec', 'unschedulable') === true) s += ',SchedulingDisabled';
  return s;
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length));
  return roles.length === 0 ? '<none>' : roles.sort().join(',');
}

function nodeAddress(o: KubeObject, type: string): unknown {
  const addresses = field(o, 'status', 'addresses');
  const a = Array.isArray(addresses) ? addresses.find((x) => isPlainObject(x) && x.type === type) : undefined;
  return isPlainObject(a) ? a.address : '<none>';
}

/** Secrets: `stringData` is write-only; the server folds it into base64 `data`, as the real one does. */
function admitSecret(o: KubeObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const data = isPlainObject(o.data) ? (o.data as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) problems.push({ field: `data[${k}]`, type: 'FieldValueInvalid', detail: `Invalid value: "<secret contents redacted>": must be base64` });
  }
  if (isPlainObject(o.stringData)) {
    for (const [k, v] of Object.entries(o.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    delete o.stringData;
    o.data = data as KubeObject['data'];
  }
  if (o.type === undefined) o.type = 'Opaque';
  return problems;
}

/** Go's metav1.RFC3339Micro layout: the only form a MicroTime decodes from. */
const MICRO_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';
const MICRO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;

/**
 * A metav1.MicroTime field in the form the real server stores it (UTC, six fractional digits).
 * Anything else fails to decode there, with a 400 (client-node's plain Date has three digits).
 */
function microTime(kind: string, value: unknown): string {
  const fail = (why: string): never => { throw badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${why}`); };
  if (typeof value !== 'string') return fail(`json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into a MicroTime (RFC 3339 text)`);
  const m = MICRO_TIME.exec(value);
  if (!m) {
    const frac = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(.*)$/.exec(value);
    return fail(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(MICRO_LAYOUT)}: cannot parse ${JSON.stringify(frac ? frac[1] : value)} as ${JSON.stringify(frac ? '.000000' : '2006')}`);
  }
  const wholeMs = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(wholeMs)) return fail(`parsing time ${JSON.stringify(value)}: a date or time field is out of range`);
  return `${new Date(wholeMs).toISOString().slice(0, 19)}.${m[2]}Z`;
}

/** Leases: MicroTime decoding and the real server's LeaseSpec validation. */
function admitLease(o: KubeObject): FieldProblem[] {
  if (!isPlainObject(o.spec)) return [];
  const spec = o.spec;
  for (const k of ['acquireTime', 'renewTime']) if (spec[k] !== undefined && spec[k] !== null) spec[k] = microTime('Lease', spec[k]);
  const problems: FieldProblem[] = [];
  const d = spec.leaseDurationSeconds;
  if (typeof d === 'number' && d <= 0) problems.push({ field: 'spec.leaseDurationSeconds', type: 'FieldValueInvalid', detail: `Invalid value: ${d}: must be greater than 0` });
  const t = spec.leaseTransitions;
  if (typeof t === 'number' && t < 0) problems.push({ field: 'spec.leaseTransitions', type: 'FieldValueInvalid', detail: `Invalid value: ${t}: must be greater than or equal to 0` });
  return problems;
}

export function builtinTypes(): ResourceType[] {
  return [
    builtin({
      group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', isNamespaced: false, shortNames: ['ns'], hasStatus: true,
      columns: [nameColumn, col('Status', (o) => field(o, 'status', 'phase') ?? 'Active'), ageColumn],
      selectableFields: ['status.phase'],
      admit: (o, old) => {
        // New namespaces get the namespace controller's finalizer in spec, as the real server gives them.
        if (old === undefined) o.spec = { finalizers: ['kubernetes'], ...(isPlainObject(o.spec) ? o.spec : {}) };
        o.status = { ...(isPlainObject(o.status) ? o.status : {}), phase: o.metadata.deletionTimestamp ? 'Terminating' : 'Active' };
        return [];
      },
    }),
    builtin({
      group: '', version: 'v1', kind: 'Node', plural: 'nodes', isNamespaced: false, shortNames: ['no'], hasStatus: true,
      selectableFields: ['spec.unschedulable'],
      columns: [
        nameColumn, col('Status', nodeStatus), col('Roles', nodeRoles), ageColumn, col('Version', (o) => field(o, 'status', 'nodeInfo', 'kubeletVersion') ?? ''),
        col('Internal-IP', (o) => nodeAddress(o, 'InternalIP'), 1), col('External-IP', (o) => nodeAddress(o, 'ExternalIP'), 1),
        col('OS-Image', (o) => orNone(field(o, 'status', 'nodeInfo', 'osImage')), 1), col('Kernel-Version', (o) => orNone(field(o, 'status', 'nodeInfo', 'kernelVersion')), 1),
        col('Container-Runtime', (o) => orNone(field(o, 'status', 'nodeInfo', 'containerRuntimeVersion')), 1),
      ],
    }),
    builtin({
      group: '', version: 'v1', kind: 'Pod', plural: 'pods', isNamespaced: true, shortNames: ['po'], categories: ['all'], hasStatus: true,
      selectableFields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
      columns: [
        nameColumn, col('Ready', podReady), col('Status', (o) => (o.metadata.deletionTimestamp ? 'Terminating' : field(o, 'status', 'phase') ?? 'Pending')),
        col('Restarts', podRestarts, 0, 'integer'), ageColumn,
        col('IP', (o) => orNone(field(o, 'status', 'podIP')), 1), col('Node', (o) => orNone(field(o, 'spec', 'nodeName')), 1),
        col('Nominated Node', (o) => orNone(field(o, 'status', 'nominatedNodeName')), 1), col('Readiness Gates', () => '<none>', 1),
      ],
    }),
    builtin({
      group: '', version: 'v1', kind: 'Secret', plural: 'secrets', isNamespaced: true, selectableFields: ['type'],
      columns: [nameColumn, col('Type', (o) => o.type), col('Data', (o) => (isPlainObject(o.data) ? Object.keys(o.data).length : 0), 0, 'integer'), ageColumn],
      admit: admitSecret,
    }),
    builtin({
      group: '', version: 'v1', kind: 'Event', plural: 'events', isNamespaced: true, shortNames: ['ev'],
      selectableFields: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
      columns: [
        col('Last Seen', (o, now) => ageOf(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now)), col('Type', (o) => o.type ?? ''), col('Reason', (o) => o.reason ?? ''),
        col('Object', (o) => `${String(field(o, 'involvedObject', 'kind') ?? '').toLowerCase()}/${String(field(o, 'involvedObject', 'name') ?? '')}`), col('Message', (o) => o.message ?? ''),
      ],
    }),
    builtin({
      group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', isNamespaced: true,
      columns: [nameColumn, col('Holder', (o) => field(o, 'spec', 'holderIdentity') ?? ''), ageColumn],
      admit: admitLease,
    }),
  ];
}

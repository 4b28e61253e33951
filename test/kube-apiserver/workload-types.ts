// Stored built-in types for what the ztkube chart creates: apps/v1 Deployments and
// DaemonSets, core v1 ServiceAccounts, ConfigMaps and Services, and the
// rbac.authorization.k8s.io/v1 roles and bindings. No controllers run them (no pods appear);
// the server checks what the real one refuses at admission for these fields (a selector
// that does not match the template's labels, a changed selector or roleRef, rules without
// verbs) and prints the real printers' columns (pkg/printers/internalversion).
import type { KubeObject } from './kube-object.js';
import { isPlainObject } from './kube-object.js';
import type { FieldProblem } from './kube-error.js';
import type { ResourceType } from './resource-type.js';
import { ageColumn, nameColumn } from './table.js';
import { builtin, col, field, orNone } from './builtin-types.js';

const labelsText = (v: unknown): string => (isPlainObject(v) && Object.keys(v).length > 0 ? Object.entries(v).map(([k, x]) => `${k}=${String(x)}`).join(',') : '<none>');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const containers = (o: KubeObject): Record<string, unknown>[] => {
  const c = field(o, 'spec', 'template', 'spec', 'containers');
  return Array.isArray(c) ? c.filter(isPlainObject) : [];
};

/** A workload's selector must exist, select the template's labels, and never change (apps/v1). */
function admitWorkload(o: KubeObject, old: KubeObject | undefined): FieldProblem[] {
  const selector = field(o, 'spec', 'selector', 'matchLabels');
  if (!isPlainObject(field(o, 'spec', 'selector'))) return [{ field: 'spec.selector', type: 'FieldValueRequired', detail: 'Required value' }];
  const labels = field(o, 'spec', 'template', 'metadata', 'labels');
  const problems: FieldProblem[] = [];
  const matches = isPlainObject(selector) && Object.entries(selector).every(([k, v]) => isPlainObject(labels) && labels[k] === v);
  if (!matches) problems.push({ field: 'spec.template.metadata.labels', type: 'FieldValueInvalid', detail: `Invalid value: ${JSON.stringify(labels ?? {})}: \`selector\` does not match template \`labels\`` });
  if (containers(o).length === 0) problems.push({ field: 'spec.template.spec.containers', type: 'FieldValueRequired', detail: 'Required value' });
  if (old !== undefined && JSON.stringify(field(old, 'spec', 'selector')) !== JSON.stringify(field(o, 'spec', 'selector'))) {
    problems.push({ field: 'spec.selector', type: 'FieldValueInvalid', detail: `Invalid value: ${JSON.stringify(field(o, 'spec', 'selector'))}: field is immutable` });
  }
  return problems;
}

/** Each rule names verbs, and either API groups with resources or non-resource URLs. */
function admitRules(o: KubeObject): FieldProblem[] {
  const rules = o.rules;
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules)) return [{ field: 'rules', type: 'FieldValueTypeInvalid', detail: 'Invalid value: must be a list' }];
  const problems: FieldProblem[] = [];
  rules.forEach((r, i) => {
    const rule = isPlainObject(r) ? r : {};
    if (!Array.isArray(rule.verbs) || rule.verbs.length === 0) problems.push({ field: `rules[${i}].verbs`, type: 'FieldValueRequired', detail: 'Required value: verbs must contain at least one value' });
    const hasResources = Array.isArray(rule.resources) && rule.resources.length > 0;
    if (hasResources && (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0)) problems.push({ field: `rules[${i}].apiGroups`, type: 'FieldValueRequired', detail: 'Required value: resource rules must supply at least one api group' });
    if (!hasResources && !(Array.isArray(rule.nonResourceURLs) && rule.nonResourceURLs.length > 0)) problems.push({ field: `rules[${i}].resources`, type: 'FieldValueRequired', detail: 'Required value: resource rules must supply at least one resource' });
  });
  return problems;
}

function admitBinding(o: KubeObject, old: KubeObject | undefined, isCluster: boolean): FieldProblem[] {
  const ref = o.roleRef;
  if (!isPlainObject(ref) || typeof ref.name !== 'string' || ref.name === '') return [{ field: 'roleRef.name', type: 'FieldValueRequired', detail: 'Required value' }];
  const kinds = isCluster ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(String(ref.kind))) return [{ field: 'roleRef.kind', type: 'FieldValueNotSupported', detail: `Unsupported value: ${JSON.stringify(ref.kind)}: supported values: ${kinds.map((k) => `"${k}"`).join(', ')}` }];
  if (old !== undefined && JSON.stringify(old.roleRef) !== JSON.stringify(ref)) return [{ field: 'roleRef', type: 'FieldValueInvalid', detail: `Invalid value: ${JSON.stringify(ref)}: cannot change roleRef` }];
  return [];
}

function servicePorts(o: KubeObject): string {
  const ports = field(o, 'spec', 'ports');
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports.filter(isPlainObject).map((p) => `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`).join(',');
}

export function workloadTypes(): ResourceType[] {
  let nextClusterIp = 1;
  const apps = { group: 'apps', version: 'v1', isNamespaced: true, hasStatus: true, hasGeneration: true, categories: ['all'] };
  const wide = [col('Containers', (o) => containers(o).map((c) => c.name).join(','), 1), col('Images', (o) => containers(o).map((c) => c.image).join(','), 1), col('Selector', (o) => labelsText(field(o, 'spec', 'selector', 'matchLabels')), 1)];
  const rbac = { group: 'rbac.authorization.k8s.io', version: 'v1' };
  const createdAt = col('Created At', (o) => o.metadata.creationTimestamp, 0, 'date');
  const bindingColumns = [
    nameColumn, col('Role', (o) => `${String(field(o, 'roleRef', 'kind'))}/${String(field(o, 'roleRef', 'name'))}`), ageColumn,
    ...(['User', 'Group', 'ServiceAccount'] as const).map((kind) =>
      col(`${kind === 'ServiceAccount' ? 'ServiceAccounts' : kind + 's'}`, (o) => (Array.isArray(o.subjects) ? o.subjects.filter((s) => isPlainObject(s) && s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${String((s as KubeObject).namespace ?? '')}/${String((s as KubeObject).name)}` : String((s as KubeObject).name))).join(', ') : ''), 1),
    ),
  ];
  return [
    builtin({
      ...apps, kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'],
      admit: (o, old) => {
        const spec = isPlainObject(o.spec) ? o.spec : {};
        if (spec.replicas === undefined) spec.replicas = 1;
        return admitWorkload(o, old);
      },
      columns: [
        nameColumn, col('Ready', (o) => `${num(field(o, 'status', 'readyReplicas'))}/${num(field(o, 'spec', 'replicas'))}`),
        col('Up-to-date', (o) => num(field(o, 'status', 'updatedReplicas')), 0, 'integer'), col('Available', (o) => num(field(o, 'status', 'availableReplicas')), 0, 'integer'), ageColumn, ...wide,
      ],
    }),
    builtin({
      ...apps, kind: 'DaemonSet', plural: 'daemonsets', shortNames: ['ds'],
      admit: (o, old) => admitWorkload(o, old),
      columns: [
        nameColumn, ...(['desiredNumberScheduled', 'currentNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable'] as const).map((f, i) => col(['Desired', 'Current', 'Ready', 'Up-to-date', 'Available'][i], (o) => num(field(o, 'status', f)), 0, 'integer')),
        col('Node Selector', (o) => labelsText(field(o, 'spec', 'template', 'spec', 'nodeSelector'))), ageColumn, ...wide,
      ],
    }),
    builtin({
      group: '', version: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', isNamespaced: true, shortNames: ['sa'],
      columns: [nameColumn, col('Secrets', (o) => (Array.isArray(o.secrets) ? o.secrets.length : 0), 0, 'integer'), ageColumn],
    }),
    builtin({
      group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', isNamespaced: true, shortNames: ['cm'],
      columns: [nameColumn, col('Data', (o) => (isPlainObject(o.data) ? Object.keys(o.data).length : 0) + (isPlainObject(o.binaryData) ? Object.keys(o.binaryData).length : 0), 0, 'integer'), ageColumn],
      admit: (o) => (isPlainObject(o.binaryData) ? Object.entries(o.binaryData).filter(([, v]) => typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)).map(([k]) => ({ field: `binaryData[${k}]`, type: 'FieldValueInvalid', detail: 'Invalid value: must be base64' })) : []),
    }),
    builtin({
      group: '', version: 'v1', kind: 'Service', plural: 'services', isNamespaced: true, shortNames: ['svc'], categories: ['all'], hasStatus: true,
      // A ClusterIP from 10.96.0.0/16 when none is given, as the service IP allocator would.
      admit: (o, old) => {
        const spec = isPlainObject(o.spec) ? o.spec : (o.spec = {});
        if (spec.type === undefined) spec.type = 'ClusterIP';
        if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = (old && field(old, 'spec', 'clusterIP')) ?? `10.96.${nextClusterIp >> 8}.${nextClusterIp++ & 255}`;
        return [];
      },
      columns: [
        nameColumn, col('Type', (o) => field(o, 'spec', 'type')), col('Cluster-IP', (o) => orNone(field(o, 'spec', 'clusterIP'))), col('External-IP', () => '<none>'), col('Port(s)', servicePorts), ageColumn,
        col('Selector', (o) => labelsText(field(o, 'spec', 'selector')), 1),
      ],
    }),
    builtin({ ...rbac, kind: 'ClusterRole', plural: 'clusterroles', isNamespaced: false, admit: admitRules, columns: [nameColumn, createdAt] }),
    builtin({ ...rbac, kind: 'Role', plural: 'roles', isNamespaced: true, admit: admitRules, columns: [nameColumn, createdAt] }),
    builtin({ ...rbac, kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', isNamespaced: false, admit: (o, old) => admitBinding(o, old, true), columns: bindingColumns }),
    builtin({ ...rbac, kind: 'RoleBinding', plural: 'rolebindings', isNamespaced: true, admit: (o, old) => admitBinding(o, old, false), columns: bindingColumns }),
  ];
}

// CustomResourceDefinitions: the CRD type itself (apiextensions.k8s.io/v1), the checks the
// real server makes before accepting one, its status (NamesAccepted, Established), and the
// ResourceType that serves a CRD's custom resources once it exists.
import type { FieldProblem } from './kube-error.js';
import { isPlainObject, kubeTime, type KubeObject } from './kube-object.js';
import type { ResourceType } from './resource-type.js';
import { JsonPathError, parseJsonPath } from './simple-jsonpath.js';
import { checkStructural, SchemaWalker, type Schema } from './structural-schema.js';
import { ageColumn, jsonPathColumn, nameColumn, type TableColumn } from './table.js';

export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: { status?: object; scale?: object };
  additionalPrinterColumns?: { name: string; type: TableColumn['type']; jsonPath: string; description?: string; priority?: number; format?: string }[];
  selectableFields?: { jsonPath: string }[];
}

interface CrdSpec {
  group: string;
  scope: string;
  names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;
const COLUMN_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'date']);

/** The problems that make the real server refuse a CRD (422), in its field paths. */
function checkCrd(crd: KubeObject): FieldProblem[] {
  const p: FieldProblem[] = [];
  const bad = (field: string, detail: string, type = 'FieldValueInvalid'): number => p.push({ field, type, detail });
  const spec = crd.spec as Partial<CrdSpec> | undefined;
  if (!isPlainObject(spec)) return [{ field: 'spec', type: 'FieldValueRequired', detail: 'Required value' }];
  if (typeof spec.group !== 'string' || !DNS_SUBDOMAIN.test(spec.group) || !spec.group.includes('.')) bad('spec.group', `Invalid value: ${JSON.stringify(spec.group ?? '')}: should be a domain with at least one dot`);
  if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') bad('spec.scope', `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`, 'FieldValueNotSupported');
  const names = spec.names;
  if (!isPlainObject(names)) bad('spec.names', 'Required value', 'FieldValueRequired');
  else {
    if (typeof names.plural !== 'string' || !DNS_LABEL.test(names.plural)) bad('spec.names.plural', `Invalid value: ${JSON.stringify(names.plural ?? '')}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`);
    if (typeof names.kind !== 'string' || !KIND.test(names.kind)) bad('spec.names.kind', `Invalid value: ${JSON.stringify(names.kind ?? '')}: may have mixed case, but should otherwise match: ^[a-z]([-a-z0-9]*[a-z0-9])?$`);
    for (const [i, s] of (names.shortNames ?? []).entries()) if (!DNS_LABEL.test(s)) bad(`spec.names.shortNames[${i}]`, `Invalid value: ${JSON.stringify(s)}: must be a lowercase RFC 1123 label`);
    if (crd.metadata.name !== `${names.plural}.${spec.group}`) bad('metadata.name', `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group`);
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) bad('spec.versions', 'Invalid value: []: must have exactly one version marked as storage version');
  else if (versions.filter((v) => v.storage).length !== 1) bad('spec.versions', `Invalid value: ${JSON.stringify(versions.map((v) => v.name))}: must have exactly one version marked as storage version`);
  for (const [i, v] of versions.entries()) {
    if (typeof v.name !== 'string' || !DNS_LABEL.test(v.name)) bad(`spec.versions[${i}].name`, `Invalid value: ${JSON.stringify(v.name)}: must be a DNS label`);
    const root = v.schema?.openAPIV3Schema;
    if (root === undefined) bad(`spec.versions[${i}].schema.openAPIV3Schema`, 'Required value: schemas are required', 'FieldValueRequired');
    else {
      checkStructural(root, `spec.versions[${i}].schema.openAPIV3Schema`, p);
      if (root.type !== 'object') bad(`spec.versions[${i}].schema.openAPIV3Schema.type`, `Unsupported value: ${JSON.stringify(root.type ?? '')}: supported values: "object"`, 'FieldValueNotSupported');
    }
    for (const [j, c] of (v.additionalPrinterColumns ?? []).entries()) {
      const at = `spec.versions[${i}].additionalPrinterColumns[${j}]`;
      if (!COLUMN_TYPES.has(c.type)) bad(`${at}.type`, `Unsupported value: ${JSON.stringify(c.type)}: supported values: "boolean", "date", "integer", "number", "string"`, 'FieldValueNotSupported');
      try {
        parseJsonPath(c.jsonPath ?? '');
      } catch (e) {
        if (!(e instanceof JsonPathError)) throw e;
        bad(`${at}.jsonPath`, `Invalid value: ${JSON.stringify(c.jsonPath)}: ${e.message}`);
      }
    }
  }
  return p;
}

/** Validates a CRD and sets what the real server's controllers would: names accepted, established, stored versions. */
export function admitCrd(crd: KubeObject, nowMs: number): FieldProblem[] {
  const problems = checkCrd(crd);
  if (problems.length > 0) return problems;
  const spec = crd.spec as unknown as CrdSpec;
  const n = spec.names;
  n.singular ??= n.kind.toLowerCase();
  n.listKind ??= `${n.kind}List`;
  for (const v of spec.versions) v.served ??= true;
  if (!crd.metadata.deletionTimestamp && !(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) crd.metadata.finalizers = [...(crd.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER];
  const old = isPlainObject(crd.status) && Array.isArray(crd.status.conditions) ? (crd.status.conditions as { type: string; lastTransitionTime: string }[]) : [];
  const since = (type: string): string => old.find((c) => c.type === type)?.lastTransitionTime ?? kubeTime(nowMs);
  const terminating = crd.metadata.deletionTimestamp !== undefined;
  crd.status = {
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: since('NamesAccepted'), reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: since('Established'), reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
      ...(terminating ? [{ type: 'Terminating', status: 'True', lastTransitionTime: kubeTime(nowMs), reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }] : []),
    ],
    acceptedNames: { plural: n.plural, singular: n.singular, kind: n.kind, listKind: n.listKind, ...(n.shortNames ? { shortNames: n.shortNames } : {}), ...(n.categories ? { categories: n.categories } : {}) },
    storedVersions: spec.versions.filter((v) => v.storage).map((v) => v.name),
  };
  return [];
}

export function crdType(): ResourceType {
  return {
    group: CRD_GROUP, version: 'v1', servedVersions: ['v1'], kind: 'CustomResourceDefinition', listKind: 'CustomResourceDefinitionList',
    plural: 'customresourcedefinitions', singular: 'customresourcedefinition', shortNames: ['crd', 'crds'], categories: ['api-extensions'],
    isNamespaced: false, isCustom: false, hasStatus: true, hasGeneration: true, requiresResourceVersionOnUpdate: false,
    patchTypes: ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'],
    selectableFields: [],
    columns: [nameColumn, { name: 'Created At', type: 'date', description: 'Created At', priority: 0, cell: (o) => o.metadata.creationTimestamp }],
    admit: () => [],
  };
}

/** The type serving a CRD's resources; admit validates against the storage version's schema. */
export function customResourceType(crd: KubeObject): ResourceType {
  const spec = crd.spec as unknown as CrdSpec;
  const served = spec.versions.filter((v) => v.served);
  const storage = spec.versions.find((v) => v.storage)!;
  const preferred = served.find((v) => v.storage) ?? served[0] ?? storage;
  const root = preferred.schema!.openAPIV3Schema!;
  const bodySchema: Schema = { ...root, properties: Object.fromEntries(Object.entries(root.properties ?? {}).filter(([k]) => k !== 'metadata' && k !== 'apiVersion' && k !== 'kind')) };
  const printer = preferred.additionalPrinterColumns ?? [];
  return {
    group: spec.group,
    version: preferred.name,
    servedVersions: served.map((v) => v.name),
    kind: spec.names.kind,
    listKind: spec.names.listKind ?? `${spec.names.kind}List`,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    isNamespaced: spec.scope === 'Namespaced',
    isCustom: true,
    hasStatus: preferred.subresources?.status !== undefined,
    hasGeneration: true,
    requiresResourceVersionOnUpdate: true,
    patchTypes: ['application/json-patch+json', 'application/merge-patch+json'],
    selectableFields: (preferred.selectableFields ?? []).map((f) => f.jsonPath.replace(/^\./, '')),
    schema: bodySchema,
    columns: printer.length === 0 ? [nameColumn, ageColumn] : [nameColumn, ...printer.map(jsonPathColumn)],
    admit(obj, old, unknownFields) {
      const { metadata, apiVersion, kind, ...body } = obj;
      const { metadata: _m, apiVersion: _a, kind: _k, ...oldBody } = old ?? { metadata: {} };
      const walker = new SchemaWalker(unknownFields);
      walker.walk({ ...bodySchema, required: (bodySchema.required ?? []).filter((r) => r !== 'metadata') }, body, '', old === undefined ? undefined : oldBody);
      for (const k of Object.keys(obj)) if (k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') delete obj[k];
      Object.assign(obj, { apiVersion, kind, metadata }, body);
      return walker.problems;
    },
  };
}

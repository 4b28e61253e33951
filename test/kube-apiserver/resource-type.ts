// What the server knows about one kind of resource: its names for discovery, where it is
// stored, and how it is validated and printed. Built-in types and CRD-served types share it.
import type { FieldProblem } from './kube-error.js';
import type { KubeObject } from './kube-object.js';
import type { TableColumn } from './table.js';

export interface ResourceType {
  group: string;
  version: string;
  /** Every version served (CRDs may serve several, without conversion). */
  servedVersions: string[];
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  isNamespaced: boolean;
  /** Served for a CRD (status is dropped on create, as the real server does for custom resources). */
  isCustom: boolean;
  hasStatus: boolean;
  /** Spec writes bump metadata.generation (CRs and CRDs). */
  hasGeneration: boolean;
  /** PUT without metadata.resourceVersion is refused (true for CRs). */
  requiresResourceVersionOnUpdate: boolean;
  /** Patch content types accepted (CRs take no strategic merge patch). */
  patchTypes: string[];
  /** Fields accepted in fieldSelector besides metadata.name and metadata.namespace. */
  selectableFields: string[];
  columns: TableColumn[];
  /** The body schema published in OpenAPI (custom resources only; built-ins are open objects). */
  schema?: object;
  /**
   * Validates (and for CRs prunes and defaults) an object about to be stored; `old` is the
   * stored one on update. Returns the problems; `unknownFields` collects pruned paths.
   */
  admit(obj: KubeObject, old: KubeObject | undefined, unknownFields: string[]): FieldProblem[];
}

export function apiVersionOf(t: { group: string; version: string }): string {
  return t.group === '' ? t.version : `${t.group}/${t.version}`;
}

/** The storage and routing key of a type: `ztkube.io/ztnetworks`, `/pods` for core. */
export function typeKey(t: { group: string; plural: string }): string {
  return `${t.group}/${t.plural}`;
}

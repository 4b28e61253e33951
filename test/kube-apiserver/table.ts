// The Table form (meta.k8s.io/v1 Table) that kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`: column definitions (priority 1 only
// shown by `-o wide`) and one row of cells per object, with the object's metadata attached as
// a PartialObjectMetadata (the server's default `includeObject=Metadata`).
import { ageOf } from './human-duration.js';
import type { KubeObject } from './kube-object.js';
import { evalJsonPath, parseJsonPath } from './simple-jsonpath.js';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  priority: number;
  cell(obj: KubeObject, nowMs: number): unknown;
}

export const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.',
  priority: 0,
  cell: (o) => o.metadata.name,
};

export const ageColumn: TableColumn = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: (o, now) => ageOf(o.metadata.creationTimestamp, now),
};

/** A column of an additionalPrinterColumns entry: a JSONPath evaluated the way the server's CRD table converter does. */
export function jsonPathColumn(spec: { name: string; type: TableColumn['type']; jsonPath: string; description?: string; priority?: number; format?: string }): TableColumn {
  const steps = parseJsonPath(spec.jsonPath);
  return {
    name: spec.name,
    type: spec.type,
    format: spec.format,
    description: spec.description ?? 'Custom resource definition column (in JSONPath format): ' + spec.jsonPath,
    priority: spec.priority ?? 0,
    cell(obj, nowMs) {
      const found = evalJsonPath(steps, obj);
      if (found.length === 0) return null;
      if (found.length === 1) {
        const v = found[0];
        if (spec.type === 'date') return ageOf(v, nowMs);
        if (typeof v === 'object' && v !== null) return JSON.stringify(v);
        return v;
      }
      return found.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))).join(',');
    },
  };
}

export function toTable(columns: TableColumn[], objects: KubeObject[], listMeta: Record<string, unknown>, nowMs: number, includeObject: string): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority })),
    rows: objects.map((o) => {
      const row: Record<string, unknown> = { cells: columns.map((c) => c.cell(o, nowMs) ?? null) };
      if (includeObject === 'Object') row.object = o;
      else if (includeObject !== 'None') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
      return row;
    }),
  };
}

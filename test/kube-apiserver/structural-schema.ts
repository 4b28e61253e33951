// Validation, pruning and defaulting of custom resources against a CRD's structural
// openAPIV3Schema, with the real server's messages (`spec.mtu in body should be greater than
// or equal to 1280`). Supports type, properties, additionalProperties, items, required, enum,
// pattern, minimum/maximum (and exclusive), min/maxLength, min/maxItems, nullable, default,
// x-kubernetes-int-or-string, x-kubernetes-preserve-unknown-fields, x-kubernetes-list-type
// (set/map with list-map-keys) and of CEL only the transition rule `self == oldSelf`.
import type { FieldProblem } from './kube-error.js';
import { deepCopy, deepEqual, isPlainObject } from './kube-object.js';

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  default?: unknown;
  format?: string;
  description?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

/** The only CEL rule this server evaluates; CRDs with any other are refused when created. */
export const IMMUTABLE_RULE = 'self == oldSelf';

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null ? '"null"' : Array.isArray(v) ? '"array"' : '"object"');

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(schema: Schema, v: unknown): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof v === 'string' || Number.isInteger(v);
  const t = typeOf(v);
  if (schema.type === undefined) return true;
  if (schema.type === 'number') return t === 'number' || t === 'integer';
  return t === schema.type;
}

export class SchemaWalker {
  readonly problems: FieldProblem[] = [];
  constructor(private readonly unknownFields: string[]) {}

  /** Defaults, prunes and validates `value` in place; returns the (possibly replaced) value. */
  walk(schema: Schema, value: unknown, path: string, old: unknown): unknown {
    if (value === null) {
      if (schema.nullable) return value;
      this.problems.push({ field: path, type: 'FieldValueTypeInvalid', detail: `Invalid value: "null": ${path} in body must be of type ${schema.type ?? 'object'}: "null"` });
      return value;
    }
    if (!typeMatches(schema, value)) {
      const expected = schema['x-kubernetes-int-or-string'] ? 'integer,string' : schema.type;
      this.problems.push({ field: path, type: 'FieldValueTypeInvalid', detail: `Invalid value: "${typeOf(value)}": ${path} in body must be of type ${expected}: "${typeOf(value)}"` });
      return value;
    }
    if (isPlainObject(value)) this.walkObject(schema, value, path, old);
    else if (Array.isArray(value)) this.walkArray(schema, value, path);
    else this.checkScalar(schema, value, path);
    if (schema.enum !== undefined && !schema.enum.some((e) => deepEqual(e, value))) {
      this.problems.push({ field: path, type: 'FieldValueNotSupported', detail: `Unsupported value: ${show(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
    }
    for (const v of schema['x-kubernetes-validations'] ?? []) {
      if (v.rule === IMMUTABLE_RULE && old !== undefined && !deepEqual(value, old)) {
        this.problems.push({ field: path, type: 'FieldValueInvalid', detail: `Invalid value: ${show(value)}: ${v.message ?? 'failed rule: ' + v.rule}` });
      }
    }
    return value;
  }

  private walkObject(schema: Schema, obj: Record<string, unknown>, path: string, old: unknown): void {
    const props = schema.properties ?? {};
    for (const [k, s] of Object.entries(props)) {
      if ((obj[k] === undefined || (obj[k] === null && !s.nullable)) && s.default !== undefined) obj[k] = deepCopy(s.default);
    }
    for (const k of Object.keys(obj)) {
      const child = path === '' ? k : `${path}.${k}`;
      const oldChild = isPlainObject(old) ? old[k] : undefined;
      const s = props[k] ?? (isPlainObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (s !== undefined) obj[k] = this.walk(s, obj[k], child, oldChild);
      else if (schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields']) continue;
      else {
        this.unknownFields.push(child);
        delete obj[k];
      }
    }
    for (const r of schema.required ?? []) {
      if (obj[r] === undefined) this.problems.push({ field: path === '' ? r : `${path}.${r}`, type: 'FieldValueRequired', detail: 'Required value' });
    }
  }

  /** Items are walked without their old values: transition rules inside lists are not evaluated. */
  private walkArray(schema: Schema, arr: unknown[], path: string): void {
    if (schema.items !== undefined) for (let i = 0; i < arr.length; i++) arr[i] = this.walk(schema.items, arr[i], `${path}[${i}]`, undefined);
    if (schema.minItems !== undefined && arr.length < schema.minItems) this.problems.push({ field: path, type: 'FieldValueInvalid', detail: `Invalid value: ${arr.length}: ${path} in body should have at least ${schema.minItems} items` });
    if (schema.maxItems !== undefined && arr.length > schema.maxItems) this.problems.push({ field: path, type: 'FieldValueTooMany', detail: `Too many: ${arr.length}: must have at most ${schema.maxItems} items` });
    const listType = schema['x-kubernetes-list-type'];
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    if (listType === 'set' || (listType === 'map' && keys.length > 0)) {
      const seen: unknown[] = [];
      for (let i = 0; i < arr.length; i++) {
        const id = listType === 'set' ? arr[i] : isPlainObject(arr[i]) ? Object.fromEntries(keys.map((k) => [k, (arr[i] as Record<string, unknown>)[k]])) : arr[i];
        if (seen.some((s) => deepEqual(s, id))) this.problems.push({ field: `${path}[${i}]`, type: 'FieldValueDuplicate', detail: `Duplicate value: ${JSON.stringify(id)}` });
        seen.push(id);
      }
    }
  }

  private checkScalar(schema: Schema, v: unknown, path: string): void {
    if (typeof v === 'string') {
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(v)) this.problems.push({ field: path, type: 'FieldValueInvalid', detail: `Invalid value: ${show(v)}: ${path} in body should match '${schema.pattern}'` });
      const n = [...v].length;
      if (schema.minLength !== undefined && n < schema.minLength) this.problems.push({ field: path, type: 'FieldValueInvalid', detail: `Invalid value: ${show(v)}: ${path} in body should be at least ${schema.minLength} chars long` });
      if (schema.maxLength !== undefined && n > schema.maxLength) this.problems.push({ field: path, type: 'FieldValueTooLong', detail: `Too long: may not be longer than ${schema.maxLength}` });
    } else if (typeof v === 'number') {
      if (schema.minimum !== undefined && (schema.exclusiveMinimum ? v <= schema.minimum : v < schema.minimum)) {
        this.problems.push({ field: path, type: 'FieldValueInvalid', detail: `Invalid value: ${v}: ${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}` });
      }
      if (schema.maximum !== undefined && (schema.exclusiveMaximum ? v >= schema.maximum : v > schema.maximum)) {
        this.problems.push({ field: path, type: 'FieldValueInvalid', detail: `Invalid value: ${v}: ${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}` });
      }
    }
  }
}

/**
 * Checks that a schema is structural (every node has a type, unless it preserves unknown
 * fields or is int-or-string) and uses only CEL this server evaluates; returns the problems
 * with paths under `prefix` (e.g. `spec.versions[0].schema.openAPIV3Schema`).
 */
export function checkStructural(schema: unknown, prefix: string, problems: FieldProblem[]): void {
  if (!isPlainObject(schema)) {
    problems.push({ field: prefix, type: 'FieldValueRequired', detail: 'Required value: schemas are required' });
    return;
  }
  const s = schema as Schema;
  if (s.type === undefined && !s['x-kubernetes-int-or-string'] && !s['x-kubernetes-preserve-unknown-fields']) {
    problems.push({ field: `${prefix}.type`, type: 'FieldValueRequired', detail: 'Required value: must not be empty for specified object fields' });
  }
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, 'u');
    } catch {
      problems.push({ field: `${prefix}.pattern`, type: 'FieldValueInvalid', detail: `Invalid value: ${JSON.stringify(s.pattern)}: must be a valid regular expression` });
    }
  }
  for (const [i, v] of (s['x-kubernetes-validations'] ?? []).entries()) {
    if (v.rule !== IMMUTABLE_RULE) problems.push({ field: `${prefix}.x-kubernetes-validations[${i}].rule`, type: 'FieldValueNotSupported', detail: `Unsupported value: ${JSON.stringify(v.rule)}: the test API server evaluates only the CEL rule "${IMMUTABLE_RULE}"` });
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) checkStructural(p, `${prefix}.properties[${k}]`, problems);
  if (isPlainObject(s.additionalProperties)) checkStructural(s.additionalProperties, `${prefix}.additionalProperties`, problems);
  if (s.items !== undefined) checkStructural(s.items, `${prefix}.items`, problems);
}

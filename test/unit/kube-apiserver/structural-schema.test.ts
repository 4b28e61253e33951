// Validation, pruning and defaulting of custom resources, with the real server's wording.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkStructural, SchemaWalker, type Schema } from '../../kube-apiserver/structural-schema.js';
import type { FieldProblem } from '../../kube-apiserver/kube-error.js';

const schema: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string', pattern: '^[0-9a-f]{4}$', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'id is immutable' }] },
        mtu: { type: 'integer', minimum: 1280, maximum: 10000 },
        mode: { type: 'string', enum: ['bridge', 'sixplane'], default: 'bridge' },
        attach: { type: 'object', default: {}, properties: { name: { type: 'string', default: 'zt0', maxLength: 15 } } },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        conditions: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'], items: { type: 'object', properties: { type: { type: 'string' } } } },
        port: { 'x-kubernetes-int-or-string': true },
      },
    },
  },
};

function run(value: unknown, old?: unknown): { value: unknown; problems: FieldProblem[]; unknown: string[] } {
  const unknown: string[] = [];
  const w = new SchemaWalker(unknown);
  const out = w.walk(schema, value, '', old);
  return { value: out, problems: w.problems, unknown };
}

describe('structural schema', () => {
  it('applies defaults, including inside a defaulted object', () => {
    const r = run({ spec: { id: 'abcd' } });
    assert.deepEqual(r.value, { spec: { id: 'abcd', mode: 'bridge', attach: { name: 'zt0' } } });
    assert.deepEqual(r.problems, []);
  });

  it('prunes unknown fields and reports their paths, but keeps preserved and additional properties', () => {
    const r = run({ spec: { id: 'abcd', extra: 1, labels: { a: 'b' }, free: { any: { thing: true } } }, other: 2 });
    assert.deepEqual(r.unknown.sort(), ['other', 'spec.extra']);
    assert.deepEqual((r.value as { spec: Record<string, unknown> }).spec.free, { any: { thing: true } });
    assert.deepEqual((r.value as { spec: Record<string, unknown> }).spec.labels, { a: 'b' });
  });

  it('reports each problem with its path and the real server\'s sentence', () => {
    const r = run({ spec: { id: 'xyz', mtu: 100, mode: 'tunnel', labels: { a: 1 }, attach: { name: 'a-very-long-interface' }, conditions: [{ type: 'Ready' }, { type: 'Ready' }], port: 1.5 } });
    assert.deepEqual(r.problems.map((p) => `${p.field}: ${p.detail}`), [
      `spec.id: Invalid value: "xyz": spec.id in body should match '^[0-9a-f]{4}$'`,
      'spec.mtu: Invalid value: 100: spec.mtu in body should be greater than or equal to 1280',
      'spec.mode: Unsupported value: "tunnel": supported values: "bridge", "sixplane"',
      'spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
      'spec.attach.name: Too long: may not be longer than 15',
      'spec.conditions[1]: Duplicate value: {"type":"Ready"}',
      'spec.port: Invalid value: "number": spec.port in body must be of type integer,string: "number"',
    ]);
    assert.deepEqual(run({ spec: {} }).problems.map((p) => `${p.field}: ${p.detail}`), ['spec.id: Required value']);
  });

  it('evaluates the immutability rule only on update', () => {
    assert.deepEqual(run({ spec: { id: 'abcd' } }, { spec: { id: 'abcd' } }).problems, []);
    assert.deepEqual(run({ spec: { id: 'abce' } }, { spec: { id: 'abcd' } }).problems.map((p) => p.detail), ['Invalid value: "abce": id is immutable']);
  });

  it('refuses schemas that are not structural or use CEL it cannot evaluate', () => {
    const problems: FieldProblem[] = [];
    checkStructural({ type: 'object', properties: { a: {}, b: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() > 2' }] } } }, 'schema', problems);
    assert.deepEqual(problems.map((p) => p.field), ['schema.properties[a].type', 'schema.properties[b].x-kubernetes-validations[0].rule']);
  });
});

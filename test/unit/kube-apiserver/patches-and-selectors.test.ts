// The patch forms, selectors, the printer-column JSONPath subset and ages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDuration } from '../../kube-apiserver/human-duration.js';
import { KubeApiError } from '../../kube-apiserver/kube-error.js';
import type { KubeObject } from '../../kube-apiserver/kube-object.js';
import { jsonPatch, mergePatch, PatchError, strategicMergePatch } from '../../kube-apiserver/patches.js';
import { parseFieldSelector, parseLabelSelector } from '../../kube-apiserver/selectors.js';
import { evalJsonPath, parseJsonPath } from '../../kube-apiserver/simple-jsonpath.js';

describe('patches', () => {
  it('merge patch: null deletes, objects merge, arrays replace', () => {
    assert.deepEqual(mergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] }), { a: { c: 2, d: 3 }, l: [3] });
  });

  it('JSON patch: add, remove, replace, move, copy, test, "-" appends; failures are PatchErrors', () => {
    const doc = { a: [1, 2], b: { c: 1 } };
    assert.deepEqual(jsonPatch(doc, [{ op: 'add', path: '/a/-', value: 3 }, { op: 'remove', path: '/a/0' }, { op: 'replace', path: '/b/c', value: 5 }, { op: 'copy', from: '/b', path: '/d' }, { op: 'move', from: '/d/c', path: '/e' }, { op: 'test', path: '/e', value: 5 }]), { a: [2, 3], b: { c: 5 }, d: {}, e: 5 });
    assert.deepEqual(doc, { a: [1, 2], b: { c: 1 } }, 'the input is not modified');
    assert.throws(() => jsonPatch(doc, [{ op: 'test', path: '/b/c', value: 2 }]), PatchError);
    assert.throws(() => jsonPatch(doc, [{ op: 'remove', path: '/x' }]), PatchError);
    assert.throws(() => jsonPatch(doc, { op: 'add' }), PatchError);
  });

  it('strategic merge patch: lists merge by key, $patch directives, finalizers as a set', () => {
    const pod = { metadata: { finalizers: ['a'] }, spec: { containers: [{ name: 'x', image: '1' }, { name: 'y', image: '1' }], tolerations: [{ key: 't' }] } };
    assert.deepEqual(strategicMergePatch(pod, {
      metadata: { finalizers: ['b'] },
      spec: { containers: [{ name: 'y', image: '2' }, { name: 'x', $patch: 'delete' }, { name: 'z', image: '3' }], tolerations: [{ key: 'u' }], '$setElementOrder/containers': [{ name: 'y' }] },
    }), { metadata: { finalizers: ['a', 'b'] }, spec: { containers: [{ name: 'y', image: '2' }, { name: 'z', image: '3' }], tolerations: [{ key: 'u' }] } });
    assert.deepEqual(strategicMergePatch(pod, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }), { ...pod, metadata: { finalizers: [] } });
    assert.deepEqual(strategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $patch: 'replace', c: 3 } }), { spec: { c: 3 } });
    assert.throws(() => strategicMergePatch(pod, { spec: { containers: [{ image: 'no-name' }] } }), PatchError);
  });
});

describe('selectors', () => {
  const obj = (labels: Record<string, string>, spec: object = {}): KubeObject => ({ metadata: { name: 'n', namespace: 'ns', labels }, spec });
  it('label selectors: equality, sets, existence', () => {
    const s = parseLabelSelector('app=web,tier in (a, b),!legacy,env,zone notin (x)');
    assert.equal(s(obj({ app: 'web', tier: 'b', env: 'p' })), true);
    assert.equal(s(obj({ app: 'web', tier: 'c', env: 'p' })), false);
    assert.equal(s(obj({ app: 'web', tier: 'a', env: 'p', legacy: '' })), false);
    assert.equal(s(obj({ app: 'web', tier: 'a', env: 'p', zone: 'x' })), false);
    assert.equal(parseLabelSelector('a!=b')(obj({})), true);
  });
  it('field selectors over declared fields; others are a 400', () => {
    const s = parseFieldSelector('spec.nodeName=node-a,metadata.name!=m', ['spec.nodeName']);
    assert.equal(s(obj({}, { nodeName: 'node-a' })), true);
    assert.equal(s(obj({}, { nodeName: 'node-b' })), false);
    assert.throws(() => parseFieldSelector('spec.other=x', []), (e: unknown) => e instanceof KubeApiError && e.status === 400 && e.message === 'field label not supported: spec.other');
    assert.throws(() => parseLabelSelector('a b c'), (e: unknown) => e instanceof KubeApiError && e.status === 400);
  });
});

describe('printer-column JSONPath and ages', () => {
  const o = { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'X', status: 'False' }], routes: [{ target: 'a' }, { target: 'b' }] } };
  it('evaluates fields, filters, wildcards and indexes', () => {
    assert.deepEqual(evalJsonPath(parseJsonPath('.status.conditions[?(@.type=="Ready")].status'), o), ['True']);
    assert.deepEqual(evalJsonPath(parseJsonPath('.status.routes[*].target'), o), ['a', 'b']);
    assert.deepEqual(evalJsonPath(parseJsonPath('.status.routes[-1].target'), o), ['b']);
    assert.deepEqual(evalJsonPath(parseJsonPath('.status.missing'), o), []);
    assert.throws(() => parseJsonPath('.a[?(@.x>1)]'), /unsupported selector/);
  });
  it('prints ages as kubectl does', () => {
    const s = 1000;
    assert.deepEqual([5 * s, 119 * s, 183 * s, 600 * s, 3 * 3600 * s + 60 * s, 30 * 3600 * s, 50 * 3600 * s, 200 * 24 * 3600 * s, 800 * 24 * 3600 * s].map(humanDuration), ['5s', '119s', '3m3s', '10m', '3h1m', '30h', '2d2h', '200d', '2y70d']);
  });
});

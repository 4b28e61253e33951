// The ZTNetwork status the operator writes: conditions keep their transition time while their
// status holds, flip on failure with the reason, and the record's name/MTU/routes show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkStatus } from '../../../src/kube/operator/network-status.js';

test('conditions, observedGeneration and the record summary', () => {
  const record = { name: 'lab-lan', mtu: 2800, routes: [{ target: '10.147.17.0/24', via: null }, { target: '0.0.0.0/0', via: '10.147.17.1' }] };
  const s1 = networkStatus(undefined, 1, { networkId: 'a09f93ae4f6c4c9c', record, failure: null }, '2026-01-01T00:00:00Z');
  assert.deepEqual([s1.networkId, s1.name, s1.mtu, s1.observedGeneration], ['a09f93ae4f6c4c9c', 'lab-lan', 2800, 1]);
  assert.deepEqual(s1.routes, [{ target: '10.147.17.0/24' }, { target: '0.0.0.0/0', via: '10.147.17.1' }]);
  const conds = (s: Record<string, unknown>): Array<[string, string, string, string]> => (s.conditions as Array<{ type: string; status: string; reason: string; lastTransitionTime: string }>).map((c) => [c.type, c.status, c.reason, c.lastTransitionTime]);
  assert.deepEqual(conds(s1), [['Ready', 'True', 'Ready', '2026-01-01T00:00:00Z'], ['ControllerReady', 'True', 'NetworkCreated', '2026-01-01T00:00:00Z']]);
  const s2 = networkStatus({ ...s1, conditions: [...(s1.conditions as object[]), { type: 'NodesJoined', status: 'False', reason: 'NoNodes', message: '', lastTransitionTime: 'x' }] }, 2, { networkId: 'a09f93ae4f6c4c9c', record, failure: null }, '2026-01-02T00:00:00Z');
  assert.deepEqual(conds(s2).map((c) => c[3]), ['2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'x'], 'unchanged statuses keep their time; other conditions stay');
  const s3 = networkStatus(s2, 3, { networkId: 'a09f93ae4f6c4c9c', failure: { reason: 'ControllerError', message: 'the controller answered HTTP 500' } }, '2026-01-03T00:00:00Z');
  assert.deepEqual(conds(s3).slice(0, 2), [['Ready', 'False', 'ControllerError', '2026-01-03T00:00:00Z'], ['ControllerReady', 'False', 'ControllerError', '2026-01-03T00:00:00Z']]);
  assert.equal(s3.observedGeneration, 3);
});

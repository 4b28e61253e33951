// The operator's probe answers (OperatorHealth) over the shared HealthServer, on a real
// loopback port: a standby replica is ready, the leader only once its operator says so;
// /metrics carries leadership, queue depth and reconcile counters, the node's only on the leader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthServer } from '../../../src/kube/health-server.js';
import { OperatorHealth } from '../../../src/kube/operator/operator-health.js';

test('standby ready, leader ready once reconciling; metrics name leadership, queue and reconciles', async () => {
  let isLeader = false;
  let why: string | null = 'the operator is starting (controller identity, node, informers)';
  const stats = { queueDepth: 3, retrying: 1, reconcilesTotal: 7, reconcileFailuresTotal: 2, nodeMetrics: 'zt_num_networks 0\n' };
  const server = new HealthServer('127.0.0.1', 0, new OperatorHealth({ isLeader: () => isLeader, operator: { notReadyReason: () => why, stats: () => stats } }));
  await server.start();
  try {
    const get = async (path: string): Promise<[number, string]> => {
      const r = await fetch(`http://127.0.0.1:${server.listeningPort}${path}`);
      return [r.status, await r.text()];
    };
    assert.deepEqual(await get('/healthz'), [200, 'ok\n']);
    assert.deepEqual(await get('/readyz'), [200, 'ok\n'], 'a standby is ready');
    let [status, text] = await get('/metrics');
    assert.equal(status, 200);
    assert.match(text, /^ztkube_operator_leader 0$/m);
    assert.match(text, /^ztkube_operator_ready 1$/m);
    assert.doesNotMatch(text, /zt_num_networks/, 'no controller node runs on a standby');
    isLeader = true;
    assert.deepEqual(await get('/readyz'), [503, 'the operator is starting (controller identity, node, informers)\n']);
    why = null;
    assert.deepEqual(await get('/readyz'), [200, 'ok\n']);
    [status, text] = await get('/metrics');
    for (const line of ['ztkube_operator_leader 1', 'ztkube_operator_ready 1', 'ztkube_operator_workqueue_depth 3', 'ztkube_operator_workqueue_retrying 1', 'ztkube_operator_reconciles_total 7', 'ztkube_operator_reconcile_failures_total 2', 'zt_num_networks 0']) {
      assert.match(text, new RegExp(`^${line}$`, 'm'));
    }
    assert.match(text, /^# TYPE ztkube_operator_reconciles_total counter$/m);
  } finally {
    await server.stop();
  }
});

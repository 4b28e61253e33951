// The NAD config the ztkube plugin gets through Multus (07 §2's delegate form).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nadConfig } from '../../../src/kube/operator/network-attachments.js';

test('the delegate config names the plugin, its socket and the network ID', () => {
  assert.deepEqual(JSON.parse(nadConfig('lab', '8056c2e21c000001', '/run/ztkube/cni.sock')), { cniVersion: '1.1.0', name: 'lab', type: 'ztkube', socket: '/run/ztkube/cni.sock', network: '8056c2e21c000001' });
});

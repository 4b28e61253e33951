// Which ZTNetworks a Node or ZTNode change queues again: a label change re-queues the networks
// selecting the node before or after; a ZTNode heartbeat with nothing new queues none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkRefOf, networksForNode, networksForZtNode, ztNodeInfoOf } from '../../../src/kube/operator/node-events.js';

const refs = [
  networkRefOf({ metadata: { name: 'all' }, spec: { managed: {} }, status: { networkId: '1111111111000001' } })!,
  networkRefOf({ metadata: { name: 'gpu' }, spec: { nodeSelector: { gpu: 'yes' }, networkId: '2222222222000002' } })!,
  networkRefOf({ metadata: { name: 'zone-b' }, spec: { nodeSelector: { zone: 'b' } }, status: { podRanges: [{ node: 'n1', range: '10.0.0.0/26' }] } })!,
];

test('a Node: selected before or after, or holding a pod range', () => {
  assert.deepEqual(networksForNode('n1', null, { zone: 'a' }, refs), ['all', 'zone-b']);
  assert.deepEqual(networksForNode('n2', { zone: 'a' }, { zone: 'a', gpu: 'yes' }, refs), ['all', 'gpu']);
  assert.deepEqual(networksForNode('n2', { gpu: 'yes' }, null, refs), ['all', 'gpu']);
});

test('a ZTNode: the networks it reports and those selecting its node; a heartbeat concerns none', () => {
  const z1 = ztNodeInfoOf({ metadata: { name: 'n3' }, status: { address: 'aaaaaaaaaa', networks: [{ networkId: '2222222222000002', status: 'OK', bridge: false }] } })!;
  assert.deepEqual(z1.networks, [{ networkId: '2222222222000002', status: 'OK', bridge: false, podsAttached: undefined, name: undefined, mtu: undefined }]);
  assert.deepEqual(networksForZtNode(null, z1, { zone: 'c' }, refs), ['all', 'gpu']);
  assert.deepEqual(networksForZtNode(null, z1, null, refs), ['gpu'], 'no Node: only what it reports');
  assert.deepEqual(networksForZtNode(z1, { ...z1 }, { zone: 'c' }, refs), []);
});

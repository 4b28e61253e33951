// How a ZTNetwork's nodes are read from v1 Nodes and ZTNodes: the selector, the counts, and
// the NodesJoined verdict with the worst node's reason (ACCESS_DENIED → AccessDenied, …), and
// how the status turns these into conditions for managed and external networks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkNodesView, selectsNode, type NodeInfo, type ZtNodeInfo } from '../../../src/kube/operator/network-nodes.js';
import { networkStatus } from '../../../src/kube/operator/network-status.js';

const nwid = '8056c2e21c000001';
const nodes: NodeInfo[] = [
  { name: 'n1', labels: { zone: 'a', gpu: 'yes' } },
  { name: 'n2', labels: { zone: 'a' } },
  { name: 'n3', labels: { zone: 'b' } },
];
const zt = (name: string, address: string, status?: string, extra: Record<string, unknown> = {}): ZtNodeInfo => ({ name, address, networks: status ? [{ networkId: nwid, status, ...extra }] : [] });

test('the selector matches every label; empty selects all', () => {
  assert.equal(selectsNode(undefined, nodes[2]!), true);
  assert.equal(selectsNode({}, nodes[2]!), true);
  assert.equal(selectsNode({ zone: 'a' }, nodes[1]!), true);
  assert.equal(selectsNode({ zone: 'a', gpu: 'yes' }, nodes[1]!), false);
});

test('all joined: counts, addresses and pods (pods summed over every ZTNode)', () => {
  const v = networkNodesView(nwid, 'bridge', { zone: 'a' }, nodes, [zt('n1', '1111111111', 'OK', { bridge: true, podsAttached: 2 }), zt('n2', '2222222222', 'OK', { bridge: true, podsAttached: 1 }), zt('n3', '3333333333', 'OK', { podsAttached: 4 })]);
  assert.deepEqual(v.selected, ['n1', 'n2']);
  assert.deepEqual([...v.addresses], [['n1', '1111111111'], ['n2', '2222222222']]);
  assert.deepEqual([v.nodesSelected, v.nodesJoined, v.podsAttached], [2, 2, 7]);
  assert.deepEqual([v.joined.isTrue, v.joined.reason], [true, 'AllJoined']);
});

test('the worst reason wins and names the node; bridging refused names the member to allow', () => {
  const denied = networkNodesView(nwid, 'bridge', {}, nodes, [zt('n1', '1111111111', 'ACCESS_DENIED'), zt('n2', '2222222222', 'OK', { bridge: false }), zt('n3', '3333333333', 'REQUESTING_CONFIGURATION')]);
  assert.deepEqual([denied.joined.isTrue, denied.joined.reason, denied.nodesJoined], [false, 'AccessDenied', 1]);
  assert.match(denied.joined.message, /n1 \(1111111111\): the network's controller denies access \(and 2 more node problems\)/);
  const bridge = networkNodesView(nwid, 'bridge', { zone: 'a' }, nodes, [zt('n1', '1111111111', 'OK', { bridge: true }), zt('n2', '2222222222', 'OK', { bridge: false })]);
  assert.deepEqual([bridge.joined.reason, bridge.nodesJoined], ['BridgingNotAllowed', 2]);
  assert.match(bridge.joined.message, /allow bridging \(activeBridge\) for member 2222222222 of network 8056c2e21c000001 on its controller/);
  const sixplane = networkNodesView(nwid, 'sixplane', { zone: 'a' }, nodes, [zt('n1', '1111111111', 'OK', { bridge: false }), zt('n2', '2222222222', 'OK')]);
  assert.equal(sixplane.joined.reason, 'AllJoined', 'sixplane pods need no bridging');
  const missing = networkNodesView(nwid, 'bridge', {}, nodes, [zt('n1', '1111111111', 'NOT_FOUND')]);
  assert.equal(missing.joined.reason, 'NotFound');
  assert.equal(missing.isNotFoundEverywhere, true);
  assert.equal(missing.isControllerAnswering, false);
  const waiting = networkNodesView(nwid, 'bridge', {}, nodes, []);
  assert.equal(waiting.joined.reason, 'Joining');
  assert.match(waiting.joined.message, /^0\/3 nodes joined; n1 has not reported the network yet/);
  assert.deepEqual(networkNodesView(nwid, 'bridge', { zone: 'c' }, nodes, []).joined, { isTrue: true, reason: 'NoNodesSelected', message: 'no node matches spec.nodeSelector' });
});

test('status: counts and NodesJoined; Ready waits for the nodes and the pod ranges', () => {
  const conds = (s: Record<string, unknown>): Array<[string, string, string]> => (s.conditions as Array<{ type: string; status: string; reason: string }>).map((c) => [c.type, c.status, c.reason]);
  const view = networkNodesView(nwid, 'bridge', {}, nodes.slice(0, 2), [zt('n1', '1111111111', 'OK', { bridge: true }), zt('n2', '2222222222', 'ACCESS_DENIED')]);
  const s1 = networkStatus(undefined, 1, { networkId: nwid, failure: null, nodes: view, podRanges: { assigned: [{ node: 'n1', range: '10.1.0.0/26' }], problem: null } }, '2026-01-01T00:00:00Z');
  assert.deepEqual(conds(s1), [['Ready', 'False', 'AccessDenied'], ['ControllerReady', 'True', 'NetworkCreated'], ['NodesJoined', 'False', 'AccessDenied']]);
  assert.deepEqual([s1.nodesSelected, s1.nodesJoined, s1.nodes, s1.podsAttached], [2, 1, '1/2', 0]);
  assert.deepEqual(s1.podRanges, [{ node: 'n1', range: '10.1.0.0/26' }]);
  const s2 = networkStatus(s1, 1, { networkId: nwid, failure: null, nodes: view, podRanges: { assigned: [], problem: { reason: 'PodRangesExhausted', message: 'x' } } }, '2026-01-01T00:00:00Z');
  assert.deepEqual(conds(s2)[0], ['Ready', 'False', 'PodRangesExhausted'], 'the pod ranges come before the nodes');
  const s3 = networkStatus(s2, 1, { networkId: nwid, failure: null, nodes: networkNodesView(nwid, 'sixplane', {}, [], []) }, '2026-01-01T00:00:00Z');
  assert.equal(s3.podRanges, undefined, 'no ranges without podRanges');
  assert.deepEqual(conds(s3), [['Ready', 'True', 'Ready'], ['ControllerReady', 'True', 'NetworkCreated'], ['NodesJoined', 'True', 'NoNodesSelected']]);
});

test('status of an external network: the nodes tell whether its controller answers', () => {
  const conds = (s: Record<string, unknown>): Array<[string, string, string]> => (s.conditions as Array<{ type: string; status: string; reason: string }>).map((c) => [c.type, c.status, c.reason]);
  const at = (ztnodes: ZtNodeInfo[]): Record<string, unknown> => networkStatus(undefined, 1, { networkId: nwid, failure: null, isExternal: true, nodes: networkNodesView(nwid, 'bridge', {}, nodes.slice(0, 1), ztnodes) }, '2026-01-01T00:00:00Z');
  assert.deepEqual(conds(at([])), [['Ready', 'Unknown', 'Joining'], ['ControllerReady', 'Unknown', 'Joining'], ['NodesJoined', 'False', 'Joining']]);
  assert.deepEqual(conds(at([zt('n1', '1111111111', 'NOT_FOUND')])).slice(0, 2), [['Ready', 'False', 'NotFound'], ['ControllerReady', 'False', 'NotFound']]);
  assert.deepEqual(conds(at([zt('n1', '1111111111', 'OK', { bridge: false })])), [['Ready', 'False', 'BridgingNotAllowed'], ['ControllerReady', 'True', 'ControllerAnswers'], ['NodesJoined', 'False', 'BridgingNotAllowed']]);
  assert.deepEqual(conds(at([zt('n1', '1111111111', 'OK', { bridge: true })]))[0], ['Ready', 'True', 'Ready']);
});

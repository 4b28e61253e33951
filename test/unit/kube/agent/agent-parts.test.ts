// The agent's pure parts (issue #12): ZTNetwork node selection and network IDs, the join/leave
// plan against the home's record, the CNI catalog from ZTNetworks, the ZTNode status and the
// identity-conflict check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkIdOf, selectsNode, type ZTNetworkResource } from '../../../../src/kube/agent/ztnetwork-view.js';
import { planNetworks, type JoinedRecord } from '../../../../src/kube/agent/desired-networks.js';
import { KubeNetworkCatalog, catalogEntryFor } from '../../../../src/kube/agent/kube-network-catalog.js';
import { buildZTNodeStatus, statusFingerprint } from '../../../../src/kube/agent/ztnode-status.js';
import { findIdentityConflict } from '../../../../src/kube/agent/identity-conflict.js';
import { CniError } from '../../../../src/cni/cni-error.js';
import { prefixToString } from '../../../../src/net/ip/prefix.js';

const net = (name: string, spec: ZTNetworkResource['spec'] = {}, status: ZTNetworkResource['status'] = {}): ZTNetworkResource => ({ metadata: { name }, spec, status });
const code = (n: number) => (e: unknown): boolean => e instanceof CniError && e.cniCode === n;

test('node selector: every key must match; empty or absent selects every node, also one without labels', () => {
  const zone = net('a', { nodeSelector: { zone: 'a', role: 'edge' } });
  assert.equal(selectsNode(zone, { zone: 'a', role: 'edge', extra: 'x' }), true);
  assert.equal(selectsNode(zone, { zone: 'a' }), false);
  assert.equal(selectsNode(zone, { zone: 'b', role: 'edge' }), false);
  assert.equal(selectsNode(zone, undefined), false);
  assert.equal(selectsNode(net('all'), undefined), true);
  assert.equal(selectsNode(net('all', { nodeSelector: {} }), { any: 'x' }), true);
});

test('network ID: spec.networkId (external) wins over status.networkId (managed); neither or a bad one is null', () => {
  assert.equal(networkIdOf(net('x', { networkId: '8056c2e21c000001' }, { networkId: 'abcdefabcd000001' })), '8056c2e21c000001');
  assert.equal(networkIdOf(net('x', { managed: {} }, { networkId: 'abcdefabcd000001' })), 'abcdefabcd000001');
  assert.equal(networkIdOf(net('x', { managed: {} })), null);
  assert.equal(networkIdOf(net('x', { networkId: 'XYZ' })), null);
});

test('plan: joins what selects the node, leaves recorded networks no ZTNetwork wants, keeps ones whose ZTNetwork has no ID yet', () => {
  const networks = [
    net('lan', { networkId: '1111111111000001' }),
    net('edge', { networkId: '2222222222000001', nodeSelector: { role: 'edge' } }),
    net('fresh', { managed: {} }),
    { ...net('going', { networkId: '4444444444000001' }), metadata: { name: 'going', deletionTimestamp: new Date() } } as ZTNetworkResource,
  ];
  const recorded = new Map<string, JoinedRecord>([
    ['2222222222000001', { ztnetwork: 'edge', isOwned: true }],
    ['3333333333000001', { ztnetwork: 'fresh', isOwned: true }],
    ['4444444444000001', { ztnetwork: 'going', isOwned: true }],
    ['5555555555000001', { ztnetwork: 'deleted', isOwned: false }],
  ]);
  const plan = planNetworks(networks, { role: 'worker' }, recorded);
  assert.deepEqual([...plan.wanted], [['1111111111000001', 'lan']]);
  assert.deepEqual(plan.unwanted.sort(), ['2222222222000001', '4444444444000001', '5555555555000001']);
  const edge = planNetworks(networks, { role: 'edge' }, recorded);
  assert.deepEqual([...edge.wanted.keys()].sort(), ['1111111111000001', '2222222222000001']);
});

test('catalog: by ZTNetwork name or network ID, only where it selects the node; bridge takes this node\'s pod range, sixplane none; what is missing is a sentence', () => {
  const networks = [
    net('lan', { managed: {}, attach: { mode: 'bridge', mtu: 1400 } }, { networkId: 'abcdefabcd000001', podRanges: [{ node: 'n1', range: '10.147.20.0/26' }, { node: 'n2', range: '10.147.20.64/26' }] }),
    net('six', { networkId: '8056c2e21c000001', attach: { mode: 'sixplane' } }),
    net('pending', { managed: {} }),
  ];
  const lan = catalogEntryFor(networks, 'lan', 'n2', {});
  assert.equal(lan.nwid, 0xabcdefabcd000001n);
  assert.equal(lan.mode, 'bridge');
  assert.equal(prefixToString(lan.range!), '10.147.20.64/26');
  assert.equal(lan.mtu, 1400);
  assert.deepEqual(catalogEntryFor(networks, 'ABCDEFABCD000001', 'n1', {}).mode, 'bridge');
  const six = catalogEntryFor(networks, '8056c2e21c000001', 'n1', {});
  assert.deepEqual({ mode: six.mode, range: six.range, mtu: six.mtu }, { mode: 'sixplane', range: null, mtu: null });
  assert.throws(() => catalogEntryFor(networks, 'lan', 'n3', {}), (e) => code(11)(e) && /no pod range for node n3/.test((e as Error).message));
  assert.throws(() => catalogEntryFor(networks, 'pending', 'n1', {}), (e) => code(11)(e) && /no network ID yet/.test((e as Error).message));
  assert.throws(() => catalogEntryFor(networks, 'nope', 'n1', {}), (e) => code(7)(e) && /no ZTNetwork has that name/.test((e as Error).message));
  const edgeOnly = [net('edge', { networkId: '8056c2e21c000002', nodeSelector: { role: 'edge' }, attach: { mode: 'sixplane' } })];
  assert.equal(catalogEntryFor(edgeOnly, 'edge', 'n1', { role: 'edge' }).nwid, 0x8056c2e21c000002n);
  assert.throws(() => catalogEntryFor(edgeOnly, 'edge', 'n1', { role: 'worker' }), (e) => code(7)(e) && /does not select node n1/.test((e as Error).message));
});

test('catalog port: claims the network for the ZTNetwork before the attacher uses it; nothing is claimed for a refusal', async () => {
  const networks = [net('six', { networkId: '8056c2e21c000001', attach: { mode: 'sixplane' } }), net('edge', { networkId: '8056c2e21c000002', nodeSelector: { role: 'edge' } })];
  const claims: string[] = [];
  const catalog = new KubeNetworkCatalog({ networks: () => networks, labels: () => ({}), nodeName: 'n1', claim: async (id, name) => void claims.push(`${id} ${name}`) });
  assert.equal((await catalog.resolve('8056C2E21C000001')).mode, 'sixplane');
  assert.equal((await catalog.resolve('six')).nwid, 0x8056c2e21c000001n);
  await assert.rejects(catalog.resolve('edge'), code(7));
  assert.deepEqual(claims, ['8056c2e21c000001 six', '8056c2e21c000001 six']);
});

const localStatus = { address: 'a1b2c3d4e5', publicIdentity: 'a1b2c3d4e5:0:abcd', version: '1.14.1', online: true, planetWorldId: 149604618, planetWorldTimestamp: 1567191349589 };

test('ZTNode status: networks with pods, leaf peers direct/relayed, Ready and IdentityConflict conditions keep their transition time', () => {
  const s = buildZTNodeStatus({
    status: localStatus,
    networks: [{ id: 'abcdefabcd000001', name: 'lab', status: 'OK', assignedAddresses: ['10.147.20.5/24'], portDeviceName: 'ztabc', mac: '02:00:00:00:00:01', mtu: 2800, bridge: true }],
    peers: [{ role: 'PLANET', paths: [{ active: true }] }, { role: 'LEAF', paths: [{ active: true }] }, { role: 'LEAF', paths: [] }],
    podsPerNetwork: new Map([['abcdefabcd000001', 2]]),
    conflictWith: null,
    isSynced: true,
    previous: [{ type: 'Ready', status: 'True', reason: 'Online', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    nowIso: '2026-02-02T00:00:00Z',
  });
  assert.equal(s.planet, '149604618/1567191349589');
  assert.equal(s.networkCount, 1);
  assert.deepEqual(s.networks[0], { networkId: 'abcdefabcd000001', name: 'lab', status: 'OK', assignedAddresses: ['10.147.20.5/24'], device: 'ztabc', mac: '02:00:00:00:00:01', mtu: 2800, bridge: true, podsAttached: 2 });
  assert.deepEqual(s.peers, { direct: 1, relayed: 1 });
  assert.deepEqual(s.conditions.map((c) => [c.type, c.status, c.lastTransitionTime]), [['Ready', 'True', '2026-01-01T00:00:00Z'], ['IdentityConflict', 'False', '2026-02-02T00:00:00Z']]);
  const clash = buildZTNodeStatus({ status: localStatus, networks: [], peers: [], podsPerNetwork: new Map(), conflictWith: 'node-b', isSynced: true, previous: s.conditions, nowIso: '2026-02-03T00:00:00Z' });
  assert.deepEqual(clash.conditions.map((c) => [c.type, c.status, c.reason]), [['Ready', 'False', 'IdentityConflict'], ['IdentityConflict', 'True', 'SameAddress']]);
  assert.match(clash.conditions[1].message, /node-b/);
  // The fingerprint ignores heartbeat and transition times only.
  const later = buildZTNodeStatus({ status: localStatus, networks: [], peers: [], podsPerNetwork: new Map(), conflictWith: 'node-b', isSynced: true, previous: undefined, nowIso: '2026-03-03T00:00:00Z' });
  assert.equal(statusFingerprint(later), statusFingerprint(clash));
  assert.notEqual(statusFingerprint(later), statusFingerprint(s));
});

test('identity conflict: another node name, same address, fresh heartbeat; stale ones and our own do not count', () => {
  const now = Date.parse('2026-02-02T00:10:00Z');
  const node = (name: string, address: string, beat: string) => ({ metadata: { name }, status: { address, lastHeartbeatTime: beat } });
  const nodes = [node('self', 'a1b2c3d4e5', '2026-02-02T00:09:59Z'), node('old', 'a1b2c3d4e5', '2026-02-02T00:05:00Z'), node('other', 'ffffffffff', '2026-02-02T00:09:59Z')];
  assert.equal(findIdentityConflict(nodes, 'self', 'a1b2c3d4e5', now), null);
  assert.equal(findIdentityConflict([...nodes, node('clone', 'a1b2c3d4e5', '2026-02-02T00:09:30Z')], 'self', 'a1b2c3d4e5', now), 'clone');
});

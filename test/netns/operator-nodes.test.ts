// The operator's cluster features (issue #11) with real processes in namespaces this test makes:
//
//   [op 10.N.0.1: test API server on its 127.0.0.1:6443, ztkube operator :9993 = root + controller] --+
//   [m1 10.N.0.2: ztkube daemon --no-taps, standing in for node n1's agent] ---------------------------+-- br0
//   [c2 10.N.0.3: plain ztkube daemon, the controller of an "external" network] -----------------------+
//
// v1 Nodes n1 and n2 are created with kubectl, and their ZTNodes' status is written as the
// agent would: n1 from m1's own `listnetworks -j`, n2 (no process) by hand. A managed ZTNetwork
// with pod ranges → both nodes' members authorized as active bridges by the operator (marked
// ztkube.io/authorized-by), m1 joins and is OK at once, the network Ready with 2/2 nodes and a
// pod range each; m1's ZTMember shows its last request, version, physical address and node; n2 relabelled out of the selector → its member de-authorized and its range
// freed, while a member authorized by hand through the controller API keeps its access. An
// external ZTNetwork (spec.networkId of c2's network): BridgingNotAllowed while c2 does not
// let m1 bridge, AllJoined and Ready once it does. With Multus's CRD created, each ZTNetwork has
// a NetworkAttachmentDefinition in ztkube-system and in --nad-namespaces, deleted with it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasNetns, waitFor, type LabHost } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { operatorLab, ztkubeCli as cli, type OperatorLab } from '../helpers/operator-lab.js';
import { localApi, privateNetworkBody } from '../helpers/zt-network.js';
import { NAD_CRD } from '../helpers/nad-crd.js';

const kubectl = kubectl130();
const skip = !hasNetns() ? 'needs root and iproute2' : typeof kubectl === 'string' ? kubectl : false;
const N2_ADDRESS = 'a1b2c3d4e5';

let ol: OperatorLab | null = null;
let op: LabHost, m1: LabHost, c2: LabHost;

before(() => {
  if (skip || typeof kubectl === 'string') return;
  ol = operatorLab(kubectl, ['op', 'm1', 'c2'], 'opnodes');
  [op, m1, c2] = ['op', 'm1', 'c2'].map((n) => ol!.host(n)) as [LabHost, LabHost, LabHost];
});

after(() => ol?.teardown());

type Cond = { type: string; status: string; reason: string; message: string };
const cond = (n: any, type: string): Cond | undefined => n?.status?.conditions?.find((c: Cond) => c.type === type); // eslint-disable-line @typescript-eslint/no-explicit-any

function listnetworks(h: LabHost): Array<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(ol!.lab.exec(h, process.execPath, [cli, 'listnetworks', '-j', '--home', ol!.homes.home(h.name)]));
}

/** Writes n1's ZTNode status from m1's own view, as the agent does. */
function reportN1(): void {
  const networks = listnetworks(m1).map((n) => ({ networkId: n.nwid, status: n.status, name: n.name, mtu: n.mtu, bridge: n.bridge, mac: n.mac, assignedAddresses: n.assignedAddresses, podsAttached: 0 }));
  const status = { address: ol!.homes.addr('m1'), online: true, networkCount: networks.length, networks };
  ol!.kOk(['patch', 'ztnode', 'n1', '--subresource=status', '--type', 'merge', '-p', JSON.stringify({ status })]);
}

function apiOf(h: LabHost) {
  return (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => localApi((c, a) => ol!.lab.exec(h, c, a), ol!.homes.home(h.name), method, path, body);
}

test('operator: cluster nodes are authorized as bridges, get pod ranges, and report external networks', { skip, timeout: 300_000 }, async () => {
  const { k, kOk, kJson, homes } = ol!;
  try {
    // Multus's CRD, as its deployment installs it (trimmed to what the API server needs).
    await ol!.startOperator(['--nad-namespaces', 'apps'], () => {
      kOk(['create', 'namespace', 'apps']);
      kOk(['apply', '-f', '-'], NAD_CRD);
    });
    const m1Addr = homes.addr('m1');
    kOk(['apply', '-f', '-'], [
      'apiVersion: v1', 'kind: Node', 'metadata: {name: n1, labels: {zone: a}}', '---',
      'apiVersion: v1', 'kind: Node', 'metadata: {name: n2, labels: {zone: a}}', '---',
      'apiVersion: ztkube.io/v1alpha1', 'kind: ZTNode', 'metadata: {name: n1}', 'spec: {nodeName: n1}', '---',
      'apiVersion: ztkube.io/v1alpha1', 'kind: ZTNode', 'metadata: {name: n2}', 'spec: {nodeName: n2}', '',
    ].join('\n'));
    kOk(['patch', 'ztnode', 'n1', '--subresource=status', '--type', 'merge', '-p', JSON.stringify({ status: { address: m1Addr, online: true, networkCount: 0, networks: [] } })]);
    kOk(['patch', 'ztnode', 'n2', '--subresource=status', '--type', 'merge', '-p', JSON.stringify({ status: { address: N2_ADDRESS, online: true, networkCount: 0, networks: [] } })]);

    kOk(['apply', '-f', '-'], ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', 'metadata: {name: pods}', 'spec:', '  managed:', '    name: pods-lan',
      '    ipv4Pools: [{start: 10.147.18.10, end: 10.147.18.250}]', '    routes: [{target: 10.147.18.0/24}, {target: 10.244.0.0/24}]', '  attach:', '    podRanges: [10.244.0.0/25]', ''].join('\n'));
    const nwid = (await waitFor('the managed network ID', () => kJson(['get', 'ztnetwork', 'pods'])?.status?.networkId, 30_000)) as string;
    const memberOf = (addr: string): any => kJson(['get', 'ztmember', `${nwid}-${addr}`]); // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const addr of [m1Addr, N2_ADDRESS]) {
      const m = await waitFor(`member ${addr} authorized as an active bridge`, () => {
        const r = memberOf(addr);
        return r?.spec?.authorized === true && r.spec.activeBridge === true ? r : null;
      }, 30_000);
      assert.equal(m.metadata.labels['ztkube.io/authorized-by'], 'operator');
    }
    // Before any node reports the network, the nodes are still joining.
    const joining = kJson(['get', 'ztnetwork', 'pods']);
    assert.equal(cond(joining, 'NodesJoined')?.reason, 'Joining');
    assert.equal(cond(joining, 'Ready')?.status, 'False');
    assert.deepEqual(joining.status.podRanges, [{ node: 'n1', range: '10.244.0.0/26' }, { node: 'n2', range: '10.244.0.64/26' }]);

    ol!.startIn(m1, 'm1', [cli, 'daemon', '--home', homes.home('m1'), '--port', '9993', '--no-taps', '--log-format', 'json']);
    ol!.startIn(c2, 'c2', [cli, 'daemon', '--home', homes.home('c2'), '--port', '9993', '--no-taps', '--log-format', 'json']);
    await waitFor('m1 and c2 up', () => ol!.logs.m1!.includes('"started"') && ol!.logs.c2!.includes('"started"'), 30_000);
    ol!.lab.exec(m1, process.execPath, [cli, 'join', nwid, '--home', homes.home('m1')]);
    await waitFor('m1 OK as a bridge on the managed network', () => listnetworks(m1).some((n) => n.nwid === nwid && n.status === 'OK' && n.bridge === true), 45_000);
    // The controller's view of m1 reaches its ZTMember's status (written every 10 s).
    const seen = await waitFor("m1's ZTMember status", () => memberOf(m1Addr)?.status?.lastSeen ? memberOf(m1Addr) : null, 30_000);
    assert.deepEqual([seen.status.physicalAddress, seen.status.name], [`${m1.ip}/9993`, 'n1']);
    assert.match(seen.status.version, /^\d+\.\d+\.\d+$/);
    assert.ok(Math.abs(Date.parse(seen.status.lastSeen) - Date.now()) < 60_000, seen.status.lastSeen);
    reportN1();
    kOk(['patch', 'ztnode', 'n2', '--subresource=status', '--type', 'merge', '-p', JSON.stringify({ status: { networkCount: 1, networks: [{ networkId: nwid, status: 'OK', bridge: true, podsAttached: 3 }] } })]);
    const ready = await waitFor('the managed network Ready with 2/2 nodes', () => {
      const n = kJson(['get', 'ztnetwork', 'pods']);
      return cond(n, 'Ready')?.status === 'True' ? n : null;
    }, 30_000);
    assert.deepEqual([ready.status.nodes, ready.status.nodesSelected, ready.status.nodesJoined, ready.status.podsAttached], ['2/2', 2, 2, 3]);
    assert.equal(cond(ready, 'NodesJoined')?.reason, 'AllJoined');
    assert.deepEqual(ready.status.podRanges, [{ node: 'n1', range: '10.244.0.0/26' }, { node: 'n2', range: '10.244.0.64/26' }], 'ranges stay put across reconciles');
    const table = kOk(['get', 'ztn', 'pods']);
    assert.match(table, new RegExp(`pods\\s+${nwid}\\s+pods-lan\\s+bridge\\s+2/2\\s+3\\s+True\\s+Ready`), table);

    // A member authorized by hand (through the controller's API) is never the operator's to undo.
    const opApi = apiOf(op);
    assert.equal(opApi('POST', `/controller/network/${nwid}/member/b0b0b0b0b0`, { authorized: true }).status, 200);
    // n2 leaves the selector: its member loses access and its range is freed.
    kOk(['patch', 'ztnetwork', 'pods', '--type', 'merge', '-p', '{"spec":{"nodeSelector":{"zone":"a"}}}']);
    kOk(['label', 'node', 'n2', 'zone=b', '--overwrite']);
    const n2Member = await waitFor('n2 de-authorized', () => {
      const r = memberOf(N2_ADDRESS);
      return r?.spec?.authorized === false ? r : null;
    }, 30_000);
    assert.equal(n2Member.metadata.labels['ztkube.io/authorized-by'], undefined);
    const one = await waitFor('one node selected', () => {
      const n = kJson(['get', 'ztnetwork', 'pods']);
      return n?.status?.nodes === '1/1' ? n : null;
    }, 30_000);
    assert.deepEqual(one.status.podRanges, [{ node: 'n1', range: '10.244.0.0/26' }]);
    assert.equal(memberOf('b0b0b0b0b0')?.spec?.authorized, true, 'the hand-authorized member keeps its access');
    assert.equal(memberOf(m1Addr)?.spec?.authorized, true);

    // An external network, run by c2's controller: m1 is admitted, but not as a bridge.
    const c2Api = apiOf(c2);
    const created = c2Api('POST', `/controller/network/${homes.addr('c2')}______`, privateNetworkBody('ext-lan', '172.30.9'));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const ext = created.body.id as string;
    assert.equal(c2Api('POST', `/controller/network/${ext}/member/${m1Addr}`, { authorized: true }).status, 200);
    ol!.lab.exec(m1, process.execPath, [cli, 'join', ext, '--home', homes.home('m1')]);
    await waitFor('m1 OK on the external network', () => listnetworks(m1).some((n) => n.nwid === ext && n.status === 'OK'), 45_000);
    kOk(['apply', '-f', '-'], ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', 'metadata: {name: ext}', 'spec:', `  networkId: "${ext}"`, '  nodeSelector: {zone: a}', ''].join('\n'));
    reportN1();
    const refused = await waitFor('BridgingNotAllowed on the external network', () => {
      const n = kJson(['get', 'ztnetwork', 'ext']);
      return cond(n, 'NodesJoined')?.reason === 'BridgingNotAllowed' ? n : null;
    }, 30_000);
    assert.equal(cond(refused, 'ControllerReady')?.status, 'True');
    assert.deepEqual([cond(refused, 'Ready')?.status, cond(refused, 'Ready')?.reason], ['False', 'BridgingNotAllowed']);
    assert.match(cond(refused, 'NodesJoined')!.message, new RegExp(`allow bridging \\(activeBridge\\) for member ${m1Addr} of network ${ext}`));
    assert.deepEqual([refused.status.networkId, refused.status.nodes, refused.status.name], [ext, '1/1', 'ext-lan']);

    assert.equal(c2Api('POST', `/controller/network/${ext}/member/${m1Addr}`, { activeBridge: true }).status, 200);
    await waitFor('m1 a bridge on the external network', () => listnetworks(m1).some((n) => n.nwid === ext && n.bridge === true), 45_000);
    reportN1();
    const allowed = await waitFor('the external network Ready', () => {
      const n = kJson(['get', 'ztnetwork', 'ext']);
      return cond(n, 'Ready')?.status === 'True' ? n : null;
    }, 30_000);
    assert.equal(cond(allowed, 'NodesJoined')?.reason, 'AllJoined');
    assert.equal(k(['get', 'ztn']).code, 0);

    // Multus: a NAD per ZTNetwork in the operator's namespace and in --nad-namespaces, gone with it.
    for (const [ns, net, id] of [['ztkube-system', 'pods', nwid], ['apps', 'pods', nwid], ['apps', 'ext', ext]] as const) {
      const nad = kJson(['-n', ns, 'get', 'net-attach-def', net]);
      assert.ok(nad, `NAD ${ns}/${net}`);
      assert.deepEqual(JSON.parse(nad.spec.config), { cniVersion: '1.1.0', name: net, type: 'ztkube', socket: '/run/ztkube/cni.sock', network: id });
      assert.equal(nad.metadata.labels['ztkube.io/ztnetwork'], net);
    }
    assert.deepEqual(kJson(['get', 'ztnetwork', 'ext']).metadata.finalizers, ['ztkube.io/network-attachments']);
    for (const net of ['ext', 'pods']) {
      const deleted = k(['delete', 'ztnetwork', net, '--timeout=60s']);
      assert.equal(deleted.code, 0, deleted.out);
    }
    for (const ns of ['ztkube-system', 'apps']) assert.deepEqual(kJson(['-n', ns, 'get', 'net-attach-def']).items, [], `no NADs left in ${ns}`);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${ol!.dumpLogs()}`, { cause: e });
  }
});

// The CNI chain as containerd runs it (issue #12; 07 §1), with the ztkube shim chained after
// Debian's bridge + host-local, against a real `ztkube daemon --cni`, in namespaces this test
// creates (and removes, also after a failure; every process it starts is ended by PID):
//
//   [ctl  10.N.0.1] --+            controller and planet root
//   [m1   10.N.0.2] --+-- br0       a plain ztkube member (10.147.43.1x, 6PLANE)
//   [node 10.N.0.3] --+            ztkube daemon --cni; the "kubelet" runs the plugins here
//         ├─ cnibr0 (bridge plugin) ── eth0 of each pod (10.22.0.0/24, host-local)
//         ├─ ztb… = node's TAP + pods' zt0 veths (bridge mode, 10.147.43.128/26)
//         └─ routed veths from node's 6PLANE /80 (sixplane mode)
//   [pod namespaces /run/netns/ztkpod<pid>-N]
//
// Checked as a user would: annotated pods ping m1 over ZeroTier (IPv4 in bridge mode, IPv6
// in sixplane) and m1 pings back; a pod without the annotation keeps its prevResult exactly;
// DEL (twice, the second without a netns) and GC leave no veth, address or bridge port; an
// agent restart keeps a pod connected and its records; bad
// env and config get their codes from the agent; STATUS says 50 once the agent is gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasNetns, waitFor } from '../helpers/netns.js';
import { shimPath } from '../helpers/cni-shim.js';
import { CNI_BIN_DIR, POD_RANGE, cniLab, hasCniPlugins, type CniLab, type Pod, type PluginRun } from '../helpers/cni-lab.js';
import { bridgeName } from '../../src/docker/network-driver.js';

const skip = !hasNetns() ? 'needs root and iproute2' : !hasCniPlugins() ? 'needs containernetworking-plugins (make sysdeps) and build/cni/ztkube (make build)' : false;
const VERSION = '1.0.0'; // what containerd 1.6 sends (shared/vectors/07)

let L: CniLab | null = null;

before(async () => {
  if (!skip) L = await cniLab();
});
after(async () => {
  await L?.teardown();
});

async function logged(fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (e) {
    L?.dumpLogs();
    throw e;
  }
}

const primary = (): Record<string, unknown> => ({
  cniVersion: VERSION,
  name: 'k8s-pod-network',
  type: 'bridge',
  bridge: 'cnibr0',
  isGateway: true,
  ipMasq: false,
  ipam: { type: 'host-local', ranges: [[{ subnet: '10.22.0.0/24' }]], dataDir: join(L!.work, 'host-local') },
});

/** The ztkube plugin object as the runtime hands it over; annotations through the stand-in table. */
function ztkubeConf(annotations: Record<string, string>, prevResult?: unknown): Record<string, unknown> {
  return {
    cniVersion: VERSION,
    name: 'k8s-pod-network',
    type: 'ztkube',
    socket: L!.socket,
    podNetworks: Object.fromEntries(Object.entries(annotations).map(([pod, v]) => [`default/${pod}`, v])),
    networks: { lan: { id: L!.nwid, mode: 'bridge', range: POD_RANGE }, six: { id: L!.nwid, mode: 'sixplane' } },
    ...(prevResult === undefined ? {} : { prevResult }),
  };
}

function env(command: string, p: Pod, netns = p.netns): Record<string, string> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: p.containerId,
    CNI_NETNS: netns,
    CNI_IFNAME: 'eth0',
    CNI_PATH: CNI_BIN_DIR,
    // containerd's keys, in its varying order (07 §1.9)
    CNI_ARGS: `K8S_POD_UID=uid-${p.name};IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${p.name};K8S_POD_INFRA_CONTAINER_ID=${p.containerId}`,
  };
}

function mustRun(r: PluginRun, what: string): PluginRun {
  assert.equal(r.code, 0, `${what}: ${r.stdout} ${r.stderr}`);
  return r;
}

/** ADD through the chain: bridge (eth0), then ztkube with the bridge's result as prevResult. */
function addPod(p: Pod, annotations: Record<string, string>): { prev: any; result: any } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const prev = mustRun(L!.plugin(join(CNI_BIN_DIR, 'bridge'), env('ADD', p), primary()), 'bridge ADD').json;
  const result = mustRun(L!.plugin(shimPath, env('ADD', p), ztkubeConf(annotations, prev)), 'ztkube ADD').json;
  return { prev, result };
}

/** DEL in reverse order, as containerd: ztkube, then bridge. */
function delPod(p: Pod, annotations: Record<string, string>, prevResult: unknown, netns = p.netns): void {
  const r = mustRun(L!.plugin(shimPath, env('DEL', p, netns), ztkubeConf(annotations, prevResult)), 'ztkube DEL');
  assert.equal(r.stdout, '');
  mustRun(L!.plugin(join(CNI_BIN_DIR, 'bridge'), env('DEL', p, netns), { ...primary(), prevResult }), 'bridge DEL');
}

/** The node's links; `kind` tells veths from the engine's TAP, whose name (zt + 8 base32 letters) may start ztp or ztq too. */
function nodeLinks(): Array<{ ifname: string; master?: string; kind?: string }> {
  const rows = JSON.parse(L!.lab.exec(L!.node, 'ip', ['-d', '-j', 'link'])) as Array<{ ifname: string; master?: string; linkinfo?: { info_kind?: string } }>;
  return rows.map((r) => ({ ifname: r.ifname.replace(/@.*/, ''), master: r.master, kind: r.linkinfo?.info_kind }));
}

function podVeths(): string[] {
  return nodeLinks().filter((l) => l.kind === 'veth' && (l.ifname.startsWith('ztp') || l.ifname.startsWith('ztq'))).map((l) => l.ifname);
}

function records(): unknown[] {
  try {
    return (JSON.parse(readFileSync(join(L!.work, 'node', 'cni.d', 'attachments.json'), 'utf8')) as { attachments: unknown[] }).attachments;
  } catch {
    return []; // no file yet: nothing recorded
  }
}

const annotations = { 'pod-a': 'lan', 'pod-b': 'six', 'pod-d': 'lan@ztlan, six' };

test('VERSION and STATUS through the shim with the agent up', { skip }, () => {
  const v = mustRun(L!.plugin(shimPath, { CNI_COMMAND: 'VERSION' }, { cniVersion: VERSION }), 'VERSION');
  assert.deepEqual(v.json.supportedVersions, ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
  const s = L!.plugin(shimPath, { CNI_COMMAND: 'STATUS', CNI_PATH: CNI_BIN_DIR }, { ...ztkubeConf({}), cniVersion: '1.1.0' });
  assert.equal(s.code, 0, s.stdout);
  assert.equal(s.stdout, '');
});

test('a pod without the annotation passes through: its prevResult exactly, nothing added', { skip }, () => logged(() => {
  const p = L!.newPod('pod-c');
  const { prev, result } = addPod(p, annotations);
  assert.deepEqual(result, prev);
  const links = L!.inPod(p, 'ip', ['-o', 'link']).out;
  assert.doesNotMatch(links, /zt0/);
  delPod(p, annotations, result);
  L!.removePod(p);
}));

test('bridge mode: an annotated pod gets zt0 with an address from the node range and pings m1 both ways; DEL twice releases it', { skip, timeout: 180_000 }, () => logged(async () => {
  const p = L!.newPod('pod-a');
  const { prev, result } = addPod(p, annotations);
  const zt = result.interfaces.findIndex((i: { name: string }) => i.name === 'zt0');
  assert.ok(zt >= prev.interfaces.length, JSON.stringify(result));
  assert.equal(result.interfaces[zt].sandbox, p.netns);
  assert.deepEqual(result.interfaces.slice(0, prev.interfaces.length), prev.interfaces);
  const ip = result.ips.find((x: { interface: number }) => x.interface === zt);
  assert.match(ip.address, /^10\.147\.43\.(1[2-8]\d|19[01])\/24$/);
  const podIp = ip.address.split('/')[0];
  const m1Ip = L!.memberAddress(L!.m1, 4)!;
  await waitFor('pod-a pinging m1 over ZeroTier', () => L!.inPod(p, 'ping', ['-c', '1', '-W', '2', m1Ip]).code === 0, 60_000);
  assert.equal(L!.lab.exec(L!.m1, 'ping', ['-c', '1', '-W', '5', podIp]).includes('1 received'), true);
  const bridge = bridgeName(BigInt(`0x${L!.nwid}`));
  assert.ok(nodeLinks().some((l) => l.master === bridge && l.kind === 'veth' && l.ifname.startsWith('ztp')), 'the pod veth is a port of the network bridge');

  // CHECK with the final result passes while everything is in place
  mustRun(L!.plugin(shimPath, env('CHECK', p), ztkubeConf(annotations, result)), 'ztkube CHECK');

  delPod(p, annotations, result);
  L!.removePod(p);
  delPod(p, annotations, result, ''); // containerd's second DEL, at RemovePodSandbox
  assert.deepEqual(podVeths(), []);
  assert.deepEqual(nodeLinks().filter((l) => l.master === bridge && l.kind !== 'tun').map((l) => l.ifname), []);
  assert.deepEqual(records(), []);
}));

test('sixplane mode: the pod gets an address from node\'s 6PLANE /80 and pings m1 over IPv6', { skip, timeout: 180_000 }, () => logged(async () => {
  const p = L!.newPod('pod-b');
  const { result } = addPod(p, annotations);
  const zt = result.interfaces.findIndex((i: { name: string }) => i.name === 'zt0');
  const ip = result.ips.find((x: { interface: number }) => x.interface === zt);
  assert.match(ip.address, /^fc[0-9a-f:]+\/128$/);
  const m1Ip6 = L!.memberAddress(L!.m1, 6)!;
  await waitFor('pod-b pinging m1 over 6PLANE', () => L!.inPod(p, 'ping', ['-6', '-c', '1', '-W', '2', m1Ip6]).code === 0, 60_000);
  delPod(p, annotations, result);
  L!.removePod(p);
  assert.deepEqual(podVeths(), []);
}));

test('two networks in one annotation (one named lan@ztlan); GC releases what is not listed', { skip, timeout: 180_000 }, () => logged(() => {
  const p = L!.newPod('pod-d');
  const { result } = addPod(p, annotations);
  const names = result.interfaces.map((i: { name: string }) => i.name);
  assert.ok(names.includes('ztlan') && names.includes('zt0'), JSON.stringify(names));
  const inPod = L!.inPod(p, 'ip', ['-o', 'link']).out;
  assert.match(inPod, /ztlan/);
  assert.equal(records().length, 2);
  L!.removePod(p); // the sandbox is gone and the runtime forgot it: only GC can release it
  const gc = L!.plugin(shimPath, { CNI_COMMAND: 'GC', CNI_PATH: CNI_BIN_DIR }, { ...ztkubeConf(annotations), cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'someone-else', ifname: 'eth0' }] });
  assert.equal(gc.code, 0, gc.stdout);
  assert.deepEqual(records(), []);
  assert.deepEqual(podVeths(), []);
  mustRun(L!.plugin(join(CNI_BIN_DIR, 'bridge'), env('DEL', p, ''), primary()), 'bridge DEL');
}));

test('bad env and config get the agent\'s codes; an unknown network is code 7 and leaves nothing', { skip }, () => logged(() => {
  const p = L!.newPod('pod-e');
  const prev = mustRun(L!.plugin(join(CNI_BIN_DIR, 'bridge'), env('ADD', p), primary()), 'bridge ADD').json;
  const r = L!.plugin(shimPath, env('ADD', p), ztkubeConf({ 'pod-e': 'nosuchnet' }, prev));
  assert.equal(r.code, 1);
  assert.equal(r.json.code, 7, r.stdout);
  assert.match(r.json.msg, /nosuchnet/);
  const bad = L!.plugin(shimPath, env('ADD', p), { ...ztkubeConf({ 'pod-e': 'lan' }, prev), networks: { lan: { id: L!.nwid, mode: 'bridge', range: 'x' } } });
  assert.equal(bad.json.code, 7, bad.stdout);
  assert.match(bad.json.msg, /networks\["lan"\]\.range/);
  const noNetns = L!.plugin(shimPath, { ...env('ADD', p), CNI_NETNS: '' }, ztkubeConf({}, prev));
  assert.equal(noNetns.json.code, 4, noNetns.stdout);
  assert.deepEqual(podVeths(), []);
  assert.deepEqual(records(), []);
  mustRun(L!.plugin(join(CNI_BIN_DIR, 'bridge'), env('DEL', p), { ...primary(), prevResult: prev }), 'bridge DEL');
  L!.removePod(p);
}));

test('an agent restart keeps a running pod connected, re-serves CNI and still releases the pod', { skip, timeout: 240_000 }, () => logged(async () => {
  const p = L!.newPod('pod-a');
  const { result } = addPod(p, annotations);
  const m1Ip = L!.memberAddress(L!.m1, 4)!;
  await waitFor('pod-a pinging m1', () => L!.inPod(p, 'ping', ['-c', '1', '-W', '2', m1Ip]).code === 0, 60_000);
  await L!.stopNode();
  L!.startNode();
  await waitFor('the agent answering STATUS again', () => L!.plugin(shimPath, { CNI_COMMAND: 'STATUS', CNI_PATH: CNI_BIN_DIR }, { ...ztkubeConf({}), cniVersion: '1.1.0' }).code === 0, 30_000);
  // the engine's TAP is new after the restart: the agent puts it back on the pod's bridge
  await waitFor('pod-a pinging m1 after the restart', () => L!.inPod(p, 'ping', ['-c', '1', '-W', '2', m1Ip]).code === 0, 90_000);
  mustRun(L!.plugin(shimPath, env('CHECK', p), ztkubeConf(annotations, result)), 'ztkube CHECK after the restart');
  delPod(p, annotations, result);
  L!.removePod(p);
  assert.deepEqual(podVeths(), []);
  assert.deepEqual(records(), []);
}));

test('with the agent stopped: STATUS is code 50, ADD code 11, DEL still succeeds', { skip }, () => logged(async () => {
  await L!.stopNode();
  const s = L!.plugin(shimPath, { CNI_COMMAND: 'STATUS', CNI_PATH: CNI_BIN_DIR }, { ...ztkubeConf({}), cniVersion: '1.1.0' });
  assert.equal(s.code, 1);
  assert.equal(s.json.code, 50, s.stdout);
  const p = L!.newPod('pod-f');
  const a = L!.plugin(shimPath, env('ADD', p), ztkubeConf({}, { cniVersion: VERSION, interfaces: [], ips: [] }));
  assert.equal(a.json.code, 11, a.stdout);
  const d = L!.plugin(shimPath, env('DEL', p), ztkubeConf({}));
  assert.equal(d.code, 0, d.stdout);
  L!.removePod(p);
}));

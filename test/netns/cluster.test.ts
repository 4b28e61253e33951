// The simulated cluster of real processes (issue #12), built by test/helpers/cluster-lab.ts:
//
//   [op: test API server, ztkube operator = planet root + controller] --+
//   [n1: ztkube agent, labels pods=yes six=yes] -------------------------+
//   [n2: ztkube agent, labels pods=yes six=yes] -------------------------+-- br0 (10.N.0.0/24)
//   [n3: ztkube agent, labels pods=yes] ---------------------------------+
//   [zo: a real zerotier-one, only with ZTKUBE_ZEROTIER_ONE] ------------+
//   pods: namespaces a1 (n1: "lan, six"), a2 (n2: "lan, six"), a3 (n3: "<lan's ID>@ztlan"),
//         plain (n3: no annotation), x3 (n3: "six", refused), g1 (n2: "lan", for GC),
//         d1 (n1: deleted while its agent is down), r1 (n1: after the restart)
//
// Two managed ZTNetworks: "lan" (bridge mode, pods=yes, pod ranges 10.147.46.128/25 carved in
// /27s) and "six" (sixplane, six=yes). The kubelet runs the conflist each agent installed.
// Checked as a user would, with `kubectl get ztnetworks,ztnodes -o json` at each step: pods
// on different nodes talk over lan (IPv4, ARP with the other pod's MAC, a broadcast, an IPX
// frame) with addresses from their node's block, and over six (IPv6); a pod without the
// annotation gets nothing; DEL, the second DEL without netns, and GC release everything;
// STATUS is 50 while an agent is down, a pod deleted meanwhile is released after its restart,
// which keeps pods connected and serves CNI again; deleting the ZTNetworks detaches the pods
// and the nodes leave; the counts follow. Opt-in (ZTKUBE_ZEROTIER_ONE): a real zerotier-one
// admitted with `kubectl patch ztmember` and the pods ping each other both ways.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasNetns, waitFor, type LabHost } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { hasCniPlugins } from '../helpers/cni-lab.js';
import { clusterLab, type ClusterLab, type Json, type KPod } from '../helpers/cluster-lab.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import { bridgeName } from '../../src/docker/network-driver.js';
import { RAW_ETHERNET_PY, collectOutput } from '../helpers/raw-ethernet.js';

const kubectl = kubectl130();
const python = ((): string => {
  const r = spawnSync('python3', ['-c', 'import sys, socket; socket.AF_PACKET; print(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
})();
const skip = !hasNetns() ? 'needs root and iproute2'
  : typeof kubectl === 'string' ? kubectl
  : !hasCniPlugins() ? 'needs containernetworking-plugins (make sysdeps) and build/cni/ztkube (make build)'
  : !python ? 'needs python3 (raw AF_PACKET sockets for the IPX frame)'
  : false;
const interop = interopTests('a real zerotier-one on the cluster\'s managed ZTNetwork pings a pod');

let C: ClusterLab | null = null;
let n1: LabHost, n2: LabHost, n3: LabHost;
let lan = '';
let six = '';
const ranges: Record<string, string> = {};
const pods: Record<string, { pod: KPod; result: Json }> = {};

before(async () => {
  if (skip || typeof kubectl === 'string') return;
  C = clusterLab(kubectl, [
    { name: 'n1', labels: { 'ztkube.io/pods': 'yes', 'ztkube.io/six': 'yes' } },
    { name: 'n2', labels: { 'ztkube.io/pods': 'yes', 'ztkube.io/six': 'yes' } },
    { name: 'n3', labels: { 'ztkube.io/pods': 'yes' } },
  ], zerotierOne ? ['zo'] : []);
  [n1, n2, n3] = C.nodes as [LabHost, LabHost, LabHost];
  try {
    await C.start();
  } catch (e) {
    console.error(C.dumpLogs());
    throw e;
  }
});
after(async () => {
  await C?.teardown();
});

async function logged(fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (e) {
    console.error(C?.dumpLogs());
    throw e;
  }
}

/** Is the IPv4 address inside the CIDR? */
function inside(ip: string, cidr: string): boolean {
  const n = (a: string): number => a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}

/** The result's address on interface `ifname` (no prefix length). */
function addressOn(result: Json, ifname: string): string {
  const index = (result.interfaces as Json[]).findIndex((i) => i.name === ifname);
  const ip = (result.ips as Json[]).find((x) => x.interface === index);
  assert.ok(index >= 0 && ip, `${ifname} with an address in ${JSON.stringify(result)}`);
  return String(ip.address).split('/')[0]!;
}
const macOf = (result: Json, ifname: string): string => (result.interfaces as Json[]).find((i) => i.name === ifname).mac;
const ztLinks = (p: KPod): string[] => [...C!.inPod(p, 'ip', ['-o', 'link']).out.matchAll(/^\d+: (zt\w+)[@:]/gm)].map((m) => m[1]!);
/** Pod veths on a node (kind veth: a TAP may be named ztp… or ztq… too). */
const podVeths = (h: LabHost): string[] => C!.links(h).filter((l) => l.kind === 'veth' && /^zt[pq]/.test(l.ifname)).map((l) => l.ifname);
/** Ports of the network's bridge on the node other than the engine's TAP. */
const bridgePorts = (h: LabHost, nwid: string): string[] => C!.links(h).filter((l) => l.master === bridgeName(BigInt(`0x${nwid}`)) && l.kind !== 'tun').map((l) => l.ifname);
const ping = (p: KPod, ip: string, v6 = false): boolean => C!.inPod(p, 'ping', [...(v6 ? ['-6'] : []), '-c', '1', '-W', '2', ip]).code === 0;
const condition = (o: Json, type: string): Json => (o?.status?.conditions as Json[] | undefined)?.find((c) => c.type === type);

function ztnetwork(name: string, selector: string, mode: string, managed: string[], attach: string[]): string {
  return ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', `metadata: {name: ${name}}`, 'spec:', `  nodeSelector: {${selector}}`,
    '  managed:', `    name: ${name}-net`, ...managed, '  attach:', `    mode: ${mode}`, ...attach, ''].join('\n');
}

test('the cluster comes up: agents chain ztkube into each node\'s conflist, join the ZTNetworks that select them, get pod ranges and bridge rights', { skip, timeout: 60_000 }, () => logged(async () => {
  const c = C!;
  const first = c.truth();
  for (const h of c.nodes) {
    assert.deepEqual(c.conflist(h).plugins.map((p) => p.type), ['bridge', 'ztkube'], `${h.name}'s primary network with ztkube chained`);
    assert.equal(first.nodes[h.name]?.status?.address, c.homes.addr(h.name), `ZTNode ${h.name} shows its address`);
    assert.equal(first.nodes[h.name]?.status?.online, true, `ZTNode ${h.name} online`);
  }
  c.kOk(['apply', '-f', '-'], ztnetwork('lan', 'ztkube.io/pods: "yes"', 'bridge',
    ['    ipv4Pools: [{start: 10.147.46.10, end: 10.147.46.99}]', '    routes: [{target: 10.147.46.0/24}]'],
    ['    podRanges: [10.147.46.128/25]', '    perNodePrefixLength: 27']));
  c.kOk(['apply', '-f', '-'], ztnetwork('six', 'ztkube.io/six: "yes"', 'sixplane', ['    v6Modes: [6plane]'], []));
  const t = await waitFor('lan 3/3 and six 2/2, all joined, with a pod range per lan node', () => {
    const now = c.truth();
    const [l, s] = [now.networks.lan, now.networks.six];
    const ok = l?.status?.nodes === '3/3' && s?.status?.nodes === '2/2' && condition(l, 'NodesJoined')?.status === 'True' && condition(s, 'NodesJoined')?.status === 'True' && (l.status.podRanges ?? []).length === 3;
    return ok ? now : null;
  }, 45_000, 500);
  lan = t.networks.lan.status.networkId;
  six = t.networks.six.status.networkId;
  for (const r of t.networks.lan.status.podRanges as Array<{ node: string; range: string }>) ranges[r.node] = r.range;
  assert.deepEqual(Object.keys(ranges).sort(), ['n1', 'n2', 'n3']);
  for (const r of Object.values(ranges)) assert.ok(r.endsWith('/27') && inside(r.split('/')[0]!, '10.147.46.128/25'), `${r} a /27 inside the pool`);
  assert.equal(new Set(Object.values(ranges)).size, 3, 'no two nodes share a block');
  assert.equal(condition(t.networks.lan, 'Ready')?.status, 'True', JSON.stringify(t.networks.lan.status));
  for (const h of c.nodes) {
    const on = (nwid: string): Json => ((t.nodes[h.name].status.networks ?? []) as Json[]).find((n) => n.networkId === nwid);
    assert.equal(on(lan)?.status, 'OK', `${h.name} OK on lan`);
    assert.equal(on(lan)?.bridge, true, `${h.name} may bridge lan (the operator made it an active bridge)`);
    assert.equal(on(six)?.status, h === n3 ? undefined : 'OK', `${h.name} on six only when labelled`);
  }
}));

test('bridge mode: annotated pods on three nodes get addresses from their node\'s block and talk over ZeroTier: IPv4, ARP, a broadcast, an IPX frame', { skip, timeout: 90_000 }, () => logged(async () => {
  const c = C!;
  // a3 names lan by its network ID, with an interface name.
  for (const [name, node, annotation] of [['a1', n1, 'lan, six'], ['a2', n2, 'lan, six'], ['a3', n3, `${lan}@ztlan`]] as const) {
    const pod = c.createPod(name, node, annotation);
    pods[name] = { pod, result: c.kubelet(pod, 'ADD') };
  }
  const [a1, a2, a3] = ['a1', 'a2', 'a3'].map((n) => pods[n]!);
  assert.deepEqual(ztLinks(a1.pod), ['zt0', 'zt1']);
  assert.deepEqual(ztLinks(a3.pod), ['ztlan'], '<network>@<ifname> names the interface');
  const ip1 = addressOn(a1.result, 'zt0');
  const ip2 = addressOn(a2.result, 'zt0');
  const ip3 = addressOn(a3.result, 'ztlan');
  assert.ok(inside(ip1, ranges.n1!) && inside(ip2, ranges.n2!) && inside(ip3, ranges.n3!), `each pod's IPv4 from its node's block: ${ip1} ${ip2} ${ip3} in ${JSON.stringify(ranges)}`);
  await waitFor('a1 pings a2 (IPv4 over lan)', () => ping(a1.pod, ip2), 45_000, 300);
  assert.ok(ping(a1.pod, ip3), 'a1 pings a3');
  // The network's MTU and managed route inside the pod.
  const mtu = c.truth().networks.lan.status.mtu as number;
  assert.ok(mtu > 0);
  assert.match(c.inPod(a1.pod, 'ip', ['-o', 'link', 'show', 'zt0']).out, new RegExp(`mtu ${mtu} `));
  assert.match(c.inPod(a1.pod, 'ip', ['route', 'show', '10.147.46.0/24']).out, /dev zt0/);
  assert.ok(ping(a3.pod, ip2), 'a3 pings a2');
  // ARP: a1 learned a2's and a3's own MACs (bridged L2, not the nodes' TAP MACs).
  for (const [ip, mac] of [[ip2, macOf(a2.result, 'zt0')], [ip3, macOf(a3.result, 'ztlan')]] as const) {
    const neigh = JSON.parse(c.inPod(a1.pod, 'ip', ['-j', 'neigh', 'show', ip]).out) as Array<{ lladdr?: string }>;
    assert.equal(neigh[0]?.lladdr, mac, `a1's neighbour entry for ${ip}`);
  }
  // A broadcast ping from a1 is answered by a2 and a3 (their namespaces answer broadcasts).
  for (const p of [a2, a3]) c.inPod(p.pod, 'sysctl', ['-q', '-w', 'net.ipv4.icmp_echo_ignore_broadcasts=0']);
  await waitFor('a2 and a3 answer a1\'s broadcast ping', () => {
    const r = c.inPod(a1.pod, 'ping', ['-b', '-c', '2', '-i', '0.3', '-W', '1', '10.147.46.255']);
    return r.out.includes(`from ${ip2}:`) && r.out.includes(`from ${ip3}:`);
  }, 30_000, 500);
  // An IPX-ethertype (0x8137) frame from a1 reaches a2 on its raw socket.
  const script = join(c.work, 'raw-eth.py');
  writeFileSync(script, RAW_ETHERNET_PY);
  const out = collectOutput(c.lab.spawn(c.nodes[1]!, 'ip', ['netns', 'exec', a2.pod.ns, python, script, 'recv', 'zt0', '20']));
  await waitFor('the raw receiver in a2', () => out().includes('ready'), 10_000, 50);
  await waitFor('the IPX frame at a2', () => {
    c.inPod(a1.pod, python, [script, 'send', 'zt0', macOf(a2.result, 'zt0')]);
    return out().includes('got');
  }, 15_000, 300);
  assert.match(out(), new RegExp(`got ${macOf(a1.result, 'zt0')}`), 'from a1\'s MAC');
  await waitFor('lan counts 3 pods, six 2, ZTNode n1 one on lan and its two peers direct', () => {
    const t = c.truth();
    return t.networks.lan?.status?.podsAttached === 3 && t.networks.six?.status?.podsAttached === 2 && (t.nodes.n1?.status?.networks as Json[]).find((n) => n.networkId === lan)?.podsAttached === 1 &&
      t.nodes.n1.status.peers.direct === 2 && t.nodes.n1.status.peers.relayed === 0;
  }, 30_000, 500);
  // The tables a user reads: lan in bridge mode, 3/3 nodes, 3 pods, ready; six with its 2 pods.
  const table = c.kOk(['get', 'ztnetworks']);
  assert.match(table, new RegExp(`^lan\\s+${lan}\\s+lan-net\\s+bridge\\s+3/3\\s+3\\s+True\\s`, 'm'), table);
  assert.match(table, new RegExp(`^six\\s+${six}\\s+six-net\\s+sixplane\\s+2/2\\s+2\\s+True\\s`, 'm'), table);
}));

test('sixplane mode: a1 and a2 ping each other over IPv6, each from its node\'s 6PLANE /80', { skip, timeout: 60_000 }, () => logged(async () => {
  const c = C!;
  const [a1, a2] = [pods.a1!, pods.a2!];
  const v6 = [addressOn(a1.result, 'zt1'), addressOn(a2.result, 'zt1')] as const;
  for (const [h, ip] of [[n1, v6[0]], [n2, v6[1]]] as const) {
    const plane = (c.nodeNetwork(h.name, six)?.assignedAddresses as string[]).find((a) => a.endsWith('/40'))!;
    assert.equal(ip.split(':').slice(0, 5).join(':'), plane.split(':').slice(0, 5).join(':'), `${ip} in ${h.name}'s /80 (${plane})`);
  }
  await waitFor('a1 pings a2 over six', () => ping(a1.pod, v6[1], true), 45_000, 300);
  assert.ok(ping(a2.pod, v6[0], true), 'and back');
  await waitFor('six counts 2 pods', () => c.truth().networks.six?.status?.podsAttached === 2, 30_000, 500);
}));

test('a pod without the annotation gets its prevResult and nothing else; one asking for a network that does not select its node is refused', { skip }, () => logged(() => {
  const c = C!;
  const plain = c.createPod('plain', n3, null);
  const result = c.kubelet(plain, 'ADD');
  assert.deepEqual(result.interfaces.map((i: Json) => i.name).filter((n: string) => n.startsWith('zt')), []);
  assert.deepEqual(ztLinks(plain), []);
  assert.equal(c.records(n3).length, 1, 'only a3\'s record on n3');
  c.kubelet(plain, 'DEL');
  c.removePod(plain);
  // n3 is not selected by six: the ADD is refused with a sentence, and leaves nothing.
  const x3 = c.createPod('x3', n3, 'six');
  const refused = c.refusedAdd(x3);
  assert.equal(refused.type, 'ztkube');
  assert.equal(refused.run.json?.code, 7, refused.run.stdout);
  assert.match(refused.run.json.msg, /ZTNetwork six does not select node n3/);
  c.removePod(x3);
  assert.equal(c.records(n3).length, 1);
  assert.equal(c.hostLocalIps(n3).length, 1, 'only a3 keeps a primary address on n3');
}));

test('DEL, the second DEL without netns, and GC release everything (veths, addresses, bridge ports, IPAM records)', { skip, timeout: 60_000 }, () => logged(async () => {
  const c = C!;
  const a3 = pods.a3!;
  // CHECK for the ztkube plugin only: Debian's bridge CHECK wants every IP of the result on its
  // eth0 (it ignores ips[].interface), so it fails after any chained plugin that adds one;
  // containerd's CRI never sends CHECK.
  c.kubelet(a3.pod, 'CHECK', { only: 'ztkube' });
  c.kubelet(a3.pod, 'DEL');
  assert.deepEqual(ztLinks(a3.pod), [], 'DEL took ztlan out of the pod');
  assert.doesNotMatch(c.inPod(a3.pod, 'ip', ['-o', 'addr']).out, /10\.147\.46\./, 'and its address');
  c.removePod(a3.pod);
  c.kubelet(a3.pod, 'DEL', { netns: '' }); // containerd's second DEL, at RemovePodSandbox
  delete pods.a3;
  assert.deepEqual(podVeths(n3), []);
  assert.deepEqual(bridgePorts(n3, lan), []);
  assert.deepEqual(c.records(n3), []);
  assert.deepEqual(c.hostLocalIps(n3), []);
  await waitFor('lan counts 2 pods again', () => c.truth().networks.lan?.status?.podsAttached === 2, 30_000, 500);

  // g1 on n2: its sandbox vanishes without a DEL; GC with the attachments still valid frees it.
  const g1 = c.createPod('g1', n2, 'lan');
  const g = c.kubelet(g1, 'ADD');
  const gIp = addressOn(g, 'zt0');
  assert.equal(c.records(n2).length, 3, 'a2 (lan, six) and g1');
  c.removePod(g1);
  // Debian's plugins stop at CNI 1.0.0, so libcni would not GC this list; the ztkube plugin is
  // sent GC as for a 1.1.0 list, with the attachments the runtime still knows.
  const gc = c.plugin(n2, 'ztkube', { CNI_COMMAND: 'GC' }, { cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: pods.a2!.pod.containerId, ifname: 'eth0' }] });
  assert.equal(gc.code, 0, gc.stdout);
  assert.deepEqual(c.records(n2).map((r: Json) => r.containerId).filter((id: string) => id === g1.containerId), [], 'g1\'s records gone');
  assert.equal(c.records(n2).length, 2, 'a2\'s stay');
  assert.deepEqual(bridgePorts(n2, lan).filter((p) => podVeths(n2).includes(p)).length, 1, 'only a2\'s veth on the lan bridge');
  assert.ok(!JSON.stringify(c.records(n2)).includes(gIp), `${gIp} free again`);
  assert.ok(ping(pods.a1!.pod, addressOn(pods.a2!.result, 'zt0')), 'a2 untouched');
  c.kubelet(g1, 'DEL', { netns: '' }); // the primary network's own release (bridge + host-local)
  assert.equal(c.hostLocalIps(n2).length, 1, 'only a2 keeps a primary address on n2');
}));

test('an agent restart: STATUS says 50 while it is down, running pods stay connected, CNI is served again', { skip, timeout: 90_000 }, () => logged(async () => {
  const c = C!;
  const [a1, a2] = [pods.a1!, pods.a2!];
  // d1 is deleted while the agent is down (a DaemonSet rollout): DEL succeeds, and the sandbox
  // goes with its veths; the restarted agent must not keep d1's address taken.
  const d1 = c.createPod('d1', n1, 'lan');
  const dIp = addressOn(c.kubelet(d1, 'ADD'), 'zt0');
  await c.stopAgent(n1);
  const status = c.plugin(n1, 'ztkube', { CNI_COMMAND: 'STATUS' }, { cniVersion: '1.1.0' });
  assert.equal(status.code, 1);
  assert.equal(status.json?.code, 50, status.stdout);
  c.kubelet(d1, 'DEL');
  c.removePod(d1);
  c.kubelet(d1, 'DEL', { netns: '' });
  c.startAgent(n1);
  await waitFor('n1 ready again', () => c.health(n1, '/readyz').status === 200, 60_000, 300);
  assert.equal(c.plugin(n1, 'ztkube', { CNI_COMMAND: 'STATUS' }, { cniVersion: '1.1.0' }).code, 0);
  await waitFor('a1 pings a2 over lan after the restart', () => ping(a1.pod, addressOn(a2.result, 'zt0')), 45_000, 300);
  await waitFor('and over six', () => ping(a1.pod, addressOn(a2.result, 'zt1'), true), 30_000, 300);
  const links = JSON.parse(c.inPod(a1.pod, 'ip', ['-j', 'link']).out) as Array<{ ifname: string; address: string }>;
  for (const i of ['zt0', 'zt1']) assert.equal(links.find((l) => l.ifname === i)?.address, macOf(a1.result, i), `a1 kept its ${i}`);
  // The restarted agent counts the pod it attached before (from its records) on its ZTNode.
  await waitFor('ZTNode n1 online, OK on both networks with its pod', () => {
    const n = c.truth().nodes.n1?.status;
    return n?.online === true && [lan, six].every((id) => (n.networks as Json[]).some((x) => x.networkId === id && x.status === 'OK' && x.podsAttached === 1));
  }, 30_000, 500);
  await waitFor(`the restarted agent releases d1's ${dIp}`, () => !JSON.stringify(c.records(n1)).includes(d1.containerId), 20_000, 300);
  assert.deepEqual(c.records(n1).map((r: Json) => r.containerId), [a1.pod.containerId, a1.pod.containerId], 'a1\'s two attachments stay');
  const r1 = c.createPod('r1', n1, 'lan');
  const r = c.kubelet(r1, 'ADD');
  await waitFor('a new pod on n1 pings a2', () => ping(r1, addressOn(a2.result, 'zt0')), 30_000, 300);
  assert.ok(inside(addressOn(r, 'zt0'), ranges.n1!));
  c.kubelet(r1, 'DEL');
  c.removePod(r1);
}));

interop('a real zerotier-one joins lan, is admitted with kubectl patch ztmember, and pings a pod', { skip, timeout: 90_000 }, () => logged(async () => {
  const c = C!;
  const zo = c.host('zo');
  const home = c.homes.home('zo');
  const cliZo = (...args: string[]): string => c.lab.exec(zo, zerotierOne!, ['-q', `-D${home}`, '-p9993', ...args]);
  writeFileSync(join(home, 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false } }));
  c.startIn(zo, 'zerotier-one', ['-p9993', home], zerotierOne!);
  await waitFor('zerotier-one up', () => JSON.parse(cliZo('-j', 'info')).online !== undefined, 30_000, 300);
  cliZo('join', lan);
  const member = `${lan}-${c.homes.addr('zo')}`;
  await waitFor('its ZTMember', () => c.kJson(['get', 'ztmember', member]), 45_000, 500);
  c.kOk(['patch', 'ztmember', member, '--type', 'merge', '-p', '{"spec":{"authorized":true}}']);
  const joined = await waitFor('zerotier-one OK on lan with an address', () => {
    const n = (JSON.parse(cliZo('-j', 'listnetworks')) as Json[]).find((x) => x.nwid === lan);
    return n?.status === 'OK' && (n.assignedAddresses as string[]).some((a) => a.startsWith('10.147.46.')) ? n : null;
  }, 45_000, 500);
  const ip1 = addressOn(pods.a1!.result, 'zt0');
  await waitFor('zerotier-one pings a1', () => spawnSync('ip', ['netns', 'exec', zo.ns, 'ping', '-c', '1', '-W', '2', ip1]).status === 0, 45_000, 300);
  const zoIp = (joined.assignedAddresses as string[]).find((a) => a.startsWith('10.147.46.'))!.split('/')[0]!;
  // (a2's ARP for it is a multicast its node learns zerotier-one's subscription for first)
  await waitFor(`a2 (n2) pings zerotier-one at ${zoIp}`, () => ping(pods.a2!.pod, zoIp), 30_000, 300);
  cliZo('leave', lan);
}));

test('deleting the ZTNetworks detaches the pods cleanly and the nodes leave; the counts follow', { skip, timeout: 90_000 }, () => logged(async () => {
  const c = C!;
  const [a1, a2] = [pods.a1!, pods.a2!];
  // n3 no longer selected by lan: it leaves, and lan counts 2 nodes.
  c.kOk(['label', 'node', 'n3', 'ztkube.io/pods=no', '--overwrite']);
  await waitFor('lan 2/2 and n3 off it, its block freed', () => {
    const t = c.truth();
    const l = t.networks.lan?.status;
    return l?.nodes === '2/2' && !(l.podRanges as Json[]).some((r) => r.node === 'n3') && !((t.nodes.n3.status.networks ?? []) as Json[]).some((n) => n.networkId === lan);
  }, 45_000, 500);

  c.kOk(['delete', 'ztnetwork', 'lan', '--timeout=60s']);
  for (const p of [a1, a2]) await waitFor(`${p.pod.name} without its lan interface`, () => !ztLinks(p.pod).includes('zt0'), 30_000, 300);
  await waitFor('n1 and n2 off lan', () => {
    const t = c.truth();
    return t.networks.lan === undefined && [n1, n2].every((h) => !((t.nodes[h.name].status.networks ?? []) as Json[]).some((n) => n.networkId === lan));
  }, 30_000, 500);
  for (const h of [n1, n2]) assert.equal(c.links(h).some((l) => l.ifname === bridgeName(BigInt(`0x${lan}`))), false, `${h.name} has no lan bridge left`);
  assert.ok(ping(a1.pod, addressOn(a2.result, 'zt1'), true), 'six still carries the pods');
  assert.equal(c.truth().networks.six.status.podsAttached, 2);

  c.kOk(['delete', 'ztnetwork', 'six', '--timeout=60s']);
  for (const p of [a1, a2]) await waitFor(`${p.pod.name} without zt1`, () => ztLinks(p.pod).length === 0, 30_000, 300);
  await waitFor('every ZTNode on no network', () => Object.values(c.truth().nodes).every((n) => n.status.networkCount === 0), 30_000, 500);
  for (const h of c.nodes) {
    assert.deepEqual(podVeths(h), [], `${h.name} keeps no pod veth`);
    assert.deepEqual(c.records(h), [], `${h.name} keeps no CNI record`);
  }
  for (const p of [a1, a2]) {
    c.kubelet(p.pod, 'DEL'); // the ztkube part has nothing left and succeeds
    c.removePod(p.pod);
  }
  for (const h of c.nodes) assert.deepEqual(c.hostLocalIps(h), [], `${h.name} keeps no primary address`);
}));

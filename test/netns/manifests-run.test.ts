// The chart's manifests actually run (issues #11/#12): the system installed the way a user
// does, with `kubectl apply -f crds/ -f .` of the chart rendered with a custom planet (ours:
// manifests/ names the public planet, which tests never contact), against the test API server
// enforcing RBAC; then the applied Deployment and DaemonSet run as a kubelet would run them
// (test/helpers/workload-runner.ts): their args, env, volumes, init containers and probes,
// under their ServiceAccounts' tokens.
//
//   [op:  test API server (RBAC) + relay :6443; operator replica 0's pod network] --+
//   [op2: operator replica 1's pod network] ----------------------------------------+-- br0
//   [n1, n2: the Nodes (replicas 0 and 1 scheduled there), the agent pods          |
//            (hostNetwork), the test pods' CNI chain run by the lab's kubelet] -----+
//
// The planet's one root is the controller identity (the Secret the user creates before
// installing), at op:9993 and op2:9993: whichever replica leads is the root. Each node's host
// filesystem is the lab's: /var/lib/ztkube → the node's home, /run/ztkube, /opt/cni/bin,
// /etc/cni/net.d → the node's run, bin and net.d dirs beside its primary conflist; /dev/net/tun
// and /run/netns are the host's own (the pods' namespaces live there).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hasNetns, waitFor, type LabHost } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { hasCniPlugins } from '../helpers/cni-lab.js';
import { clusterLab, type ClusterLab, type Json } from '../helpers/cluster-lab.js';
import { MANIFEST_VALUES, renderChart } from '../helpers/chart-files.js';
import { createWorkloadRunner, type RunningPod } from '../helpers/workload-runner.js';
import { repoRoot } from '../helpers/shared.js';

const kubectl = kubectl130();
const skip = !hasNetns() ? 'needs root and iproute2'
  : typeof kubectl === 'string' ? kubectl
  : !hasCniPlugins() ? 'needs containernetworking-plugins (make sysdeps) and build/cni/ztkube (make build)'
  : false;

const NS = 'ztkube-system';
const TOKENS: Record<string, string> = {
  [`${NS}/ztkube-operator`]: randomBytes(16).toString('hex'),
  [`${NS}/ztkube-agent`]: randomBytes(16).toString('hex'),
};

let C: ClusterLab | null = null;
let n1: LabHost, n2: LabHost;
let operators: RunningPod[] = [];
let agents: RunningPod[] = [];

async function logged(fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (e) {
    console.error(C?.dumpLogs());
    throw e;
  }
}

/** Capabilities the agent asks for, and some it must not have (bits from linux/capability.h). */
const CAP_BITS = { net_admin: 12, net_raw: 13, sys_admin: 21, sys_module: 16, sys_ptrace: 19, sys_time: 25 };
const status = (pid: number): string => readFileSync(`/proc/${pid}/status`, 'utf8');
/** Is the IPv4 address inside the CIDR? */
function inside(ip: string, cidr: string): boolean {
  const n = (a: string): number => a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}
const condition = (o: Json, type: string): Json => (o?.status?.conditions as Json[] | undefined)?.find((c) => c.type === type);

before(async () => {
  if (skip || typeof kubectl === 'string') return;
  C = clusterLab(kubectl, [
    { name: 'n1', labels: { 'kubernetes.io/os': 'linux' } },
    { name: 'n2', labels: { 'kubernetes.io/os': 'linux' } },
  ], ['op2'], {
    rootHosts: ['op', 'op2'],
    apiserverArgs: (work) => {
      const file = join(work, 'tokens.csv');
      writeFileSync(file, Object.entries(TOKENS).map(([sa, t]) => `${t},system:serviceaccount:${sa.replace('/', ':')}`).join('\n') + '\n', { mode: 0o600 });
      return ['--enforce-rbac', '--token-auth-file', file];
    },
  });
  [n1, n2] = C.nodes as [LabHost, LabHost];
  await logged(() => C!.startApi());
});
after(async () => {
  await C?.teardown();
});

test('kubectl apply of the chart (custom planet) then its Deployment and DaemonSet run as a kubelet runs them: probes ready, agents chained into the CNI config', { skip, timeout: 90_000 }, () => logged(async () => {
  const c = C!;
  // The chart rendered as `helm template --set planet.mode=custom --set-file planet.custom=…`.
  const planet = readFileSync(join(c.work, 'planet'));
  const out = join(c.work, 'manifests');
  for (const { path, text } of renderChart({ ...MANIFEST_VALUES, planet: { mode: 'custom', custom: planet.toString('base64') } })) {
    if (text === '') continue;
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text);
  }
  // The operator pod's home is an emptyDir and the agents' homes start without a planet: only
  // the init containers' copy from the ConfigMap can put it there.
  for (const h of [n1, n2]) rmSync(join(c.homes.home(h.name), 'planet'));
  for (const h of c.nodes) c.kOk(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: h.name, labels: { 'kubernetes.io/os': 'linux' } } }));
  const applied = c.kOk(['apply', '-f', join(out, 'crds'), '-f', out]);
  assert.match(applied, /^configmap\/ztkube-planet created$/m, applied);
  assert.match(applied, /^deployment\.apps\/ztkube-operator created$/m);
  assert.match(applied, /^daemonset\.apps\/ztkube-agent created$/m);
  // The controller identity the planet was made for (the planet's root), as the chart's notes ask.
  c.kOk(['-n', NS, 'create', 'secret', 'generic', 'ztkube-controller-identity', `--from-file=identity.secret=${join(c.homes.home('op'), 'identity.secret')}`]);

  const runner = createWorkloadRunner({
    lab: c,
    server: `http://${c.op.ip}:6443`,
    tokens: TOKENS,
    hostPaths: (node, path) => {
      const h = c.host(node);
      const table: Record<string, string> = {
        '/var/lib/ztkube': c.homes.home(node), '/run/ztkube': c.nodeDir(h, 'run'), '/opt/cni/bin': c.nodeDir(h, 'bin'), '/etc/cni/net.d': c.nodeDir(h, 'net.d'),
        '/dev/net/tun': '/dev/net/tun', '/run/netns': '/run/netns',
      };
      return table[path] ?? null;
    },
  });
  // The runner refuses what it does not understand rather than run a pod without it.
  const deployment = c.kJson(['-n', NS, 'get', 'deployment', 'ztkube-operator']);
  const variant = (name: string, edit: (spec: Json) => void): string => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS }, spec: structuredClone(deployment.spec) };
    d.spec.replicas = 1;
    edit(d.spec.template.spec);
    c.kOk(['apply', '-f', '-'], JSON.stringify(d));
    return name;
  };
  const oneSlot = [{ name: 'strict-0', nodeName: 'n1', host: c.op }];
  await assert.rejects(runner.run('deployment', NS, variant('strict-ipc', (s) => (s.hostIPC = true)), oneSlot), /pod spec\.hostIPC is not understood: true/);
  await assert.rejects(runner.run('deployment', NS, variant('strict-env', (s) => s.containers[0].env.push({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } })), oneSlot), /env POD_IP fieldPath is not understood: "status\.podIP"/);
  await assert.rejects(runner.run('deployment', NS, variant('strict-caps', (s) => (s.containers[0].securityContext.seLinuxOptions = { type: 'spc_t' })), oneSlot), /securityContext\.seLinuxOptions is not understood/);
  c.kOk(['-n', NS, 'delete', 'deployment', 'strict-ipc', 'strict-env', 'strict-caps']);

  operators = await runner.run('deployment', NS, 'ztkube-operator', [
    { name: 'ztkube-operator-6d4f8b7c9-a', nodeName: 'n1', host: c.op },
    { name: 'ztkube-operator-6d4f8b7c9-b', nodeName: 'n2', host: c.host('op2') },
  ]);
  agents = await runner.run('daemonset', NS, 'ztkube-agent', c.nodes.map((h) => ({ name: `ztkube-agent-${h.name}`, nodeName: h.name, host: h })));
  for (const p of operators) assert.ok(existsSync(join(p.volumes.home!, 'planet')), `${p.slot.name}: the init container put the planet into the home`);
  assert.deepEqual(readFileSync(join(c.homes.home('n1'), 'planet')), planet, 'the agent\'s init container copied the custom planet');
  // `ip netns exec`, setpriv and env each exec the next: the child's PID is the engine's own.
  for (const p of operators) {
    const st = status(p.containers[0]!.pid!);
    assert.match(st, /^Uid:\s+65532\s/m, `${p.slot.name} runs as the chart's user 65532`);
    assert.match(st, /^CapEff:\s+0+$/m, `${p.slot.name} has no capabilities`);
  }
  for (const p of agents) {
    const eff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)$/m.exec(status(p.containers[0]!.pid!))![1]}`);
    for (const [cap, bit] of Object.entries(CAP_BITS)) assert.equal((eff >> BigInt(bit)) & 1n, ['net_admin', 'net_raw', 'sys_admin'].includes(cap) ? 1n : 0n, `${p.slot.name}: ${cap}`);
  }
  const lease = await waitFor('one replica holds the Lease', () => c.kJson(['-n', NS, 'get', 'lease', 'ztkube-operator'])?.spec?.holderIdentity || null, 30_000, 300);
  assert.match(String(lease), /^.+_[0-9a-f]{8}$/);
  const leaders = operators.filter((p) => (c.logs[`${p.slot.name}/operator`] ?? '').includes('"became leader"'));
  assert.equal(leaders.length, 1, 'one replica leads (runs the controller node), the other waits');
  await waitFor('ZTNodes n1 and n2 online', () => {
    const t = c.truth();
    return c.nodes.every((h) => t.nodes[h.name]?.status?.online === true && t.nodes[h.name]?.status?.address === c.homes.addr(h.name));
  }, 30_000, 500);
  for (const h of c.nodes) assert.deepEqual(c.conflist(h).plugins.map((p) => p.type), ['bridge', 'ztkube'], `${h.name}: the agent chained itself into the primary conflist`);
  assert.ok([...operators, ...agents].every((p) => p.containers.every((x) => x.exitCode === null)), 'every container still runs');
}));

test('a ZTNetwork applied with kubectl becomes Ready with both nodes; pods on n1 and n2 ping over it; kubectl shows it all; no RBAC denial', { skip, timeout: 90_000 }, () => logged(async () => {
  const c = C!;
  c.kOk(['apply', '-f', join(repoRoot, 'manifests', 'examples', 'ztnetwork-managed.yaml')]);
  const t = await waitFor('lab Ready, 2/2 joined, a pod range per node', () => {
    const now = c.truth();
    const l = now.networks.lab;
    return l?.status?.nodes === '2/2' && condition(l, 'Ready')?.status === 'True' && condition(l, 'NodesJoined')?.status === 'True' && (l.status.podRanges ?? []).length === 2 ? now : null;
  }, 45_000, 500);
  const nwid = t.networks.lab.status.networkId as string;
  for (const h of c.nodes) assert.equal(c.nodeNetwork(h.name, nwid)?.status, 'OK', `${h.name} OK on lab`);
  const p1 = c.createPod('p1', n1, 'lab');
  const p2 = c.createPod('p2', n2, 'lab');
  const r1 = c.kubelet(p1, 'ADD');
  const r2 = c.kubelet(p2, 'ADD');
  const ipOf = (r: Json): string => {
    const i = (r.interfaces as Json[]).findIndex((x) => x.name === 'zt0');
    return String((r.ips as Json[]).find((x) => x.interface === i)?.address ?? '').split('/')[0]!;
  };
  const [ip1, ip2] = [ipOf(r1), ipOf(r2)];
  assert.ok(ip1 && ip2, `both pods have a zt0 address: ${JSON.stringify([r1, r2])}`);
  const ranges = Object.fromEntries((t.networks.lab.status.podRanges as Array<{ node: string; range: string }>).map((r) => [r.node, r.range]));
  assert.ok(inside(ip1, ranges.n1!) && inside(ip2, ranges.n2!), `each pod's address from its node's block: ${ip1} ${ip2} in ${JSON.stringify(ranges)}`);
  await waitFor('p1 pings p2 over ZeroTier', () => c.inPod(p1, 'ping', ['-c', '1', '-W', '2', ip2]).code === 0, 45_000, 300);
  assert.equal(c.inPod(p2, 'ping', ['-c', '1', '-W', '2', ip1]).code, 0, 'p2 pings p1');
  await waitFor('lab counts both pods', () => c.truth().networks.lab?.status?.podsAttached === 2, 30_000, 500);
  const table = c.kOk(['get', 'ztnetworks,ztnodes,ztmembers']);
  assert.match(table, new RegExp(`^ztnetwork\\.ztkube\\.io/lab\\s+${nwid}\\s+lab-lan\\s+bridge\\s+2/2\\s+2\\s+True\\s`, 'm'), table);
  for (const h of c.nodes) {
    assert.match(table, new RegExp(`^ztnode\\.ztkube\\.io/${h.name}\\s+${c.homes.addr(h.name)}\\s`, 'm'), table);
    assert.match(table, new RegExp(`^ztmember\\.ztkube\\.io/${nwid}-${c.homes.addr(h.name)}\\s`, 'm'), table);
  }
  const denials = (c.logs.apiserver ?? '').split('\n').filter((l) => l.startsWith('rbac: denied'));
  assert.deepEqual(denials, [], 'no request of the operator or the agents was refused');
  // …and their requests did carry their tokens (a request without one is the test's admin): the
  // agent's own kubeconfig, through client-node as the agent uses it, cannot read Secrets.
  const probe = "const k = await import(process.argv[1]); const kc = new k.KubeConfig(); kc.loadFromDefault(); try { await kc.makeApiClient(k.CoreV1Api).listNamespacedSecret({ namespace: 'ztkube-system' }); console.log('allowed'); } catch (e) { console.log('refused', e.code); }";
  const agentKubeconfig = join(c.work, 'pods', agents[0]!.slot.name, 'kubeconfig');
  const answer = c.lab.exec(n1, 'env', [`KUBECONFIG=${agentKubeconfig}`, process.execPath, '--input-type=module', '-e', probe, import.meta.resolve('@kubernetes/client-node')]);
  assert.equal(answer.trim(), 'refused 403', 'the agent\'s token is sent and authorized by its role');
  await waitFor('the API server to log that denial', () => /^rbac: denied .*system:serviceaccount:ztkube-system:ztkube-agent.*secrets/m.test(c.logs.apiserver ?? ''), 5_000, 100);
  assert.ok([...operators, ...agents].every((p) => p.containers.every((x) => x.exitCode === null)), 'every container still runs');
}));

// `ztkube agent` (issue #12) as real processes in network namespaces this test creates, with
// the test API server and the real `ztkube operator` (controller and planet root) in op:
//
//   [op 10.N.0.1: test API server 127.0.0.1:6443 (+ a TCP relay on 10.N.0.1:6443), ztkube operator :9993] --+
//   [n1 10.N.0.2: ztkube agent --node-name n1 :9993, health 127.0.0.1:9994] ---------------------------------+-- br0
//   [n2 10.N.0.3: ztkube agent --node-name n2] ---------------------------------------------------------------+
//   [n3 10.N.0.4: ztkube agent --node-name n3 with a copy of n1's identity (the clone check, last)] ------------+
//         each node: its own CNI conf dir (10-pods.conf: Debian's bridge + host-local), bin dir, home;
//         ztb… = a lan TAP + pods' zt1 veths (bridge mode); routed veths from the node's 6PLANE /80
//   [pod namespaces /run/netns/ztka<pid>N], attached by a test "kubelet" running the node's
//    installed conflist inside the node's namespace, plugin after plugin, as libcni does
//
// kubectl (1.30) in op: Nodes n1..n3 and two managed ZTNetworks for nodes labelled
// ztkube.io/pods=yes (private: false): "six" (sixplane) and "lan" (bridge; the pod ranges and
// active-bridge marks are written with kubectl when the operator has not). Checked as a user
// would: the agents join both and their ZTNodes show them OK; the shim is in the bin dir and
// the .conf became a .conflist ending in ztkube; two annotated pods (one per node) get zt0 and
// zt1 and ping each other over ZeroTier (IPv6 and IPv4); /readyz and /metrics answer; an agent
// restart keeps the pod connected; a network joined by hand is not left; deleting a ZTNetwork
// or relabelling a node detaches the pods' interfaces (no veth or bridge left) and the nodes
// leave; --uninstall-on-exit and --uninstall take the shim and its entry away; a node with a
// cloned identity reports IdentityConflict and is not ready.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../helpers/shared.js';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost, trackNetns } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { makeHomes, type Homes } from '../helpers/zt-homes.js';
import { shimPath } from '../helpers/cni-shim.js';
import { CNI_BIN_DIR, hasCniPlugins } from '../helpers/cni-lab.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
const apiserver = join(repoRoot, 'dist', 'test', 'kube-apiserver', 'main.js');
const kubectl = kubectl130();
const skip = !hasNetns() ? 'needs root and iproute2' : typeof kubectl === 'string' ? kubectl : !hasCniPlugins() ? 'needs containernetworking-plugins (make sysdeps) and build/cni/ztkube (make build)' : false;

let lab: Lab | null = null;
let work = '';
let homes: Homes;
let op: LabHost, n1: LabHost, n2: LabHost, n3: LabHost;
const logs: Record<string, string> = {};
const podNamespaces: string[] = [];
const agents: Record<string, ChildProcess> = {};

/** Is the IPv4 address inside the CIDR? */
function inside(ip: string, cidr: string): boolean {
  const n = (a: string): number => a.split('.').reduce((x, o) => x * 256 + Number(o), 0);
  const [base, bits] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}

function startIn(h: LabHost, name: string, args: string[]): ChildProcess {
  const c = lab!.spawn(h, process.execPath, args);
  logs[name] ??= '';
  c.stdout!.on('data', (d) => (logs[name] += d));
  c.stderr!.on('data', (d) => (logs[name] += d));
  return c;
}

async function stopProcess(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  await gone;
}

function dumpLogs(): string {
  return Object.entries(logs).map(([n, l]) => `--- ${n} ---\n${l.slice(-3000)}`).join('\n');
}

/** kubectl in op's namespace against the test API server there. */
function k(args: string[], input?: string): { code: number | null; out: string } {
  if (typeof kubectl === 'string') throw new Error(kubectl);
  const r = spawnSync('ip', ['netns', 'exec', op.ns, kubectl.path, '--kubeconfig', join(work, 'kubeconfig'), '--cache-dir', join(work, 'kcache'), ...args], { input, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: work } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function kJson(args: string[]): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = k([...args, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.out) : null;
}

function mustK(args: string[], input?: string): string {
  const r = k(args, input);
  assert.equal(r.code, 0, r.out);
  return r.out;
}

/** GET on a node's health address, from inside its namespace. */
function health(h: LabHost, path: string): { status: number; body: string } {
  const script = "const r = await fetch('http://127.0.0.1:9994' + process.argv[1]); process.stdout.write(r.status + ' ' + (await r.text()));";
  const out = lab!.exec(h, process.execPath, ['--input-type=module', '-e', script, path]);
  const sp = out.indexOf(' ');
  return { status: Number(out.slice(0, sp)), body: out.slice(sp + 1) };
}

const dir = (h: LabHost, sub: string): string => join(work, `${h.name}-${sub}`);

const cniDirs = (h: LabHost): string[] => ['--cni-bin-dir', dir(h, 'bin'), '--cni-conf-dir', dir(h, 'net.d')];

function startAgent(h: LabHost, extra: string[] = []): ChildProcess {
  return startIn(h, `agent-${h.name}`, [cli, 'agent', '--node-name', h.name, '--kubeconfig', join(work, 'kubeconfig-nodes'), '--home', homes.home(h.name), '--port', '9993',
    '--cni-socket', join(dir(h, 'run'), 'cni.sock'), ...cniDirs(h), '--cni-binary', shimPath, '--health-addr', '127.0.0.1:9994', '--log-format', 'json', ...extra]);
}

/** The plugin types of the node's conflist. */
function chained(h: LabHost): string[] {
  return (JSON.parse(readFileSync(join(dir(h, 'net.d'), '10-pods.conflist'), 'utf8')) as { plugins: Array<{ type: string }> }).plugins.map((p) => p.type);
}

/** The node's primary network as a single-plugin .conf (the agent makes it a .conflist). */
function writePrimaryConf(h: LabHost): void {
  for (const d of ['bin', 'net.d', 'run', 'host-local']) mkdirSync(dir(h, d), { recursive: true });
  writeFileSync(join(dir(h, 'net.d'), '10-pods.conf'), JSON.stringify({
    cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'bridge', bridge: 'cnibr0', isGateway: true, ipMasq: false,
    ipam: { type: 'host-local', ranges: [[{ subnet: '10.22.0.0/24' }]], dataDir: dir(h, 'host-local') },
  }));
}

interface Pod { name: string; ns: string; netns: string; containerId: string; node: LabHost }

function newPod(name: string, node: LabHost, annotation: string | null): Pod {
  const ns = `ztka${process.pid}${podNamespaces.length}`;
  execFileSync('ip', ['netns', 'add', trackNetns(ns)]);
  podNamespaces.push(ns);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const annotations = annotation === null ? '' : `  annotations: {ztkube.io/networks: "${annotation}"}\n`;
  mustK(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: default\n${annotations}spec:\n  nodeName: ${node.name}\n  containers: [{name: c, image: pause}]\n`);
  return { name, ns, netns: `/run/netns/${ns}`, containerId: `${name.replace(/[^a-z0-9]/g, '')}${process.pid}`, node };
}

/** libcni's run of the node's installed conflist: each plugin with the previous one's result. */
function runChain(p: Pod, command: 'ADD' | 'DEL'): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const confs = readdirSync(dir(p.node, 'net.d')).filter((f) => f.endsWith('.conflist')).sort();
  const list = JSON.parse(readFileSync(join(dir(p.node, 'net.d'), confs[0]!), 'utf8')) as { cniVersion: string; name: string; plugins: Array<Record<string, unknown>> };
  const plugins = command === 'ADD' ? list.plugins : [...list.plugins].reverse();
  const env = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: p.containerId, CNI_NETNS: p.netns, CNI_IFNAME: 'eth0', CNI_PATH: `${dir(p.node, 'bin')}:${CNI_BIN_DIR}`,
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${p.name};K8S_POD_INFRA_CONTAINER_ID=${p.containerId};K8S_POD_UID=uid-${p.name}`,
  };
  let prev: unknown;
  for (const plugin of plugins) {
    const type = String(plugin.type);
    const binary = [dir(p.node, 'bin'), CNI_BIN_DIR].map((d) => join(d, type)).find((f) => existsSync(f))!;
    const conf = { ...plugin, cniVersion: list.cniVersion, name: list.name, ...(prev === undefined ? {} : { prevResult: prev }) };
    const r = spawnSync('ip', ['netns', 'exec', p.node.ns, binary], { env, input: JSON.stringify(conf), encoding: 'utf8', timeout: 90_000 });
    assert.equal(r.status, 0, `${type} ${command} for ${p.name}: ${r.stdout} ${r.stderr}`);
    if (command === 'ADD') prev = JSON.parse(r.stdout);
  }
  return prev;
}

function inPod(p: Pod, cmd: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync('ip', ['netns', 'exec', p.ns, cmd, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function podVeths(h: LabHost): string[] {
  const links = JSON.parse(lab!.exec(h, 'ip', ['-j', 'link'])) as Array<{ ifname: string }>;
  return links.map((l) => l.ifname).filter((n) => /^zt[pqb]/.test(n));
}

function ztnodeNetwork(node: string, nwid: string): { status?: string; assignedAddresses?: string[]; podsAttached?: number; bridge?: boolean } | null {
  const n = kJson(['get', 'ztnode', node]);
  return (n?.status?.networks as Array<{ networkId: string; status?: string; assignedAddresses?: string[]; podsAttached?: number; bridge?: boolean }> | undefined)?.find((x) => x.networkId === nwid) ?? null;
}

before(() => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), `ztkube-agent-${process.pid}-`));
  chmodSync(work, 0o755);
  lab = nsLab(['op', 'n1', 'n2', 'n3']);
  [op, n1, n2, n3] = lab.hosts as [LabHost, LabHost, LabHost, LabHost];
  homes = makeHomes(work, ['op', 'n1', 'n2'], 'op', `${op.ip}/9993`);
  // n3 is n1 cloned: the same identity (the clone check at the end).
  mkdirSync(homes.home('n3'));
  for (const f of ['identity.secret', 'identity.public', 'planet']) copyFileSync(join(homes.home('n1'), f), join(homes.home('n3'), f));
  chmodSync(join(homes.home('n3'), 'identity.secret'), 0o600);
  const kubeconfig = (server: string): string => [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: test, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
    'users: [{name: test, user: {}}]',
    'contexts: [{name: test, context: {cluster: test, user: test}}]', 'current-context: test', '',
  ].join('\n');
  writeFileSync(join(work, 'kubeconfig'), kubeconfig('http://127.0.0.1:6443'), { mode: 0o600 });
  writeFileSync(join(work, 'kubeconfig-nodes'), kubeconfig(`http://${op.ip}:6443`), { mode: 0o600 });
  for (const h of [n1, n2, n3]) {
    writePrimaryConf(h);
    lab.exec(h, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.forwarding=1']); // inside the node's namespace only
  }
});

after(() => {
  for (const ns of podNamespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); // gone already counts as done
  lab?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('agent: joins the ZTNetworks selecting its node, installs the CNI chain, pods ping across nodes in both modes, restarts, leaves on delete and relabel, a clone is reported', { skip, timeout: 420_000 }, async () => {
  try {
    startIn(op, 'apiserver', [apiserver, '--port', '6443']);
    await waitFor('the test API server', () => logs.apiserver!.includes('listening'), 15_000);
    // The test API server listens on loopback only: the nodes reach it through this relay.
    const relay = `const net = await import('node:net'); net.createServer((c) => { const u = net.connect(6443, '127.0.0.1'); c.pipe(u); u.pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); }).listen(6443, process.argv[1], () => console.log('relaying'));`;
    startIn(op, 'relay', ['--input-type=module', '-e', relay, op.ip]);
    await waitFor('the API relay', () => logs.relay!.includes('relaying'), 15_000);
    mustK(['apply', '-f', join(repoRoot, 'manifests', 'crds')]);
    mustK(['create', 'namespace', 'ztkube-system']);
    mustK(['-n', 'ztkube-system', 'create', 'secret', 'generic', 'ztkube-controller-identity', `--from-file=identity.secret=${join(homes.home('op'), 'identity.secret')}`]);
    for (const h of [n1, n2, n3]) mustK(['apply', '-f', '-'], `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${h.name}\n  labels: {ztkube.io/pods: "yes"}\n`);
    startIn(op, 'operator', [cli, 'operator', '--kubeconfig', join(work, 'kubeconfig'), '--namespace', 'ztkube-system', '--home', homes.home('op'), '--port', '9993', '--log-format', 'json']);
    await waitFor('the operator started', () => logs.operator!.includes('operator started'), 30_000);

    agents.n1 = startAgent(n1);
    agents.n2 = startAgent(n2);
    for (const h of [n1, n2]) await waitFor(`${h.name} ready`, () => health(h, '/readyz').status === 200, 60_000);
    assert.equal(health(n1, '/healthz').status, 200);
    // Ready: the shim and the chained config are in place, written through temp files.
    for (const h of [n1, n2]) {
      assert.deepEqual(readdirSync(dir(h, 'bin')), ['ztkube']);
      assert.ok(readFileSync(join(dir(h, 'bin'), 'ztkube')).equals(readFileSync(shimPath)));
      await waitFor(`${h.name}'s conflist`, () => readdirSync(dir(h, 'net.d')).join() === '10-pods.conflist', 10_000);
      const list = JSON.parse(readFileSync(join(dir(h, 'net.d'), '10-pods.conflist'), 'utf8'));
      assert.deepEqual(list.plugins.map((p: { type: string }) => p.type), ['bridge', 'ztkube']);
      assert.equal(list.plugins[1].socket, join(dir(h, 'run'), 'cni.sock'));
      assert.equal(list.plugins[0].bridge, 'cnibr0', 'the primary plugin is kept as it was');
    }
    const node1 = kJson(['get', 'ztnode', 'n1']);
    assert.equal(node1.status.address, homes.addr('n1'));
    assert.deepEqual(node1.metadata.ownerReferences.map((o: { kind: string; name: string }) => `${o.kind}/${o.name}`), ['Node/n1']);
    assert.equal(node1.status.conditions.find((c: { type: string }) => c.type === 'IdentityConflict').status, 'False');
    const privateKey = readFileSync(join(homes.home('n1'), 'identity.secret'), 'utf8').trim().split(':')[3]!;
    assert.ok(!logs['agent-n1']!.includes(privateKey), 'the identity secret is never logged');

    // Two managed networks for every node labelled ztkube.io/pods=yes: "six" (sixplane) and
    // "lan" (bridge; the nodes' pod ranges and their active-bridge marks are written here with
    // kubectl, in case the operator does not do it yet).
    const ztnetwork = (name: string, pool: string, mode: string, extra: string[]): string => ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', `metadata: {name: ${name}}`, 'spec:',
      '  nodeSelector: {ztkube.io/pods: "yes"}', '  managed:', `    name: ${name}-lan`, '    private: false', '    v6Modes: [6plane]',
      `    ipv4Pools: [{start: ${pool}.10, end: ${pool}.99}]`, `    routes: [{target: ${pool}.0/24}]`, '  attach:', `    mode: ${mode}`, ...extra, ''].join('\n');
    mustK(['apply', '-f', '-'], ztnetwork('six', '10.147.44', 'sixplane', []));
    mustK(['apply', '-f', '-'], ztnetwork('lan', '10.147.45', 'bridge', ['    podRanges: [10.147.45.128/25]']));
    const six = (await waitFor('six has its ID', () => kJson(['get', 'ztnetwork', 'six'])?.status?.networkId, 30_000)) as string;
    const lan = (await waitFor('lan has its ID', () => kJson(['get', 'ztnetwork', 'lan'])?.status?.networkId, 30_000)) as string;
    const ranges = { n1: '10.147.45.128/26', n2: '10.147.45.192/26' };
    await waitFor('lan has pod ranges', () => {
      const have = kJson(['get', 'ztnetwork', 'lan'])?.status?.podRanges as Array<{ node: string; range: string }> | undefined;
      if (have?.some((r) => r.node === 'n1') && have.some((r) => r.node === 'n2')) {
        for (const r of have) if (r.node === 'n1' || r.node === 'n2') ranges[r.node] = r.range;
        return true;
      }
      k(['patch', 'ztnetwork', 'lan', '--subresource=status', '--type', 'merge', '-p', JSON.stringify({ status: { podRanges: [{ node: 'n1', range: ranges.n1 }, { node: 'n2', range: ranges.n2 }] } })]);
      return false;
    }, 30_000, 1_000);
    for (const h of [n1, n2]) {
      await waitFor(`ZTNode ${h.name} OK on six with a 6PLANE address`, () => {
        const n = ztnodeNetwork(h.name, six);
        return n?.status === 'OK' && (n.assignedAddresses ?? []).some((a) => a.startsWith('fc') && a.endsWith('/40'));
      }, 60_000);
      await waitFor(`ZTNode ${h.name} OK on lan`, () => ztnodeNetwork(h.name, lan)?.status === 'OK', 60_000);
      const member = `${lan}-${homes.addr(h.name)}`;
      await waitFor(`${h.name} an active bridge on lan`, () => {
        if (ztnodeNetwork(h.name, lan)?.bridge === true) return true;
        k(['patch', 'ztmember', member, '--type', 'merge', '-p', '{"spec":{"activeBridge":true}}']);
        return false;
      }, 60_000, 1_000);
    }
    const got = mustK(['get', 'ztnodes']);
    assert.match(got, new RegExp(`n1\\s+${homes.addr('n1')}\\s+true\\s+2`), got);
    assert.match(got, new RegExp(`n2\\s+${homes.addr('n2')}\\s+true\\s+2`), got);

    // Two annotated pods, one per node, on both networks, and one without the annotation.
    const p1 = newPod('web-1', n1, 'six, lan');
    const p2 = newPod('web-2', n2, 'six, lan');
    const plain = newPod('plain', n1, null);
    const r1 = runChain(p1, 'ADD');
    const r2 = runChain(p2, 'ADD');
    const r3 = runChain(plain, 'ADD');
    assert.deepEqual(r1.interfaces.map((i: { name: string }) => i.name).filter((n: string) => n.startsWith('zt')), ['zt0', 'zt1']);
    assert.deepEqual(r3.interfaces.map((i: { name: string }) => i.name).filter((n: string) => n.startsWith('zt')), [], 'no annotation, nothing added');
    const ip = (r: any, prefix: string): string => r.ips.find((i: { address: string }) => i.address.startsWith(prefix)).address.split('/')[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    const [six1, six2, v4a, v4b] = [ip(r1, 'fc'), ip(r2, 'fc'), ip(r1, '10.147.45.'), ip(r2, '10.147.45.')];
    assert.ok(inside(v4a, ranges.n1) && inside(v4b, ranges.n2), `pod IPv4s from each node's range: ${v4a} ${v4b}`);
    await waitFor('web-1 pings web-2 over six (IPv6)', () => inPod(p1, 'ping', ['-6', '-c', '1', '-W', '2', six2]).code === 0, 60_000, 500);
    assert.equal(inPod(p2, 'ping', ['-6', '-c', '2', '-W', '2', six1]).code, 0, 'and back');
    await waitFor('web-1 pings web-2 over lan (IPv4, bridged)', () => inPod(p1, 'ping', ['-c', '1', '-W', '2', v4b]).code === 0, 60_000, 500);
    assert.equal(inPod(p2, 'ping', ['-c', '2', '-W', '2', v4a]).code, 0, 'and back');
    await waitFor('ZTNode n1 counts its pod on both networks', () => ztnodeNetwork('n1', six)?.podsAttached === 1 && ztnodeNetwork('n1', lan)?.podsAttached === 1, 45_000);

    const metrics = health(n1, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^ztkube_agent_ready 1$/m);
    assert.match(metrics.body, /^ztkube_cni_requests_total\{command="ADD",outcome="ok"\} 2$/m);
    assert.match(metrics.body, /^zt_num_networks 2$/m, 'the node metrics are there too');

    // An agent restart: the networks stay joined, the pod stays connected, CNI is served again.
    await stopProcess(agents.n1!);
    assert.deepEqual(JSON.parse(readFileSync(join(dir(n1, 'net.d'), '10-pods.conflist'), 'utf8')).plugins.map((p: { type: string }) => p.type), ['bridge', 'ztkube'], 'the plugin stays across a restart');
    agents.n1 = startAgent(n1, ['--uninstall-on-exit']);
    await waitFor('n1 ready again', () => health(n1, '/readyz').status === 200, 60_000);
    await waitFor('web-1 pings web-2 over lan after the restart', () => inPod(p1, 'ping', ['-c', '1', '-W', '2', v4b]).code === 0, 60_000, 500);
    assert.equal(inPod(p1, 'ping', ['-6', '-c', '1', '-W', '2', six2]).code, 0);

    // A network joined by hand on n2 before a ZTNetwork names it: n1 joins and leaves it with
    // the ZTNetwork, n2 stays on it.
    const byHand = 'deadbeef00000001';
    lab!.exec(n2, process.execPath, [cli, 'join', byHand, '--home', homes.home('n2')]);
    mustK(['apply', '-f', '-'], `apiVersion: ztkube.io/v1alpha1\nkind: ZTNetwork\nmetadata: {name: byhand}\nspec: {networkId: ${byHand}}\n`);
    await waitFor('n1 joins the byhand network', () => ztnodeNetwork('n1', byHand) !== null, 30_000);
    await waitFor('n2 records it as not its own', () => JSON.parse(readFileSync(join(homes.home('n2'), 'ztkube-agent-networks.json'), 'utf8')).networks[byHand]?.isOwned === false, 30_000);
    mustK(['delete', 'ztnetwork', 'byhand', '--timeout=60s']);
    await waitFor('n1 leaves the byhand network', () => ztnodeNetwork('n1', byHand) === null, 30_000);
    await waitFor('n2 forgets it', () => JSON.parse(readFileSync(join(homes.home('n2'), 'ztkube-agent-networks.json'), 'utf8')).networks[byHand] === undefined, 30_000);
    assert.notEqual(ztnodeNetwork('n2', byHand), null, 'n2 stays on a network joined by hand');

    // Deleting six: the pods lose zt0 only, the nodes leave six, lan keeps working.
    mustK(['delete', 'ztnetwork', 'six', '--timeout=60s']);
    for (const [h, p] of [[n1, p1], [n2, p2]] as const) {
      await waitFor(`${p.name} without zt0`, () => !/\bzt0\b/.test(inPod(p, 'ip', ['-o', 'link']).out), 45_000);
      await waitFor(`${h.name} off six`, () => ztnodeNetwork(h.name, six) === null, 45_000);
      assert.match(inPod(p, 'ip', ['-o', 'link']).out, /\bzt1\b/, 'the lan interface stays');
    }
    assert.equal(inPod(p1, 'ping', ['-c', '1', '-W', '2', v4b]).code, 0, 'lan still carries the pods');

    // n2 no longer labelled for the networks: it detaches its pod and leaves lan.
    mustK(['label', 'node', 'n2', 'ztkube.io/pods=no', '--overwrite']);
    await waitFor('web-2 without zt1', () => !/\bzt1\b/.test(inPod(p2, 'ip', ['-o', 'link']).out), 45_000);
    await waitFor('n2 off lan', () => ztnodeNetwork('n2', lan) === null, 45_000);
    assert.deepEqual(podVeths(n2), [], 'n2 keeps no pod veth or bridge');

    // Deleting lan: n1 detaches its pod and leaves too; nothing is left on the hosts.
    mustK(['delete', 'ztnetwork', 'lan', '--timeout=60s']);
    await waitFor('web-1 without zt1', () => !/\bzt1\b/.test(inPod(p1, 'ip', ['-o', 'link']).out), 45_000);
    await waitFor('n1 off lan', () => ztnodeNetwork('n1', lan) === null, 45_000);
    for (const h of [n1, n2]) {
      assert.deepEqual(podVeths(h), [], `${h.name} keeps no pod veth or bridge`);
      assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(homes.home(h.name), 'ztkube-agent-networks.json'), 'utf8')).networks), []);
    }
    assert.match(inPod(p1, 'ip', ['-o', 'link']).out, /eth0/, 'the primary network stays');
    for (const p of [p1, p2, plain]) runChain(p, 'DEL'); // the ztkube part has nothing left to do and succeeds

    // n3 runs n1's identity: reported on its ZTNode, in its log naming both, and not ready.
    startAgent(n3);
    const clash = await waitFor('ZTNode n3 reports the conflict', () => {
      const n = kJson(['get', 'ztnode', 'n3']);
      return n?.status?.conditions?.find((c: { type: string; status: string }) => c.type === 'IdentityConflict' && c.status === 'True') ?? null;
    }, 60_000);
    assert.match(clash.message, /n1/);
    // (the log arrives through a pipe this process reads between its blocking kubectl calls)
    const line = await waitFor('the conflict in n3\'s log', () => logs['agent-n3']!.split('\n').find((l) => l.includes('identity conflict')), 10_000);
    assert.ok(line.includes('"otherNode":"n1"') && line.includes('"node":"n3"') && line.includes('"level":"error"'), `an error line names both nodes: ${line}`);
    assert.equal(health(n3, '/readyz').status, 503);
    assert.match(health(n3, '/readyz').body, /node n1 runs this node's ZeroTier identity/);
    assert.deepEqual([readdirSync(dir(n3, 'bin')), readdirSync(dir(n3, 'net.d'))], [[], ['10-pods.conf']], 'a node that is not ready installs nothing');

    // Uninstall: n1 (--uninstall-on-exit) at its stop; n2 stopped, then `ztkube agent --uninstall`.
    await stopProcess(agents.n1!);
    assert.deepEqual(chained(n1), ['bridge']);
    assert.deepEqual(readdirSync(dir(n1, 'bin')), []);
    await stopProcess(agents.n2!);
    assert.deepEqual(chained(n2), ['bridge', 'ztkube'], 'kept at a plain stop');
    lab!.exec(n2, process.execPath, [cli, 'agent', '--uninstall', ...cniDirs(n2)]);
    assert.deepEqual(chained(n2), ['bridge']);
    assert.deepEqual(readdirSync(dir(n2, 'bin')), []);
  } catch (e) {
    console.error(dumpLogs());
    throw e;
  }
});

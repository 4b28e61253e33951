// `ztkube agent` (issue #12) as real processes in network namespaces this test creates, with
// the test API server and the real `ztkube operator` (controller and planet root) in op:
//
//   [op 10.N.0.1: test API server 127.0.0.1:6443 (+ a TCP relay on 10.N.0.1:6443), ztkube operator :9993] --+
//   [n1 10.N.0.2: ztkube agent --node-name n1 :9993, health 127.0.0.1:9994] ---------------------------------+-- br0
//   [n2 10.N.0.3: ztkube agent --node-name n2] ---------------------------------------------------------------+
//   [n3 10.N.0.4: ztkube agent --node-name n3 with a copy of n1's identity (the clone check, last)] ------------+
//         each node: its own CNI conf dir (10-pods.conf: Debian's bridge + host-local), bin dir, home
//   [pod namespaces /run/netns/ztka<pid>N], attached by a test "kubelet" running the node's
//    installed conflist inside the node's namespace, plugin after plugin, as libcni does
//
// kubectl (1.30) in op: Nodes n1..n3 and a managed ZTNetwork (private: false, 6PLANE, sixplane
// attach). Checked as a user would: each agent joins and its ZTNode shows the network OK with
// a 6PLANE address; the shim is in the bin dir and the .conf became a .conflist ending in
// ztkube; two annotated pods (one per node) get zt0 and ping each other over ZeroTier; /readyz
// and /metrics answer; deleting the ZTNetwork removes the pods' zt0 (no veth left) and the
// agents leave; a node with a cloned identity reports IdentityConflict and is not ready.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/shared.js';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
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

function startIn(h: LabHost, name: string, args: string[]): void {
  const c = lab!.spawn(h, process.execPath, args);
  logs[name] = '';
  c.stdout!.on('data', (d) => (logs[name] += d));
  c.stderr!.on('data', (d) => (logs[name] += d));
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

function startAgent(h: LabHost): void {
  startIn(h, `agent-${h.name}`, [cli, 'agent', '--node-name', h.name, '--kubeconfig', join(work, 'kubeconfig-nodes'), '--home', homes.home(h.name), '--port', '9993',
    '--cni-socket', join(dir(h, 'run'), 'cni.sock'), '--cni-bin-dir', dir(h, 'bin'), '--cni-conf-dir', dir(h, 'net.d'), '--cni-binary', shimPath,
    '--health-addr', '127.0.0.1:9994', '--log-format', 'json']);
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
  execFileSync('ip', ['netns', 'add', ns]);
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

function ztnodeNetwork(node: string, nwid: string): { status?: string; assignedAddresses?: string[]; podsAttached?: number } | null {
  const n = kJson(['get', 'ztnode', node]);
  return (n?.status?.networks as Array<{ networkId: string; status?: string; assignedAddresses?: string[]; podsAttached?: number }> | undefined)?.find((x) => x.networkId === nwid) ?? null;
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

test('agent: joins the ZTNetwork selecting its node, installs the CNI chain, pods ping across nodes, deleting the ZTNetwork detaches them, a clone is reported', { skip, timeout: 420_000 }, async () => {
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

    startAgent(n1);
    startAgent(n2);
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

    mustK(['apply', '-f', '-'], ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', 'metadata: {name: pods}', 'spec:',
      '  nodeSelector: {ztkube.io/pods: "yes"}', '  managed:', '    name: pods-lan', '    private: false', '    v6Modes: [6plane]',
      '    ipv4Pools: [{start: 10.147.44.10, end: 10.147.44.99}]', '    routes: [{target: 10.147.44.0/24}]', '  attach: {mode: sixplane}', ''].join('\n'));
    const nwid = (await waitFor('the ZTNetwork has its ID', () => kJson(['get', 'ztnetwork', 'pods'])?.status?.networkId, 30_000)) as string;
    for (const h of [n1, n2]) {
      await waitFor(`ZTNode ${h.name} OK on the network with a 6PLANE address`, () => {
        const n = ztnodeNetwork(h.name, nwid);
        return n?.status === 'OK' && (n.assignedAddresses ?? []).some((a) => a.startsWith('fc') && a.endsWith('/40'));
      }, 60_000);
    }
    const got = mustK(['get', 'ztnodes']);
    assert.match(got, new RegExp(`n1\\s+${homes.addr('n1')}\\s+true\\s+1`), got);
    assert.match(got, new RegExp(`n2\\s+${homes.addr('n2')}\\s+true\\s+1`), got);

    // Two annotated pods, one per node, and one without the annotation.
    const p1 = newPod('web-1', n1, 'pods');
    const p2 = newPod('web-2', n2, 'pods');
    const plain = newPod('plain', n1, null);
    const r1 = runChain(p1, 'ADD');
    const r2 = runChain(p2, 'ADD');
    const r3 = runChain(plain, 'ADD');
    assert.deepEqual(r3.interfaces.map((i: { name: string }) => i.name).filter((n: string) => n.startsWith('zt')), [], 'no annotation, nothing added');
    const zt1 = r1.ips.find((i: { address: string }) => i.address.startsWith('fc')).address.split('/')[0] as string;
    const zt2 = r2.ips.find((i: { address: string }) => i.address.startsWith('fc')).address.split('/')[0] as string;
    assert.match(inPod(p1, 'ip', ['-o', 'link']).out, /zt0/);
    await waitFor('web-1 pings web-2 over ZeroTier', () => inPod(p1, 'ping', ['-6', '-c', '1', '-W', '2', zt2]).code === 0, 60_000, 500);
    assert.equal(inPod(p2, 'ping', ['-6', '-c', '2', '-W', '2', zt1]).code, 0, 'and back');
    await waitFor('ZTNode n1 counts its pod', () => ztnodeNetwork('n1', nwid)?.podsAttached === 1, 45_000);

    const metrics = health(n1, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^ztkube_agent_ready 1$/m);
    assert.match(metrics.body, /^ztkube_cni_requests_total\{command="ADD",outcome="ok"\} 2$/m);
    assert.match(metrics.body, /^zt_num_networks /m, 'the node metrics are there too');

    // Deleting the ZTNetwork: the pods lose zt0, the nodes leave, nothing is left on the hosts.
    mustK(['delete', 'ztnetwork', 'pods', '--timeout=60s']);
    for (const [h, p] of [[n1, p1], [n2, p2]] as const) {
      await waitFor(`${p.name} without zt0`, () => !/zt0/.test(inPod(p, 'ip', ['-o', 'link']).out), 45_000);
      await waitFor(`${h.name} off the network`, () => (kJson(['get', 'ztnode', h.name])?.status?.networks ?? []).length === 0, 45_000);
      assert.deepEqual(podVeths(h), [], `${h.name} keeps no pod veth or bridge`);
      assert.deepEqual(JSON.parse(readFileSync(join(homes.home(h.name), 'ztkube-agent-networks.json'), 'utf8')).networks, {});
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
    const line = logs['agent-n3']!.split('\n').find((l) => l.includes('identity conflict')) ?? '';
    assert.ok(line.includes('"otherNode":"n1"') && line.includes('"node":"n3"'), `an error line names both nodes: ${line}`);
    assert.equal(health(n3, '/readyz').status, 503);
    assert.match(health(n3, '/readyz').body, /node n1 runs this node's ZeroTier identity/);
  } catch (e) {
    console.error(dumpLogs());
    throw e;
  }
});

// The simulated cluster of real processes (issue #12): network namespaces this helper creates
// and removes (processes ended by PID, also after a failure):
//
//   [op 10.N.0.1: test API server 127.0.0.1:6443 (+ a TCP relay on 10.N.0.1:6443 for the nodes),
//                 ztkube operator :9993 = planet root + in-cluster controller] --+
//   [n1 10.N.0.2: ztkube agent --node-name n1 :9993, health 127.0.0.1:9994] -----+-- br0
//   [n2 …, n3 …: the same] -------------------------------------------------------+
//   [extra hosts (e.g. a zerotier-one), a home and the planet each] --------------+
//         each node: <work>/<node>-net.d/10-pods.conf (Debian's bridge + host-local, the node's
//         own 10.22.<i>.0/24), -bin (where the agent installs the shim), -run (the CNI socket)
//   [pod namespaces /run/netns/ztcp<pid>N], attached by `kubelet`: it runs the conflist the
//    agent installed, inside the node's namespace, plugin after plugin with the env and stdin
//    of 07 §1, as libcni does for containerd (result cached at ADD, sent as prevResult to DEL
//    and CHECK, dropped after DEL, so containerd's second DEL has neither netns nor prevResult)
//
// v1 Node objects (with the labels given) and v1 Pod objects (annotation, spec.nodeName) are
// made with the real kubectl; `truth()` is `kubectl get ztnetworks,ztnodes -o json`.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { repoRoot } from './shared.js';
import { nsLab, waitFor, type Lab, type LabHost, trackNetns } from './netns.js';
import type { Kubectl } from './kubectl.js';
import { makeHomes, type Homes } from './zt-homes.js';
import { shimPath } from './cni-shim.js';
import { CNI_BIN_DIR } from './cni-lab.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
const apiserver = join(repoRoot, 'dist', 'test', 'kube-apiserver', 'main.js');
/** What containerd 1.6/1.7 with Debian's plugins writes (they stop at 1.0.0). */
const PRIMARY_CNI_VERSION = '1.0.0';

export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ClusterNodeSpec {
  name: string;
  labels: Record<string, string>;
}

export interface KPod {
  name: string;
  node: LabHost;
  /** The pod's namespace and its path (CNI_NETNS). */
  ns: string;
  netns: string;
  containerId: string;
  /** The pod's annotations (what containerd hands libcni as the pod-annotations capability). */
  annotations: Record<string, string>;
}

export interface PluginRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Json;
}

export interface ClusterLab {
  lab: Lab;
  work: string;
  homes: Homes;
  op: LabHost;
  nodes: LabHost[];
  host(name: string): LabHost;
  logs: Record<string, string>;
  /** kubectl (in op's namespace, against the test API server). */
  k(args: string[], input?: string): { code: number | null; out: string };
  kOk(args: string[], input?: string): string;
  kJson(args: string[]): Json;
  /** `kubectl get ztnetworks,ztnodes -o json`, split by kind and keyed by name. */
  truth(): { networks: Record<string, Json>; nodes: Record<string, Json> };
  /** The ZTNode's status entry for a network, or null. */
  nodeNetwork(node: string, nwid: string): Json;
  /** Starts `cmd args` in h's namespace (default: node), output into logs[name]. */
  startIn(h: LabHost, name: string, args: string[], cmd?: string): ChildProcess;
  startAgent(h: LabHost): void;
  stopAgent(h: LabHost): Promise<void>;
  /** GET on a node's health address (from inside its namespace). */
  health(h: LabHost, path: string): { status: number; body: string };
  /** The v1 Pod and its namespace (`annotation` null: no ztkube.io/networks). */
  createPod(name: string, node: LabHost, annotation: string | null): KPod;
  /**
   * libcni's run of the node's installed conflist for the pod (`only`: that plugin type alone);
   * the final ADD result, or for CHECK and DEL the cached one sent as prevResult.
   */
  kubelet(p: KPod, command: 'ADD' | 'CHECK' | 'DEL', opts?: { netns?: string; only?: string }): Json;
  /** An ADD that must fail: the plugin that refused it and its answer, after the runtime's cleanup DEL. */
  refusedAdd(p: KPod): { type: string; run: PluginRun };
  /** The conflist libcni would pick in the node's conf dir (the agent's chained one). */
  conflist(h: LabHost): { cniVersion: string; name: string; plugins: Array<Record<string, unknown>> };
  /** One plugin of the installed conflist (by type) with a command and extra conf keys. */
  plugin(node: LabHost, type: string, env: Record<string, string>, extra: Record<string, unknown>): PluginRun;
  /** Deletes the pod's namespace (the kernel removes its ends of the veths) and its v1 Pod. */
  removePod(p: KPod): void;
  inPod(p: KPod, cmd: string, args: string[], timeoutMs?: number): { code: number | null; out: string };
  /** The node's links: name, bridge master and kind (veth, tun, bridge). */
  links(h: LabHost): Array<{ ifname: string; master?: string; kind?: string }>;
  /** The agent's CNI records on the node (its IPAM: an address is taken while its record is). */
  records(h: LabHost): Json[];
  /** The primary network's host-local reservations on the node. */
  hostLocalIps(h: LabHost): string[];
  /** A node's directory for `sub` (bin, net.d, run, host-local) under the lab's work dir. */
  nodeDir(h: LabHost, sub: string): string;
  /** The nodes' CNI dirs and primary conflists, the API server (127.0.0.1:6443 in op) and its relay on op's IP. */
  startApi(): Promise<void>;
  /** startApi, then CRDs, the Nodes, the operator and the agents; resolves once every agent is ready. */
  start(): Promise<void>;
  dumpLogs(): string;
  teardown(): Promise<void>;
}

function kubeconfig(server: string): string {
  return ['apiVersion: v1', 'kind: Config',
    `clusters: [{name: test, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
    'users: [{name: test, user: {}}]',
    'contexts: [{name: test, context: {cluster: test, user: test}}]', 'current-context: test', ''].join('\n');
}

/**
 * Builds the namespaces and homes (identities, one planet rooted at op). `start()` then runs
 * the API server, the operator and the agents and waits until every agent is ready.
 */
export interface ClusterLabOptions {
  /** More arguments for the API server process (e.g. --enforce-rbac --token-auth-file F), given the lab's work dir. */
  apiserverArgs?: (work: string) => string[];
  /**
   * Hosts whose IP:9993 the planet's one root (op's identity) lists as stable endpoints
   * (default: op alone); several when the controller node may run on any of them.
   */
  rootHosts?: string[];
}

export function clusterLab(kubectl: Kubectl, nodeSpecs: ClusterNodeSpec[], extraHosts: string[] = [], options: ClusterLabOptions = {}): ClusterLab {
  const work = mkdtempSync(join(tmpdir(), `ztkube-cluster-${process.pid}-`));
  chmodSync(work, 0o755);
  const names = ['op', ...nodeSpecs.map((n) => n.name), ...extraHosts];
  let lab: Lab;
  try {
    lab = nsLab(names);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  const host = (n: string): LabHost => lab.hosts.find((h) => h.name === n)!;
  const op = host('op');
  const nodes = nodeSpecs.map((n) => host(n.name));
  const logs: Record<string, string> = {};
  const agents = new Map<string, ChildProcess>();
  const pods: KPod[] = [];
  const cache = new Map<string, Json>();
  let tornDown = false;
  const homes = makeHomes(work, names, 'op', (options.rootHosts ?? ['op']).map((n) => `${host(n).ip}/9993`));
  writeFileSync(join(work, 'kubeconfig'), kubeconfig('http://127.0.0.1:6443'), { mode: 0o600 });
  writeFileSync(join(work, 'kubeconfig-nodes'), kubeconfig(`http://${op.ip}:6443`), { mode: 0o600 });
  const dir = (h: LabHost, sub: string): string => join(work, `${h.name}-${sub}`);

  const startIn = (h: LabHost, name: string, args: string[], cmd: string = process.execPath): ChildProcess => {
    const c = lab.spawn(h, cmd, args);
    logs[name] ??= '';
    c.stdout!.on('data', (d) => (logs[name] += d));
    c.stderr!.on('data', (d) => (logs[name] += d));
    return c;
  };
  const k = (args: string[], input?: string): { code: number | null; out: string } => {
    const r = spawnSync('ip', ['netns', 'exec', op.ns, kubectl.path, '--kubeconfig', join(work, 'kubeconfig'), '--cache-dir', join(work, 'kcache'), ...args], { input, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: work } });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const kOk = (args: string[], input?: string): string => {
    const r = k(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.out}`);
    return r.out;
  };
  const kJson = (args: string[]): Json => {
    const r = spawnSync('ip', ['netns', 'exec', op.ns, kubectl.path, '--kubeconfig', join(work, 'kubeconfig'), '--cache-dir', join(work, 'kcache'), ...args, '-o', 'json'], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: work } });
    return r.status === 0 ? JSON.parse(r.stdout) : null;
  };
  const truth = (): { networks: Record<string, Json>; nodes: Record<string, Json> } => {
    const list = kJson(['get', 'ztnetworks,ztnodes']);
    assert.ok(list, 'kubectl get ztnetworks,ztnodes answers');
    const byKind = (kind: string): Record<string, Json> => Object.fromEntries((list.items as Json[]).filter((i) => i.kind === kind).map((i) => [i.metadata.name, i]));
    return { networks: byKind('ZTNetwork'), nodes: byKind('ZTNode') };
  };
  const nodeNetwork = (node: string, nwid: string): Json => (kJson(['get', 'ztnode', node])?.status?.networks as Json[] | undefined)?.find((x) => x.networkId === nwid) ?? null;

  const startAgent = (h: LabHost): void => {
    agents.set(h.name, startIn(h, `agent-${h.name}`, [cli, 'agent', '--node-name', h.name, '--kubeconfig', join(work, 'kubeconfig-nodes'), '--home', homes.home(h.name), '--port', '9993',
      '--cni-socket', join(dir(h, 'run'), 'cni.sock'), '--cni-bin-dir', dir(h, 'bin'), '--cni-conf-dir', dir(h, 'net.d'), '--cni-binary', shimPath,
      '--health-addr', '127.0.0.1:9994', '--log-format', 'json']));
  };
  const stopAgent = async (h: LabHost): Promise<void> => {
    const c = agents.get(h.name);
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    await gone;
  };
  const health = (h: LabHost, path: string): { status: number; body: string } => {
    const script = "try { const r = await fetch('http://127.0.0.1:9994' + process.argv[1]); process.stdout.write(r.status + ' ' + (await r.text())); } catch (e) { process.stdout.write('0 ' + e.message); }";
    const out = lab.exec(h, process.execPath, ['--input-type=module', '-e', script, path]);
    const sp = out.indexOf(' ');
    return { status: Number(out.slice(0, sp)), body: out.slice(sp + 1) };
  };

  const installedList = (h: LabHost): { cniVersion: string; name: string; plugins: Array<Record<string, unknown>> } => {
    // libcni's choice: the lexically first config file in the conf dir.
    const first = readdirSync(dir(h, 'net.d')).filter((f) => /\.(conf|conflist|json)$/.test(f)).sort()[0];
    assert.ok(first?.endsWith('.conflist'), `${h.name}'s conf dir holds the chained conflist: ${readdirSync(dir(h, 'net.d')).join(', ')}`);
    return JSON.parse(readFileSync(join(dir(h, 'net.d'), first), 'utf8'));
  };
  const binary = (h: LabHost, type: string): string => {
    const found = [dir(h, 'bin'), CNI_BIN_DIR].map((d) => join(d, type)).find((f) => existsSync(f));
    assert.ok(found, `plugin ${type} in ${h.name}'s CNI_PATH`);
    return found;
  };
  const runPlugin = (h: LabHost, file: string, env: Record<string, string>, conf: Record<string, unknown>): PluginRun => {
    const r = spawnSync('ip', ['netns', 'exec', h.ns, file], { env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_PATH: `${dir(h, 'bin')}:${CNI_BIN_DIR}`, ...env }, input: JSON.stringify(conf), encoding: 'utf8', timeout: 90_000 });
    let json: Json = null;
    try {
      json = r.stdout.trim() === '' ? null : JSON.parse(r.stdout);
    } catch {
      json = null; // not JSON: the caller's assertion shows stdout itself
    }
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
  };
  const podEnv = (p: KPod, command: string, netns: string): Record<string, string> => ({
    CNI_COMMAND: command, CNI_CONTAINERID: p.containerId, CNI_NETNS: netns, CNI_IFNAME: 'eth0',
    // containerd's keys, in one of the orders it sends them (07 §1.9)
    CNI_ARGS: `K8S_POD_INFRA_CONTAINER_ID=${p.containerId};K8S_POD_UID=uid-${p.name};IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${p.name}`,
  });
  /**
   * libcni's injectRuntimeConfig: a plugin gets `runtimeConfig` with the capability arguments
   * containerd's CRI passes (the pod's annotations, its port mappings) that its conflist entry
   * declares in `capabilities`.
   */
  const runtimeConfig = (p: KPod, plugin: Record<string, unknown>): Record<string, unknown> => {
    const args: Record<string, unknown> = { 'io.kubernetes.cri.pod-annotations': p.annotations, portMappings: [] };
    const declared = (plugin.capabilities ?? {}) as Record<string, unknown>;
    const rc = Object.fromEntries(Object.entries(args).filter(([k]) => declared[k] === true));
    return Object.keys(rc).length === 0 ? {} : { runtimeConfig: rc };
  };
  /** The list for one command; stops at the first plugin that fails (libcni). */
  const runList = (p: KPod, command: 'ADD' | 'CHECK' | 'DEL', opts: { netns?: string; only?: string }): { result: Json; failed: { type: string; run: PluginRun } | null } => {
    const list = installedList(p.node);
    const plugins = (command === 'DEL' ? [...list.plugins].reverse() : list.plugins).filter((x) => opts.only === undefined || x.type === opts.only);
    const env = podEnv(p, command, opts.netns ?? p.netns);
    const cached = cache.get(p.containerId);
    let prev: Json = command === 'ADD' ? undefined : cached;
    for (const plugin of plugins) {
      const conf = { ...plugin, cniVersion: list.cniVersion, name: list.name, ...runtimeConfig(p, plugin), ...(prev === undefined ? {} : { prevResult: prev }) };
      const r = runPlugin(p.node, binary(p.node, String(plugin.type)), env, conf);
      if (r.code !== 0) return { result: null, failed: { type: String(plugin.type), run: r } };
      if (command === 'ADD') prev = r.json;
    }
    if (command === 'ADD') cache.set(p.containerId, prev);
    if (command === 'DEL') cache.delete(p.containerId);
    return { result: command === 'ADD' ? prev : cached, failed: null };
  };
  const kubelet = (p: KPod, command: 'ADD' | 'CHECK' | 'DEL', opts: { netns?: string; only?: string } = {}): Json => {
    const { result, failed } = runList(p, command, opts);
    assert.equal(failed, null, failed ? `${failed.type} ${command} for ${p.name} on ${p.node.name}: ${failed.run.stdout} ${failed.run.stderr}` : '');
    return result;
  };
  const refusedAdd = (p: KPod): { type: string; run: PluginRun } => {
    const { failed } = runList(p, 'ADD', {});
    assert.ok(failed, `ADD for ${p.name} was refused`);
    kubelet(p, 'DEL'); // containerd tears a sandbox whose network setup failed down with DEL
    return failed;
  };
  const plugin = (h: LabHost, type: string, env: Record<string, string>, extra: Record<string, unknown>): PluginRun => {
    const list = installedList(h);
    const conf = list.plugins.find((x) => x.type === type);
    assert.ok(conf, `${type} in ${h.name}'s conflist`);
    return runPlugin(h, binary(h, type), env, { ...conf, cniVersion: list.cniVersion, name: list.name, ...extra });
  };

  const createPod = (name: string, node: LabHost, annotation: string | null): KPod => {
    const ns = `ztcp${process.pid % 100000}${pods.length}`;
    execFileSync('ip', ['netns', 'add', trackNetns(ns)]);
    const p: KPod = { name, node, ns, netns: `/run/netns/${ns}`, containerId: `${name.replace(/[^a-z0-9]/g, '')}${process.pid}${pods.length}`, annotations: annotation === null ? {} : { 'ztkube.io/networks': annotation } };
    pods.push(p);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const annotations = annotation === null ? '' : `  annotations: {ztkube.io/networks: "${annotation}"}\n`;
    kOk(['apply', '-f', '-'], `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: default\n${annotations}spec:\n  nodeName: ${node.name}\n  containers: [{name: c, image: pause}]\n`);
    return p;
  };
  const removePod = (p: KPod): void => {
    spawnSync('ip', ['netns', 'del', p.ns], { stdio: 'ignore' }); // gone already counts as done
    k(['delete', 'pod', p.name, '--ignore-not-found', '--wait=false']);
  };
  const inPod = (p: KPod, cmd: string, args: string[], timeoutMs = 30_000): { code: number | null; out: string } => {
    const r = spawnSync('ip', ['netns', 'exec', p.ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const links = (h: LabHost): Array<{ ifname: string; master?: string; kind?: string }> => {
    const rows = JSON.parse(lab.exec(h, 'ip', ['-d', '-j', 'link'])) as Array<{ ifname: string; master?: string; linkinfo?: { info_kind?: string } }>;
    return rows.map((r) => ({ ifname: r.ifname.replace(/@.*/, ''), master: r.master, kind: r.linkinfo?.info_kind }));
  };
  const records = (h: LabHost): Json[] => {
    const file = join(homes.home(h.name), 'cni.d', 'attachments.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { attachments: Json[] }).attachments : [];
  };
  const hostLocalIps = (h: LabHost): string[] => {
    const d = join(dir(h, 'host-local'), 'k8s-pod-network');
    return existsSync(d) ? readdirSync(d).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
  };
  const dumpLogs = (): string => Object.entries(logs).map(([n, l]) => `--- ${n} ---\n${l.slice(-3000)}`).join('\n');
  const teardown = async (): Promise<void> => {
    if (tornDown) return;
    tornDown = true;
    for (const p of pods) spawnSync('ip', ['netns', 'del', p.ns], { stdio: 'ignore' }); // gone already counts as done
    lab.teardown(); // ends every process it spawned by PID, deletes the namespaces and their links
    rmSync(work, { recursive: true, force: true });
  };

  const startApi = async (): Promise<void> => {
    nodes.forEach((h, i) => {
      for (const d of ['bin', 'net.d', 'run', 'host-local']) mkdirSync(dir(h, d), { recursive: true });
      writeFileSync(join(dir(h, 'net.d'), '10-pods.conf'), JSON.stringify({
        cniVersion: PRIMARY_CNI_VERSION, name: 'k8s-pod-network', type: 'bridge', bridge: 'cnibr0', isGateway: true, ipMasq: false,
        ipam: { type: 'host-local', ranges: [[{ subnet: `10.22.${i}.0/24` }]], dataDir: dir(h, 'host-local') },
      }));
      // Routing 6PLANE addresses to pods needs IPv6 forwarding: set inside the node's namespace only.
      lab.exec(h, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.forwarding=1']);
    });
    startIn(op, 'apiserver', [apiserver, '--port', '6443', ...(options.apiserverArgs?.(work) ?? [])]);
    await waitFor('the test API server', () => logs.apiserver!.includes('listening'), 15_000);
    // The test API server listens on loopback only: the nodes reach it through this relay.
    const relay = "const net = await import('node:net'); net.createServer((c) => { const u = net.connect(6443, '127.0.0.1'); c.pipe(u); u.pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); }).listen(6443, process.argv[1], () => console.log('relaying'));";
    startIn(op, 'relay', ['--input-type=module', '-e', relay, op.ip]);
    await waitFor('the API relay', () => logs.relay!.includes('relaying'), 15_000);
  };
  const start = async (): Promise<void> => {
    await startApi();
    kOk(['apply', '-f', join(repoRoot, 'manifests', 'crds')]);
    kOk(['create', 'namespace', 'ztkube-system']);
    // The operator's node is the planet's root, so its identity is the one made for the planet.
    kOk(['-n', 'ztkube-system', 'create', 'secret', 'generic', 'ztkube-controller-identity', `--from-file=identity.secret=${join(homes.home('op'), 'identity.secret')}`]);
    for (const n of nodeSpecs) kOk(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels: n.labels } }));
    startIn(op, 'operator', [cli, 'operator', '--kubeconfig', join(work, 'kubeconfig'), '--namespace', 'ztkube-system', '--home', homes.home('op'), '--port', '9993', '--log-format', 'json']);
    await waitFor('the operator started', () => logs.operator!.includes('operator started'), 30_000);
    for (const h of nodes) startAgent(h);
    for (const h of nodes) await waitFor(`${h.name}'s agent ready`, () => health(h, '/readyz').status === 200, 60_000, 300);
  };

  return {
    lab, work, homes, op, nodes, host, logs, k, kOk, kJson, truth, nodeNetwork, startIn, startAgent, stopAgent, health,
    createPod, kubelet, refusedAdd, plugin, conflist: installedList, removePod, inPod, links, records, hostLocalIps, dumpLogs, teardown, nodeDir: dir, startApi, start,
  };
}

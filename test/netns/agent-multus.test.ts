// The CNI plugin as a Multus delegate (07 §2, issue #12) against real `ztkube agent`s, with the
// test API server and the real `ztkube operator` (controller, planet root, NAD maker) in op:
//
//   [op 10.N.0.1: test API server 127.0.0.1:6443 (+ a TCP relay on 10.N.0.1:6443), ztkube operator :9993] --+
//   [n1 10.N.0.2: ztkube agent --node-name n1, CNI socket <work>/n1-run/cni.sock] -----------------------------+-- br0
//   [n2 10.N.0.3: ztkube agent --node-name n2, CNI socket <work>/n2-run/cni.sock] -----------------------------+
//         each node: 10-pods.conf (Debian's bridge + host-local) that the agent chains ztkube into;
//         ztb… = the lan TAP + the pods' veths (bridge mode)
//   [pod namespaces /run/netns/ztkm<pid>N]
//
// The operator makes the NetworkAttachmentDefinition default/lan (the NAD CRD is served here);
// its spec.config is run through the shim exactly as Multus runs a delegate: standalone, that
// config on stdin, CNI_IFNAME=net1, Multus's CNI_ARGS. Every node has its socket at the path
// the NAD names, as on a real cluster (the nodes here share one filesystem: n2's run dir is
// bind-mounted there in a private mount namespace of the shim's exec). Checked: the result is
// net1 with its IP and MAC (what Multus writes into network-status); a pod with both a chained
// zt0 and Multus's net1 keeps them apart through GC and each DEL; pods ping over net1; the
// chained plugin takes the pod's annotation from runtimeConfig (the capability the agent
// declares), so an ADD works while the API server is away, where an API read fails; an address
// freed and given to the next pod keeps its MAC, so the LAN's ARP caches stay right.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { hasNetns, waitFor, type LabHost, trackNetns } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { operatorLab, ztkubeCli as cli, type OperatorLab } from '../helpers/operator-lab.js';
import { shimPath } from '../helpers/cni-shim.js';
import { CNI_BIN_DIR, hasCniPlugins } from '../helpers/cni-lab.js';
import { NAD_CRD } from '../helpers/nad-crd.js';

const kubectl = kubectl130();
const skip = !hasNetns() ? 'needs root and iproute2' : typeof kubectl === 'string' ? kubectl : !hasCniPlugins() ? 'needs containernetworking-plugins (make sysdeps) and build/cni/ztkube (make build)' : false;
const POD_ANNOTATIONS = 'io.kubernetes.cri.pod-annotations';

let ol: OperatorLab | null = null;
let op: LabHost, n1: LabHost, n2: LabHost;
const podNamespaces: string[] = [];
let relay: ChildProcess | null = null;

const dir = (h: LabHost, sub: string): string => join(ol!.work, `${h.name}-${sub}`);

interface Pod { name: string; ns: string; netns: string; containerId: string; node: LabHost; annotations: Record<string, string> }
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function newPod(name: string, node: LabHost, annotations: Record<string, string>): Pod {
  const ns = `ztkm${process.pid}${podNamespaces.length}`;
  execFileSync('ip', ['netns', 'add', trackNetns(ns)]);
  podNamespaces.push(ns);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  ol!.kOk(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations }, spec: { nodeName: node.name, containers: [{ name: 'c', image: 'pause' }] } }));
  return { name, ns, netns: `/run/netns/${ns}`, containerId: `${name.replace(/[^a-z0-9]/g, '')}${process.pid}`, node, annotations };
}

function podEnv(p: Pod, command: string, ifname: string, netns = p.netns): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: p.containerId, CNI_NETNS: netns, CNI_IFNAME: ifname, CNI_PATH: `${dir(p.node, 'bin')}:${CNI_BIN_DIR}`,
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${p.name};K8S_POD_INFRA_CONTAINER_ID=${p.containerId};K8S_POD_UID=uid-${p.name}`,
  };
}

/**
 * libcni's run of the node's installed conflist, as containerd drives it: each plugin with the
 * previous one's result, and runtimeConfig holding the capabilities a plugin declares and the
 * runtime has (here only the pod's annotations, unless `withAnnotations` is false).
 */
function runChain(p: Pod, command: 'ADD' | 'DEL' | 'GC', o: { withAnnotations?: boolean; valid?: Pod[] } = {}): { status: number | null; out: Json; text: string } {
  const confs = readdirSync(dir(p.node, 'net.d')).filter((f) => f.endsWith('.conflist')).sort();
  const list = JSON.parse(readFileSync(join(dir(p.node, 'net.d'), confs[0]!), 'utf8')) as { cniVersion: string; name: string; plugins: Array<Record<string, unknown>> };
  const plugins = command === 'DEL' ? [...list.plugins].reverse() : list.plugins;
  let prev: unknown;
  for (const plugin of plugins) {
    const type = String(plugin.type);
    if (command === 'GC' && type !== 'ztkube') continue;
    const binary = [dir(p.node, 'bin'), CNI_BIN_DIR].map((d) => join(d, type)).find((f) => existsSync(f))!;
    const { capabilities, ...rest } = plugin as { capabilities?: Record<string, boolean> };
    const conf: Record<string, unknown> = { ...rest, cniVersion: command === 'GC' ? '1.1.0' : list.cniVersion, name: list.name };
    if (capabilities?.[POD_ANNOTATIONS] && o.withAnnotations !== false && command !== 'GC') conf.runtimeConfig = { [POD_ANNOTATIONS]: p.annotations };
    if (prev !== undefined) conf.prevResult = prev;
    if (command === 'GC') conf['cni.dev/valid-attachments'] = (o.valid ?? []).map((v) => ({ containerID: v.containerId, ifname: 'eth0' }));
    const env = command === 'GC' ? { PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_COMMAND: 'GC', CNI_PATH: `${dir(p.node, 'bin')}:${CNI_BIN_DIR}` } : podEnv(p, command, 'eth0');
    const r = spawnSync('ip', ['netns', 'exec', p.node.ns, binary], { env, input: JSON.stringify(conf), encoding: 'utf8', timeout: 90_000 });
    if (r.status !== 0) return { status: r.status, out: r.stdout.trim() === '' ? null : JSON.parse(r.stdout), text: `${type} ${command} for ${p.name}: ${r.stdout} ${r.stderr}` };
    if (command === 'ADD') prev = JSON.parse(r.stdout);
  }
  return { status: 0, out: prev ?? null, text: '' };
}

/**
 * Multus's delegate call: the NAD's config (name injected when absent, as Multus does) on stdin,
 * CNI_IFNAME=net1, the node's socket at the path the config names.
 */
function multus(p: Pod, nad: Record<string, unknown>, command: 'ADD' | 'CHECK' | 'DEL', o: { prevResult?: unknown; netns?: string } = {}): { status: number | null; stdout: string; out: Json } {
  const conf = { ...nad, ...(o.prevResult === undefined ? {} : { prevResult: o.prevResult }) };
  const socketDir = join(String(nad.socket), '..');
  // The shim in its own mount namespace, where the node's run dir is at the NAD's socket dir.
  const args = p.node === n1 ? [shimPath] : ['unshare', '-m', 'sh', '-c', 'mount --bind "$1" "$2" && exec "$3"', 'sh', dir(p.node, 'run'), socketDir, shimPath];
  const r = spawnSync('ip', ['netns', 'exec', p.node.ns, ...args], { env: podEnv(p, command, 'net1', o.netns), input: JSON.stringify(conf), encoding: 'utf8', timeout: 90_000 });
  return { status: r.status, stdout: `${r.stdout}${r.stderr}`, out: r.stdout.trim() === '' ? null : JSON.parse(r.stdout) };
}

function inPod(p: Pod, cmd: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync('ip', ['netns', 'exec', p.ns, cmd, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function podLinks(p: Pod): string[] {
  return (JSON.parse(inPod(p, 'ip', ['-j', 'link']).out) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
}

/** The pods' host-side veth ends on a node (by link kind: a TAP's name may start with ztp too). */
function podVeths(h: LabHost): string[] {
  const links = JSON.parse(ol!.lab.exec(h, 'ip', ['-j', '-d', 'link'])) as Array<{ ifname: string; linkinfo?: { info_kind?: string } }>;
  return links.filter((l) => l.linkinfo?.info_kind === 'veth' && l.ifname.startsWith('ztp')).map((l) => l.ifname);
}

function health(h: LabHost, path: string): number {
  const script = "const r = await fetch('http://127.0.0.1:9994' + process.argv[1]); process.stdout.write(String(r.status));";
  return Number(ol!.lab.exec(h, process.execPath, ['--input-type=module', '-e', script, path]));
}

function startAgent(h: LabHost): void {
  ol!.startIn(h, `agent-${h.name}`, [cli, 'agent', '--node-name', h.name, '--kubeconfig', join(ol!.work, 'kubeconfig-nodes'), '--home', ol!.homes.home(h.name), '--port', '9993',
    '--cni-socket', join(dir(h, 'run'), 'cni.sock'), '--cni-bin-dir', dir(h, 'bin'), '--cni-conf-dir', dir(h, 'net.d'), '--cni-binary', shimPath, '--health-addr', '127.0.0.1:9994', '--log-format', 'json']);
}

const ipOf = (r: Json, i: number): string => String(r.ips[i].address).split('/')[0]!;

before(() => {
  if (skip || typeof kubectl === 'string') return;
  ol = operatorLab(kubectl, ['op', 'n1', 'n2'], 'agent-multus');
  chmodSync(ol.work, 0o755);
  [op, n1, n2] = ['op', 'n1', 'n2'].map((n) => ol!.host(n)) as [LabHost, LabHost, LabHost];
  writeFileSync(join(ol.work, 'kubeconfig-nodes'), [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: test, cluster: {server: "http://${op.ip}:6443", insecure-skip-tls-verify: true}}]`,
    'users: [{name: test, user: {}}]',
    'contexts: [{name: test, context: {cluster: test, user: test}}]', 'current-context: test', '',
  ].join('\n'), { mode: 0o600 });
  for (const h of [n1, n2]) {
    for (const d of ['bin', 'net.d', 'run', 'host-local']) mkdirSync(dir(h, d), { recursive: true });
    writeFileSync(join(dir(h, 'net.d'), '10-pods.conf'), JSON.stringify({
      cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'bridge', bridge: 'cnibr0', isGateway: true, ipMasq: false,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.22.0.0/24' }]], dataDir: dir(h, 'host-local') },
    }));
  }
});

after(() => {
  for (const ns of podNamespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); // gone already counts as done
  ol?.teardown();
});

test('Multus delegate: the NAD config through the shim gives net1 on the ZeroTier LAN; chained and Multus attachments kept apart; annotations from runtimeConfig while the API is away', { skip, timeout: 360_000 }, async () => {
  const o = ol!;
  try {
    await o.startOperator(['--cni-socket', join(dir(n1, 'run'), 'cni.sock'), '--nad-namespaces', 'default'], () => {
      o.kOk(['apply', '-f', '-'], NAD_CRD);
      for (const h of [n1, n2]) o.kOk(['apply', '-f', '-'], `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${h.name}\n  labels: {ztkube.io/pods: "yes"}\n`);
    });
    // The test API server listens on loopback only: the nodes reach it through this relay.
    const relayScript = `const net = await import('node:net'); net.createServer((c) => { const u = net.connect(6443, '127.0.0.1'); c.pipe(u); u.pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); }).listen(6443, process.argv[1], () => console.log('relaying'));`;
    relay = o.lab.spawn(op, process.execPath, ['--input-type=module', '-e', relayScript, op.ip]);
    let relayOut = '';
    relay.stdout!.on('data', (d) => (relayOut += d));
    await waitFor('the API relay', () => relayOut.includes('relaying'), 15_000);
    startAgent(n1);
    startAgent(n2);
    for (const h of [n1, n2]) await waitFor(`${h.name} ready`, () => health(h, '/readyz') === 200, 60_000);
    for (const h of [n1, n2]) {
      await waitFor(`${h.name}'s conflist`, () => readdirSync(dir(h, 'net.d')).join() === '10-pods.conflist', 10_000);
      const entry = JSON.parse(readFileSync(join(dir(h, 'net.d'), '10-pods.conflist'), 'utf8')).plugins[1];
      assert.deepEqual(entry.capabilities, { [POD_ANNOTATIONS]: true }, 'the chained entry asks containerd for the pod annotations');
    }

    o.kOk(['apply', '-f', '-'], ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', 'metadata: {name: lan}', 'spec:', '  nodeSelector: {ztkube.io/pods: "yes"}', '  managed:',
      '    name: lan', '    private: false', '    ipv4Pools: [{start: 10.147.46.10, end: 10.147.46.99}]', '    routes: [{target: 10.147.46.0/24}]',
      '  attach:', '    mode: bridge', '    podRanges: [10.147.46.128/25]', ''].join('\n'));
    const lan = (await waitFor('lan has its ID', () => o.kJson(['get', 'ztnetwork', 'lan'])?.status?.networkId, 30_000)) as string;
    const ranges = await waitFor('lan has pod ranges for both nodes', () => {
      const have = o.kJson(['get', 'ztnetwork', 'lan'])?.status?.podRanges as Array<{ node: string; range: string }> | undefined;
      const r1 = have?.find((r) => r.node === 'n1')?.range;
      const r2 = have?.find((r) => r.node === 'n2')?.range;
      return r1 && r2 ? { n1: r1, n2: r2 } : null;
    }, 30_000);
    for (const h of [n1, n2]) {
      await waitFor(`ZTNode ${h.name} OK on lan as an active bridge`, () => {
        const n = (o.kJson(['get', 'ztnode', h.name])?.status?.networks as Array<{ networkId: string; status?: string; bridge?: boolean }> | undefined)?.find((x) => x.networkId === lan);
        return n?.status === 'OK' && n.bridge === true;
      }, 60_000);
    }
    const nadObject = await waitFor('the operator made NAD default/lan', () => o.kJson(['-n', 'default', 'get', 'net-attach-def', 'lan']), 30_000);
    const nad = JSON.parse(nadObject.spec.config) as Record<string, unknown>;
    assert.deepEqual(nad, { cniVersion: '1.1.0', name: 'lan', type: 'ztkube', socket: join(dir(n1, 'run'), 'cni.sock'), network: lan });

    // web-1 on n1: zt0 from its ztkube.io/networks annotation (chained) and net1 from Multus.
    // web-2 on n2: Multus's net1 only.
    const p1 = newPod('web-1', n1, { 'ztkube.io/networks': 'lan', 'k8s.v1.cni.cncf.io/networks': 'lan' });
    const p2 = newPod('web-2', n2, { 'k8s.v1.cni.cncf.io/networks': 'lan' });
    // web-1 has two interfaces on one subnet: each answers ARP for its own address only (else
    // web-2 may learn zt0's address at net1's MAC, and keep it after zt0 went).
    execFileSync('ip', ['netns', 'exec', p1.ns, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
    const c1 = runChain(p1, 'ADD');
    assert.equal(c1.status, 0, c1.text);
    assert.deepEqual(c1.out.interfaces.map((i: { name: string }) => i.name).filter((n: string) => n.startsWith('zt')), ['zt0']);
    const c2 = runChain(p2, 'ADD');
    assert.equal(c2.status, 0, c2.text);
    assert.deepEqual(c2.out.interfaces.filter((i: { name: string }) => i.name.startsWith('zt')), [], 'no ztkube annotation: the chain passes it through');
    const m1 = multus(p1, nad, 'ADD');
    assert.equal(m1.status, 0, m1.stdout);
    const m2 = multus(p2, nad, 'ADD');
    assert.equal(m2.status, 0, m2.stdout);
    for (const [m, p, range] of [[m1, p1, ranges.n1], [m2, p2, ranges.n2]] as const) {
      // What Multus reads for network-status: the sandbox interface, its MAC and IPs.
      assert.equal(m.out.cniVersion, '1.1.0');
      assert.equal(m.out.interfaces.length, 1);
      assert.equal(m.out.interfaces[0].name, 'net1');
      assert.equal(m.out.interfaces[0].sandbox, p.netns);
      assert.match(m.out.interfaces[0].mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      assert.equal(m.out.ips.length, 1);
      assert.equal(m.out.ips[0].interface, 0);
      const [net, bits] = range.split('/') as [string, string];
      const n = (a: string): number => a.split('.').reduce((x, b) => x * 256 + Number(b), 0);
      assert.equal(Math.floor(n(ipOf(m.out, 0)) / 2 ** (32 - Number(bits))), Math.floor(n(net) / 2 ** (32 - Number(bits))), `${p.name}'s net1 address ${ipOf(m.out, 0)} from ${range}`);
      const link = JSON.parse(inPod(p, 'ip', ['-j', 'addr', 'show', 'net1']).out)[0];
      assert.equal(link.address, m.out.interfaces[0].mac);
      assert.ok(link.addr_info.some((a: { local: string }) => a.local === ipOf(m.out, 0)));
    }
    assert.deepEqual(podLinks(p1).filter((l) => l !== 'lo'), ['eth0', 'net1', 'zt0']);
    await waitFor('web-2 pings web-1 on net1 over ZeroTier', () => inPod(p2, 'ping', ['-c', '1', '-W', '2', ipOf(m1.out, 0)]).code === 0, 60_000, 500);
    assert.equal(inPod(p1, 'ping', ['-c', '2', '-W', '2', '-I', 'net1', ipOf(m2.out, 0)]).code, 0, 'and back from net1');
    assert.equal(inPod(p2, 'ping', ['-c', '2', '-W', '2', ipOf(c1.out, c1.out.ips.length - 1)]).code, 0, "web-1's chained zt0 too");
    assert.equal(multus(p1, nad, 'CHECK', { prevResult: m1.out }).status, 0);

    // GC from the runtime's chain lists its own attachments (eth0): Multus's are its business.
    const gc = runChain(p1, 'GC', { valid: [p1, p2] });
    assert.equal(gc.status, 0, gc.text);
    assert.deepEqual(podLinks(p1).filter((l) => l !== 'lo'), ['eth0', 'net1', 'zt0'], 'GC released nothing of a listed pod');
    // The chain's DEL takes zt0 only; Multus's DEL takes net1 only, twice is fine.
    assert.equal(runChain(p1, 'DEL').status, 0);
    assert.deepEqual(podLinks(p1).filter((l) => l !== 'lo'), ['net1']);
    assert.equal(inPod(p2, 'ping', ['-c', '1', '-W', '2', ipOf(m1.out, 0)]).code, 0, 'net1 still carries web-1');
    const d1 = multus(p1, nad, 'DEL', { prevResult: m1.out });
    assert.deepEqual([d1.status, d1.out], [0, null], d1.stdout);
    assert.deepEqual(podLinks(p1), ['lo']);
    const d2 = multus(p1, nad, 'DEL', { netns: '' });
    assert.deepEqual([d2.status, d2.out], [0, null], `a repeated DEL without a netns: ${d2.stdout}`);
    assert.deepEqual(podVeths(n1), [], 'n1 keeps no pod veth');

    // The API server away: the chain reads web-3's annotation from runtimeConfig and attaches it;
    // a runtime that does not pass annotations gets a try-again error naming the API read.
    const p3 = newPod('web-3', n1, { 'ztkube.io/networks': 'lan' });
    relay.kill('SIGTERM');
    await new Promise<void>((r) => (relay!.exitCode !== null || relay!.signalCode !== null ? r() : relay!.once('exit', () => r())));
    const noAnnotations = runChain(p3, 'ADD', { withAnnotations: false });
    assert.equal(noAnnotations.status, 1);
    assert.equal(noAnnotations.out.code, 11);
    assert.match(noAnnotations.out.msg, /reading pod default\/web-3 .* the API server did not answer/);
    assert.equal(runChain(p3, 'DEL').status, 0, 'the runtime DELs the failed ADD');
    const c3 = runChain(p3, 'ADD');
    assert.equal(c3.status, 0, c3.text);
    assert.ok(podLinks(p3).includes('zt0'));
    assert.deepEqual([ipOf(c3.out, c3.out.ips.length - 1), c3.out.interfaces.at(-1).mac], [ipOf(c1.out, c1.out.ips.length - 1), c1.out.interfaces.at(-1).mac], "web-3 has web-1's old zt0 address, and so its MAC");
    await waitFor('web-2 pings web-3 on zt0', () => inPod(p2, 'ping', ['-c', '1', '-W', '2', ipOf(c3.out, c3.out.ips.length - 1)]).code === 0, 30_000, 500);
    // GC on n1 listing only web-2 (on n2 anyway): web-3's attachment goes.
    assert.equal(runChain(p3, 'GC', { valid: [p2] }).status, 0);
    assert.ok(!podLinks(p3).includes('zt0'), 'GC released the unlisted pod');
    assert.deepEqual(podVeths(n1), []);
    const d3 = multus(p2, nad, 'DEL', { prevResult: m2.out });
    assert.equal(d3.status, 0, d3.stdout);
    assert.ok(!podLinks(p2).includes('net1'));
    assert.deepEqual(podVeths(n2), [], 'n2 keeps no pod veth');
  } catch (e) {
    console.error(o.dumpLogs());
    throw e;
  }
});

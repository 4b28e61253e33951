// The CNI plugin (issue #12) on the CNI lab (test/helpers/cni-lab.ts: namespaces named after
// our pid, a controller, two nodes running `ztkube daemon --cni`, pods as namespaces of their
// own; everything removed afterwards, also after a failure). A stand-in kubelet runs the chain
// as containerd does: Debian's bridge + host-local (eth0), then the ztkube shim with the
// bridge's result; the bridge plugin runs in the node's namespace (nsenter), the shim as it is
// (it only talks to the agent's socket).
//   1. ADD and DEL latency for 100 pods, whole chain and the ztkube plugin alone (median, p90,
//      p99, max), bridge and sixplane modes, on a network of its own (LAN 10.148.0.0/16).
//   2. Pods per node: bridge-mode pods added in steps until ADD latency or pings from the
//      other node degrade, an ADD fails (the limit it names), or the time budget is spent.
//   3. TCP (iperf3) from a pod on node to a pod on m1 over ZeroTier (bridge mode) next to node
//      to m1 over their own ZeroTier addresses, in the same run.
// Knobs: ZTKUBE_BENCH_CNI_STEPS="50,100,200" (the scale steps), ZTKUBE_BENCH_CNI_BUDGET_S (the
// scale phase's time budget, default 30; the step running when it runs out is finished).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasNetns, waitFor, type LabHost } from '../helpers/netns.js';
import { shimPath } from '../helpers/cni-shim.js';
import { CNI_BIN_DIR, POD_RANGE, cniLab, hasCniPlugins, type CniLab, type Pod } from '../helpers/cni-lab.js';

const VERSION = '1.0.0';
const PODS = 100;
const STEPS = (process.env.ZTKUBE_BENCH_CNI_STEPS ?? '50,100,200,300,400,600,800,1000,1100').split(',').map(Number);
const SCALE_BUDGET_MS = Number(process.env.ZTKUBE_BENCH_CNI_BUDGET_S ?? 30) * 1000;
/** Pods deleted through the chain at the top of the scale phase. */
const DEL_AT_SCALE = 50;
/** A step degrades when its median ADD is this many times the first step's. */
const DEGRADED_FACTOR = 2;
const PING_SAMPLE = 8;
const TCP_SECONDS = 5;
const TCP_RUNS = 3;
/** The bench network: a /16 LAN so IPAM is not the first limit; node's pods from a /20 of it. */
const BENCH_LAN = '10.148.';
const NODE_RANGE = `${BENCH_LAN}16.0/20`;
const M1_RANGE = '10.147.43.192/26';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Timed {
  chainMs: number;
  pluginMs: number;
}

interface Attached {
  pod: Pod;
  on: LabHost;
  prev: Json;
  result: Json;
  /** The pod's ZeroTier address (no prefix length). */
  ip: string;
}

class ChainError extends Error {}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

const median = (xs: number[]): number => quantile(xs, 0.5);

function stats(xs: number[]): string {
  return `median ${median(xs).toFixed(1)} ms, p90 ${quantile(xs, 0.9).toFixed(1)} ms, p99 ${quantile(xs, 0.99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
}

/** Runs one plugin as a runtime does; the time from exec to exit. */
function exec(argv: string[], env: Record<string, string>, stdin: unknown): { ms: number; code: number | null; stdout: string; stderr: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, input: JSON.stringify(stdin), encoding: 'utf8', timeout: 120_000 });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function mustJson(r: { code: number | null; stdout: string; stderr: string }, what: string): Json {
  if (r.code !== 0) throw new ChainError(`${what}: ${(r.stdout || r.stderr).trim()}`);
  return r.stdout.trim() === '' ? null : JSON.parse(r.stdout);
}

/** The stand-in kubelet of one node: its primary network (bridge + host-local) and the ztkube plugin. */
class Kubelet {
  readonly times = { add: [] as Timed[], del: [] as Timed[] };

  constructor(
    private readonly L: CniLab,
    readonly on: LabHost,
    private readonly socket: string,
    private readonly podSubnet: string,
    private readonly networks: Record<string, { id: string; mode: string; range?: string }>,
  ) {}

  private primary(): Json {
    return {
      cniVersion: VERSION,
      name: 'k8s-pod-network',
      type: 'bridge',
      bridge: 'cnibr0',
      isGateway: true,
      ipMasq: false,
      ipam: { type: 'host-local', ranges: [[{ subnet: this.podSubnet }]], dataDir: join(this.L.work, `host-local-${this.on.name}`) },
    };
  }

  private ztkube(p: Pod, network: string, prevResult?: unknown): Json {
    return { cniVersion: VERSION, name: 'k8s-pod-network', type: 'ztkube', socket: this.socket, podNetworks: { [`default/${p.name}`]: network }, networks: this.networks, ...(prevResult === undefined ? {} : { prevResult }) };
  }

  private env(command: string, p: Pod): Record<string, string> {
    return {
      CNI_COMMAND: command,
      CNI_CONTAINERID: p.containerId,
      CNI_NETNS: p.netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: CNI_BIN_DIR,
      CNI_ARGS: `K8S_POD_UID=uid-${p.name};IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${p.name};K8S_POD_INFRA_CONTAINER_ID=${p.containerId}`,
    };
  }

  private bridge(): string[] {
    return ['nsenter', `--net=/run/netns/${this.on.ns}`, join(CNI_BIN_DIR, 'bridge')];
  }

  add(p: Pod, network: string): Attached {
    const b = exec(this.bridge(), this.env('ADD', p), this.primary());
    const prev = mustJson(b, `bridge ADD of ${p.name}`);
    const z = exec([shimPath], this.env('ADD', p), this.ztkube(p, network, prev));
    const result = mustJson(z, `ztkube ADD of ${p.name}`);
    this.times.add.push({ chainMs: b.ms + z.ms, pluginMs: z.ms });
    const zt = result.interfaces.findIndex((i: { name: string }) => i.name === 'zt0');
    const ip = (result.ips as Array<{ address: string; interface: number }>).find((x) => x.interface === zt)!.address.replace(/\/\d+$/, '');
    return { pod: p, on: this.on, prev, result, ip };
  }

  /** DEL in reverse order (ztkube, then bridge), as containerd does. */
  del(a: Attached): void {
    const z = exec([shimPath], this.env('DEL', a.pod), this.ztkube(a.pod, '', a.result));
    mustJson(z, `ztkube DEL of ${a.pod.name}`);
    const b = exec(this.bridge(), this.env('DEL', a.pod), { ...this.primary(), prevResult: a.result });
    mustJson(b, `bridge DEL of ${a.pod.name}`);
    this.times.del.push({ chainMs: b.ms + z.ms, pluginMs: z.ms });
  }
}

/** Pings from `from` to each address in parallel; how many answered and the median RTT. */
async function pingAll(L: CniLab, from: LabHost, ips: string[]): Promise<{ answered: number; rttMs: number[] }> {
  const one = (ip: string): Promise<number | null> =>
    new Promise((resolve) => {
      const c = spawn('ip', ['netns', 'exec', from.ns, 'ping', ...(ip.includes(':') ? ['-6'] : []), '-c', '3', '-i', '0.3', '-w', '5', ip], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.on('close', () => {
        const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
        resolve(rtts.length > 0 ? median(rtts) : null);
      });
    });
  const got = await Promise.all(ips.map(one));
  const rttMs = got.filter((x): x is number => x !== null);
  return { answered: rttMs.length, rttMs };
}

/** `count` pods spread over `xs`, always with the last one. */
function sample<T>(xs: T[], count: number): T[] {
  if (xs.length <= count) return xs;
  const out = Array.from({ length: count - 1 }, (_, i) => xs[Math.floor((i * xs.length) / (count - 1))]);
  return [...out, xs[xs.length - 1]];
}

function api(L: CniLab, x: LabHost, method: string, path: string, body?: unknown): Json {
  const r = L.api(x, method, path, body);
  if (r.status !== 200) throw new Error(`${method} ${path} on ${x.name}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

/** The IPv4 address the controller gave `x` on `nwid`. */
async function memberIp(L: CniLab, x: LabHost, nwid: string): Promise<string> {
  return waitFor(`${x.name}'s address on ${nwid}`, () => {
    const n = L.api(x, 'GET', `/network/${nwid}`).json as { status?: string; assignedAddresses?: string[] } | null;
    return n?.status === 'OK' ? n.assignedAddresses?.find((a) => !a.includes(':'))?.replace(/\/\d+$/, '') : undefined;
  }, 45_000);
}

function daemonPid(x: LabHost): number | null {
  const r = spawnSync('ip', ['netns', 'pids', x.ns], { encoding: 'utf8' });
  for (const pid of r.stdout.split('\n').filter(Boolean).map(Number)) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('daemon')) return pid;
    } catch {
      // the process ended between the listing and the read
    }
  }
  return null;
}

/**
 * CPU seconds of the daemon in `x`: its own, and its children's that it has waited for (the
 * ip and nsenter runs). Steadier than wall time on a shared machine.
 */
function daemonCpu(x: LabHost): { own: number; children: number } {
  const pid = daemonPid(x);
  if (pid === null) return { own: 0, children: 0 };
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return { own: (f[11] + f[12]) / 100, children: (f[13] + f[14]) / 100 };
}

/** Open descriptors, and the RSS in MB, of the daemon in `x`. */
function daemonLoad(x: LabHost): string {
  const pid = daemonPid(x);
  if (pid === null) return 'daemon not found';
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return `${fds} fds, ${rss ? (Number(rss) / 1024).toFixed(0) : '?'} MB RSS`;
}

async function tcpGbps(L: CniLab, server: string, client: string, ip: string): Promise<number> {
  const srv = spawn('ip', ['netns', 'exec', server, 'iperf3', '-s', '-B', ip], { stdio: 'ignore' });
  try {
    const once = (secs: number): number | null => {
      const r = spawnSync('ip', ['netns', 'exec', client, 'iperf3', '-c', ip, '-t', String(secs), '-J'], { encoding: 'utf8', timeout: (secs + 20) * 1000 });
      if (r.status !== 0) return null;
      // a busy server answers with {"error": …} and no totals: a failed try
      const bps = (JSON.parse(r.stdout) as { end?: { sum_received?: { bits_per_second: number } } }).end?.sum_received?.bits_per_second;
      return bps === undefined ? null : bps / 1e9;
    };
    await waitFor('iperf3 server', () => once(1) !== null, 30_000, 250);
    const rates: number[] = [];
    for (let tries = 0; rates.length < TCP_RUNS; tries++) {
      const g = once(TCP_SECONDS);
      if (g !== null) rates.push(g);
      else if (tries >= TCP_RUNS + 2) throw new Error(`iperf3 to ${ip} failed`);
    }
    return median(rates);
  } finally {
    srv.kill('SIGKILL');
  }
}

/** ADD and DEL of PODS pods in one mode; the pods are pinged from m1 in between. */
async function latency(L: CniLab, k: Kubelet, network: string, mode: string): Promise<void> {
  const attached: Attached[] = [];
  const cpu0 = daemonCpu(k.on);
  for (let i = 0; i < PODS; i++) attached.push(k.add(L.newPod(`lat-${mode}-${i}`), network));
  const cpu1 = daemonCpu(k.on);
  const pings = await pingAll(L, L.m1, sample(attached, PING_SAMPLE).map((a) => a.ip));
  for (const a of attached.reverse()) {
    k.del(a);
    L.removePod(a.pod);
  }
  const add = k.times.add.splice(0);
  const del = k.times.del.splice(0);
  console.log(`bench cni ADD ${mode} (${PODS} pods), chain: ${stats(add.map((t) => t.chainMs))}; ztkube alone: ${stats(add.map((t) => t.pluginMs))}`);
  const perPod = (v: number): string => `${((v * 1000) / PODS).toFixed(1)} ms`;
  console.log(`bench cni ADD ${mode} CPU per pod in the agent: ${perPod(cpu1.own - cpu0.own)} its own, ${perPod(cpu1.children - cpu0.children)} in its ip/nsenter runs`);
  console.log(`bench cni DEL ${mode} (${PODS} pods), chain: ${stats(del.map((t) => t.chainMs))}; ztkube alone: ${stats(del.map((t) => t.pluginMs))}; m1 reached ${pings.answered}/${Math.min(PING_SAMPLE, PODS)} sampled pods`);
}

/**
 * Bridge-mode pods in steps until something degrades. At the top, DEL_AT_SCALE pods are
 * deleted through the chain (DEL latency with the node full); the rest go as a runtime's GC
 * would after a node drain: their namespaces removed, then one GC call.
 */
async function scale(L: CniLab, k: Kubelet, network: string): Promise<void> {
  const attached: Attached[] = [];
  const started = Date.now();
  let base: number | null = null;
  let verdict = '';
  try {
    for (const step of STEPS) {
      const before = k.times.add.length;
      try {
        while (attached.length < step) attached.push(k.add(L.newPod(`scale-${attached.length}`), network));
      } catch (e) {
        if (!(e instanceof ChainError)) throw e;
        verdict = `ADD of pod ${attached.length + 1} failed: ${e.message.replace(/\s+/g, ' ')}`;
        break;
      }
      const adds = k.times.add.slice(before);
      const m = median(adds.map((t) => t.chainMs));
      base ??= m;
      const pings = await pingAll(L, L.m1, sample(attached, PING_SAMPLE).map((a) => a.ip));
      const links = spawnSync('ip', ['-n', k.on.ns, '-o', 'link'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
      console.log(
        `bench cni scale ${step} pods: ADD chain median ${m.toFixed(1)} ms, p90 ${quantile(adds.map((t) => t.chainMs), 0.9).toFixed(1)} ms (ztkube alone median ${median(adds.map((t) => t.pluginMs)).toFixed(1)} ms); ` +
          `m1 reached ${pings.answered}/${Math.min(PING_SAMPLE, attached.length)} sampled pods, RTT median ${pings.rttMs.length ? median(pings.rttMs).toFixed(2) : '-'} ms; node: ${links} links, daemon ${daemonLoad(k.on)}; ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
      if (pings.answered < Math.min(PING_SAMPLE, attached.length)) {
        verdict = `pings degraded at ${step} pods`;
        break;
      }
      if (m > DEGRADED_FACTOR * base) {
        verdict = `ADD latency degraded at ${step} pods (median ${m.toFixed(1)} ms against ${base.toFixed(1)} ms at ${STEPS[0]})`;
        break;
      }
      if (Date.now() - started > SCALE_BUDGET_MS) {
        verdict = `time budget (${SCALE_BUDGET_MS / 1000} s) spent at ${step} pods, nothing degraded`;
        break;
      }
    }
    verdict ||= `nothing degraded up to ${attached.length} pods`;
  } finally {
    const n = attached.length;
    for (const a of attached.splice(Math.max(0, n - DEL_AT_SCALE)).reverse()) {
      k.del(a);
      L.removePod(a.pod);
    }
    const del = k.times.del.splice(0).map((t) => t.chainMs);
    k.times.add.splice(0);
    if (del.length > 0) console.log(`bench cni scale DEL of the last ${del.length} of ${n} pods, chain: ${stats(del)}`);
    for (const a of attached) L.removePod(a.pod);
    const t0 = Date.now();
    const gc = exec([shimPath], { CNI_COMMAND: 'GC', CNI_PATH: CNI_BIN_DIR }, { cniVersion: '1.1.0', name: 'k8s-pod-network', type: 'ztkube', socket: L.socket, 'cni.dev/valid-attachments': [] });
    mustJson(gc, 'ztkube GC');
    if (attached.length > 0) console.log(`bench cni scale GC of ${attached.length} pods whose namespaces were gone: ${Date.now() - t0} ms`);
  }
  console.log(`bench cni scale verdict: ${verdict}`);
}

/** One bridge-mode pod on each node, on the lab's network; TCP pod to pod and member to member. */
async function throughput(L: CniLab): Promise<void> {
  const networks = { lan: { id: L.nwid, mode: 'bridge', range: POD_RANGE } };
  const onNode = new Kubelet(L, L.node, L.socket, '10.22.0.0/16', networks);
  const onM1 = new Kubelet(L, L.m1, L.m1Socket!, '10.23.0.0/24', { lan: { id: L.nwid, mode: 'bridge', range: M1_RANGE } });
  const a = onNode.add(L.newPod('tcp-a'), 'lan');
  const b = onM1.add(L.newPod('tcp-b'), 'lan');
  try {
    await waitFor('pod a reaching pod b', () => L.inPod(a.pod, 'ping', ['-c', '1', '-W', '2', b.ip]).code === 0, 60_000);
    const pods = await tcpGbps(L, b.pod.ns, a.pod.ns, b.ip);
    const m1Ip = L.memberAddress(L.m1, 4)!;
    const members = await tcpGbps(L, L.m1.ns, L.node.ns, m1Ip);
    console.log(`bench cni TCP pod on node → pod on m1, bridge mode (iperf3 ${TCP_SECONDS} s, median of ${TCP_RUNS}): ${pods.toFixed(2)} Gbit/s; node → m1 member to member, same overlay: ${members.toFixed(2)} Gbit/s`);
  } finally {
    onNode.del(a);
    onM1.del(b);
    L.removePod(a.pod);
    L.removePod(b.pod);
  }
}

export async function run(): Promise<void> {
  const hasIperf = spawnSync('sh', ['-c', 'command -v iperf3 && command -v nsenter'], { stdio: 'ignore' }).status === 0;
  if (!hasNetns() || !hasCniPlugins() || !hasIperf) {
    console.log('bench cni: skipped (needs root, iproute2, containernetworking-plugins, build/cni/ztkube, iperf3 and nsenter)');
    return;
  }
  const t0 = Date.now();
  let L: CniLab | null = null;
  try {
    L = await cniLab({ m1Cni: true });
    const ctl = L.ctl;
    const ctlAddress = L.nwid.slice(0, 10);
    const nwid = `${ctlAddress}000002`;
    api(L, ctl, 'POST', `/controller/network/${nwid}`, {
      name: 'bench',
      private: true,
      v4AssignMode: { zt: true },
      v6AssignMode: { zt: false, rfc4193: false, '6plane': true },
      ipAssignmentPools: [{ ipRangeStart: `${BENCH_LAN}0.10`, ipRangeEnd: `${BENCH_LAN}0.99` }],
      routes: [{ target: `${BENCH_LAN}0.0/16` }],
      enableBroadcast: true,
      rules: [{ type: 'ACTION_ACCEPT' }],
    });
    const address = (x: LabHost): string => readFileSync(join(L!.work, x.name, 'identity.public'), 'utf8').slice(0, 10);
    api(L, ctl, 'POST', `/controller/network/${nwid}/member/${address(L.node)}`, { authorized: true, activeBridge: true });
    api(L, ctl, 'POST', `/controller/network/${nwid}/member/${address(L.m1)}`, { authorized: true });
    api(L, ctl, 'POST', `/controller/network/${L.nwid}/member/${address(L.m1)}`, { authorized: true, activeBridge: true });
    api(L, L.m1, 'POST', `/network/${nwid}`, {});
    await memberIp(L, L.m1, nwid);
    const k = new Kubelet(L, L.node, L.socket, '10.22.0.0/16', { bench: { id: nwid, mode: 'bridge', range: NODE_RANGE }, six: { id: nwid, mode: 'sixplane' } });
    // The first ADD joins the network and waits for its config: not part of what is measured.
    const warm = k.add(L.newPod('warm'), 'bench');
    k.del(warm);
    L.removePod(warm.pod);
    k.times.add.length = 0;
    k.times.del.length = 0;
    const ns = L.node.ns;
    const nsenterMs = median(Array.from({ length: 20 }, () => exec(['nsenter', `--net=/run/netns/${ns}`, 'true'], {}, null).ms));
    console.log(`# bridge plugin runs through nsenter (an empty nsenter: ${nsenterMs.toFixed(1)} ms of each bridge call); setup ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await latency(L, k, 'bench', 'bridge');
    await latency(L, k, 'six', 'sixplane');
    await scale(L, k, 'bench');
    await throughput(L);
  } catch (e) {
    L?.dumpLogs();
    throw e;
  } finally {
    await L?.teardown();
    console.log(`bench cni run time: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
}

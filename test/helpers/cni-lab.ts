// The CNI lab (issue #12): a switched LAN of network namespaces (nsLab) with a ztkube
// controller `ctl` (also the planet's root), a plain member `m1`, and a node `node` running
// `ztkube daemon --cni`; pods are namespaces of their own (/run/netns/ztkpod<pid>-<n>) that a
// test "kubelet" attaches by running the CNI chain inside node's namespace, as containerd
// does: Debian's `bridge` + `host-local` for eth0 (state in the test's temp dir), then the
// chained ztkube shim. One ZeroTier network `<ctl>000001`: 10.147.43.0/24 (members .10-.99,
// node's pods 10.147.43.128/26) and 6PLANE; node is an active bridge from the start.
// With { m1Cni: true } m1 runs `ztkube daemon --cni` too (socket m1Socket), a second node for
// pod-to-pod traffic across nodes (the CNI benchmark). teardown() removes everything, also
// after a failure.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { nsLab, waitFor, type Lab, type LabHost, trackNetns } from './netns.js';
import { ztkube } from './zt-homes.js';
import { shimPath } from './cni-shim.js';
import { labMemberAddress, startLabDaemon } from './lab-daemons.js';

export const SUBNET_PREFIX = '10.147.43.';
export const POD_RANGE = `${SUBNET_PREFIX}128/26`;
export const CNI_BIN_DIR = '/usr/lib/cni';

export function hasCniPlugins(): boolean {
  return existsSync(join(CNI_BIN_DIR, 'bridge')) && existsSync(join(CNI_BIN_DIR, 'host-local')) && existsSync(shimPath);
}

export interface PluginRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Pod {
  name: string;
  /** The pod's namespace and its path (CNI_NETNS). */
  ns: string;
  netns: string;
  containerId: string;
}

export interface CniLab {
  lab: Lab;
  ctl: LabHost;
  m1: LabHost;
  node: LabHost;
  nwid: string;
  socket: string;
  /** m1's CNI socket when the lab was made with m1Cni, else null. */
  m1Socket: string | null;
  work: string;
  api(x: LabHost, method: string, path: string, body?: unknown): { status: number; json: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  memberAddress(x: LabHost, family: 4 | 6): string | null;
  /** Runs one plugin binary in node's namespace (or `on`'s) with the CNI env and stdin. */
  plugin(binary: string, env: Record<string, string>, stdin: unknown, on?: LabHost): PluginRun;
  newPod(name: string): Pod;
  /** Deletes the pod's namespace (the kernel removes its ends of the veths). */
  removePod(p: Pod): void;
  /** Runs a command inside a pod. */
  inPod(p: Pod, cmd: string, args: string[], timeoutMs?: number): { code: number | null; out: string };
  stopNode(): Promise<void>;
  /** Starts node's daemon again (same home, same CNI socket). */
  startNode(): void;
  dumpLogs(): void;
  teardown(): Promise<void>;
}

export interface CniLabOptions {
  /** m1 runs `ztkube daemon --cni` as well. */
  m1Cni?: boolean;
}

export async function cniLab(opts: CniLabOptions = {}): Promise<CniLab> {
  const work = mkdtempSync(join(tmpdir(), `ztkube-cni-${process.pid}-`));
  chmodSync(work, 0o755);
  const lab = nsLab(['ctl', 'm1', 'node']);
  const [ctl, m1, node] = lab.hosts;
  const logs: Record<string, string> = {};
  const pods: Pod[] = [];
  const home = (x: LabHost): string => join(work, x.name);
  const address = (x: LabHost): string => readFileSync(join(home(x), 'identity.public'), 'utf8').slice(0, 10);
  const socket = join(work, 'cni.sock');
  const m1Socket = opts.m1Cni ? join(work, 'cni-m1.sock') : null;
  let nodeProcess: ChildProcess | null = null;
  let tornDown = false;

  const api = (x: LabHost, method: string, path: string, body?: unknown): { status: number; json: any } => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const token = readFileSync(join(home(x), 'authtoken.secret'), 'utf8').trim();
    const script =
      'const [m, p, t, b] = process.argv.slice(1);' +
      "const r = await fetch('http://127.0.0.1:9993' + p, { method: m, headers: { 'X-ZT1-Auth': t }, body: b === '' ? undefined : b });" +
      "process.stdout.write(r.status + ' ' + (await r.text()));";
    const out = lab.exec(x, process.execPath, ['--input-type=module', '-e', script, method, path, token, body === undefined ? '' : JSON.stringify(body)]);
    const sp = out.indexOf(' ');
    return { status: Number(out.slice(0, sp)), json: JSON.parse(out.slice(sp + 1) || 'null') };
  };
  const ok = (r: { status: number; json: unknown }): void => assert.equal(r.status, 200, JSON.stringify(r.json));
  const startDaemon = (x: LabHost, extra: string[] = []): ChildProcess => startLabDaemon(lab, x, home(x), logs, extra);
  const memberAddress = (x: LabHost, family: 4 | 6): string | null => labMemberAddress(lab, x, family, SUBNET_PREFIX);
  const plugin = (binary: string, env: Record<string, string>, stdin: unknown, on: LabHost = node): PluginRun => {
    const r = spawnSync('ip', ['netns', 'exec', on.ns, binary], { env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, input: JSON.stringify(stdin), encoding: 'utf8', timeout: 90_000 });
    let json: unknown = null;
    try {
      json = r.stdout.trim() === '' ? null : JSON.parse(r.stdout);
    } catch {
      json = null; // the test asserts on stdout itself then
    }
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
  };
  const removePod = (p: Pod): void => {
    spawnSync('ip', ['netns', 'del', p.ns], { stdio: 'ignore' }); // gone already counts as done
  };
  const dumpLogs = (): void => {
    for (const [n, l] of Object.entries(logs)) console.error(`--- ${n} log ---\n${l.slice(-4000)}`);
  };
  const teardown = async (): Promise<void> => {
    if (tornDown) return;
    tornDown = true;
    for (const p of pods) removePod(p);
    lab.teardown(); // SIGKILLs our daemons by PID, deletes the namespaces with every link in them
    rmSync(work, { recursive: true, force: true });
  };

  try {
    for (const x of lab.hosts) {
      mkdirSync(home(x));
      ztkube(['idtool', 'generate', join(home(x), 'identity.secret'), join(home(x), 'identity.public')]);
    }
    writeFileSync(join(work, 'roots.json'), JSON.stringify([{ identity: readFileSync(join(home(ctl), 'identity.public'), 'utf8').trim(), stableEndpoints: [`${ctl.ip}/9993`] }]));
    ztkube(['planet', 'create', join(work, 'roots.json'), join(work, 'planet')]);
    for (const x of lab.hosts) writeFileSync(join(home(x), 'planet'), readFileSync(join(work, 'planet')));
    // Routing 6PLANE addresses to pods needs IPv6 forwarding: set inside node's namespace only.
    lab.exec(node, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.forwarding=1']);
    if (m1Socket) lab.exec(m1, 'sysctl', ['-q', '-w', 'net.ipv6.conf.all.forwarding=1']);
    startDaemon(ctl);
    startDaemon(m1, m1Socket ? ['--cni', '--cni-socket', m1Socket] : []);
    nodeProcess = startDaemon(node, ['--cni', '--cni-socket', socket]);
    await waitFor('the APIs up', () => lab.hosts.every((x) => api(x, 'GET', '/status').status === 200), 30_000);
    await waitFor('the CNI socket', () => existsSync(socket) && (!m1Socket || existsSync(m1Socket)), 10_000);
    const nwid = `${address(ctl)}000001`;
    ok(api(ctl, 'POST', `/controller/network/${nwid}`, {
      name: 'pods',
      private: true,
      v4AssignMode: { zt: true },
      v6AssignMode: { zt: false, rfc4193: false, '6plane': true },
      ipAssignmentPools: [{ ipRangeStart: `${SUBNET_PREFIX}10`, ipRangeEnd: `${SUBNET_PREFIX}99` }],
      routes: [{ target: `${SUBNET_PREFIX}0/24` }],
      enableBroadcast: true,
      rules: [{ type: 'ACTION_ACCEPT' }],
    }));
    ok(api(ctl, 'POST', `/controller/network/${nwid}/member/${address(m1)}`, { authorized: true }));
    ok(api(ctl, 'POST', `/controller/network/${nwid}/member/${address(node)}`, { authorized: true, activeBridge: true }));
    ok(api(m1, 'POST', `/network/${nwid}`, {}));
    await waitFor('m1 on the network', () => memberAddress(m1, 4) && memberAddress(m1, 6), 45_000);
    let podSeq = 0;
    return {
      lab, ctl, m1, node, nwid, socket, m1Socket, work, api, memberAddress, plugin, removePod, dumpLogs, teardown,
      newPod: (name) => {
        const ns = `ztkpod${process.pid}-${podSeq++}`;
        execFileSync('ip', ['netns', 'add', trackNetns(ns)]);
        const p = { name, ns, netns: `/run/netns/${ns}`, containerId: `${name.replace(/[^a-z0-9]/g, '')}${process.pid}${podSeq}` };
        pods.push(p);
        execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        return p;
      },
      inPod: (p, cmd, args, timeoutMs = 30_000) => {
        const r = spawnSync('ip', ['netns', 'exec', p.ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs });
        return { code: r.status, out: `${r.stdout}${r.stderr}` };
      },
      startNode: () => {
        nodeProcess = startDaemon(node, ['--cni', '--cni-socket', socket]);
      },
      stopNode: async () => {
        const c = nodeProcess;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise<void>((r) => c.once('exit', () => r()));
        c.kill('SIGTERM');
        await gone;
      },
    };
  } catch (e) {
    dumpLogs();
    await teardown();
    throw e;
  }
}

// The datapath against the wire and against ZeroTier One (issue #8), in one run on the same
// pair of namespaces joined by one veth pair:
//
//   ns zovA 10.N.0.1 ── veth ── ns zovB 10.N.0.2
//
// For each of raw veth, the ztkube overlay and (when ZTKUBE_ZEROTIER_ONE names a binary)
// the zerotier-one overlay: iperf3 TCP (10 s, median of 3), ping RTT (median and p99 of
// 100), UDP 1400-byte datagrams/s received (iperf3 -u, 5 s), and the CPU seconds the two
// engines used during the TCP runs, and (steadier on a shared machine) the engines' CPU
// seconds for 10 s of TCP held at 300 Mbit/s. A is the planet's root and the network's
// controller and also a member; B is a member. Nothing routes off the machine; everything is
// removed after.
//
// Knobs: ZTKUBE_BENCH_DAEMON_ARGS are extra ztkube daemon options; '|' separates variants,
// each measured as its own overlay in the same run (e.g. "|--no-tap-offload"). With
// ZTKUBE_BENCH_RAW=0 the raw veth is not measured. ZTKUBE_BENCH_PROFILE=<dir>: CPU profiles.
// ZTKUBE_BENCH_OTHER_CLI=<path to another build's dist/cmd/ztkube.js>: that build's daemons
// measured too, as "ztkube other" (before/after in one run).
// ZTKUBE_BENCH_PERF=<dir>: `perf record -g` of the engines during the fixed-rate run (ztkube
// daemons then run with --perf-basic-prof so JIT frames have names).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NamespaceSet, run as sh } from '../../src/demo/namespace-set.js';
import { hasNetns } from '../helpers/netns.js';
import { cli } from '../helpers/zt-homes.js';

const TCP_SECONDS = 10;
const TCP_RUNS = 3;
const UDP_SECONDS = 5;
const PINGS = 100;
const FIXED_RATE = '300M';
const FIXED_SECONDS = 10;

interface Figures {
  tcpGbps: number;
  pingMedianMs: number;
  pingP99Ms: number;
  udpPps: number;
  cpuSeconds: number;
  /** TCP segments the sender retransmitted over the TCP runs. */
  retransmits: number;
  /** Engines' CPU seconds for FIXED_SECONDS of TCP at FIXED_RATE. */
  cpuFixedRate: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function waitFor<T>(what: string, fn: () => T | null | undefined | false, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let last = '';
  for (;;) {
    try {
      const v = fn();
      if (v) return v;
    } catch (e) {
      last = (e as Error).message.split('\n')[0];
    }
    if (Date.now() > end) throw new Error(`bench overlay: timed out waiting for ${what}${last ? ` (last: ${last})` : ''}`);
    await sleep(250);
  }
}

/** utime + stime of a process in seconds (clock ticks of 100 Hz). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(label: string, ns: NamespaceSet, a: string, b: string, ipB: string, pids: number[]): Promise<Figures> {
  const server = ns.spawn(b, 'iperf3', ['-s', '-B', ipB]);
  try {
    await waitFor('iperf3 server', () => ns.exec(a, 'iperf3', ['-c', ipB, '-t', '1', '-J']).includes('bits_per_second'), 20_000);
    const cpu0 = pids.reduce((s, p) => s + cpuOf(p), 0);
    const rates: number[] = [];
    let retransmits = 0;
    for (let i = 0; i < TCP_RUNS; i++) {
      const out = JSON.parse(ns.exec(a, 'iperf3', ['-c', ipB, '-t', String(TCP_SECONDS), '-J'])) as {
        end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits?: number } };
      };
      rates.push(out.end.sum_received.bits_per_second / 1e9);
      retransmits += out.end.sum_sent.retransmits ?? 0;
    }
    const cpuSeconds = pids.reduce((s, p) => s + cpuOf(p), 0) - cpu0;
    const perfDir = process.env.ZTKUBE_BENCH_PERF;
    const perf =
      perfDir && pids.length > 0
        ? spawn('perf', ['record', '-q', '-g', '-p', pids.join(','), '-o', join(perfDir, `${label.replace(/[^A-Za-z0-9]+/g, '_')}.perf.data`), '--', 'sleep', String(FIXED_SECONDS)], { stdio: 'ignore' })
        : null;
    const cpu1 = pids.reduce((s, p) => s + cpuOf(p), 0);
    ns.exec(a, 'iperf3', ['-c', ipB, '-t', String(FIXED_SECONDS), '-b', FIXED_RATE, '-J']);
    const cpuFixedRate = pids.reduce((s, p) => s + cpuOf(p), 0) - cpu1;
    if (perf) await new Promise((r) => perf.once('exit', r));
    const ping = ns.exec(a, 'ping', ['-c', String(PINGS), '-i', '0.01', ipB]);
    const rtts = [...ping.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((x, y) => x - y);
    const udp = JSON.parse(ns.exec(a, 'iperf3', ['-c', ipB, '-u', '-b', '0', '-l', '1400', '-t', String(UDP_SECONDS), '-J'])) as {
      end: { sum: { packets: number; lost_packets: number; seconds: number } };
    };
    const s = udp.end.sum;
    return {
      tcpGbps: median(rates),
      pingMedianMs: median(rtts),
      pingP99Ms: rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * 0.99))],
      udpPps: (s.packets - s.lost_packets) / s.seconds,
      cpuSeconds,
      retransmits,
      cpuFixedRate,
    };
  } finally {
    if (server.pid) process.kill(server.pid, 'SIGKILL');
  }
}

function ztkubeCli(ns: NamespaceSet, where: string, args: string[]): string {
  return ns.exec(where, process.execPath, [cli, ...args]);
}

function api(ns: NamespaceSet, where: string, home: string, method: string, path: string, body?: unknown): unknown {
  const token = readFileSync(join(home, 'authtoken.secret'), 'utf8').trim();
  const args = ['-s', '-X', method, '-H', `X-ZT1-Auth: ${token}`, '-w', '\n%{http_code}', `http://127.0.0.1:9993${path}`];
  if (body !== undefined) args.push('-d', JSON.stringify(body));
  const out = ns.exec(where, 'curl', args);
  const cut = out.lastIndexOf('\n');
  const status = out.slice(cut + 1).trim();
  if (status !== '200') throw new Error(`${method} ${path}: HTTP ${status} ${out.slice(0, cut).slice(0, 200)}`);
  return JSON.parse(out.slice(0, cut));
}

interface Overlay {
  name: string;
  start(ns: NamespaceSet, homeA: string, homeB: string, a: string, b: string): ChildProcess[];
  join(ns: NamespaceSet, where: string, home: string, nwid: string): void;
  /** The node's IPv4 on the network, once OK. */
  ip(ns: NamespaceSet, where: string, home: string, nwid: string): string | null;
}

function listed(json: string, nwid: string): string | null {
  const nets = JSON.parse(json) as Array<{ nwid: string; status: string; assignedAddresses: string[] }>;
  const n = nets.find((x) => x.nwid === nwid);
  const v4 = n?.status === 'OK' ? n.assignedAddresses.find((x) => /^\d+\.\d+\.\d+\.\d+\//.test(x)) : undefined;
  return v4 ? v4.split('/')[0] : null;
}

const ztkubeOverlay = (extra: string[], daemonCli = cli, label = 'ztkube'): Overlay => ({
  name: extra.length ? `${label} ${extra.join(' ')}` : label,
  start: (ns, homeA, homeB, a, b) => {
    // ZTKUBE_BENCH_PROFILE=<dir>: CPU profiles of both daemons, written when they stop.
    const prof = process.env.ZTKUBE_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ZTKUBE_BENCH_PROFILE}`] : [];
    if (process.env.ZTKUBE_BENCH_PERF) prof.push('--perf-basic-prof');
    return [
      ns.spawn(a, process.execPath, [...prof, daemonCli, 'daemon', '--home', homeA, '--port', '9993', '--log-level', 'warn', ...extra]),
      ns.spawn(b, process.execPath, [...prof, daemonCli, 'daemon', '--home', homeB, '--port', '9993', '--log-level', 'warn', ...extra]),
    ];
  },
  join: (ns, where, home, nwid) => void ztkubeCli(ns, where, ['join', '--home', home, nwid]),
  ip: (ns, where, home, nwid) => listed(ztkubeCli(ns, where, ['listnetworks', '--home', home, '-j']), nwid),
});

function zerotierOverlay(bin: string): Overlay {
  const zcli = (ns: NamespaceSet, where: string, home: string, args: string[]): string => ns.exec(where, bin, ['-q', `-D${home}`, '-p9993', ...args]);
  return {
    name: 'zerotier-one',
    start: (ns, homeA, homeB, a, b) => {
      for (const h of [homeA, homeB]) writeFileSync(join(h, 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false } }));
      return [ns.spawn(a, bin, ['-p9993', homeA]), ns.spawn(b, bin, ['-p9993', homeB])];
    },
    join: (ns, where, home, nwid) => void zcli(ns, where, home, ['join', nwid]),
    ip: (ns, where, home, nwid) => listed(zcli(ns, where, home, ['-j', 'listnetworks']), nwid),
  };
}

async function overlayFigures(o: Overlay, ns: NamespaceSet, work: string, a: string, b: string, ipA: string, n: number): Promise<Figures> {
  const dirName = o.name.replace(/[^A-Za-z0-9]+/g, '_');
  const homeA = join(work, `${dirName}-A`);
  const homeB = join(work, `${dirName}-B`);
  for (const h of [homeA, homeB]) {
    mkdirSync(h, { recursive: true });
    execFileSync(process.execPath, [cli, 'idtool', 'generate', join(h, 'identity.secret'), join(h, 'identity.public')], { stdio: 'ignore' });
  }
  const pubA = readFileSync(join(homeA, 'identity.public'), 'utf8').trim();
  writeFileSync(join(work, `${dirName}-roots.json`), JSON.stringify([{ identity: pubA, stableEndpoints: [`${ipA}/9993`] }]));
  execFileSync(process.execPath, [cli, 'planet', 'create', join(work, `${dirName}-roots.json`), join(work, `${dirName}-planet`)], { stdio: 'ignore' });
  for (const h of [homeA, homeB]) writeFileSync(join(h, 'planet'), readFileSync(join(work, `${dirName}-planet`)));
  const procs = o.start(ns, homeA, homeB, a, b);
  const output = procs.map(() => '');
  procs.forEach((p, i) => {
    p.stdout?.on('data', (d) => (output[i] = (output[i] + d).slice(-2000)));
    p.stderr?.on('data', (d) => (output[i] = (output[i] + d).slice(-2000)));
  });
  try {
    const addrA = pubA.slice(0, 10);
    const net = (await waitFor('the controller API', () => api(ns, a, homeA, 'POST', `/controller/network/${addrA}______`, {
      name: 'bench',
      ipAssignmentPools: [{ ipRangeStart: `10.${n}.9.10`, ipRangeEnd: `10.${n}.9.100` }],
      routes: [{ target: `10.${n}.9.0/24` }],
      v4AssignMode: { zt: true },
      rules: [{ type: 'ACTION_ACCEPT' }],
    }), 30_000)) as { id: string };
    const nwid = net.id;
    o.join(ns, a, homeA, nwid);
    await waitFor('B to be up', () => (o.join(ns, b, homeB, nwid), true), 30_000);
    const addrB = readFileSync(join(homeB, 'identity.public'), 'utf8').slice(0, 10);
    for (const m of [addrA, addrB]) await waitFor(`member ${m} authorized`, () => api(ns, a, homeA, 'POST', `/controller/network/${nwid}/member/${m}`, { authorized: true }), 30_000);
    await waitFor('A on the network', () => o.ip(ns, a, homeA, nwid), 60_000);
    const ipB = await waitFor('B on the network', () => o.ip(ns, b, homeB, nwid), 60_000);
    await waitFor('a ping over the overlay', () => ns.exec(a, 'ping', ['-c', '1', '-W', '1', ipB]).includes('1 received'), 60_000);
    return await measure(o.name, ns, a, b, ipB, procs.map((p) => p.pid!));
  } catch (e) {
    procs.forEach((p, i) => console.log(`bench overlay ${o.name} engine ${i} (exit ${p.exitCode ?? p.signalCode ?? 'running'}): ${output[i].trim().split('\n').slice(-5).join(' | ')}`));
    throw e;
  } finally {
    // Both engines listen on 9993: the next one can start only when these have let go.
    for (const p of procs) if (p.pid && p.exitCode === null) process.kill(p.pid, 'SIGTERM');
    const gone = (): boolean => procs.every((p) => p.exitCode !== null || p.signalCode !== null);
    for (let i = 0; i < 100 && !gone(); i++) await sleep(100);
    for (const p of procs) if (p.pid && p.exitCode === null && p.signalCode === null) process.kill(p.pid, 'SIGKILL');
    // API connections the server closed linger in TIME_WAIT on 9993, and zerotier-one's
    // control plane does not bind over them: wait until they are gone (at most 60 s).
    const lingering = (): boolean => [a, b].some((x) => /:9993\b/.test(ns.exec(x, 'ss', ['-Htan', 'state', 'time-wait'])));
    for (let i = 0; i < 130 && lingering(); i++) await sleep(500);
  }
}

/** raw: the veth's figures (null: not measured); undefined: these are the veth's. */
function line(name: string, f: Figures, raw?: Figures | null): string {
  const ratio = raw ? ` (${((f.tcpGbps / raw.tcpGbps) * 100).toFixed(1)}% of raw veth)` : '';
  return (
    `bench overlay ${name}: TCP ${f.tcpGbps.toFixed(3)} Gbit/s${ratio}, ping median ${f.pingMedianMs.toFixed(3)} ms p99 ${f.pingP99Ms.toFixed(3)} ms, ` +
    `UDP ${Math.round(f.udpPps)} datagrams/s of 1400 bytes` +
    (raw !== undefined
      ? `, engines' CPU ${f.cpuSeconds.toFixed(1)} s over ${TCP_RUNS * TCP_SECONDS} s of TCP (${f.retransmits} retransmits), ` +
        `${f.cpuFixedRate.toFixed(2)} s for ${FIXED_SECONDS} s at ${FIXED_RATE}bit/s`
      : '')
  );
}

export async function run(): Promise<void> {
  if (!hasNetns() || !has('iperf3') || !has('curl')) {
    console.log('bench overlay: skipped (needs root, iproute2, iperf3 and curl; `make sysdeps` installs them)');
    return;
  }
  const zt = process.env.ZTKUBE_ZEROTIER_ONE;
  const n = 100 + (process.pid % 100);
  const a = `zovA${process.pid}`;
  const b = `zovB${process.pid}`;
  const ns = new NamespaceSet();
  const work = mkdtempSync(join(tmpdir(), 'ztkube-overlay-'));
  try {
    ns.add(a);
    ns.add(b);
    sh(['ip', '-n', a, 'link', 'add', 'zov0', 'type', 'veth', 'peer', 'name', 'zov1', 'netns', b]);
    sh(['ip', '-n', a, 'addr', 'add', `10.${n}.0.1/24`, 'dev', 'zov0']);
    sh(['ip', '-n', b, 'addr', 'add', `10.${n}.0.2/24`, 'dev', 'zov1']);
    sh(['ip', '-n', a, 'link', 'set', 'zov0', 'up']);
    sh(['ip', '-n', b, 'link', 'set', 'zov1', 'up']);
    let raw: Figures | null = null;
    if (process.env.ZTKUBE_BENCH_RAW !== '0') {
      raw = await measure('raw veth', ns, a, b, `10.${n}.0.2`, []);
      console.log(line('raw veth', raw));
    }
    const variants = (process.env.ZTKUBE_BENCH_DAEMON_ARGS ?? '').split('|').map((v) => v.split(' ').filter(Boolean));
    const overlays = variants.map((extra) => ztkubeOverlay(extra));
    const other = process.env.ZTKUBE_BENCH_OTHER_CLI;
    if (other) overlays.push(ztkubeOverlay([], other, 'ztkube other'));
    let ours: Figures | null = null;
    for (const o of overlays) {
      const f = await overlayFigures(o, ns, work, a, b, `10.${n}.0.1`, n);
      console.log(line(o.name, f, raw));
      ours ??= f;
    }
    if (zt && ours) {
      const theirs = await overlayFigures(zerotierOverlay(zt), ns, work, a, b, `10.${n}.0.1`, n);
      console.log(line('zerotier-one 1.14.1', theirs, raw));
      console.log(
        `bench overlay ztkube / zerotier-one: TCP ${(ours.tcpGbps / theirs.tcpGbps).toFixed(2)}x, ping median ${(ours.pingMedianMs / theirs.pingMedianMs).toFixed(2)}x, ` +
          `UDP ${(ours.udpPps / theirs.udpPps).toFixed(2)}x, CPU ${(ours.cpuSeconds / theirs.cpuSeconds).toFixed(2)}x`,
      );
    } else {
      console.log('bench overlay zerotier-one: skipped (set ZTKUBE_ZEROTIER_ONE to compare in the same run)');
    }
  } finally {
    ns.teardown();
    rmSync(work, { recursive: true, force: true });
  }
}

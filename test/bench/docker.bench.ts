// The Docker plugin (issue #10) on two Docker hosts a and b of one ZeroTier network, built by
// the test lab (test/helpers/docker-lab.ts: namespaces, ztkube engines with the plugin, a
// dockerd each; everything removed afterwards):
//   * `docker run` network setup time the plugin adds: `docker run --rm IMAGE true` on the
//     ztkube network against `--network none`, median of 20 each;
//   * TCP throughput (iperf3, 10 s, median of 3) from a container on a to one on b (bridge
//     mode), next to host a to host b over the same overlay in the same run. iperf3 is the
//     host's binary run inside each container's network namespace (nsenter), so the image
//     stays a bare busybox.
import { spawn, spawnSync } from 'node:child_process';
import { hasNetns, waitFor } from '../helpers/netns.js';
import { hasBusybox, hasDockerd } from '../helpers/dockerd.js';
import { dockerLab, SUBNET_PREFIX, type DockerHost, type DockerLab } from '../helpers/docker-lab.js';

const RUNS = 20;
const TCP_SECONDS = 10;
const TCP_RUNS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

function mustDocker(h: DockerHost, args: string[]): string {
  const r = h.dockerd.docker(args);
  if (r.code !== 0) throw new Error(`docker on ${h.name} ${args.join(' ')}: ${r.err}`);
  return r.out.trim();
}

function runTimes(h: DockerHost, image: string, network: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    mustDocker(h, ['run', '--rm', '--network', network, image, 'true']);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

/** `nsenter` prefix into a container's network namespace. */
function inContainer(h: DockerHost, container: string): string[] {
  const pid = mustDocker(h, ['inspect', '-f', '{{.State.Pid}}', container]);
  return ['nsenter', `--net=/proc/${pid}/ns/net`];
}

async function tcpGbps(server: string[], client: string[], ip: string): Promise<number> {
  const srv = spawn(server[0], [...server.slice(1), 'iperf3', '-s', '-B', ip], { stdio: 'ignore' });
  try {
    const once = (secs: number): number | null => {
      const r = spawnSync(client[0], [...client.slice(1), 'iperf3', '-c', ip, '-t', String(secs), '-J'], { encoding: 'utf8', timeout: (secs + 20) * 1000 });
      if (r.status !== 0) return null;
      return (JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 1e9;
    };
    await waitFor('iperf3 server', () => once(1) !== null, 30_000, 250);
    const rates: number[] = [];
    for (let i = 0; i < TCP_RUNS; i++) {
      const g = once(TCP_SECONDS);
      if (g === null) throw new Error(`iperf3 to ${ip} failed`);
      rates.push(g);
    }
    return median(rates);
  } finally {
    srv.kill('SIGKILL');
  }
}

export async function run(): Promise<void> {
  const hasIperf = spawnSync('sh', ['-c', 'command -v iperf3 && command -v nsenter'], { stdio: 'ignore' }).status === 0;
  if (!hasNetns() || !hasDockerd() || !hasBusybox() || !hasIperf) {
    console.log('bench docker: skipped (needs root, iproute2, dockerd, busybox-static, iperf3 and nsenter)');
    return;
  }
  let L: DockerLab | null = null;
  try {
    L = await dockerLab(['m1'], ['a', 'b']);
    const [a, b] = L.docker;
    for (const h of L.docker) {
      await L.makeBridge(h);
      mustDocker(h, ['network', 'create', '-d', h.driver, '--ipam-driver', h.driver, '--ipam-opt', `ztkube.range=${SUBNET_PREFIX}${h === a ? 128 : 160}/27`, '-o', `ztkube.network=${L.nwid}`, 'zt']);
    }
    const none = runTimes(a, L.image, 'none');
    const zt = runTimes(a, L.image, 'zt');
    console.log(`bench docker run --network zt (bridge mode, median of ${RUNS}): ${median(zt).toFixed(0)} ms; --network none: ${median(none).toFixed(0)} ms; the plugin adds ${(median(zt) - median(none)).toFixed(0)} ms`);
    for (const h of [a, b]) mustDocker(h, ['run', '-d', '--name', 'perf', '--network', 'zt', L.image, 'sleep', '3600']);
    const cb = mustDocker(b, ['inspect', '-f', '{{(index .NetworkSettings.Networks "zt").IPAddress}}', 'perf']);
    const containers = await tcpGbps(inContainer(b, 'perf'), inContainer(a, 'perf'), cb);
    const hostB = L.memberAddress(b, 4)!;
    const hosts = await tcpGbps(['ip', 'netns', 'exec', b.ns], ['ip', 'netns', 'exec', a.ns], hostB);
    console.log(`bench docker TCP container a → container b (iperf3 ${TCP_SECONDS} s, median of ${TCP_RUNS}): ${containers.toFixed(2)} Gbit/s; host a → host b, same overlay: ${hosts.toFixed(2)} Gbit/s`);
  } catch (e) {
    L?.dumpLogs();
    throw e;
  } finally {
    await L?.teardown();
  }
}

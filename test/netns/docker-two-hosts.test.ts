// Two Docker hosts on one ZeroTier network (issue #10), in network namespaces this test
// creates and removes (every process ended by PID, also after a failure):
//
//   [ctl 10.N.0.1] --+                 controller and planet root
//   [m1  10.N.0.2] --+                 a plain ztkube member
//   [a   10.N.0.3] --+-- br0            ztkube docker-plugin + dockerd; range 10.147.41.128/27
//   [b   10.N.0.4] --+                 ztkube docker-plugin + dockerd; range 10.147.41.160/27
//
// Containers on a and b: bridge mode over IPv4 (ARP, and a broadcast answered by the other
// host's container and by the member), addresses that never collide across the hosts, and
// sixplane IPv6 between the hosts' 6PLANE /80s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hasNetns, waitFor, type LabHost } from '../helpers/netns.js';
import { hasBusybox, hasDockerd } from '../helpers/dockerd.js';
import { dockerLab, SUBNET_PREFIX, type DockerHost, type DockerLab } from '../helpers/docker-lab.js';

const skip = !hasNetns() ? 'needs root and iproute2' : !hasDockerd() ? 'needs dockerd (docker.io; make sysdeps)' : !hasBusybox() ? 'needs busybox-static (make sysdeps)' : false;

let L: DockerLab | null = null;
let m1: LabHost, a: DockerHost, b: DockerHost;
const RANGE: Record<string, string> = {};

function mustDocker(h: DockerHost, args: string[]): string {
  const r = h.dockerd.docker(args);
  assert.equal(r.code, 0, `docker on ${h.name} ${args.join(' ')}: ${r.err}`);
  return r.out.trim();
}

async function logged(fn: () => Promise<void> | void): Promise<void> {
  try {
    await fn();
  } catch (e) {
    L?.dumpLogs();
    throw e;
  }
}

/** `docker exec` ping until a reply comes, then 3 in a row. */
async function pings(h: DockerHost, container: string, to: string, v6 = false): Promise<void> {
  const ping = v6 ? 'ping6' : 'ping';
  await waitFor(`${container} on ${h.name} → ${to}`, () => h.dockerd.docker(['exec', container, ping, '-c', '1', '-W', '1', to]).code === 0, 30_000, 300);
  const r = h.dockerd.docker(['exec', container, ping, '-c', '3', '-W', '2', to]);
  assert.match(r.out, /3 packets received/, r.out + r.err);
}

const inspect = (h: DockerHost, container: string, network: string, field: string): string =>
  mustDocker(h, ['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").${field}}}`, container]);

before(async () => {
  if (skip) return;
  L = await dockerLab(['m1'], ['a', 'b']);
  [m1] = L.plain;
  [a, b] = L.docker;
  RANGE.a = `${SUBNET_PREFIX}128/27`;
  RANGE.b = `${SUBNET_PREFIX}160/27`;
  for (const h of [a, b]) await L.makeBridge(h);
  for (const h of [a, b]) {
    mustDocker(h, ['network', 'create', '-d', h.driver, '--ipam-driver', h.driver, '--ipam-opt', `ztkube.range=${RANGE[h.name]}`, '-o', `ztkube.network=${L.nwid}`, 'zt']);
    mustDocker(h, ['network', 'create', '-d', h.driver, '--ipam-driver', h.driver, '--ipam-opt', `ztkube.range=${SUBNET_PREFIX}${h === a ? 192 : 208}/28`, '-o', `ztkube.network=${L.nwid}`, '-o', 'ztkube.mode=sixplane', 'zt6']);
  }
});

after(async () => {
  await L?.teardown();
});

test('bridge mode across hosts: containers on a and b ping each other and the member; addresses never collide', { skip, timeout: 240_000 }, () => logged(async () => {
  const ips: string[] = [];
  for (const h of [a, b]) {
    for (const n of [1, 2, 3]) {
      // Containers that answer broadcast pings (a sysctl of their own namespace).
      mustDocker(h, ['run', '-d', '--name', `c${n}`, '--network', 'zt', '--sysctl', 'net.ipv4.icmp_echo_ignore_broadcasts=0', L!.image, 'sleep', '600']);
      ips.push(inspect(h, `c${n}`, 'zt', 'IPAddress'));
    }
  }
  assert.equal(new Set(ips).size, ips.length, `no address twice: ${ips.join(' ')}`);
  const bIp = inspect(b, 'c1', 'zt', 'IPAddress');
  const aIp = inspect(a, 'c1', 'zt', 'IPAddress');
  await pings(a, 'c1', bIp);
  await pings(b, 'c1', aIp);
  await pings(b, 'c2', L!.memberAddress(m1, 4)!);
  // The member learned b's container under its own MAC (ARP over the overlay).
  const mac = inspect(b, 'c1', 'zt', 'MacAddress');
  await waitFor('m1 → b’s container', () => L!.run(m1, 'ping', ['-c', '1', '-W', '1', bIp]).code === 0, 20_000, 300);
  const neigh = JSON.parse(L!.lab.exec(m1, 'ip', ['-j', 'neigh', 'show', bIp])) as Array<{ lladdr?: string }>;
  assert.equal(neigh[0]?.lladdr, mac);
}));

test('a broadcast from a container on a is answered by containers on b', { skip, timeout: 180_000 }, () => logged(async () => {
  const wanted = [1, 2, 3].map((n) => inspect(b, `c${n}`, 'zt', 'IPAddress'));
  // Multicast reaches an active bridge at once; the others' groups spread with their LIKEs.
  let last = '';
  try {
    await waitFor('replies from b’s containers', () => {
      const r = a.dockerd.docker(['exec', 'c1', 'ping', '-c', '2', '-W', '1', `${SUBNET_PREFIX}255`]);
      last = r.out + r.err;
      return wanted.every((ip) => r.out.includes(`from ${ip}:`));
    }, 90_000, 1_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}; the last ping said: ${last}`);
  }
}));

test('sixplane across hosts: each container has an address in its host’s /80 and they ping each other', { skip, timeout: 180_000 }, () => logged(async () => {
  for (const h of [a, b]) mustDocker(h, ['run', '-d', '--name', 's1', '--network', 'zt6', L!.image, 'sleep', '600']);
  const aIp = inspect(a, 's1', 'zt6', 'GlobalIPv6Address');
  const bIp = inspect(b, 's1', 'zt6', 'GlobalIPv6Address');
  for (const [h, ip] of [[a, aIp], [b, bIp]] as const) {
    const plane = L!.memberAddress(h, 6)!;
    assert.equal(ip.split(':').slice(0, 5).join(':'), plane.split(':').slice(0, 5).join(':'), `${ip} in ${h.name}'s /80 (${plane})`);
  }
  await pings(a, 's1', bIp, true);
  await pings(b, 's1', aIp, true);
}));

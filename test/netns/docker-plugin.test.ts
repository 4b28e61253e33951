// The Docker network and IPAM plugin with a real dockerd (issue #10), one host, in network
// namespaces this test creates (and removes, also after a failure; every process it starts
// is ended by PID):
//
//   [ctl 10.N.0.1] --+             controller and planet root
//   [m1  10.N.0.2] --+-- br0        a plain ztkube member
//   [h   10.N.0.3] --+             ztkube docker-plugin + dockerd (private mount namespace)
//                                   └─ bridge ztb… = h's TAP + container veths (bridge mode)
//                                   └─ routed veths from h's 6PLANE /80 (sixplane mode)
//
// The plugin's socket is /run/docker/plugins/ztk<pid>.sock (dockerd looks there whatever its
// exec root), so the driver is `ztk<pid>` and never meets another test's. Checked as a user
// would: `docker network create` refusing bad options, an unknown network and a member that
// is no bridge with the driver's sentence; a container pinging the member over IPv4 and the
// member pinging it back, the host itself still on the network; the plugin restarted with a
// container running; sixplane IPv6; `docker network rm` leaving the ZeroTier network and
// removing the bridge and veths.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasNetns, waitFor, type LabHost } from '../helpers/netns.js';
import { hasBusybox, hasDockerd } from '../helpers/dockerd.js';
import { dockerLab, type DockerHost, type DockerLab } from '../helpers/docker-lab.js';
import { bridgeName } from '../../src/docker/network-driver.js';

const skip = !hasNetns() ? 'needs root and iproute2' : !hasDockerd() ? 'needs dockerd (docker.io; make sysdeps)' : !hasBusybox() ? 'needs busybox-static (make sysdeps)' : false;

let L: DockerLab | null = null;
let ctl: LabHost, m1: LabHost, h: DockerHost;
let nwid = '';
let driver = '';
let socket = '';
let image = '';

const api = (x: LabHost, method: string, path: string, body?: unknown): { status: number; json: any } => L!.api(x, method, path, body); // eslint-disable-line @typescript-eslint/no-explicit-any
const run = (x: LabHost, cmd: string, args: string[]): { code: number | null; out: string } => L!.run(x, cmd, args);
const memberAddress = (x: LabHost, family: 4 | 6): string | null => L!.memberAddress(x, family);
const address = (x: LabHost): string => L!.address(x);
const docker = (args: string[]): { code: number | null; out: string; err: string } => h.dockerd.docker(args);

function mustDocker(args: string[]): string {
  const r = docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.err}`);
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

function links(x: LabHost): string[] {
  return (JSON.parse(L!.lab.exec(x, 'ip', ['-j', 'link'])) as Array<{ ifname: string }>).map((l) => l.ifname);
}

/** `docker exec` ping until a reply comes (ARP over the overlay first), then 3 in a row. */
async function containerPings(container: string, to: string, v6 = false): Promise<void> {
  const ping = v6 ? 'ping6' : 'ping';
  await waitFor(`${container} → ${to}`, () => docker(['exec', container, ping, '-c', '1', '-W', '1', to]).code === 0, 30_000, 300);
  const r = docker(['exec', container, ping, '-c', '3', '-W', '2', to]);
  assert.match(r.out, /3 packets received/, r.out + r.err);
}

function containerIp(container: string, network: string): string {
  return mustDocker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container]);
}

const CREATE = (name: string, opts: string[]): string[] => ['network', 'create', '-d', driver, '--ipam-driver', driver, ...opts, name];

before(async () => {
  if (skip) return;
  L = await dockerLab(['m1'], ['h']);
  ({ ctl, nwid, image } = L);
  [m1] = L.plain;
  [h] = L.docker;
  ({ driver, socket } = h);
});

after(async () => {
  await L?.teardown();
});

test('docker network create fails with the driver’s sentence: bad -o and --ipam-opt values, an unknown network, a member that is no bridge', { skip, timeout: 120_000 }, () => logged(() => {
  const range = ['--ipam-opt', 'ztkube.range=10.147.41.128/26'];
  const cases: Array<[string[], RegExp]> = [
    [range, /needs -o ztkube\.network=<ZeroTier network ID>/],
    [[...range, '-o', 'ztkube.network=abc'], /-o ztkube\.network must be a ZeroTier network ID of 16 hex digits, got "abc"/],
    [[...range, '-o', `ztkube.network=${nwid}`, '-o', 'ztkube.mode=tunnel'], /-o ztkube\.mode must be bridge or sixplane, got "tunnel"/],
    [[...range, '-o', `ztkube.network=${nwid}`, '-o', 'ztkube.colour=blue'], /-o ztkube\.colour is not an option of the ztkube network driver/],
    [[...range, '-o', `ztkube.network=${nwid}`, '-o', 'com.docker.network.driver.mtu=99'], /-o com\.docker\.network\.driver\.mtu must be a number from 1280 to 10000, got "99"/],
    [['--ipam-opt', 'ztkube.range=10.147.41.128', '-o', `ztkube.network=${nwid}`], /--ipam-opt ztkube\.range must be an IPv4 CIDR like 10\.147\.17\.128\/26, got "10\.147\.41\.128"/],
    [['-o', `ztkube.network=${nwid}`], /ZeroTier network [0-9a-f]{16} is not run by this host's controller, so no IPv4 range can be reserved for this host automatically; give one with --ipam-opt ztkube\.range=CIDR/],
    [['--ipam-opt', 'ztkube.range=10.99.0.0/28', '-o', `ztkube.network=${nwid}`], /the IPv4 range 10\.99\.0\.0\/28 is outside the routes of ZeroTier network [0-9a-f]{16} \(10\.147\.41\.0\/24\)/],
    [[...range, '-o', `ztkube.network=${address(ctl)}00abcd`], /ZeroTier network [0-9a-f]{16} does not exist: its controller does not know it/],
    [[...range, '-o', `ztkube.network=${nwid}`], /-o ztkube\.mode=bridge needs this host \(member [0-9a-f]{10}\) to be an active bridge/],
  ];
  for (const [opts, expected] of cases) {
    const r = docker(CREATE('bad', opts));
    assert.notEqual(r.code, 0, `docker network create ${opts.join(' ')} succeeded`);
    assert.match(r.err, expected, `docker network create ${opts.join(' ')}`);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
  assert.equal(docker(['network', 'ls', '-q', '--filter', 'name=^bad$']).out.trim(), '', 'no network left behind');
  // The refused networks were left again: h is on none.
  assert.deepEqual(api(h, 'GET', '/network').json, []);
}));

test('bridge mode: a container pings the member over IPv4 and the member pings it back; the host stays on the network', { skip, timeout: 180_000 }, (t: TestContext) => logged(async () => {
  await L!.makeBridge(h);
  const started = Date.now();
  mustDocker(CREATE('zt', ['--ipam-opt', 'ztkube.range=10.147.41.128/26', '-o', `ztkube.network=${nwid}`]));
  t.diagnostic(`docker network create took ${Date.now() - started} ms (join, config, bridge)`);
  const bridge = bridgeName(BigInt(`0x${nwid}`));
  assert.ok(links(h).includes(bridge), `${bridge} on h`);
  mustDocker(['run', '-d', '--name', 'c1', '--network', 'zt', image, 'sleep', '600']);
  const ip = containerIp('c1', 'zt');
  assert.match(ip, /^10\.147\.41\.(1[3-8]\d|19[01])$/, `${ip} from h's range`);
  const m1v4 = memberAddress(m1, 4)!;
  await containerPings('c1', m1v4);
  // The member learned the container's own MAC over the overlay (07 §7.2).
  const mac = mustDocker(['inspect', '-f', '{{(index .NetworkSettings.Networks "zt").MacAddress}}', 'c1']);
  await waitFor('m1 → container', () => run(m1, 'ping', ['-c', '1', '-W', '1', ip]).code === 0, 20_000, 300);
  const neigh = JSON.parse(L!.lab.exec(m1, 'ip', ['-j', 'neigh', 'show', ip])) as Array<{ lladdr?: string }>;
  assert.equal(neigh[0]?.lladdr, mac, 'the container’s MAC at m1');
  // The host's own addresses moved to the bridge, so h itself still reaches m1.
  await waitFor('h → m1', () => run(h, 'ping', ['-c', '1', '-W', '1', m1v4]).code === 0, 20_000, 300);
}));

test('a plugin restart keeps the running container connected, and docker run works after it', { skip, timeout: 180_000 }, () => logged(async () => {
  await L!.stopPlugin(h);
  assert.ok(!existsSync(socket), 'the socket is removed on exit');
  L!.startPlugin(h);
  await waitFor('the plugin socket again', () => existsSync(socket), 20_000);
  const m1v4 = memberAddress(m1, 4)!;
  await containerPings('c1', m1v4); // the new TAP is put on the bridge again
  const r = docker(['run', '--rm', '--network', 'zt', image, 'sh', '-c', `for i in 1 2 3 4 5 6 7 8 9 10; do ping -c 1 -W 1 ${m1v4} && exit 0; done; exit 1`]);
  assert.equal(r.code, 0, r.out + r.err);
}));

test('sixplane mode: a container gets an address from h’s 6PLANE /80 and pings the member’s 6PLANE address', { skip, timeout: 180_000 }, () => logged(async () => {
  mustDocker(CREATE('zt6', ['--ipam-opt', 'ztkube.range=10.147.41.224/28', '-o', `ztkube.network=${nwid}`, '-o', 'ztkube.mode=sixplane']));
  mustDocker(['run', '-d', '--name', 'c6', '--network', 'zt6', image, 'sleep', '600']);
  const ip6 = mustDocker(['inspect', '-f', '{{(index .NetworkSettings.Networks "zt6").GlobalIPv6Address}}', 'c6']);
  const hostPlane = memberAddress(h, 6)!;
  assert.equal(ip6.split(':').slice(0, 5).join(':'), hostPlane.split(':').slice(0, 5).join(':'), `${ip6} in h's /80 (${hostPlane})`);
  await containerPings('c6', memberAddress(m1, 6)!, true);
  await waitFor('m1 → the container over 6PLANE', () => run(m1, 'ping', ['-6', '-c', '1', '-W', '1', ip6]).code === 0, 20_000, 300);
}));

test('docker rm and network rm remove the veths and the bridge, and the last one leaves the ZeroTier network', { skip, timeout: 120_000 }, () => logged(async () => {
  mustDocker(['rm', '-f', 'c1', 'c6']);
  mustDocker(['network', 'rm', 'zt6']);
  assert.equal(api(h, 'GET', `/network/${nwid}`).status, 200, 'still joined for zt');
  mustDocker(['network', 'rm', 'zt']);
  await waitFor('the network left', () => api(h, 'GET', `/network/${nwid}`).status === 404, 10_000);
  const left = links(h);
  assert.deepEqual(left.filter((n) => n.startsWith('ztv') || n.startsWith('ztc') || n.startsWith('ztb')), [], left.join(' '));
  const state = JSON.parse(readFileSync(join(L!.home(h), 'docker.d', 'state.json'), 'utf8')) as { pools: object; networks: object; endpoints: object };
  assert.deepEqual([state.pools, state.networks, state.endpoints], [{}, {}, {}], 'nothing left in the plugin state');
}));

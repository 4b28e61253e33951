// IPv4 ranges reserved automatically (issue #10): `docker network create` without --subnet or
// --ipam-opt ztkube.range on the host whose own controller runs the ZeroTier network. In
// network namespaces this test creates and removes (every process ended by PID):
//
//   [ctl 10.N.0.1] --+-- br0   controller, planet root, and a Docker host (plugin + dockerd)
//   [m1  10.N.0.2] --+         a plain ztkube member
//   [b   10.N.0.3] --+         a Docker host of another controller's network: ztkube.range
//
// ctl's block comes out of the network's pools (recorded there, so the controller never gives
// it to a member), holds no member's address, and no container on ctl or b ever gets an
// address another container or a member has; b, whose network is not its own, is told to
// pass a range.
import { test, before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { hasNetns, waitFor } from '../helpers/netns.js';
import { hasBusybox, hasDockerd } from '../helpers/dockerd.js';
import { dockerLab, SUBNET_PREFIX, type DockerHost, type DockerLab } from '../helpers/docker-lab.js';
import { parsePrefix } from '../../src/net/ip/prefix.js';
import { parseIp } from '../../src/protocol/inet-address.js';
import { ipToBigint, prefixBounds } from '../../src/docker/ip-arith.js';

const skip = !hasNetns() ? 'needs root and iproute2' : !hasDockerd() ? 'needs dockerd (docker.io; make sysdeps)' : !hasBusybox() ? 'needs busybox-static (make sysdeps)' : false;

let L: DockerLab | null = null;
let c: DockerHost, b: DockerHost;

function mustDocker(h: DockerHost, args: string[]): string {
  const r = h.dockerd.docker(args);
  assert.equal(r.code, 0, `docker on ${h.name} ${args.join(' ')}: ${r.err}`);
  return r.out.trim();
}

const create = (h: DockerHost, extra: string[]): string[] => ['network', 'create', '-d', h.driver, '--ipam-driver', h.driver, ...extra, '-o', `ztkube.network=${L!.nwid}`, 'zt'];
const ipOf = (h: DockerHost, container: string): string => mustDocker(h, ['inspect', '-f', '{{(index .NetworkSettings.Networks "zt").IPAddress}}/{{(index .NetworkSettings.Networks "zt").IPPrefixLen}}', container]);
const num = (ip: string): bigint => ipToBigint(parseIp(ip)!.ip);

/** The network's IPv4 pools as [first, last] numbers. */
function pools(): Array<[bigint, bigint]> {
  const n = L!.api(L!.ctl, 'GET', `/controller/network/${L!.nwid}`).json as { ipAssignmentPools: Array<{ ipRangeStart: string; ipRangeEnd: string }> };
  return n.ipAssignmentPools.map((p) => [num(p.ipRangeStart), num(p.ipRangeEnd)]);
}

/** ctl's reserved blocks on the network, from its plugin's state in its home. */
function reservedBlocks(): string[] {
  const state = JSON.parse(readFileSync(join(L!.home(L!.ctl), 'docker.d', 'state.json'), 'utf8')) as { reservations?: Array<{ nwid: string; range: string }> };
  return (state.reservations ?? []).filter((x) => x.nwid === L!.nwid).map((x) => x.range);
}

before(async () => {
  if (skip) return;
  L = await dockerLab(['m1'], ['b'], undefined, { dockerOnController: true });
  [c, b] = L.docker;
  assert.equal(c.name, 'ctl');
});

after(async () => {
  await L?.teardown();
});

test('the controller’s own host gets a block carved from the pools; the other host is told to pass a range; no address twice', { skip, timeout: 300_000 }, async () => {
  try {
    for (const h of [c, b]) await L!.makeBridge(h);
    const before = pools();
    mustDocker(c, create(c, []));
    const blocks = reservedBlocks();
    assert.equal(blocks.length, 1, `one reservation in ctl's plugin state: ${blocks.join(' ')}`);
    const [blockText] = blocks;
    const block = parsePrefix(blockText)!;
    const { first, last } = prefixBounds(block);
    assert.ok(before.some(([s, e]) => s <= first && last <= e), `${blockText} came from the pools`);
    assert.ok(pools().every(([s, e]) => e < first || s > last), `${blockText} is out of the controller's pools now`);

    const refused = b.dockerd.docker(create(b, []));
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /is not run by this host's controller, so no IPv4 range can be reserved for this host automatically; give one with --ipam-opt ztkube\.range=CIDR/);
    mustDocker(b, create(b, ['--ipam-opt', `ztkube.range=${SUBNET_PREFIX}128/27`]));

    const addresses: string[] = [];
    for (const h of [c, b]) {
      for (const n of [1, 2, 3]) {
        mustDocker(h, ['run', '-d', '--name', `c${n}`, '--network', 'zt', L!.image, 'sleep', '600']);
        addresses.push(ipOf(h, `c${n}`));
      }
    }
    for (const a of addresses.slice(0, 3)) {
      assert.ok(num(a.split('/')[0]) >= first && num(a.split('/')[0]) <= last, `${a} on ctl in its block ${blockText}`);
      assert.ok(a.endsWith('/24'), `${a}: the LAN's prefix length`);
    }
    const members = [L!.plain[0], c, b].map((x) => L!.memberAddress(x, 4)).filter((x): x is string => x !== null);
    assert.equal(members.length, 3, `the members' addresses: ${members.join(' ')}`);
    const plain = addresses.map((a) => a.split('/')[0]);
    assert.equal(new Set([...plain, ...members]).size, plain.length + members.length, `no address twice: containers ${plain.join(' ')}, members ${members.join(' ')}`);

    // And they reach each other and the member.
    const to = (ip: string) => async (): Promise<void> => {
      await waitFor(`ctl's c1 → ${ip}`, () => c.dockerd.docker(['exec', 'c1', 'ping', '-c', '1', '-W', '1', ip]).code === 0, 30_000, 300);
    };
    await to(plain[3])();
    await to(L!.memberAddress(L!.plain[0], 4)!)();

    // Removed and made again: the same block, the pools unchanged.
    const now = pools();
    for (const n of [1, 2, 3]) mustDocker(c, ['rm', '-f', `c${n}`]);
    mustDocker(c, ['network', 'rm', 'zt']);
    mustDocker(c, create(c, []));
    assert.deepEqual(reservedBlocks(), [blockText], 'no new reservation');
    assert.deepEqual(pools(), now);
    mustDocker(c, ['run', '-d', '--name', 'again', '--network', 'zt', L!.image, 'sleep', '600']);
    const again = num(ipOf(c, 'again').split('/')[0]);
    assert.ok(again >= first && again <= last, 'in the same block');
  } catch (e) {
    L?.dumpLogs();
    throw e;
  }
});

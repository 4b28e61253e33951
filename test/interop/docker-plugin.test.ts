// Opt-in (ZTKUBE_ZEROTIER_ONE names a zerotier-one 1.14.1 binary built elsewhere): a real
// ZeroTier One member and containers behind a ztkube Docker host (issue #10), in network
// namespaces this test creates and removes (every process ended by PID, also on failure):
//
//   [ctl  10.N.0.1] --+             ztkube controller and planet root
//   [real 10.N.0.2] --+-- br0        zerotier-one 1.14.1, our planet, no TCP fallback
//   [h    10.N.0.3] --+             ztkube docker-plugin + dockerd
//
// zerotier-one pings a container on the ZeroTier L2 (bridge mode: it must accept h as a
// bridge from its own config) and one with a routed 6PLANE address (sixplane mode).
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasNetns, waitFor } from '../helpers/netns.js';
import { hasBusybox, hasDockerd } from '../helpers/dockerd.js';
import { dockerLab, type DockerLab } from '../helpers/docker-lab.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';

const interop = interopTests('a zerotier-one member and containers behind the ztkube Docker plugin');
const skip = !hasNetns() ? 'needs root and iproute2' : !hasDockerd() ? 'needs dockerd (docker.io; make sysdeps)' : !hasBusybox() ? 'needs busybox-static (make sysdeps)' : false;
let L: DockerLab | null = null;

after(async () => {
  await L?.teardown();
});

interop('zerotier-one pings a bridged container over IPv4 and a sixplane container over IPv6', { skip, timeout: 300_000 }, async () => {
  L = await dockerLab(['real'], ['h'], {
    names: ['real'],
    start: (_x, home, spawn) => {
      writeFileSync(join(home, 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false } }));
      spawn(zerotierOne!, ['-p9993', home]);
    },
  });
  const [real] = L.plain;
  const [h] = L.docker;
  try {
    await L.makeBridge(h);
    const docker = (args: string[]): string => {
      const r = h.dockerd.docker(args);
      assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.err}`);
      return r.out.trim();
    };
    docker(['network', 'create', '-d', h.driver, '--ipam-driver', h.driver, '--ipam-opt', 'ztkube.range=10.147.41.128/27', '-o', `ztkube.network=${L.nwid}`, 'zt']);
    docker(['network', 'create', '-d', h.driver, '--ipam-driver', h.driver, '--ipam-opt', 'ztkube.range=10.147.41.160/27', '-o', `ztkube.network=${L.nwid}`, '-o', 'ztkube.mode=sixplane', 'zt6']);
    docker(['run', '-d', '--name', 'c4', '--network', 'zt', L.image, 'sleep', '600']);
    docker(['run', '-d', '--name', 'c6', '--network', 'zt6', L.image, 'sleep', '600']);
    const v4 = docker(['inspect', '-f', '{{(index .NetworkSettings.Networks "zt").IPAddress}}', 'c4']);
    const v6 = docker(['inspect', '-f', '{{(index .NetworkSettings.Networks "zt6").GlobalIPv6Address}}', 'c6']);
    await waitFor(`zerotier-one → ${v4}`, () => L!.run(real, 'ping', ['-c', '1', '-W', '1', v4]).code === 0, 45_000, 300);
    await waitFor(`zerotier-one → ${v6}`, () => L!.run(real, 'ping', ['-6', '-c', '1', '-W', '1', v6]).code === 0, 45_000, 300);
    const r = h.dockerd.docker(['exec', 'c4', 'ping', '-c', '3', '-W', '2', L.memberAddress(real, 4)!]);
    assert.match(r.out, /3 packets received/, r.out + r.err);
  } catch (e) {
    L.dumpLogs();
    throw e;
  }
});


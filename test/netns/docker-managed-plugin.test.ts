// The managed (v2) Docker plugin (issue #10): the plugin directory `make docker-plugin` makes
// (scripts/docker-plugin-rootfs.mjs, no registry), `docker plugin create` + `enable` on a
// dockerd of the test's own, then the basic test: a bridge-mode network and a container
// pinging a plain member. Same lab as docker-plugin.test.ts (network namespaces, everything
// removed afterwards, the plugin's socket directory under /run/docker/plugins included); the
// Docker host's legacy plugin is stopped first, so the managed one takes its home.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { hasNetns } from '../helpers/netns.js';
import { hasBusybox, hasDockerd } from '../helpers/dockerd.js';
import { dockerLab, SUBNET_PREFIX, type DockerHost, type DockerLab } from '../helpers/docker-lab.js';
import { repoRoot } from '../helpers/shared.js';

const skip = !hasNetns() ? 'needs root and iproute2' : !hasDockerd() ? 'needs dockerd (docker.io; make sysdeps)' : !hasBusybox() ? 'needs busybox-static (make sysdeps)' : false;
const name = `ztkv2${process.pid}`;
let L: DockerLab | null = null;
let h: DockerHost;
let pluginId = '';
let pluginDir = '';

function mustDocker(args: string[]): string {
  const r = h.dockerd.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.err}`);
  return r.out.trim();
}

before(async () => {
  if (skip) return;
  L = await dockerLab(['m1'], ['h']);
  [h] = L.docker;
  pluginDir = join(L.home(h), '..', 'managed-plugin');
  const made = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'docker-plugin-rootfs.mjs'), pluginDir], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(made.status, 0, made.stderr);
  await L.makeBridge(h);
  await L.stopPlugin(h);
});

after(async () => {
  if (h && pluginId) {
    h.dockerd.docker(['plugin', 'disable', '-f', name]);
    h.dockerd.docker(['plugin', 'rm', '-f', name]);
    rmSync(`/run/docker/plugins/${pluginId}`, { recursive: true, force: true });
  }
  if (pluginDir) rmSync(pluginDir, { recursive: true, force: true });
  await L?.teardown();
});

test('the managed plugin: created from the directory, enabled, and a container on its network pings the member', { skip, timeout: 300_000 }, async () => {
  try {
    mustDocker(['plugin', 'create', name, pluginDir]);
    pluginId = mustDocker(['plugin', 'inspect', '-f', '{{.Id}}', name]);
    mustDocker(['plugin', 'set', name, `home.source=${L!.home(h)}`, 'ZTKUBE_SAFETY=test']);
    mustDocker(['plugin', 'enable', name]);
    const driver = `${name}:latest`;
    mustDocker(['network', 'create', '-d', driver, '--ipam-driver', driver, '--ipam-opt', `ztkube.range=${SUBNET_PREFIX}128/27`, '-o', `ztkube.network=${L!.nwid}`, 'zt']);
    const member = L!.memberAddress(L!.plain[0], 4)!;
    const r = h.dockerd.docker(['run', '--rm', '--network', 'zt', L!.image, 'sh', '-c', `for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do ping -c 1 -W 1 ${member} && exit 0; done; exit 1`]);
    assert.equal(r.code, 0, r.out + r.err);
    mustDocker(['network', 'rm', 'zt']);
    assert.deepEqual(L!.api(h, 'GET', '/network').json, [], 'the last Docker network left the ZeroTier network');
  } catch (e) {
    L?.dumpLogs();
    throw e;
  }
});

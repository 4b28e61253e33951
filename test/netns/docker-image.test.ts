// The image (issue #10): `scripts/image.mjs` (what `make image` runs) builds it into a dockerd
// of the test's own (test/helpers/dockerd.ts: its own network namespace, no iptables, bridge
// or forwarding, removed afterwards) without a registry, then containers with no network at
// all run the CLI, zerotier-idtool from PATH, the CNI shim and nsenter, and the engine's own
// loaders of the native addons (without them the engine would quietly use the TypeScript ciphers and node:dgram).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNetns, trackNetns } from '../helpers/netns.js';
import { hasDockerd, startDockerd, type Dockerd } from '../helpers/dockerd.js';
import { repoRoot } from '../helpers/shared.js';

const skip = !hasNetns() ? 'needs root and iproute2' : !hasDockerd() ? 'needs dockerd (docker.io; make sysdeps)' : false;
const ns = `ztimgt${process.pid}`;
const TAG = `ztkube-test${process.pid}:local`;
let dir = '';
let d: Dockerd | null = null;

/** Runs the image with no network; returns exit code and output. */
function run(args: string[]): { code: number | null; out: string; err: string } {
  return d!.docker(['run', '--rm', '--network', 'none', ...args]);
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'ztkube-image-test-'));
  const added = spawnSync('ip', ['netns', 'add', trackNetns(ns)], { encoding: 'utf8' });
  assert.equal(added.status, 0, added.stderr);
  d = await startDockerd(ns, join(dir, 'dockerd'));
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'image.mjs'), TAG], {
    encoding: 'utf8', timeout: 300_000, env: { ...process.env, DOCKER_HOST: `unix://${join(dir, 'dockerd', 'docker.sock')}` },
  });
  assert.equal(built.status, 0, `${built.stdout}${built.stderr}`);
});

after(async () => {
  await d?.stop();
  if (!skip) spawnSync('ip', ['netns', 'del', ns]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the image runs the CLI and zerotier-idtool from PATH', { skip, timeout: 120_000 }, () => {
  const help = run([TAG, '--help']);
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /daemon/);
  assert.match(help.out, /docker-plugin/);
  const id = run(['--entrypoint', 'zerotier-idtool', TAG, 'generate']);
  assert.equal(id.code, 0, id.err);
  // A throwaway identity, but a secret all the same: a failure names its shape, not its bytes.
  assert.ok(/^[0-9a-f]{10}:0:[0-9a-f]{128}:[0-9a-f]{128}$/.test(id.out.trim()), `zerotier-idtool generate printed ${id.out.length} bytes, not one identity with its secret`);
  const cli = run(['--entrypoint', 'sh', TAG, '-c', 'exit 0']);
  assert.notEqual(cli.code, 0, 'the no-registry base has no shell: only what the engine needs');
  const which = run(['--entrypoint', 'zerotier-cli', TAG, '-v']);
  assert.equal(which.code, 0, which.err);
  assert.match(which.out, /^\d+\.\d+\.\d+/);
});

test('the image carries the CNI shim the agent installs, and nsenter for pods\' ends', { skip, timeout: 120_000 }, () => {
  const version = run(['--entrypoint', '/opt/ztkube/build/cni/ztkube', '-e', 'CNI_COMMAND=VERSION', TAG]);
  assert.equal(version.code, 0, version.err);
  const got = JSON.parse(version.out) as { cniVersion: string; supportedVersions: string[] };
  assert.ok(got.supportedVersions.includes('1.1.0') && got.supportedVersions.includes('1.0.0'), version.out);
  const varRun = run(['--entrypoint', 'node', TAG, '-e', "process.stdout.write(require('fs').readlinkSync('/var/run'))"]);
  assert.equal(varRun.out, '../run', 'pods\' netns paths under /var/run/netns resolve to the mounted /run/netns');
  const nsenter = run(['--entrypoint', 'nsenter', TAG, '--version']);
  assert.equal(nsenter.code, 0, nsenter.err);
  assert.match(nsenter.out, /nsenter from util-linux/);
});

test('the engine in the image loads its three native addons', { skip, timeout: 120_000 }, () => {
  const script = [
    "const { enableNativeCrypto, findCryptoAddon } = await import('/opt/ztkube/dist/src/crypto/native-loader.js');",
    "const { loadTapAddon, findTapAddon } = await import('/opt/ztkube/dist/src/net/tap/addon.js');",
    "const { loadUdpAddon, findUdpAddon } = await import('/opt/ztkube/dist/src/net/udp/native-udp.js');",
    'const tap = loadTapAddon(); const udp = loadUdpAddon();',
    'console.log(JSON.stringify({ crypto: enableNativeCrypto(), cryptoPath: findCryptoAddon(), tapPath: findTapAddon(), udpPath: findUdpAddon(), tap: Object.keys(tap).length, udp: Object.keys(udp).length }));',
  ].join('\n');
  const r = run(['--entrypoint', 'node', TAG, '--input-type=module', '-e', script]);
  assert.equal(r.code, 0, r.err);
  const got = JSON.parse(r.out.trim()) as Record<string, unknown>;
  assert.equal(got.crypto, true, 'native packet crypto is on');
  assert.equal(got.cryptoPath, '/opt/ztkube/native/build/Release/ztkube_crypto.node');
  assert.equal(got.tapPath, '/opt/ztkube/native/build/Release/ztkube_tap.node');
  assert.equal(got.udpPath, '/opt/ztkube/native/build/Release/ztkube_udp.node');
  assert.ok((got.tap as number) > 0 && (got.udp as number) > 0, 'the addons export their functions');
});

// The one rootfs recipe of the image (`make image`) and the managed Docker plugin
// (`make docker-plugin`), both made without a registry (issue #10). The base is this host's
// node and the libraries it links, iproute2's `ip` (the engine configures its TAPs and the
// plugin its bridges with it), util-linux's `nsenter` (the CNI host sets up a pod's end of its
// link inside the pod's network namespace) and `env` (for the bin/ launchers' #!); the app is
// the built tree: dist, the native addons (without them the engine would fall back to the
// TypeScript ciphers and node:dgram), the production node_modules, bin/ with zerotier-cli and
// zerotier-idtool, cni/, and the static CNI shim build/cni/ztkube (the agent copies it onto
// each node's CNI bin dir).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the app lives in both the image and the plugin. */
export const APP_DIR = 'opt/ztkube';
export const NATIVE_ADDONS = ['ztkube_tap.node', 'ztkube_crypto.node', 'ztkube_udp.node'];
/** The CNI shim, where `ztkube agent` looks for it by default (next to the app). */
export const CNI_SHIM = 'build/cni/ztkube';
/** The PATH of both: the launchers first (a `docker import`ed base has no ENV of its own). */
export const IMAGE_PATH = `/${APP_DIR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

/** Copies a host file to the same path under rootfs (symlinks resolved). */
function copyHostFile(rootfs, path) {
  const dest = join(rootfs, path);
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(realpathSync(path), dest);
}

/** A binary and every library `ldd` names for it, at their host paths. */
function copyWithLibraries(rootfs, binary) {
  copyHostFile(rootfs, binary);
  const text = execFileSync('ldd', [binary], { encoding: 'utf8' });
  for (const m of text.matchAll(/(\/[^\s)]+)/g)) if (existsSync(m[1])) copyHostFile(rootfs, m[1]);
}

const hostCommand = (name) => execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();

/**
 * The base: node (at its host path and, when that differs, /usr/local/bin/node as the official
 * Node image has it), ip, env, their libraries, /etc/passwd and the directories the engine uses.
 */
export function makeBaseRootfs(rootfs) {
  const node = realpathSync(process.execPath);
  copyWithLibraries(rootfs, node);
  copyWithLibraries(rootfs, hostCommand('ip'));
  copyWithLibraries(rootfs, hostCommand('nsenter'));
  copyWithLibraries(rootfs, '/usr/bin/env');
  if (node !== '/usr/local/bin/node') {
    mkdirSync(join(rootfs, 'usr/local/bin'), { recursive: true });
    symlinkSync(node, join(rootfs, 'usr/local/bin/node'));
  }
  for (const d of ['tmp', 'var/lib/ztkube', 'run/docker/plugins', 'etc', 'root']) mkdirSync(join(rootfs, d), { recursive: true });
  // /var/run is /run, as on Debian: runtimes hand the CNI host pods' netns paths as /var/run/netns/….
  symlinkSync('../run', join(rootfs, 'var/run'));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/false\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');
}

/** The built tree under `app` (normally <rootfs>/opt/ztkube). Needs `make build`. */
export function copyApp(app) {
  for (const f of NATIVE_ADDONS) {
    if (!existsSync(join(repo, 'native/build/Release', f))) throw new Error(`native/build/Release/${f} is missing; run make build first`);
  }
  if (!existsSync(join(repo, CNI_SHIM))) throw new Error(`${CNI_SHIM} is missing; run make build first`);
  for (const p of ['dist/cmd', 'dist/src', 'package.json', 'cni', CNI_SHIM]) cpSync(join(repo, p), join(app, p), { recursive: true });
  for (const f of NATIVE_ADDONS) cpSync(join(repo, 'native/build/Release', f), join(app, 'native/build/Release', f));
  // The launchers as `make build` makes them: ztkube, and the links it reads its personality from.
  cpSync(join(repo, 'bin'), join(app, 'bin'), { recursive: true, verbatimSymlinks: true });
  // Production dependencies only, as npm resolved them.
  const deps = execFileSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: repo, encoding: 'utf8' }).split('\n').filter((p) => p.includes('node_modules'));
  for (const d of deps) cpSync(d, join(app, relative(repo, d)), { recursive: true, dereference: true });
}

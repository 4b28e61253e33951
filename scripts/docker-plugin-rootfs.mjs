// `make docker-plugin`: the managed (v2) Docker plugin directory, made without a registry
// (issue #10): DIR/config.json and DIR/rootfs with this host's node and the libraries it links,
// iproute2's `ip` with its libraries, and the built tree (dist, the native addons, the
// production node_modules). Then: `docker plugin create ztkube DIR && docker plugin enable ztkube`.
// Usage: node scripts/docker-plugin-rootfs.mjs DIR
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/docker-plugin-rootfs.mjs DIR');
  process.exit(2);
}
const rootfs = join(out, 'rootfs');
rmSync(out, { recursive: true, force: true });
mkdirSync(rootfs, { recursive: true });

/** Copies a host file to the same path under rootfs (symlinks resolved). */
function copyHostFile(path) {
  const dest = join(rootfs, path);
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(realpathSync(path), dest);
}

/** A binary and every library `ldd` names for it, at their host paths. */
function copyWithLibraries(binary) {
  copyHostFile(binary);
  const text = execFileSync('ldd', [binary], { encoding: 'utf8' });
  for (const m of text.matchAll(/(\/[^\s)]+)/g)) if (existsSync(m[1])) copyHostFile(m[1]);
}

copyWithLibraries(process.execPath);
copyWithLibraries(execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim());
const app = join(rootfs, 'opt/ztkube');
for (const p of ['dist/cmd', 'dist/src', 'package.json']) cpSync(join(repo, p), join(app, p), { recursive: true });
for (const f of ['ztkube_tap.node', 'ztkube_crypto.node', 'ztkube_udp.node']) cpSync(join(repo, 'native/build/Release', f), join(app, 'native/build/Release', f));
// Production dependencies only, as npm resolved them.
const deps = execFileSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: repo, encoding: 'utf8' }).split('\n').filter((p) => p.includes('node_modules'));
for (const d of deps) cpSync(d, join(app, relative(repo, d)), { recursive: true, dereference: true });
for (const d of ['tmp', 'var/lib/ztkube', 'run/docker/plugins', 'etc']) mkdirSync(join(rootfs, d), { recursive: true });
writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/false\n');

const node = realpathSync(process.execPath);
writeFileSync(join(out, 'config.json'), `${JSON.stringify({
  description: 'ztkube: containers on ZeroTier virtual LANs (network and IPAM driver)',
  documentation: 'https://github.com/ (see the ztkube README)',
  interface: { types: ['docker.networkdriver/1.0', 'docker.ipamdriver/1.0'], socket: 'ztkube.sock' },
  entrypoint: [node, '/opt/ztkube/dist/cmd/ztkube.js', 'docker-plugin', '--home', '/var/lib/ztkube', '--docker-plugin-socket', '/run/docker/plugins/ztkube.sock', '--log-format', 'json'],
  workdir: '/opt/ztkube',
  network: { type: 'host' },
  linux: { capabilities: ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'], devices: [{ path: '/dev/net/tun' }] },
  mounts: [{ name: 'home', description: 'the engine home: identity, planet, networks.d, docker.d', source: '/var/lib/ztkube', destination: '/var/lib/ztkube', type: 'bind', options: ['rbind', 'rw'], settable: ['source'] }],
  env: [
    { name: 'ZTKUBE_SAFETY', description: 'test: refuse the public planet and public destinations', settable: ['value'], value: '' },
  ],
}, null, 2)}\n`);
console.log(`wrote ${out}: docker plugin create ztkube ${out} && docker plugin enable ztkube`);

// `make docker-plugin`: the managed (v2) Docker plugin directory, made without a registry
// (issue #10): DIR/config.json and DIR/rootfs, made by the recipe `make image` uses too
// (rootfs-recipe.mjs). Then: `docker plugin create ztkube DIR && docker plugin enable ztkube`.
// Usage: node scripts/docker-plugin-rootfs.mjs DIR
import { mkdirSync, rmSync, writeFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { APP_DIR, IMAGE_PATH, copyApp, makeBaseRootfs } from './rootfs-recipe.mjs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/docker-plugin-rootfs.mjs DIR');
  process.exit(2);
}
const rootfs = join(out, 'rootfs');
rmSync(out, { recursive: true, force: true });
mkdirSync(rootfs, { recursive: true });
makeBaseRootfs(rootfs);
copyApp(join(rootfs, APP_DIR));

const node = realpathSync(process.execPath);
writeFileSync(join(out, 'config.json'), `${JSON.stringify({
  description: 'ztkube: containers on ZeroTier virtual LANs (network and IPAM driver)',
  documentation: 'https://github.com/ (see the ztkube README)',
  interface: { types: ['docker.networkdriver/1.0', 'docker.ipamdriver/1.0'], socket: 'ztkube.sock' },
  entrypoint: [node, '/opt/ztkube/dist/cmd/ztkube.js', 'docker-plugin', '--home', '/var/lib/ztkube', '--docker-plugin-socket', '/run/docker/plugins/ztkube.sock', '--log-format', 'json'],
  workdir: '/opt/ztkube',
  env: [
    { name: 'ZTKUBE_SAFETY', description: 'test: refuse the public planet and public destinations', settable: ['value'], value: '' },
    { name: 'PATH', description: 'zerotier-cli and zerotier-idtool first', value: IMAGE_PATH },
  ],
  network: { type: 'host' },
  linux: { capabilities: ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'], devices: [{ path: '/dev/net/tun' }] },
  mounts: [{ name: 'home', description: 'the engine home: identity, planet, networks.d, docker.d', source: '/var/lib/ztkube', destination: '/var/lib/ztkube', type: 'bind', options: ['rbind', 'rw'], settable: ['source'] }],
}, null, 2)}\n`);
console.log(`wrote ${out}: docker plugin create ztkube ${out} && docker plugin enable ztkube`);

// Chaining ztkube into the node's primary CNI config (issue #12): which file, append or
// replace, .conf → .conflist, other plugins and keys untouched, removal; and the installer's
// atomic writes in a temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainPlugin, hasPlugin, pickPrimaryConfig, unchainPlugin } from '../../../../src/kube/agent/conflist-edit.js';
import { CniInstaller } from '../../../../src/kube/agent/cni-installer.js';
import { ConfigError } from '../../../../src/util/errors.js';

const ours = { type: 'ztkube', socket: '/run/ztkube/cni.sock' };
const bridge = { type: 'bridge', bridge: 'cni0', ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]] } };

test('primary config: lexically first .conflist or .conf, not ours, not hidden, nothing else', () => {
  assert.equal(pickPrimaryConfig(['99-loopback.conf', '10-flannel.conflist', 'README', '05-ztkube.conflist', '.10-x.conflist.tmp1', '20-x.json']), '10-flannel.conflist');
  assert.equal(pickPrimaryConfig(['README']), null);
});

test('chain: appended last with every other key kept; already there unchanged; a changed socket replaces the old entry', () => {
  const text = JSON.stringify({ cniVersion: '1.0.0', name: 'k8s', disableCheck: true, plugins: [bridge, { type: 'portmap', capabilities: { portMappings: true } }] });
  const edit = chainPlugin('/etc/cni/net.d/10-k8s.conflist', text, ours)!;
  assert.equal(edit.fileName, '/etc/cni/net.d/10-k8s.conflist');
  assert.equal(edit.removes, null);
  const after = JSON.parse(edit.text);
  assert.deepEqual(after, { cniVersion: '1.0.0', name: 'k8s', disableCheck: true, plugins: [bridge, { type: 'portmap', capabilities: { portMappings: true } }, ours] });
  assert.equal(chainPlugin('x.conflist', edit.text, ours), null);
  assert.equal(hasPlugin('x.conflist', edit.text, ours), true);
  const moved = chainPlugin('x.conflist', edit.text, { type: 'ztkube', socket: '/run/other.sock' })!;
  assert.deepEqual(JSON.parse(moved.text).plugins.map((p: { type: string }) => p.type), ['bridge', 'portmap', 'ztkube']);
  assert.equal(JSON.parse(moved.text).plugins[2].socket, '/run/other.sock');
  assert.equal(hasPlugin('x.conflist', edit.text, { type: 'ztkube', socket: '/run/other.sock' }), false);
});

test('chain: a .conf becomes <name>.conflist holding its plugin then ours, the .conf to be removed', () => {
  const edit = chainPlugin('/d/10-bridge.conf', JSON.stringify({ cniVersion: '0.4.0', name: 'mynet', ...bridge }), ours)!;
  assert.equal(edit.fileName, '/d/10-bridge.conflist');
  assert.equal(edit.removes, '/d/10-bridge.conf');
  assert.deepEqual(JSON.parse(edit.text), { cniVersion: '0.4.0', name: 'mynet', plugins: [bridge, ours] });
});

test('unchain: only ztkube goes; a file without it is left alone; bad files are a ConfigError naming them', () => {
  const text = JSON.stringify({ cniVersion: '1.0.0', name: 'k8s', plugins: [bridge, ours] });
  assert.deepEqual(JSON.parse(unchainPlugin('a.conflist', text)!), { cniVersion: '1.0.0', name: 'k8s', plugins: [bridge] });
  assert.equal(unchainPlugin('a.conflist', JSON.stringify({ plugins: [bridge] })), null);
  assert.throws(() => chainPlugin('/d/bad.conflist', '{nope', ours), (e) => e instanceof ConfigError && /\/d\/bad\.conflist: not JSON/.test(e.message));
  assert.throws(() => chainPlugin('/d/odd.conf', '{"name": "x"}', ours), (e) => e instanceof ConfigError && /neither a conflist/.test(e.message));
});

test('installer: binary and config written once ready, re-chained after someone rewrites the file, uninstall removes both', () => {
  const dir = mkdtempSync(join(tmpdir(), `ztkube-cni-install-${process.pid}-`));
  try {
    const bin = join(dir, 'bin');
    const conf = join(dir, 'net.d');
    mkdirSync(bin);
    mkdirSync(conf);
    const shim = join(dir, 'shim');
    writeFileSync(shim, '#!/bin/sh\necho shim\n');
    const installer = new CniInstaller({ binDir: bin, confDir: conf, shim, socket: ours.socket });
    assert.deepEqual(installer.ensure(), { kind: 'no-primary-config' });
    assert.equal(installer.isInstalled(), false);
    const primary = JSON.stringify({ cniVersion: '0.4.0', name: 'mynet', ...bridge });
    writeFileSync(join(conf, '10-bridge.conf'), primary);
    assert.deepEqual(installer.ensure(), { kind: 'installed', conf: join(conf, '10-bridge.conflist') });
    assert.deepEqual(readdirSync(conf), ['10-bridge.conflist']);
    assert.equal(readFileSync(join(bin, 'ztkube'), 'utf8'), '#!/bin/sh\necho shim\n');
    assert.equal(statSync(join(bin, 'ztkube')).mode & 0o777, 0o755);
    assert.deepEqual(readdirSync(bin), ['ztkube'], 'no temp file left behind');
    assert.equal(installer.isInstalled(), true);
    assert.deepEqual(installer.ensure(), { kind: 'unchanged', conf: join(conf, '10-bridge.conflist') });
    // The primary CNI's installer writes its file again: ztkube is chained again.
    writeFileSync(join(conf, '10-bridge.conflist'), JSON.stringify({ cniVersion: '0.4.0', name: 'mynet', plugins: [bridge] }));
    assert.equal(installer.isInstalled(), false);
    assert.equal(installer.ensure().kind, 'installed');
    // The entry declares the capability that has containerd pass the pod's annotations.
    assert.deepEqual(JSON.parse(readFileSync(join(conf, '10-bridge.conflist'), 'utf8')).plugins, [bridge, { ...ours, capabilities: { 'io.kubernetes.cri.pod-annotations': true } }]);
    const changed = installer.uninstall();
    assert.deepEqual(changed.sort(), [join(bin, 'ztkube'), join(conf, '10-bridge.conflist')].sort());
    assert.deepEqual(JSON.parse(readFileSync(join(conf, '10-bridge.conflist'), 'utf8')).plugins, [bridge]);
    assert.deepEqual(readdirSync(bin), []);
    assert.deepEqual(installer.uninstall(), [], 'a second uninstall has nothing to do');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

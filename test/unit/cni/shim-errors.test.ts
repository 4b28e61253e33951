// The CNI shim on its own (no agent): VERSION, and every bad input answered with the code of
// 07 §1.7 as a CNI error object on stdout and exit 1; DEL and STATUS with the agent down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runShim } from '../../helpers/cni-shim.js';

const dir = mkdtempSync(join(tmpdir(), `ztkube-shim-${process.pid}-`));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const deadSocket = join(dir, 'nobody.sock');
const conf = (extra: Record<string, unknown> = {}): string => JSON.stringify({ cniVersion: '1.1.0', name: 'k8s-pod-network', type: 'ztkube', socket: deadSocket, ...extra });
const podEnv = { CNI_CONTAINERID: 'abc123', CNI_IFNAME: 'eth0', CNI_NETNS: '/var/run/netns/x', CNI_PATH: '/opt/cni/bin' };

function assertError(r: ReturnType<typeof runShim>, code: number, msgPart: RegExp): void {
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.json?.code, code, r.stdout);
  assert.match(String(r.json?.msg), msgPart);
}

test('VERSION answers in the version it was given, listing 0.3.0 to 1.1.0', () => {
  for (const v of ['0.3.1', '1.0.0']) {
    const r = runShim({ CNI_COMMAND: 'VERSION' }, JSON.stringify({ cniVersion: v }));
    assert.equal(r.status, 0);
    assert.deepEqual(r.json, { cniVersion: v, supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] });
  }
  assert.equal(runShim({ CNI_COMMAND: 'VERSION' }, '').json?.cniVersion, '1.1.0');
});

test('a missing or unknown CNI_COMMAND is code 4', () => {
  assertError(runShim({}, conf()), 4, /CNI_COMMAND is not set/);
  assertError(runShim({ CNI_COMMAND: 'ATTACH' }, conf()), 4, /CNI_COMMAND must be one of .*"ATTACH"/);
});

test('missing or malformed pod variables are code 4 naming the variable', () => {
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD', CNI_CONTAINERID: '' }, conf()), 4, /CNI_CONTAINERID is not set/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD', CNI_CONTAINERID: '_x' }, conf()), 4, /CNI_CONTAINERID "_x"/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'CHECK', CNI_IFNAME: 'a/b' }, conf()), 4, /CNI_IFNAME "a\/b"/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD', CNI_IFNAME: 'sixteen-chars-xx' }, conf()), 4, /CNI_IFNAME/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD', CNI_NETNS: '' }, conf()), 4, /CNI_NETNS is not set/);
});

test('stdin that is not a JSON object is code 6; a bad version string is code 6', () => {
  for (const bad of ['', '{', '[1]', '{"a":1} x', '{"a":tru}', '{"a":"\\q"}']) {
    assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD' }, bad), 6, /not a JSON object/);
  }
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD' }, conf({ cniVersion: '1.x' })), 6, /"1\.x" is not a version/);
});

test('an unsupported cniVersion is code 1; a config without cniVersion, name or with a relative socket is code 7', () => {
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD' }, conf({ cniVersion: '2.0.0' })), 1, /2\.0\.0 is not supported/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD' }, JSON.stringify({ name: 'n' })), 7, /cniVersion is missing/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD' }, conf({ name: '' })), 7, /name must be a non-empty string/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD' }, conf({ socket: 'run/x.sock' })), 7, /socket must be an absolute path/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'CHECK' }, conf({ cniVersion: '0.3.1' })), 1, /0\.3\.1 has no CHECK; it needs 0\.4\.0/);
  assertError(runShim({ CNI_COMMAND: 'STATUS' }, conf({ cniVersion: '1.0.0' })), 1, /has no STATUS/);
  assertError(runShim({ CNI_COMMAND: 'GC' }, conf({ cniVersion: '0.4.0' })), 1, /has no GC/);
  // errors carry the config's version once it is known
  assert.equal(runShim({ ...podEnv, CNI_COMMAND: 'ADD' }, conf({ cniVersion: '0.4.0', name: '' })).json?.cniVersion, '0.4.0');
});

test('with the agent down: STATUS is code 50, ADD/CHECK/GC code 11, DEL succeeds with empty stdout', () => {
  assertError(runShim({ CNI_COMMAND: 'STATUS', CNI_PATH: '/opt/cni/bin' }, conf()), 50, /not reachable at .*nobody\.sock/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'ADD' }, conf()), 11, /not reachable/);
  assertError(runShim({ ...podEnv, CNI_COMMAND: 'CHECK' }, conf({ prevResult: {} })), 11, /not reachable/);
  assertError(runShim({ CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }, conf({ 'cni.dev/valid-attachments': [] })), 11, /not reachable/);
  for (const netns of ['', '/var/run/netns/gone']) {
    const r = runShim({ ...podEnv, CNI_COMMAND: 'DEL', CNI_NETNS: netns }, conf());
    assert.equal(r.status, 0, r.stdout);
    assert.equal(r.stdout, '');
  }
});

test('unknown CNI_ARGS and unknown config keys (nested, with escapes) are accepted', () => {
  const r = runShim(
    { ...podEnv, CNI_COMMAND: 'DEL', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=default;WHATEVER=a=b' },
    conf({ extra: [1, -2.5e3, { deep: 'caf\u00e9 "q" \\ \n' }, null, true, false], runtimeConfig: {} }),
  );
  assert.equal(r.status, 0, r.stdout);
});

// The real shim talking to the agent's CniServer and CniPlugin in this process (ports faked):
// the request reaches the agent intact (env, config with escapes and a large prevResult), the
// agent's answer and exit code come back unchanged, a pod without networks passes through.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniPlugin } from '../../../src/cni/cni-plugin.js';
import { CniServer } from '../../../src/cni/cni-server.js';
import { ConfigPodNetworks } from '../../../src/cni/config-pod-networks.js';
import type { AttachmentKey, AttachmentPort, AttachRequest, ValidAttachment } from '../../../src/cni/ports.js';
import type { Additions } from '../../../src/cni/cni-result.js';
import { runShimAsync } from '../../helpers/cni-shim.js';

class RecordingAttachments implements AttachmentPort {
  ready = true;
  readonly calls: string[] = [];
  readonly attached: AttachRequest[] = [];
  gcValid: ValidAttachment[] | null = null;
  isReady(): boolean {
    return this.ready;
  }
  async attach(r: AttachRequest): Promise<Additions> {
    this.attached.push(r);
    return { interfaces: [{ name: r.ifname, mac: '02:00:00:00:00:0a', sandbox: r.netns }], ips: [{ address: `10.147.17.${this.attached.length + 10}/24`, interface: 0 }], routes: [] };
  }
  async detach(key: AttachmentKey, netns: string): Promise<void> {
    this.calls.push(`detach ${key.containerId} ${key.ifname}${key.isDelegate ? ' delegate' : ''} ${netns}`);
  }
  async check(key: AttachmentKey): Promise<void> {
    this.calls.push(`check ${key.containerId}${key.isDelegate ? ` ${key.ifname} delegate` : ''}`);
  }
  async gc(valid: ValidAttachment[]): Promise<void> {
    this.gcValid = valid;
  }
}

const dir = mkdtempSync(join(tmpdir(), `ztkube-cni-agent-${process.pid}-`));
const socket = join(dir, 'cni.sock');
const attachments = new RecordingAttachments();
const server = new CniServer(socket, new CniPlugin({ podNetworks: new ConfigPodNetworks(), attachments }));
await server.start();
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = (command: string, pod: string): Record<string, string> => ({
  CNI_COMMAND: command, CNI_CONTAINERID: `id-${pod}`, CNI_IFNAME: 'eth0', CNI_NETNS: `/run/netns/${pod}`, CNI_PATH: '/opt/cni/bin',
  CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=${pod};K8S_POD_UID=x`,
});
const prevResult = {
  cniVersion: '1.0.0',
  interfaces: Array.from({ length: 300 }, (_, i) => ({ name: `veth${i}`, mac: '0a:58:0a:f4:02:06' })),
  ips: [{ address: '10.244.2.6/24', gateway: '10.244.2.1', interface: 0 }],
  dns: { search: ['caf\u00e9 "quoted" \\ \n'] },
};
const conf = { cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'ztkube', socket, podNetworks: { 'default/web': 'lan, six@zt9' }, prevResult };

test('a pod without networks: the prevResult comes back byte for byte as JSON', async () => {
  const r = await runShimAsync(env('ADD', 'other'), JSON.stringify(conf));
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(r.json, prevResult);
  assert.equal(attachments.attached.length, 0);
});

test('an annotated pod: one attachment per network, appended after the prevResult', async () => {
  const r = await runShimAsync(env('ADD', 'web'), JSON.stringify(conf));
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(attachments.attached.map((a) => [a.network, a.ifname, a.containerId, a.netns, a.pod?.name]), [
    ['lan', 'zt0', 'id-web', '/run/netns/web', 'web'],
    ['six', 'zt9', 'id-web', '/run/netns/web', 'web'],
  ]);
  const out = r.json as { interfaces: Array<{ name: string }>; ips: Array<{ interface: number }>; dns: unknown };
  assert.deepEqual(out.interfaces.slice(-2).map((i) => i.name), ['zt0', 'zt9']);
  assert.deepEqual(out.ips.slice(1).map((i) => i.interface), [300, 301]);
  assert.deepEqual(out.dns, prevResult.dns);
});

test('DEL, CHECK and GC reach the agent with their keys; STATUS answers 50 while the agent is not ready', async () => {
  assert.equal((await runShimAsync({ ...env('DEL', 'web'), CNI_NETNS: '' }, JSON.stringify(conf))).status, 0);
  assert.equal((await runShimAsync(env('CHECK', 'web'), JSON.stringify(conf))).status, 0);
  assert.deepEqual(attachments.calls, ['detach id-web eth0 ', 'check id-web']);
  const gc = await runShimAsync({ CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' }, JSON.stringify({ ...conf, cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }] }));
  assert.equal(gc.status, 0, gc.stdout);
  assert.deepEqual(attachments.gcValid, [{ containerId: 'a', ifname: 'eth0' }]);
  attachments.ready = false;
  const s = await runShimAsync({ CNI_COMMAND: 'STATUS' }, JSON.stringify({ ...conf, cniVersion: '1.1.0' }));
  assert.equal(s.status, 1);
  assert.deepEqual(s.json, { cniVersion: '1.1.0', code: 50, msg: 'the ztkube agent is not ready to attach pods yet' });
  const a = await runShimAsync(env('ADD', 'web'), JSON.stringify(conf));
  assert.equal((a.json as { code: number }).code, 11);
  attachments.ready = true;
});

test('errors decided by the agent come back as its CNI error with exit 1', async () => {
  const r = await runShimAsync(env('ADD', 'web'), JSON.stringify({ ...conf, podNetworks: { 'default/web': 'lan@x,six@x' } }));
  assert.equal(r.status, 1);
  assert.equal((r.json as { code: number }).code, 7);
  assert.match((r.json as { msg: string }).msg, /given twice/);
});

test('pod annotations passed by the runtime (runtimeConfig) are used instead of reading them', async () => {
  attachments.attached.length = 0;
  const annotations = { 'io.kubernetes.cri.pod-annotations': { 'ztkube.io/networks': 'six@zt3', other: 'x' } };
  const r = await runShimAsync(env('ADD', 'web'), JSON.stringify({ ...conf, runtimeConfig: annotations }));
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(attachments.attached.map((a) => [a.network, a.ifname]), [['six', 'zt3']], 'not the table the stand-in port reads');
  const none = await runShimAsync(env('ADD', 'web'), JSON.stringify({ ...conf, runtimeConfig: { 'io.kubernetes.cri.pod-annotations': {} } }));
  assert.deepEqual(none.json, prevResult, 'passed annotations without ours: the pod passes through');
  const bad = await runShimAsync(env('ADD', 'web'), JSON.stringify({ ...conf, runtimeConfig: { 'io.kubernetes.cri.pod-annotations': { 'ztkube.io/networks': 7 } } }));
  assert.equal(bad.status, 1);
  assert.match((bad.json as { msg: string }).msg, /runtimeConfig\["io.kubernetes.cri.pod-annotations"\]\["ztkube.io\/networks"\] must be a string/);
});

test('Multus delegate: the net config names the network; exactly it on CNI_IFNAME, the result its own interface; DEL and CHECK keyed as delegate', async () => {
  attachments.attached.length = 0;
  attachments.calls.length = 0;
  // As the operator writes a NAD's config; Multus adds nothing but runs it with CNI_IFNAME=net1.
  const nad = { cniVersion: '1.1.0', name: 'lan', type: 'ztkube', socket, network: '8056c2e21c000001', podNetworks: { 'default/web': 'six' } };
  const r = await runShimAsync({ ...env('ADD', 'web'), CNI_IFNAME: 'net1' }, JSON.stringify(nad));
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(attachments.attached.map((a) => [a.network, a.ifname, a.primaryIfname, a.isDelegate]), [['8056c2e21c000001', 'net1', 'net1', true]], 'no annotation lookup');
  assert.deepEqual(r.json, {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'net1', mac: '02:00:00:00:00:0a', sandbox: '/run/netns/web' }],
    ips: [{ address: '10.147.17.11/24', interface: 0 }],
  });
  assert.equal((await runShimAsync({ ...env('CHECK', 'web'), CNI_IFNAME: 'net1' }, JSON.stringify({ ...nad, prevResult: r.json }))).status, 0);
  assert.equal((await runShimAsync({ ...env('DEL', 'web'), CNI_IFNAME: 'net1', CNI_NETNS: '' }, JSON.stringify(nad))).status, 0);
  assert.deepEqual(attachments.calls, ['check id-web net1 delegate', 'detach id-web net1 delegate ']);
  const bad = await runShimAsync({ ...env('ADD', 'web'), CNI_IFNAME: 'net1' }, JSON.stringify({ ...nad, network: 'Not A Name' }));
  assert.equal(bad.status, 1);
  assert.deepEqual(bad.json, { cniVersion: '1.1.0', code: 7, msg: 'config: network must be a ZTNetwork name or a 16-digit network id, got "Not A Name"' });
  const del = await runShimAsync({ ...env('DEL', 'web'), CNI_IFNAME: 'net1' }, JSON.stringify({ ...nad, network: 'Not A Name' }));
  assert.equal(del.status, 0, 'DEL succeeds whatever the config names');
});

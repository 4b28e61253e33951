// The agent's pure CNI parts: CNI_ARGS, the ztkube.io/networks annotation, request decoding,
// results per cniVersion, pod IPAM and the config's network table (07 §1, §7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCniArgs, podFromArgs } from '../../../src/cni/cni-args.js';
import { parseNetworksAnnotation } from '../../../src/cni/pod-networks.js';
import { decodeCniRequest } from '../../../src/cni/cni-request.js';
import { appendToResult } from '../../../src/cni/cni-result.js';
import { allocateIpv4, allocateSixplane } from '../../../src/cni/pod-ipam.js';
import { ConfigNetworkCatalog } from '../../../src/cni/network-catalog.js';
import { CniError } from '../../../src/cni/cni-error.js';
import { parsePrefix } from '../../../src/net/ip/prefix.js';

const code = (n: number) => (e: unknown): boolean => e instanceof CniError && e.cniCode === n;

test('CNI_ARGS: any order, unknown keys kept, split on the first =; a pair without = is code 4', () => {
  const a = parseCniArgs('K8S_POD_UID=u;IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;X=a=b;');
  assert.equal(a.get('X'), 'a=b');
  assert.deepEqual(podFromArgs(a), { namespace: 'default', name: 'web-0', uid: 'u' });
  assert.equal(podFromArgs(parseCniArgs('IgnoreUnknown=1')), null);
  assert.throws(() => parseCniArgs('novalue'), code(4));
});

test('the annotation: names and ids, zt0, zt1… skipping names given with @', () => {
  assert.deepEqual(parseNetworksAnnotation('lan, 8056c2e21c000001@zt0 ,six'), [
    { network: 'lan', ifname: 'zt1' },
    { network: '8056c2e21c000001', ifname: 'zt0' },
    { network: 'six', ifname: 'zt2' },
  ]);
  assert.deepEqual(parseNetworksAnnotation(' '), []);
  assert.throws(() => parseNetworksAnnotation('Bad_Name'), code(7));
  assert.throws(() => parseNetworksAnnotation('lan@a/b'), code(7));
  assert.throws(() => parseNetworksAnnotation('lan@x,six@x'), code(7));
});

const request = (env: Record<string, string>, config: Record<string, unknown>): string => JSON.stringify({ env, config });
const pod = { CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_NETNS: '/run/netns/p' };

test('requests: the checks of the shim again, with the same codes', () => {
  const ok = decodeCniRequest(request({ CNI_COMMAND: 'ADD', ...pod, CNI_ARGS: 'K8S_POD_NAME=a' }, { cniVersion: '0.4.0', name: 'n' }));
  assert.equal(ok.command, 'ADD');
  assert.equal(ok.args.get('K8S_POD_NAME'), 'a');
  assert.equal(decodeCniRequest(request({ CNI_COMMAND: 'DEL', ...pod, CNI_NETNS: '' }, { cniVersion: '1.1.0', name: 'n' })).netns, '');
  assert.throws(() => decodeCniRequest('{'), code(6));
  assert.throws(() => decodeCniRequest(request({ CNI_COMMAND: 'ADD', ...pod }, { cniVersion: '0.2.0', name: 'n' })), code(1));
  assert.throws(() => decodeCniRequest(request({ CNI_COMMAND: 'ADD', ...pod }, { name: 'n' })), code(7));
  assert.throws(() => decodeCniRequest(request({ CNI_COMMAND: 'ADD', ...pod }, { cniVersion: '1.0.0' })), code(7));
  assert.throws(() => decodeCniRequest(request({ CNI_COMMAND: 'NOPE' }, { cniVersion: '1.0.0', name: 'n' })), code(4));
  assert.throws(() => decodeCniRequest(request({ CNI_COMMAND: 'CHECK', ...pod, CNI_NETNS: '' }, { cniVersion: '1.0.0', name: 'n' })), code(4));
  assert.throws(() => decodeCniRequest(request({ CNI_COMMAND: 'CHECK', ...pod }, { cniVersion: '0.3.0', name: 'n' })), code(1));
  assert.throws(() => decodeCniRequest(request({ CNI_COMMAND: 'GC' }, { cniVersion: '1.0.0', name: 'n' })), code(1));
  assert.throws(() => decodeCniRequest(request({ CNI_COMMAND: 'ADD', ...pod, CNI_IFNAME: '..' }, { cniVersion: '1.0.0', name: 'n' })), code(4));
});

const prev = { cniVersion: '0.4.0', interfaces: [{ name: 'eth0', sandbox: '/p' }], ips: [{ version: '4', address: '10.22.0.5/24', interface: 0 }], dns: { nameservers: ['1.1.1.1'] } };
const added = { interfaces: [{ name: 'zt0', mac: '02:00:00:00:00:01', mtu: 2800, sandbox: '/p' }], ips: [{ address: 'fc00::2/128', interface: 0 }], routes: [{ dst: 'fc00::/40', gw: 'fe80::1' }] };

test('results: prevResult kept, additions appended with interface indexes shifted, fields per version', () => {
  const v04 = appendToResult(prev, '0.4.0', added);
  assert.deepEqual(v04, {
    cniVersion: '0.4.0',
    interfaces: [{ name: 'eth0', sandbox: '/p' }, { name: 'zt0', mac: '02:00:00:00:00:01', sandbox: '/p' }],
    ips: [prev.ips[0], { version: '6', address: 'fc00::2/128', interface: 1 }],
    routes: [{ dst: 'fc00::/40', gw: 'fe80::1' }],
    dns: { nameservers: ['1.1.1.1'] },
  });
  const v11 = appendToResult(undefined, '1.1.0', added) as { interfaces: Array<{ mtu?: number }>; ips: Array<Record<string, unknown>> };
  assert.equal(v11.interfaces[0].mtu, 2800);
  assert.deepEqual(v11.ips[0], { address: 'fc00::2/128', interface: 0 });
});

test('IPAM: the lowest free address of the range, never the LAN network/broadcast or a member address', () => {
  const lan = parsePrefix('10.147.17.0/24')!;
  assert.equal(allocateIpv4(parsePrefix('10.147.17.0/30')!, lan, [], []), '10.147.17.1/24');
  assert.equal(allocateIpv4(parsePrefix('10.147.17.0/30')!, lan, ['10.147.17.1/24'], ['10.147.17.2']), '10.147.17.3/24');
  assert.throws(() => allocateIpv4(parsePrefix('10.147.17.252/30')!, lan, ['10.147.17.252/24', '10.147.17.253/24', '10.147.17.254/24'], []), code(11));
  assert.throws(() => allocateIpv4(parsePrefix('10.1.0.0/30')!, lan, [], []), code(7));
  const nwid = 0x8056c2e21c000001n;
  const first = allocateSixplane(nwid, 0xe290b75015, []);
  assert.match(first, /::2\/128$/);
  assert.match(allocateSixplane(nwid, 0xe290b75015, [first]), /::3\/128$/);
});

test('the config network table: bridge needs an IPv4 range, ids alone mean sixplane, bad entries name their key', async () => {
  const c = new ConfigNetworkCatalog();
  const networks = { lan: { id: '8056c2e21c000001', range: '10.147.17.128/26', mtu: 1400 } };
  const lan = await c.resolve('lan', { networks });
  assert.equal(lan.mode, 'bridge');
  assert.equal(lan.mtu, 1400);
  assert.equal((await c.resolve('8056c2e21c000002', {})).mode, 'sixplane');
  await assert.rejects(c.resolve('other', { networks }), code(7));
  await assert.rejects(c.resolve('lan', { networks: { lan: { id: 'x' } } }), /networks\["lan"\]\.id/);
  await assert.rejects(c.resolve('lan', { networks: { lan: { id: '8056c2e21c000001', range: 'fc00::/64' } } }), /\.range must be an IPv4 CIDR/);
  await assert.rejects(c.resolve('lan', { networks: { lan: { id: '8056c2e21c000001', mode: 'l3' } } }), /\.mode/);
});

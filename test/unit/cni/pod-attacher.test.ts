// PodAttacher against the Docker plugin's fakes of the engine and the host links, a pod-side
// fake and a memory store: what an ADD builds per mode, what DEL and GC release, and that
// records survive a new attacher over the same store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodAttacher } from '../../../src/cni/pod-attacher.js';
import { ConfigNetworkCatalog } from '../../../src/cni/network-catalog.js';
import { CniError } from '../../../src/cni/cni-error.js';
import type { AttachmentRecord, AttachmentStateStore } from '../../../src/cni/attachment-state.js';
import type { PodLinkSpec, PodLinks } from '../../../src/cni/pod-links.js';
import type { AttachRequest } from '../../../src/cni/ports.js';
import { bridgeName } from '../../../src/docker/network-driver.js';
import { FakeLinks, FakeZeroTier, route, ztConfig } from '../../helpers/docker-fakes.js';

const NWID = 0x8056c2e21c000001n;
const ID = '8056c2e21c000001';

class MemoryStore implements AttachmentStateStore {
  saved: AttachmentRecord[] = [];
  load(): AttachmentRecord[] {
    return structuredClone(this.saved);
  }
  save(r: AttachmentRecord[]): void {
    this.saved = structuredClone(r);
  }
}

class FakePodLinks implements PodLinks {
  readonly setUp: PodLinkSpec[] = [];
  failNext = false;
  async setUpPodEnd(s: PodLinkSpec): Promise<void> {
    if (this.failNext) throw new CniError(100, 'ip link set: no such netns');
    this.setUp.push(s);
  }
  async hasPodLink(): Promise<boolean> {
    return true;
  }
  isNetnsPresent(): boolean {
    return true;
  }
}

function rig(store = new MemoryStore()) {
  const zerotier = new FakeZeroTier();
  zerotier.onJoin = (nwid) => ztConfig(nwid, { routes: [route('10.147.17.0/24'), route('10.9.0.0/16', '10.147.17.1'), route('0.0.0.0/0', '10.147.17.1')] });
  const links = new FakeLinks();
  const podLinks = new FakePodLinks();
  let n = 0;
  const attacher = new PodAttacher({
    zerotier, links, podLinks, store, catalog: new ConfigNetworkCatalog(),
    delay: async () => undefined,
    random: () => new Uint8Array([0x12, 0, 0, 0, 0, ++n]),
    isReady: () => true,
    configWaitMs: 1000,
  });
  return { zerotier, links, podLinks, attacher, store };
}

const config = { networks: { lan: { id: ID, mode: 'bridge', range: '10.147.17.4/30' }, six: { id: ID, mode: 'sixplane', mtu: 1400 } } };
const req = (network: string, ifname: string, containerId = 'c1'): AttachRequest => ({ containerId, primaryIfname: 'eth0', isDelegate: false, netns: '/run/netns/p', network, ifname, pod: null, config });
/** What Multus's delegate invocation asks for: the network on CNI_IFNAME itself. */
const delegateReq = (network: string, ifname: string, containerId = 'c1'): AttachRequest => ({ ...req(network, ifname, containerId), primaryIfname: ifname, isDelegate: true });
const chainedKey = (containerId: string) => ({ containerId, ifname: 'eth0', isDelegate: false });

test('bridge: joins, puts the TAP on the bridge, a veth on it, range addresses skipping the member\'s .5, routes but no default', async () => {
  const { zerotier, links, podLinks, attacher } = rig();
  const a = await attacher.attach(req('lan', 'zt0'));
  assert.deepEqual(zerotier.calls, [`join ${ID}`]);
  assert.equal(zerotier.addressDevices.get(NWID), bridgeName(NWID));
  assert.match(links.calls[0], new RegExp(`^bridge ${bridgeName(NWID)} `));
  assert.match(links.calls[1], new RegExp(`^veth ztp[0-9a-f]{12} ztq[0-9a-f]{12} 06:7a:0a:93:11:04 2800 ${bridgeName(NWID)}$`));
  assert.deepEqual(a.ips, [{ address: '10.147.17.4/24', interface: 0 }]);
  assert.deepEqual(a.routes, [{ dst: '10.9.0.0/16', gw: '10.147.17.1' }]);
  // the MAC is the address's (02:7a:…, 06 here since 02 starts this network's member MACs)
  assert.deepEqual(a.interfaces, [{ name: 'zt0', mac: '06:7a:0a:93:11:04', mtu: 2800, sandbox: '/run/netns/p' }]);
  assert.equal(podLinks.setUp[0].ifname, 'zt0');
  const b = await attacher.attach(req('lan', 'zt0', 'c2'));
  assert.equal(b.ips[0].address, '10.147.17.6/24'); // .5 is the member's own
  assert.equal(b.interfaces[0].mac, '06:7a:0a:93:11:06', 'the MAC follows the address, so a reused address keeps it');
  assert.equal((await attacher.attach(req('lan', 'zt0', 'c3'))).ips[0].address, '10.147.17.7/24');
  await assert.rejects(attacher.attach(req('lan', 'zt0', 'c4')), (e: unknown) => e instanceof CniError && e.cniCode === 11);
});

test('bridge: an address handed out again after DEL comes with the same MAC, so stale ARP entries elsewhere stay right', async () => {
  const { attacher } = rig();
  const a = await attacher.attach(req('lan', 'zt0', 'c1'));
  const b = await attacher.attach(req('lan', 'zt0', 'c2'));
  assert.notEqual(a.interfaces[0].mac, b.interfaces[0].mac);
  await attacher.detach(chainedKey('c1'));
  const again = await attacher.attach(req('lan', 'zt0', 'c3'));
  assert.equal(again.ips[0].address, a.ips[0].address);
  assert.equal(again.interfaces[0].mac, a.interfaces[0].mac);
});

test('bridge on a network where this node is no bridge and its controller is another: a sentence, nothing made', async () => {
  const { zerotier, links, attacher, store } = rig();
  zerotier.onJoin = (nwid) => ztConfig(nwid, { isBridgeAllowed: false });
  await assert.rejects(attacher.attach(req('lan', 'zt0')), /active bridge/);
  assert.deepEqual(links.calls, []);
  assert.deepEqual(store.saved, []);
});

test('sixplane: a routed /128 after the member\'s ::1, the /40 via fe80::1, the MTU override; no IPv6 forwarding is a sentence', async () => {
  const { links, attacher } = rig();
  const a = await attacher.attach(req('six', 'zt0'));
  assert.match(a.ips[0].address, /::2\/128$/);
  assert.equal(a.interfaces[0].mtu, 1400);
  assert.equal(a.routes[0].gw, 'fe80::1');
  assert.match(a.routes[0].dst, /\/40$/);
  assert.ok(links.calls.some((c) => c.startsWith('route6 ')));
  const other = rig();
  other.links.isForwarding = false;
  await assert.rejects(other.attacher.attach(req('six', 'zt0')), /forward IPv6/);
});

test('an MTU above the network\'s is refused with a sentence, nothing made', async () => {
  const { links, attacher, store } = rig();
  const big = { networks: { lan: { id: ID, mode: 'bridge', range: '10.147.17.4/30', mtu: 9000 } } };
  await assert.rejects(attacher.attach({ ...req('lan', 'zt0'), config: big }), (e: unknown) => e instanceof CniError && e.cniCode === 7 && /above ZeroTier network .* MTU 2800/.test(e.message));
  assert.deepEqual(links.calls, []);
  assert.deepEqual(store.saved, []);
});

test('DEL removes the host ends and records, twice is fine; a pod-side failure is recorded so DEL undoes it', async () => {
  const { links, podLinks, attacher, store } = rig();
  await attacher.attach(req('lan', 'zt0'));
  await attacher.attach(req('six', 'zt1'));
  assert.equal(store.saved.length, 2);
  await attacher.detach(chainedKey('c1'));
  await attacher.detach(chainedKey('c1'));
  assert.deepEqual(store.saved, []);
  assert.deepEqual([...links.links].filter((l) => l.startsWith('ztp')), []);
  podLinks.failNext = true;
  await assert.rejects(attacher.attach(req('lan', 'zt0', 'c9')), /no such netns/);
  assert.equal(store.saved.length, 1);
  await attacher.detach(chainedKey('c9'));
  assert.deepEqual(store.saved, []);
});

test('GC keeps the listed attachments and releases the rest; a new attacher over the store sees the records', async () => {
  const store = new MemoryStore();
  const { attacher } = rig(store);
  await attacher.attach(req('lan', 'zt0', 'keep'));
  await attacher.attach(req('lan', 'zt0', 'stale'));
  const again = rig(store).attacher;
  assert.equal(again.list().length, 2);
  await again.gc([{ containerId: 'keep', ifname: 'eth0' }]);
  assert.deepEqual(store.saved.map((r) => r.containerId), ['keep']);
  // the stale pod's address (.6) is free again, the kept one's (.4) is not
  const next = await again.attach(req('lan', 'zt0', 'new'));
  assert.equal(next.ips[0].address, '10.147.17.6/24');
});

test('a pod with a chained attachment and a Multus one: DEL, CHECK and GC of either never touch the other', async () => {
  const store = new MemoryStore();
  const { links, attacher } = rig(store);
  await attacher.attach(req('lan', 'zt0'));
  const m = await attacher.attach(delegateReq('lan', 'net1'));
  assert.deepEqual(m.interfaces.map((i) => i.name), ['net1']);
  assert.deepEqual(store.saved.map((r) => [r.ifname, r.primaryIfname, r.isDelegate ?? false]), [['zt0', 'eth0', false], ['net1', 'net1', true]]);
  // The same interface name twice in one pod is refused, whichever way it is asked for.
  await assert.rejects(attacher.attach(delegateReq('lan', 'zt0')), (e: unknown) => e instanceof CniError && e.cniCode === 7 && /already has an interface zt0/.test(e.message));
  // A chained key with the Multus interface's name is still not the Multus attachment.
  await attacher.detach({ containerId: 'c1', ifname: 'net1', isDelegate: false });
  await attacher.check({ containerId: 'c1', ifname: 'net1', isDelegate: true }, '/run/netns/p');
  assert.equal(store.saved.length, 2);
  // The runtime lists only its own attachment (Multus's eth0): the delegate one is kept with its container.
  await attacher.gc([{ containerId: 'c1', ifname: 'eth0' }]);
  assert.equal(store.saved.length, 2);
  await attacher.detach(chainedKey('c1'));
  assert.deepEqual(store.saved.map((r) => r.ifname), ['net1'], "the chain's DEL leaves Multus's interface");
  await attacher.detach({ containerId: 'c1', ifname: 'net1', isDelegate: true });
  await attacher.detach({ containerId: 'c1', ifname: 'net1', isDelegate: true });
  assert.deepEqual(store.saved, []);
  assert.deepEqual([...links.links].filter((l) => l.startsWith('ztp')), []);
  // A container the runtime no longer lists loses its delegate attachments to GC.
  await attacher.attach(delegateReq('lan', 'net1', 'gone'));
  await attacher.gc([{ containerId: 'other', ifname: 'eth0' }]);
  assert.deepEqual(store.saved, []);
});

test('a pod whose veth the kernel removed (its netns deleted with no DEL reaching us) is released, its address free again', async () => {
  const { links, attacher, store } = rig();
  await attacher.attach(req('lan', 'zt0', 'kept'));
  await attacher.attach(req('lan', 'zt0', 'gone'));
  await attacher.attach(req('six', 'zt1', 'gone'));
  assert.deepEqual(await attacher.releaseVanished(), [], 'every veth present: nothing released');
  assert.equal(store.saved.length, 3);
  for (const r of store.saved.filter((x) => x.containerId === 'gone')) links.links.delete(r.hostVeth); // what the kernel does at `ip netns del`
  assert.deepEqual(await attacher.releaseVanished(), ['gone']);
  assert.deepEqual(store.saved.map((r) => r.containerId), ['kept']);
  const next = await attacher.attach(req('lan', 'zt0', 'new'));
  assert.equal(next.ips[0].address, '10.147.17.6/24', 'gone\'s .6 handed out again');
});

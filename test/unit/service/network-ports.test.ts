// NetworkPorts with FakeTaps and the in-memory host (MemoryHostNet): the TAP's life cycle
// over UP / CONFIG_UPDATE / DOWN / DESTROY, the managed addresses and routes it syncs, the
// settings re-sync, the port error on a failed TAP, frames both ways and the multicast scan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import winston from 'winston';
import Transport from 'winston-transport';
import { NetworkPorts, PORT_ERROR_TAP_FAILED, scanGroups, type PortNode } from '../../../src/service/network-ports.js';
import { MemoryHostNet, memoryTapOpener } from '../../../src/net/ip/memory-host-net.js';
import type { FakeTap } from '../../../src/net/tap/fake-tap.js';
import type { TapOptions } from '../../../src/net/tap/tap.js';
import { tapNameForNetwork } from '../../../src/net/tap/names.js';
import { parsePrefix, type IpPrefix } from '../../../src/net/ip/prefix.js';
import { parseIp } from '../../../src/protocol/inet-address.js';
import { macForMember, formatMac } from '../../../src/protocol/member-mac.js';
import type { ManagedRoute, VirtualFrame, VirtualNetworkConfig } from '../../../src/node/virtual-network.js';
import type { LocalConf } from '../../../src/service/network-local-conf.js';

class Capture extends Transport {
  lines: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push(info);
    next();
  }
}

const NWID = 0x15b70a629d1379c5n;
const SELF = 0xebfd288bba;
const P = (s: string): IpPrefix => parsePrefix(s)!;
const route = (target: string, via: string | null = null): ManagedRoute => ({ target: P(target), via: via ? parseIp(via)!.ip : null, flags: 0, metric: 0 });

function config(o: Partial<VirtualNetworkConfig> = {}): VirtualNetworkConfig {
  return {
    nwid: NWID, mac: macForMember(NWID, SELF), name: 'specnet', status: 'OK', type: 'PRIVATE', mtu: 2800, isBridgeAllowed: false, isBroadcastEnabled: true,
    portError: 0, netconfRevision: 1, assignedAddresses: [], routes: [], dns: null, multicastLimit: 32, authenticationUrl: '', multicastSubscriptions: [], ...o,
  };
}

interface Sent {
  nwid: bigint;
  dest: number;
  source: number;
  etherType: number;
  vlanId: number;
  data: number[];
}

class FakeNode implements PortNode {
  portErrors: string[] = [];
  setPortError(nwid: bigint, code: number): void {
    this.portErrors.push(`${nwid.toString(16)}=${code}`);
  }
  sent: Sent[] = [];
  subs: string[] = [];
  acts = 0;
  sendFrame(_now: number, nwid: bigint, f: VirtualFrame): null {
    this.sent.push({ nwid, dest: f.destMac, source: f.sourceMac, etherType: f.etherType, vlanId: f.vlanId, data: Array.from(f.data) });
    return null;
  }
  multicastSubscribe(_now: number, nwid: bigint, mac: number, adi: number): void {
    this.subs.push(`+${formatMac(mac)}/${adi}`);
    assert.equal(nwid, NWID);
  }
  multicastUnsubscribe(_now: number, _nwid: bigint, mac: number, adi: number): void {
    this.subs.push(`-${formatMac(mac)}/${adi}`);
  }
}

interface Rig {
  ports: NetworkPorts;
  host: MemoryHostNet;
  node: FakeNode;
  cap: Capture;
  taps: FakeTap[];
  online: boolean;
  conf: LocalConf;
  failOpen: string | null;
}

function rig(node: PortNode = new FakeNode()): Rig {
  const cap = new Capture();
  const log = winston.createLogger({ level: 'debug', levels: { error: 0, warn: 1, info: 2, debug: 3 }, transports: [cap] });
  const host = new MemoryHostNet();
  const open = memoryTapOpener(host);
  const r: Rig = {
    host, cap, taps: [], online: true, failOpen: null, node: node as FakeNode,
    conf: { settings: { allowManaged: true, allowGlobal: false, allowDefault: false, allowDNS: false }, managedWhitelist: [] },
    ports: null as unknown as NetworkPorts,
  };
  r.ports = new NetworkPorts({
    log, host,
    openTap: (o: TapOptions) => {
      if (r.failOpen) throw new Error(r.failOpen);
      const t = open({ ...o, autoDeliver: false });
      r.taps.push(t);
      return t;
    },
    loadLocalConf: () => r.conf,
    act: (fn) => {
      (node as FakeNode).acts = ((node as FakeNode).acts ?? 0) + 1;
      return fn(node, 1000);
    },
    isOnline: () => r.online,
    nowMs: () => 1000,
  });
  return r;
}

const errors = (c: Capture): string[] => c.lines.filter((l) => l.level === 'error').map((l) => `${l.message as string}: ${(l.error as string) ?? ''}`);

test('UP makes the TAP as zerotier-one does (name, member MAC, MTU, up) and syncs the managed addresses and routes', async () => {
  const r = rig();
  const c = config({ mtu: 2750, assignedAddresses: [P('10.147.17.158/24'), P('fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88')], routes: [route('10.147.17.0/24'), route('172.27.0.0/16', '10.147.17.1')] });
  assert.equal(r.ports.networkChanged(NWID, 'up', c), 0);
  const tap = r.taps[0];
  assert.equal(tap.name, 'zto4vbsg2y');
  assert.equal(formatMac(tap.mac), 'c6:92:ee:b5:e9:b0');
  assert.equal(tap.mtu, 2750);
  assert.equal(tap.isUp, true);
  assert.equal(r.ports.deviceName(NWID), 'zto4vbsg2y');
  await r.ports.idle();
  assert.deepEqual(r.host.addressTexts('zto4vbsg2y'), ['10.147.17.158/24', 'fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88']);
  // The connected /24 is the kernel's; only the gateway route is added.
  assert.deepEqual(r.host.routeTexts('zto4vbsg2y'), ['172.27.0.0/16 via 10.147.17.1']);
  assert.deepEqual(errors(r.cap), []);
});

test('CONFIG_UPDATE: new addresses added and old removed, routes follow, the MTU changes', async () => {
  const r = rig();
  r.ports.networkChanged(NWID, 'up', config({ assignedAddresses: [P('10.147.17.158/24')], routes: [route('172.27.0.0/16', '10.147.17.1'), route('10.9.0.0/16', '10.147.17.1')] }));
  await r.ports.idle();
  r.host.log.length = 0;
  r.ports.networkChanged(NWID, 'config_update', config({ mtu: 1400, assignedAddresses: [P('10.147.18.7/24')], routes: [route('10.9.0.0/16', '10.147.18.1'), route('10.10.0.0/16')] }));
  await r.ports.idle();
  assert.equal(r.taps[0].mtu, 1400);
  assert.deepEqual(r.host.addressTexts('zto4vbsg2y'), ['10.147.18.7/24']);
  assert.deepEqual(r.host.routeTexts('zto4vbsg2y'), ['10.10.0.0/16', '10.9.0.0/16 via 10.147.18.1'], 'a changed gateway replaces the route; a gateway-less route is a device route');
  assert.deepEqual(r.host.log, [
    'addr del zto4vbsg2y 10.147.17.158/24',
    'addr add zto4vbsg2y 10.147.18.7/24',
    'route del zto4vbsg2y 10.9.0.0/16 via 10.147.17.1',
    'route del zto4vbsg2y 172.27.0.0/16 via 10.147.17.1',
    'route add zto4vbsg2y 10.10.0.0/16',
    'route add zto4vbsg2y 10.9.0.0/16 via 10.147.18.1',
  ]);
  // An unchanged config changes nothing (a controller re-stamps configs every minute).
  r.host.log.length = 0;
  r.ports.networkChanged(NWID, 'config_update', config({ mtu: 1400, assignedAddresses: [P('10.147.18.7/24')], routes: [route('10.9.0.0/16', '10.147.18.1'), route('10.10.0.0/16')] }));
  await r.ports.idle();
  assert.deepEqual(r.host.log, []);
});

test('settings: allowManaged=0 removes every managed address and route, =1 puts them back; allowGlobal and allowDefault add theirs', async () => {
  const r = rig();
  const c = config({
    assignedAddresses: [P('10.147.17.158/24')],
    routes: [route('172.27.0.0/16', '10.147.17.1'), route('44.0.0.0/8', '10.147.17.1'), route('0.0.0.0/0', '10.147.17.1')],
  });
  r.ports.networkChanged(NWID, 'up', c);
  await r.ports.idle();
  const dev = 'zto4vbsg2y';
  assert.deepEqual(r.host.routeTexts(dev), ['172.27.0.0/16 via 10.147.17.1']);
  r.ports.updateSettings(NWID, { allowManaged: false, allowGlobal: false, allowDefault: false, allowDNS: false });
  await r.ports.idle();
  assert.deepEqual([r.host.addressTexts(dev), r.host.routeTexts(dev)], [[], []]);
  assert.equal(r.ports.settings(NWID)?.allowManaged, false);
  r.ports.updateSettings(NWID, { allowManaged: true, allowGlobal: true, allowDefault: true, allowDNS: false });
  await r.ports.idle();
  assert.deepEqual(r.host.addressTexts(dev), ['10.147.17.158/24']);
  // The default route goes in as two /1 routes, so it wins over the host's default without replacing it.
  assert.deepEqual(r.host.routeTexts(dev), ['0.0.0.0/1 via 10.147.17.1', '128.0.0.0/1 via 10.147.17.1', '172.27.0.0/16 via 10.147.17.1', '44.0.0.0/8 via 10.147.17.1']);
  r.ports.updateSettings(NWID, { allowManaged: true, allowGlobal: false, allowDefault: false, allowDNS: false });
  await r.ports.idle();
  assert.deepEqual(r.host.routeTexts(dev), ['172.27.0.0/16 via 10.147.17.1'], 'both halves removed');
});

test('a default route with a gateway waits until the node is online', async () => {
  const r = rig();
  r.online = false;
  r.conf.settings.allowDefault = true;
  r.ports.networkChanged(NWID, 'up', config({ assignedAddresses: [P('10.147.17.158/24')], routes: [route('0.0.0.0/0', '10.147.17.1')] }));
  await r.ports.idle();
  assert.deepEqual(r.host.routeTexts('zto4vbsg2y'), []);
  r.online = true;
  r.ports.onlineChanged();
  await r.ports.idle();
  assert.deepEqual(r.host.routeTexts('zto4vbsg2y'), ['0.0.0.0/1 via 10.147.17.1', '128.0.0.0/1 via 10.147.17.1']);
});

test('the 30 s route pass puts back a managed route someone removed', async () => {
  const r = rig();
  r.ports.networkChanged(NWID, 'up', config({ assignedAddresses: [P('10.147.17.158/24')], routes: [route('172.27.0.0/16', '10.147.17.1')] }));
  await r.ports.idle();
  r.host.device('zto4vbsg2y').routes.length = 0;
  r.ports.refreshRoutes();
  await r.ports.idle();
  assert.deepEqual(r.host.routeTexts('zto4vbsg2y'), ['172.27.0.0/16 via 10.147.17.1']);
});

test('the whitelist of the local.conf limits the managed addresses and routes', async () => {
  const r = rig();
  r.conf.managedWhitelist = ['10.147.17.0/24', 'nonsense'];
  r.ports.networkChanged(NWID, 'up', config({ assignedAddresses: [P('10.147.17.158/24'), P('fd15::9/88')], routes: [route('172.27.0.0/16', '10.147.17.1')] }));
  await r.ports.idle();
  assert.deepEqual(r.host.addressTexts('zto4vbsg2y'), ['10.147.17.158/24']);
  assert.deepEqual(r.host.routeTexts('zto4vbsg2y'), []);
});

test('DESTROY and DOWN close the TAP; its addresses and routes go with the device', async () => {
  const r = rig();
  r.ports.networkChanged(NWID, 'up', config({ assignedAddresses: [P('10.147.17.158/24')], routes: [route('172.27.0.0/16', '10.147.17.1')] }));
  await r.ports.idle();
  assert.equal(r.ports.networkChanged(NWID, 'destroy', null), 0);
  assert.equal(r.taps[0].closed, true);
  assert.equal(r.host.interfaceExists('zto4vbsg2y'), false);
  assert.equal(r.ports.tapOf(NWID), undefined);
  assert.equal(r.ports.deviceName(NWID), 'zto4vbsg2y', 'the first-choice name when there is no TAP');
  // Re-joining makes the same device again, with the settings read anew.
  r.ports.networkChanged(NWID, 'up', config());
  assert.equal(r.taps[1].name, 'zto4vbsg2y');
  r.ports.networkChanged(NWID, 'down', config());
  assert.equal(r.taps[1].closed, true);
  assert.deepEqual(errors(r.cap), []);
});

test('a name in use takes the next trial; the devicemap name wins when free', () => {
  const r = rig();
  r.host.device(tapNameForNetwork(NWID, 0));
  r.ports.networkChanged(NWID, 'up', config());
  assert.equal(r.taps[0].name, tapNameForNetwork(NWID, 1));
});

test('a TAP that cannot be made is one error line and PORT_ERROR (-999), also on later updates, never a throw', async () => {
  const r = rig();
  r.failOpen = 'TAP zto4vbsg2y: open failed: ENOENT: no such file or directory, open /dev/net/tun';
  assert.equal(r.ports.networkChanged(NWID, 'up', config()), PORT_ERROR_TAP_FAILED);
  assert.equal(r.ports.networkChanged(NWID, 'config_update', config()), PORT_ERROR_TAP_FAILED);
  const lines = r.cap.lines.filter((l) => l.level === 'error');
  assert.equal(lines.length, 1);
  assert.equal(lines[0].message, 'unable to configure virtual network port');
  assert.equal(lines[0].nwid, '15b70a629d1379c5');
  assert.match(lines[0].error as string, /\/dev\/net\/tun/);
  assert.equal(r.ports.deviceName(NWID), 'zto4vbsg2y');
  assert.equal(r.ports.networkChanged(NWID, 'destroy', null), 0);
});

test('a kernel refusing a change is an error line, not a crash, and the next pass tries again', async () => {
  const r = rig();
  r.host.failWith = 'RTNETLINK answers: Operation not permitted';
  r.ports.networkChanged(NWID, 'up', config({ assignedAddresses: [P('10.147.17.158/24')] }));
  await r.ports.idle();
  assert.deepEqual(errors(r.cap), ['unable to add ip address: RTNETLINK answers: Operation not permitted']);
});

test('frames from the TAP: one act per batch, ≤ 14 bytes dropped, clamped to MTU + 14, 802.1Q passed untouched', () => {
  const node = new FakeNode();
  const r = rig(node);
  r.ports.networkChanged(NWID, 'up', config({ mtu: 100 }));
  const tap = r.taps[0];
  const frame = (dst: number[], src: number[], type: number, payload: number): Uint8Array => {
    const f = new Uint8Array(14 + payload);
    f.set(dst, 0);
    f.set(src, 6);
    f[12] = type >> 8;
    f[13] = type & 0xff;
    for (let i = 0; i < payload; i++) f[14 + i] = i & 0xff;
    return f;
  };
  const me = [0xc6, 0x92, 0xee, 0xb5, 0xe9, 0xb0];
  const peer = [0xc6, 0x6c, 0xa4, 0x97, 0x00, 0x97];
  tap.inject(frame(peer, me, 0x0800, 20));
  tap.inject(frame(peer, me, 0x0800, 0)); // 14 bytes: dropped
  tap.inject(frame(peer, me, 0x86dd, 150)); // longer than MTU + 14: clamped
  const tagged = frame(peer, me, 0x8100, 24);
  tagged[14] = 0x00;
  tagged[15] = 0x07; // VLAN 7
  tap.inject(tagged);
  const acts = node.acts;
  tap.deliver();
  assert.equal(node.acts - acts, 1, 'one engine call for the whole batch');
  assert.equal(node.sent.length, 3);
  assert.deepEqual(
    node.sent.map((s) => [formatMac(s.dest), formatMac(s.source), s.etherType.toString(16), s.vlanId, s.data.length]),
    [
      ['c6:6c:a4:97:00:97', 'c6:92:ee:b5:e9:b0', '800', 0, 20],
      ['c6:6c:a4:97:00:97', 'c6:92:ee:b5:e9:b0', '86dd', 0, 100],
      ['c6:6c:a4:97:00:97', 'c6:92:ee:b5:e9:b0', '8100', 0, 24],
    ],
  );
  assert.deepEqual(node.sent[0].data.slice(0, 4), [0, 1, 2, 3]);
  assert.deepEqual(node.sent[2].data.slice(0, 2), [0x00, 0x07], 'the tag stays in the payload');
});

test('frames to the TAP: the header rebuilt; a payload over the MTU dropped', async () => {
  const r = rig();
  r.ports.networkChanged(NWID, 'up', config({ mtu: 100 }));
  const tap = r.taps[0];
  const data = new Uint8Array([1, 2, 3, 4, 5]);
  r.ports.deliverFrame(NWID, { destMac: 0xc692eeb5e9b0, sourceMac: 0xc66ca4970097, etherType: 0x0806, vlanId: 0, data });
  r.ports.deliverFrame(NWID, { destMac: 0xc692eeb5e9b0, sourceMac: 0xc66ca4970097, etherType: 0x0800, vlanId: 0, data: new Uint8Array(101) });
  r.ports.deliverFrame(0x1234n, { destMac: 1, sourceMac: 2, etherType: 0x0800, vlanId: 0, data }); // no such network: ignored
  assert.equal(tap.takeWritten().length, 0, 'written with the rest of the wakeup, in a microtask');
  await Promise.resolve();
  const out = tap.takeWritten();
  assert.equal(out.length, 1);
  assert.deepEqual(Array.from(out[0]), [0xc6, 0x92, 0xee, 0xb5, 0xe9, 0xb0, 0xc6, 0x6c, 0xa4, 0x97, 0x00, 0x97, 0x08, 0x06, 1, 2, 3, 4, 5]);
});

test('multicast scan: device groups with ADI 0, ff:ff:ff:ff:ff:ff with ADI = each IPv4 address, 33:33:ff + each IPv6 address; changes subscribed and unsubscribed', async () => {
  const node = new FakeNode();
  const r = rig(node);
  r.ports.networkChanged(NWID, 'up', config({ assignedAddresses: [P('10.147.17.158/24'), P('fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88')] }));
  await r.ports.idle();
  const dev = r.host.device('zto4vbsg2y');
  dev.addresses.push(P('fe80::c492:eeff:feb5:e9b0/64'));
  dev.multicastMacs.push(0x333300000001, 0x01005e000001);
  r.ports.scanMulticast();
  assert.deepEqual(node.subs, ['+01:00:5e:00:00:01/0', '+33:33:00:00:00:01/0', '+33:33:ff:28:8b:ba/0', '+33:33:ff:b5:e9:b0/0', '+ff:ff:ff:ff:ff:ff/177410462']);
  assert.deepEqual(r.ports.multicastSubscriptions(NWID).map((g) => `${formatMac(g.mac)}/${g.adi}`), node.subs.map((s) => s.slice(1)));
  node.subs.length = 0;
  r.ports.scanMulticast();
  assert.deepEqual(node.subs, [], 'no change, no calls');
  r.ports.updateSettings(NWID, { allowManaged: false, allowGlobal: false, allowDefault: false, allowDNS: false });
  await r.ports.idle();
  r.ports.scanMulticast();
  assert.deepEqual(node.subs, ['-33:33:ff:28:8b:ba/0', '-ff:ff:ff:ff:ff:ff/177410462']);
});

test('multicast scan lists the groups of the device (IPv4 addresses as broadcast groups with their ADI)', () => {
  const r = rig({ sendFrame: () => null, multicastSubscribe: () => undefined, multicastUnsubscribe: () => undefined });
  r.ports.networkChanged(NWID, 'up', config());
  r.host.device('zto4vbsg2y').addresses.push(P('10.1.2.3/24'));
  r.ports.scanMulticast();
  assert.deepEqual(r.ports.multicastSubscriptions(NWID), [{ mac: 0xffffffffffff, adi: 0x0a010203 }]);
  assert.deepEqual(scanGroups([1, 1], []), [{ mac: 1, adi: 0 }], 'duplicates removed');
});

test('a TAP whose reads fail (the device was deleted) turns the network PORT_ERROR with one error line', () => {
  const node = new FakeNode();
  const r = rig(node);
  r.ports.networkChanged(NWID, 'up', config());
  r.taps[0].failReads('EBADFD');
  assert.deepEqual(node.portErrors, ['15b70a629d1379c5=-999']);
  assert.deepEqual(errors(r.cap), ['TAP read failed; the network has no working port: TAP zto4vbsg2y: read failed: read EBADFD; reading stopped']);
});

test('setAddressDevice moves the managed addresses and routes to a bridge above the TAP and back; a bridge already deleted is skipped', async () => {
  const r = rig();
  r.ports.networkChanged(NWID, 'up', config({ assignedAddresses: [P('10.147.17.158/24')], routes: [route('172.27.0.0/16', '10.147.17.1')] }));
  await r.ports.idle();
  r.host.device('ztbr0'); // the Docker plugin's bridge (issue #10)
  r.host.log.length = 0;
  r.ports.setAddressDevice(NWID, 'ztbr0');
  await r.ports.idle();
  assert.deepEqual(r.host.addressTexts('zto4vbsg2y'), []);
  assert.deepEqual(r.host.routeTexts('zto4vbsg2y'), []);
  assert.deepEqual(r.host.addressTexts('ztbr0'), ['10.147.17.158/24']);
  assert.deepEqual(r.host.routeTexts('ztbr0'), ['172.27.0.0/16 via 10.147.17.1']);
  assert.deepEqual(r.host.log, [
    'route del zto4vbsg2y 172.27.0.0/16 via 10.147.17.1',
    'addr del zto4vbsg2y 10.147.17.158/24',
    'addr add ztbr0 10.147.17.158/24',
    'route add ztbr0 172.27.0.0/16 via 10.147.17.1',
  ]);
  // Later updates go to the bridge.
  r.ports.networkChanged(NWID, 'config_update', config({ assignedAddresses: [P('10.147.17.159/24')], routes: [] }));
  await r.ports.idle();
  assert.deepEqual(r.host.addressTexts('ztbr0'), ['10.147.17.159/24']);
  r.ports.setAddressDevice(NWID, 'ztbr0'); // unchanged: nothing to do
  r.host.removeDevice('ztbr0'); // the bridge deleted, its addresses with it
  r.host.log.length = 0;
  r.ports.setAddressDevice(NWID, null);
  await r.ports.idle();
  assert.deepEqual(r.host.log, ['addr add zto4vbsg2y 10.147.17.159/24']);
  assert.deepEqual(errors(r.cap), []);
});

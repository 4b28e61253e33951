// The frame switch (issue #8, 04 §7) with the real controller and members on virtual time:
// unicast both ways, a host behind an active bridge reached by the others once they learn
// it, the same foreign MAC from a non-bridge dropped, spraying to bridges, NDP emulation on
// a 6PLANE network, TEE and REDIRECT rules, spoofed source MACs, and a network whose
// managed addresses cover a member's physical address (no ZeroTier over ZeroTier).
import { controllerApi, runSettling, startSimController } from './sim-controller.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ControllerParts } from '../../src/controller/controller.js';
import { MemoryStore } from '../../src/controller/memory-store.js';
import type { Json, JsonObject } from '../../src/controller/json-read.js';
import { Verb } from '../../src/protocol/constants.js';
import { encodeExtFrame } from '../../src/protocol/verbs/ext-frame.js';
import { sixPlaneIp } from '../../src/protocol/zt-ipv6.js';
import { sameIp } from '../../src/protocol/ip-scope.js';
import type { VirtualFrame } from '../../src/node/virtual-network.js';
import { forge } from '../helpers/node-harness.js';
import { ztNet, type ZtNet } from './zt-net.js';

interface World {
  zt: ZtNet;
  ctl: ControllerParts;
  api(method: 'GET' | 'POST' | 'DELETE', path: string, body?: Json): Promise<JsonObject>;
  run(ms: number): Promise<void>;
}


async function world(seed: number, members = ['m1', 'm2', 'm3']): Promise<World> {
  const zt = ztNet({
    seed,
    latencyMs: 5,
    hosts: [
      { name: 'root', public: '203.0.113.1', rootEndpoints: ['203.0.113.1/9993'] },
      { name: 'ctl', public: '203.0.113.2' },
      ...members.map((m, i) => ({ name: m, public: `203.0.113.${10 + i}` })),
    ],
  });
  const ctl = startSimController(zt, new MemoryStore(), `ctl:${seed}`);
  const w: World = {
    zt,
    ctl,
    api: (method, path, body) => controllerApi(ctl, zt, method, path, body),
    run: (ms) => runSettling(zt, ms),
  };
  await w.run(16_000);
  return w;
}

const addr = (w: World, name: string): string => w.zt.id(name).address.toString(16).padStart(10, '0');

/** A network with the given members authorized (and their extra member fields), all joined and configured. */
async function network(w: World, members: Record<string, JsonObject>, extra: JsonObject = {}): Promise<bigint> {
  const n = await w.api('POST', `controller/network/${addr(w, 'ctl')}______`, {
    name: 'switch-net',
    ipAssignmentPools: [{ ipRangeStart: '10.147.20.10', ipRangeEnd: '10.147.20.20' }],
    routes: [{ target: '10.147.20.0/24' }],
    v4AssignMode: { zt: true },
    rules: [{ type: 'ACTION_ACCEPT' }],
    ...extra,
  });
  const nwid = BigInt('0x' + (n.id as string));
  for (const [m, fields] of Object.entries(members)) {
    await w.api('POST', `controller/network/${nwid.toString(16)}/member/${addr(w, m)}`, { authorized: true, ...fields });
    w.zt.node(m).join(w.zt.net.now, nwid);
  }
  await w.run(8000);
  for (const m of Object.keys(members)) assert.equal(w.zt.node(m).network(nwid)?.status, 'OK', m);
  return nwid;
}

const macOf = (w: World, name: string, nwid: bigint): number => w.zt.node(name).network(nwid)!.mac;
const text = (s: string): Uint8Array => new TextEncoder().encode(s.padEnd(24, '.'));
const untext = (b: Uint8Array): string => new TextDecoder().decode(b).replace(/\.+$/, '');

function send(w: World, from: string, nwid: bigint, f: Partial<VirtualFrame> & { destMac: number }, body: string): string | null {
  return w.zt.node(from).sendFrame(w.zt.net.now, nwid, { sourceMac: macOf(w, from, nwid), etherType: 0x0800, vlanId: 0, data: text(body), ...f });
}

/** Frames `at`'s TAP received on the network, as [source MAC, destination MAC, text]. */
function got(w: World, at: string, nwid: bigint): Array<[number, number, string]> {
  return w.zt
    .host(at)
    .frames.filter((x) => x.nwid === nwid)
    .map((x) => [x.frame.sourceMac, x.frame.destMac, untext(x.frame.data)]);
}
const texts = (w: World, at: string, nwid: bigint): string[] => got(w, at, nwid).map((x) => x[2]);

/** An EXT_FRAME `from` puts on the wire to `to` by itself (what a hostile or mistaken member could send). */
function injectExtFrame(w: World, from: string, to: string, nwid: bigint, macFrom: number, macTo: number, body: string): void {
  const payload = encodeExtFrame({ networkId: nwid, flags: 0, to: macTo, from: macFrom, etherType: 0x0800, data: text(body) });
  const dest = w.zt.host(to);
  const at = dest.socketAddress(dest.sockets[0])!;
  w.zt.host(from).send(0, at, forge(w.zt.id(from), w.zt.id(to), Verb.EXT_FRAME, payload));
}

const FOREIGN = 0x02feedc0ffee;

test('unicast both ways between members; a frame to a MAC nobody has goes nowhere without bridges', async () => {
  const w = await world(91);
  const nwid = await network(w, { m1: {}, m2: {} });
  assert.equal(send(w, 'm1', nwid, { destMac: macOf(w, 'm2', nwid) }, 'to-m2'), null);
  assert.equal(send(w, 'm2', nwid, { destMac: macOf(w, 'm1', nwid) }, 'to-m1'), null);
  await w.run(3000);
  assert.deepEqual(got(w, 'm2', nwid), [[macOf(w, 'm1', nwid), macOf(w, 'm2', nwid), 'to-m2']]);
  assert.deepEqual(got(w, 'm1', nwid), [[macOf(w, 'm2', nwid), macOf(w, 'm1', nwid), 'to-m1']]);
  assert.equal(send(w, 'm1', nwid, { destMac: FOREIGN }, 'lost'), 'no_route');
});

test('a host behind an active bridge: its frames teach the others the route, they unicast back to it; the same MAC from a non-bridge is dropped and counted', async () => {
  const w = await world(92);
  const nwid = await network(w, { m1: { activeBridge: true }, m2: {}, m3: {} });
  assert.equal(w.zt.node('m1').network(nwid)?.isBridgeAllowed, true);
  assert.equal(w.zt.node('m2').network(nwid)?.isBridgeAllowed, false);
  const m2mac = macOf(w, 'm2', nwid);

  // Unknown yet: m2 sprays to the only bridge, m1, whose TAP takes it (it bridges).
  assert.equal(send(w, 'm2', nwid, { destMac: FOREIGN }, 'anyone?'), null);
  await w.run(3000);
  assert.ok(texts(w, 'm1', nwid).includes('anyone?'), 'sprayed to the active bridge');
  assert.ok(!texts(w, 'm3', nwid).includes('anyone?'), 'not to a member that is no bridge');

  // The bridged host answers through m1: m2 gets it with the foreign source MAC and learns the route.
  assert.equal(send(w, 'm1', nwid, { sourceMac: FOREIGN, destMac: m2mac }, 'from-behind'), null);
  await w.run(2000);
  assert.deepEqual(got(w, 'm2', nwid).filter((x) => x[2] === 'from-behind'), [[FOREIGN, m2mac, 'from-behind']]);
  assert.equal(w.zt.node('m2').bridgeRouteOf(nwid, FOREIGN), w.zt.id('m1').address);
  assert.equal(send(w, 'm2', nwid, { destMac: FOREIGN }, 'back-to-it'), null);
  await w.run(1000);
  assert.deepEqual(got(w, 'm1', nwid).filter((x) => x[2] === 'back-to-it'), [[m2mac, FOREIGN, 'back-to-it']]);

  // m3 is no bridge: its own switch refuses a foreign source MAC, and one it sends anyway is dropped by m2.
  assert.equal(send(w, 'm3', nwid, { sourceMac: FOREIGN, destMac: m2mac }, 'spoof'), 'bad_source_mac');
  assert.equal(send(w, 'm3', nwid, { destMac: m2mac }, 'hello-m2'), null);
  await w.run(2000);
  const before = w.zt.host('m2').dropTotal('bridging_not_allowed');
  injectExtFrame(w, 'm3', 'm2', nwid, FOREIGN, m2mac, 'spoof');
  await w.run(1000);
  assert.ok(!texts(w, 'm2', nwid).includes('spoof'));
  assert.equal(w.zt.host('m2').dropTotal('bridging_not_allowed'), before + 1);
  assert.equal(w.zt.node('m2').bridgeRouteOf(nwid, FOREIGN), w.zt.id('m1').address, 'the route stays with the bridge');
  // Our own MAC as the source, from someone else: dropped and counted.
  const own = w.zt.host('m2').dropTotal('bad_source_mac');
  injectExtFrame(w, 'm3', 'm2', nwid, m2mac, m2mac, 'mine');
  await w.run(1000);
  assert.ok(!texts(w, 'm2', nwid).includes('mine'));
  assert.equal(w.zt.host('m2').dropTotal('bad_source_mac'), own + 1);
});

test('an unknown MAC is sprayed to every active bridge', async () => {
  const w = await world(93, ['m1', 'm2', 'm3', 'm4']);
  const nwid = await network(w, { m1: { activeBridge: true }, m2: { activeBridge: true }, m3: {}, m4: {} });
  assert.equal(send(w, 'm3', nwid, { destMac: FOREIGN }, 'spray'), null);
  await w.run(3000);
  assert.ok(texts(w, 'm1', nwid).includes('spray'));
  assert.ok(texts(w, 'm2', nwid).includes('spray'));
  assert.ok(!texts(w, 'm4', nwid).includes('spray'));
});

test('NDP emulation on a 6PLANE network: a solicitation for another member is answered on the TAP', async () => {
  const w = await world(94, ['m1', 'm2']);
  const nwid = await network(w, { m1: {}, m2: {} }, { v6AssignMode: { '6plane': true, zt: false, rfc4193: false } });
  const m1 = w.zt.id('m1').address;
  const m2 = w.zt.id('m2').address;
  const ns = new Uint8Array(64);
  ns.set([0x60, 0, 0, 0, 0, 0x18, 0x3a, 0xff]);
  ns.set(sixPlaneIp(nwid, m1), 8);
  ns.set([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1], 24);
  ns[40] = 0x87;
  ns.set(sixPlaneIp(nwid, m2), 48);
  const sentBefore = w.zt.node('m1').status().sentTotal;
  assert.equal(w.zt.node('m1').sendFrame(w.zt.net.now, nwid, { sourceMac: macOf(w, 'm1', nwid), destMac: 0x3333ff000001, etherType: 0x86dd, vlanId: 0, data: ns }), null);
  assert.equal(w.zt.node('m1').status().sentTotal, sentBefore, 'nothing on the wire');
  const na = w.zt.host('m1').frames.filter((f) => f.nwid === nwid && f.frame.etherType === 0x86dd);
  assert.equal(na.length, 1);
  assert.equal(na[0].frame.sourceMac, macOf(w, 'm2', nwid));
  assert.equal(na[0].frame.destMac, macOf(w, 'm1', nwid));
  const d = na[0].frame.data;
  assert.equal(d.length, 72);
  assert.equal(d[40], 0x88);
  assert.deepEqual(d.subarray(8, 24), sixPlaneIp(nwid, m2));
  assert.deepEqual(d.subarray(24, 40), sixPlaneIp(nwid, m1));
  // The checksum verifies: the one's-complement sum over pseudo-header and ICMPv6 is 0xffff.
  let sum = 0x20 + 0x3a;
  for (let i = 8; i < 72; i += 2) sum += (d[i] << 8) | d[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  assert.equal(sum, 0xffff);
});

test('rules: TEE copies a frame to a third member, REDIRECT sends it there instead', async () => {
  const w = await world(95);
  const m3 = addr(w, 'm3');
  const teeNet = await network(w, { m1: {}, m2: {}, m3: {} }, { rules: [{ type: 'ACTION_TEE', address: m3, flags: 0, length: 0 }, { type: 'ACTION_ACCEPT' }] });
  assert.equal(send(w, 'm1', teeNet, { destMac: macOf(w, 'm2', teeNet) }, 'teed'), null);
  await w.run(3000);
  assert.ok(texts(w, 'm2', teeNet).includes('teed'), 'the original arrives');
  const copies = got(w, 'm3', teeNet).filter((x) => x[2] === 'teed');
  assert.ok(copies.length >= 1, 'the watcher got a copy');
  assert.deepEqual(copies[0].slice(0, 2), [macOf(w, 'm1', teeNet), macOf(w, 'm2', teeNet)], 'with the original MACs');

  const redNet = await network(w, { m1: {}, m2: {}, m3: {} }, { rules: [{ type: 'ACTION_REDIRECT', address: m3, flags: 0 }, { type: 'ACTION_ACCEPT' }] });
  assert.equal(send(w, 'm1', redNet, { destMac: macOf(w, 'm2', redNet) }, 'redirected'), 'redirected');
  await w.run(3000);
  assert.ok(!texts(w, 'm2', redNet).includes('redirected'), 'not to its destination');
  assert.ok(texts(w, 'm3', redNet).includes('redirected'), 'to the redirect target');
});

test('no ZeroTier over ZeroTier: members whose physical addresses lie in the managed subnet never use direct paths to them', async () => {
  const w = await world(96, ['m1', 'm2']);
  // m1 and m2 sit at 203.0.113.10 and .11, inside 203.0.113.8/30; the root and controller do not.
  const nwid = await network(w, { m1: {}, m2: {} }, {
    ipAssignmentPools: [{ ipRangeStart: '203.0.113.9', ipRangeEnd: '203.0.113.11' }],
    routes: [{ target: '203.0.113.8/30' }],
  });
  for (let i = 0; i < 5; i++) {
    assert.equal(send(w, 'm1', nwid, { destMac: macOf(w, 'm2', nwid) }, `relayed-${i}`), null);
    await w.run(2000);
  }
  assert.ok(texts(w, 'm2', nwid).includes('relayed-4'), 'frames still flow, through the root');
  const m2Phys = w.zt.host('m2').socketAddress(w.zt.host('m2').sockets[0])!;
  const p = w.zt.node('m1').getPeer(w.zt.id('m2').address);
  assert.ok(p, 'm1 knows m2');
  assert.ok(!p.paths.some((e) => sameIp(e.path.address, m2Phys)), 'no direct path to an address inside the network');
});

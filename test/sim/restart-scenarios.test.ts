// Restarts on the simulated internet (issue #9): the real controller on the planet's only root,
// two members whose TAPs subscribe their ARP groups. The controller's node is killed and
// started again over the same records (it forgets every MULTICAST_LIKE it heard), then a
// member is stopped and started from its saved state (peers, network config).
//
// What 1.14.1 does then, and so what we do: the restarted member takes the other member's
// unicast frames within a second (its gate is closed until the ERROR(NEED_MEMBERSHIP_
// CERTIFICATE) → NETWORK_CREDENTIALS exchange, and the refused frame is retried). Its own
// ARP requests (multicast) find nobody until it learns who is in the ARP group: its GATHERs go
// to the root and the controller, which know only what members announced since their own
// restart, and the other member's LIKEs to it are due only a minute after the last ones it
// sent (Membership::multicastLikeGate); both come at most ZT_MULTICAST_ANNOUNCE_PERIOD apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/controller/memory-store.js';
import type { ControllerParts } from '../../src/controller/controller.js';
import { MULTICAST_ANNOUNCE_PERIOD_MS } from '../../src/node/multicast-subscriptions.js';
import { controllerApi, runSettling, startSimController } from './sim-controller.js';
import { ztNet, type ZtNet } from './zt-net.js';

const BROADCAST = 0xffffffffffff;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV4 = 0x0800;
/** A member's background timer runs the announcements at least this often (the ping check). */
const PING_CHECK_MS = 5_000;

interface World {
  zt: ZtNet;
  store: MemoryStore;
  ctl: ControllerParts;
  nwid: bigint;
  run(ms: number): Promise<void>;
}

const addr = (zt: ZtNet, name: string): string => zt.id(name).address.toString(16).padStart(10, '0');
const nwidKey = (nwid: bigint): string => nwid.toString(16).padStart(16, '0');
const IP: Record<string, number> = { m1: 0x0a932002, m2: 0x0a932003 }; // 10.147.32.2, .3

async function world(seed: number): Promise<World> {
  const zt = ztNet({
    seed,
    latencyMs: 5,
    hosts: [
      { name: 'ctl', public: '203.0.113.1', rootEndpoints: ['203.0.113.1/9993'] },
      { name: 'm1', public: '203.0.113.10' },
      { name: 'm2', public: '203.0.113.11' },
    ],
  });
  const store = new MemoryStore();
  const w: World = { zt, store, ctl: startSimController(zt, store, `ctl:${seed}`), nwid: 0n, run: (ms) => runSettling(zt, ms, () => w.ctl.handler.expireAuthorizations(zt.net.now)) };
  await w.run(12_000);
  const api = (method: 'POST', path: string, body: object) => controllerApi(w.ctl, zt, method, path, body as never);
  const n = await api('POST', `controller/network/${addr(zt, 'ctl')}______`, { name: 'restart-net', routes: [{ target: '10.147.32.0/24' }], rules: [{ type: 'ACTION_ACCEPT' }] });
  w.nwid = BigInt('0x' + (n.id as string));
  for (const m of ['m1', 'm2']) {
    await api('POST', `controller/network/${nwidKey(w.nwid)}/member/${addr(zt, m)}`, { authorized: true, ipAssignments: [ipText(IP[m])] });
    joinAsTheDaemonDoes(w, m);
  }
  await w.run(8000);
  for (const m of ['m1', 'm2']) assert.equal(zt.node(m).network(w.nwid)?.status, 'OK', m);
  return w;
}

function ipText(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff].join('.');
}

/** Joins from the saved config (if any) and subscribes the ARP group of the member's address, as the daemon and its TAP do. */
function joinAsTheDaemonDoes(w: World, m: string): void {
  const node = w.zt.node(m);
  node.join(w.zt.net.now, w.nwid, w.zt.host(m).getState('network', nwidKey(w.nwid)));
  node.multicastSubscribe(w.zt.net.now, w.nwid, BROADCAST, IP[m]);
}

const mac = (w: World, m: string): number => w.zt.node(m).network(w.nwid)!.mac;

function arpRequest(w: World, from: string, targetIp: number): Uint8Array {
  const b = new Uint8Array(28);
  b.set([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
  const m = mac(w, from);
  for (let i = 0; i < 6; i++) b[8 + i] = Math.floor(m / 2 ** (8 * (5 - i))) & 0xff;
  const s = IP[from];
  b.set([s >>> 24, (s >>> 16) & 0xff, (s >>> 8) & 0xff, s & 0xff], 14);
  b.set([targetIp >>> 24, (targetIp >>> 16) & 0xff, (targetIp >>> 8) & 0xff, targetIp & 0xff], 24);
  return b;
}

/** Frames of `etherType` from `from` that `at` delivered to its TAP since `sinceMs`. */
function delivered(w: World, at: string, from: string, etherType: number, sinceMs: number): number {
  return w.zt.host(at).frames.filter((f) => f.atMs >= sinceMs && f.nwid === w.nwid && f.frame.sourceMac === mac(w, from) && f.frame.etherType === etherType).length;
}

/**
 * Every second, as a kernel resolving a neighbour does: an ARP request from `from` for `to`'s
 * address and a unicast frame the other way (a ping whose answer waits for that ARP). Returns
 * when each first arrived, in ms after the start (null: not within `forMs`).
 */
async function exchange(w: World, from: string, to: string, forMs: number): Promise<{ unicastMs: number | null; arpMs: number | null }> {
  const t0 = w.zt.net.now;
  let unicastMs: number | null = null;
  let arpMs: number | null = null;
  for (let t = 0; t < forMs && (unicastMs === null || arpMs === null); t += 1000) {
    w.zt.node(from).sendFrame(w.zt.net.now, w.nwid, { sourceMac: mac(w, from), destMac: BROADCAST, etherType: ETHERTYPE_ARP, vlanId: 0, data: arpRequest(w, from, IP[to]) });
    w.zt.node(to).sendFrame(w.zt.net.now, w.nwid, { sourceMac: mac(w, to), destMac: mac(w, from), etherType: ETHERTYPE_IPV4, vlanId: 0, data: new Uint8Array(64).fill(0x45, 0, 1) });
    for (let s = 0; s < 20; s++) {
      await w.run(50);
      if (unicastMs === null && delivered(w, from, to, ETHERTYPE_IPV4, t0) > 0) unicastMs = w.zt.net.now - t0;
      if (arpMs === null && delivered(w, to, from, ETHERTYPE_ARP, t0) > 0) arpMs = w.zt.net.now - t0;
    }
  }
  return { unicastMs, arpMs };
}

/** A kill -9: the node is gone without a word (nothing saved on the way out) and starts again; the controller keeps its records. */
function killAndRestartController(w: World): void {
  w.zt.node('ctl').setNetworkController(null);
  w.zt.net.restart('ctl', w.zt.factory('ctl'));
  w.ctl = startSimController(w.zt, w.store, 'ctl:restarted');
}

/** A clean stop (SIGTERM) and a start from the saved state. */
function stopAndRestartMember(w: World, m: string): void {
  w.zt.node(m).shutdown(w.zt.net.now);
  w.zt.node(m).savePeers();
  w.zt.net.restart(m, w.zt.factory(m));
  joinAsTheDaemonDoes(w, m);
}

test('a member restarted alone: frames pass at once and its ARP requests find the other member through the root', async () => {
  const w = await world(101);
  await w.run(70_000); // past the first announcements
  const base = await exchange(w, 'm1', 'm2', 5_000);
  assert.ok(base.unicastMs !== null && base.arpMs !== null, 'm1 and m2 talk');
  stopAndRestartMember(w, 'm2');
  await w.run(1_000);
  const r = await exchange(w, 'm2', 'm1', 10_000);
  assert.ok(r.unicastMs !== null && r.unicastMs <= 1_000, `m1's frame passes the restarted member's gate within a second (${r.unicastMs} ms)`);
  assert.ok(r.arpMs !== null && r.arpMs <= 1_000, `the root answers the restarted member's GATHER with m1 (${r.arpMs} ms)`);
});

test('a member restarted after the controller restart: frames pass at once, its ARP requests wait for the next announcement (as 1.14.1)', async () => {
  const w = await world(102);
  await w.run(70_000);
  const m1Address = w.zt.id('m1').address;
  const before = await exchange(w, 'm1', 'm2', 5_000);
  assert.ok(before.unicastMs !== null && before.arpMs !== null, `m1 and m2 talk (${JSON.stringify(before)})`);
  // m1 announces to ctl every minute; the restart lands some seconds after one of those, and
  // m1's last LIKEs to m2 are recent too.
  await w.run(5_000);
  killAndRestartController(w);
  await w.run(5_000);
  assert.deepEqual(w.zt.node('ctl').multicastMembers(w.nwid, BROADCAST, IP.m1), [], 'the restarted root forgot who LIKEd what');
  const during = await exchange(w, 'm1', 'm2', 5_000);
  assert.ok(during.unicastMs !== null && during.arpMs !== null, `the members do not need the controller ${JSON.stringify(during)}`);

  // A root has nobody to WHOIS: m1's packets to it (its LIKEs among them) are dropped until
  // m1's next full HELLO, minutes away for an upstream (16 heartbeat periods).
  assert.equal(w.zt.node('ctl').getPeer(m1Address), undefined, 'the restarted root does not know m1');
  stopAndRestartMember(w, 'm2');
  const restartedAt = w.zt.net.now;
  await w.run(500);
  const r = await exchange(w, 'm2', 'm1', MULTICAST_ANNOUNCE_PERIOD_MS + 2 * PING_CHECK_MS);
  assert.ok(r.unicastMs !== null && r.unicastMs <= 1_500, `m1's frame passes the restarted member's gate within a second or so (${r.unicastMs} ms)`);
  assert.ok(r.arpMs !== null, 'the ARP request arrives once m1 announced again');
  assert.ok(r.arpMs > 10_000, `not before m1's next announcement (${r.arpMs} ms)`);
  assert.ok(w.zt.net.now - restartedAt <= MULTICAST_ANNOUNCE_PERIOD_MS + 2 * PING_CHECK_MS, 'within one announce period of the restarts');
  assert.deepEqual(w.zt.node('m2').multicastMembers(w.nwid, BROADCAST, IP.m1), [m1Address]);
});

// IP assignment against the addresses a real 1.14.1 controller handed out (05 §10,
// shared/vectors/05/ip-assignment-vectors.md) and against the Python model of §4.5
// (shared/vectors/05/ipv4_pool_model.py), ported below and, where python3 exists, run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocatedIps, assignIps, rfc4193Address, sixPlaneAddress } from '../../../src/controller/ip-assignment.js';
import { applyNetworkPost } from '../../../src/controller/network-record.js';
import { initMember, type MemberRecord } from '../../../src/controller/member-record.js';
import { ztIpSlashBits } from '../../../src/controller/zt-inet.js';
import type { Json, JsonObject } from '../../../src/controller/json-read.js';
import { sharedDir } from '../../helpers/shared.js';
import { Prng } from '../../helpers/prng.js';

const CTL = 0x16ef05e548;
const M1 = 0x5bc7629dcf;
const M2 = 0xa2cb3e9302;
const noRandom = (): Uint8Array => assert.fail('no randomness expected');

function network(nwid: bigint, body: JsonObject): JsonObject {
  return applyNetworkPost(null, nwid, body, 0);
}

/** One request's assignment for `address`, given the other members' records. */
function assignFor(nwid: bigint, net: JsonObject, address: number, members: MemberRecord[], member?: MemberRecord): { ips: string[]; member: MemberRecord } {
  const m = member ?? initMember({}, 0);
  const r = assignIps({ nwid, address, network: net, member: m, allocated: allocatedIps([...members, m]), random: noRandom });
  if (r.ipAssignments) m.ipAssignments = r.ipAssignments;
  return { ips: r.staticIps.map(ztIpSlashBits), member: m };
}

test('vectors: IPv4 pool of 16ef05e5485ec5d4 (10.147.20.1–254 in 10.147.20.0/24), RFC4193 first', () => {
  const nwid = 0x16ef05e5485ec5d4n;
  const net = network(nwid, {
    ipAssignmentPools: [{ ipRangeStart: '10.147.20.1', ipRangeEnd: '10.147.20.254' }],
    routes: [{ target: '10.147.20.0/24' }, { target: '192.168.77.0/24', via: '10.147.20.5' }],
    v4AssignMode: { zt: true }, v6AssignMode: { rfc4193: true },
  });
  const a = assignFor(nwid, net, M1, []);
  assert.deepEqual(a.ips, ['fd16:ef05:e548:5ec5:d499:935b:c762:9dcf/88', '10.147.20.103/24']);
  assert.deepEqual(a.member.ipAssignments, ['10.147.20.103'], 'the RFC4193 address is not recorded');
  const b = assignFor(nwid, net, M2, [a.member]);
  assert.deepEqual(b.ips, ['fd16:ef05:e548:5ec5:d499:93a2:cb3e:9302/88', '10.147.20.158/24']);
});

test('vectors: public network 16ef05e5488df0b6, 6PLANE + IPv6 pool (address added to the start) + IPv4 pool with a collision', () => {
  const nwid = 0x16ef05e5488df0b6n;
  const net = network(nwid, {
    private: false, v4AssignMode: { zt: true }, v6AssignMode: { zt: true, '6plane': true, rfc4193: false },
    ipAssignmentPools: [{ ipRangeStart: '10.99.0.250', ipRangeEnd: '10.99.1.5' }, { ipRangeStart: 'fd00:99::1', ipRangeEnd: 'fd00:99::ffff:ffff:ffff:fffe' }],
    routes: [{ target: '10.99.0.0/16' }, { target: 'fd00:99::/64' }],
  });
  const members: MemberRecord[] = [];
  const expect: Array<[number, string[], string[]]> = [
    [CTL, ['fc5e:62f5:5316:ef05:e548::1/40', 'fd00:99::16:ef05:e549/64', '10.99.1.2/16'], ['fd00:99::16:ef05:e549', '10.99.1.2']],
    [M1, ['fc5e:62f5:535b:c762:9dcf::1/40', 'fd00:99::5b:c762:9dd0/64', '10.99.0.253/16'], ['fd00:99::5b:c762:9dd0', '10.99.0.253']],
    [M2, ['fc5e:62f5:53a2:cb3e:9302::1/40', 'fd00:99::a2:cb3e:9303/64', '10.99.0.254/16'], ['fd00:99::a2:cb3e:9303', '10.99.0.254']],
  ];
  for (const [addr, ips, stored] of expect) {
    const r = assignFor(nwid, net, addr, members);
    assert.deepEqual(r.ips, ips, addr.toString(16));
    assert.deepEqual(r.member.ipAssignments, stored);
    members.push(r.member);
  }
});

test('vectors: the tiny pool 10.98.0.254–10.98.1.1: .255 skipped, .0 assigned, exhaustion, then a freed address', () => {
  const nwid = 0x16ef05e54850e0a3n;
  const net = network(nwid, { v4AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: '10.98.0.254', ipRangeEnd: '10.98.1.1' }], routes: [{ target: '10.98.0.0/16' }] });
  const m1 = assignFor(nwid, net, M1, []);
  assert.deepEqual(m1.ips, ['10.98.1.0/16']);
  const m2 = assignFor(nwid, net, M2, [m1.member]);
  assert.deepEqual(m2.ips, ['10.98.0.254/16']);
  const ctl = assignFor(nwid, net, CTL, [m1.member, m2.member]);
  assert.deepEqual(ctl.ips, [], 'four tries (L + 1), all taken or .255: no address, still a config');
  assert.deepEqual(ctl.member.ipAssignments, []);
  // m2's list replaced by manual addresses (#34): 10.98.0.254 is free again and goes to the controller.
  m2.member.ipAssignments = ['10.98.7.7', '192.168.1.1', 'fd00::1'];
  assert.deepEqual(assignFor(nwid, net, M2, [m1.member], m2.member).ips, ['10.98.7.7/16'], 'entries outside every route stay stored but are not sent');
  assert.deepEqual(assignFor(nwid, net, CTL, [m1.member, m2.member], ctl.member).ips, ['10.98.0.254/16']);
  // noAutoAssignIps keeps the manual (earlier pool) entry (#35).
  m1.member.noAutoAssignIps = true;
  assert.deepEqual(assignFor(nwid, net, M1, [m2.member, ctl.member], m1.member).ips, ['10.98.1.0/16']);
});

test('stability: a member keeps the address stored in its record, whatever the pool does later', () => {
  const nwid = 0x16ef05e5485ec5d4n;
  const net = network(nwid, { v4AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: '10.147.20.1', ipRangeEnd: '10.147.20.254' }], routes: [{ target: '10.147.20.0/24' }] });
  const first = assignFor(nwid, net, M1, []);
  const again = assignIps({ nwid, address: M1, network: net, member: first.member, allocated: allocatedIps([first.member]), random: noRandom });
  assert.equal(again.ipAssignments, null, 'nothing new to record');
  assert.deepEqual(again.staticIps.map(ztIpSlashBits), ['10.147.20.103/24']);
  const moved = network(nwid, { v4AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: '10.147.20.200', ipRangeEnd: '10.147.20.210' }], routes: [{ target: '10.147.20.0/24' }] });
  assert.deepEqual(assignFor(nwid, moved, M1, [], first.member).ips, ['10.147.20.103/24'], 'changing the pool never takes an address back');
});

test('RFC4193 and 6PLANE derivations (05 §4.2)', () => {
  assert.equal(ztIpSlashBits(rfc4193Address(0x16ef05e5485ec5d4n, M1)), 'fd16:ef05:e548:5ec5:d499:935b:c762:9dcf/88');
  assert.equal(ztIpSlashBits(sixPlaneAddress(0x16ef05e5488df0b6n, CTL)), 'fc5e:62f5:5316:ef05:e548::1/40');
  assert.equal(ztIpSlashBits(sixPlaneAddress(0xffffffffffffffffn, 0xffffffffff)), 'fc00:0:ff:ffff:ffff::1/40');
});

test('noAutoAssignIps suppresses RFC4193, 6PLANE and pools but not manual entries; manual IPv4 blocks the IPv4 pool', () => {
  const nwid = 0x16ef05e5488df0b6n;
  const net = network(nwid, {
    v4AssignMode: { zt: true }, v6AssignMode: { zt: true, '6plane': true, rfc4193: true },
    ipAssignmentPools: [{ ipRangeStart: '10.99.0.1', ipRangeEnd: '10.99.0.100' }], routes: [{ target: '10.99.0.0/16' }, { target: '10.99.5.0/24' }],
  });
  const m = initMember({ ipAssignments: ['10.99.5.5'], noAutoAssignIps: true }, 0);
  const r = assignIps({ nwid, address: M1, network: net, member: m, allocated: new Set(), random: noRandom });
  assert.deepEqual(r.staticIps.map(ztIpSlashBits), ['10.99.5.5/24'], 'the longest containing route gives the prefix');
  assert.equal(r.ndpEmulation, false);
  const m2 = initMember({ ipAssignments: ['10.99.5.5'] }, 0);
  const r2 = assignIps({ nwid, address: M1, network: net, member: m2, allocated: new Set(), random: () => new Uint8Array(16) });
  assert.deepEqual(r2.staticIps.map(ztIpSlashBits).slice(0, 3), ['fd16:ef05:e548:8df0:b699:935b:c762:9dcf/88', 'fc5e:62f5:535b:c762:9dcf::1/40', '10.99.5.5/24']);
  assert.equal(r2.ndpEmulation, true);
  assert.equal(r2.ipAssignments, null, 'a manual IPv4 address means no IPv4 pool pick; the IPv6 pool has no IPv6 pool entry');
});

test('IPv6 pool without room for the address: random trials inside the range and a route', () => {
  const nwid = 0x16ef05e5488df0b6n;
  const net = network(nwid, { v6AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: 'fd00:99::100', ipRangeEnd: 'fd00:99::1ff' }], routes: [{ target: 'fd00:99::/64' }] });
  const prng = new Prng(7);
  for (let i = 0; i < 50; i++) {
    const r = assignIps({ nwid, address: M1 + i, network: net, member: initMember({}, 0), allocated: new Set(), random: (n) => prng.bytes(n) });
    assert.equal(r.added.length, 1);
    const low = parseInt(r.added[0].split(':').pop()!, 16);
    assert.ok(low >= 0x100 && low < 0x1ff, `${r.added[0]} in [start, end)`);
  }
});

test('IPv4 pool edge cases of 05 §10: L = 0, start 0.0.0.0, end < start, no route, host bits in the route, /0 route', () => {
  const nwid = 0x16ef05e5485ec5d4n;
  const pick = (start: string, end: string, routes: Json[], allocated: string[] = [], addr = M1): string[] => {
    const net = network(nwid, { v4AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: start, ipRangeEnd: end }], routes });
    const others = allocated.map((ip) => initMember({ ipAssignments: [ip] }, 0));
    return assignFor(nwid, net, addr, others).ips;
  };
  assert.deepEqual(pick('10.0.0.5', '10.0.0.5', [{ target: '10.0.0.0/24' }]), ['10.0.0.5/24']);
  assert.deepEqual(pick('10.0.0.5', '10.0.0.5', [{ target: '10.0.0.0/24' }], ['10.0.0.5']), []);
  assert.deepEqual(pick('10.0.0.255', '10.0.0.255', [{ target: '10.0.0.0/24' }]), []);
  assert.deepEqual(pick('0.0.0.0', '10.0.0.5', [{ target: '0.0.0.0/0' }, { target: '10.0.0.0/8' }]), []);
  assert.deepEqual(pick('10.0.0.9', '10.0.0.1', [{ target: '10.0.0.0/24' }]), []);
  assert.deepEqual(pick('10.0.0.1', '10.0.0.9', [{ target: '10.1.0.0/16' }]), []);
  assert.deepEqual(pick('10.98.0.1', '10.98.0.9', [{ target: '10.98.0.1/16' }]), [], 'a route target with host bits never matches a candidate');
  // A /0 route's mask degenerates to all ones: it matches only its own address, then ends the search with prefix 0.
  assert.deepEqual(pick('10.0.0.1', '10.0.0.3', [{ target: '10.9.9.9' }, { target: '10.0.0.0/24' }]), ['10.0.0.2/24']);
  assert.deepEqual(pick('10.0.0.1', '10.0.0.3', [{ target: '10.0.0.2/0' }, { target: '10.0.0.0/24' }]), ['10.0.0.1/24'], 'candidate .2 (preferred) meets the /0 route first and is skipped');
});

/** shared/vectors/05/ipv4_pool_model.py, line by line. */
function pyModel(start: string, end: string, route: string, addr: number, allocated: Set<string>): string | null {
  const v4 = (s: string): number => s.split('.').reduce((a, x) => a * 256 + Number(x), 0);
  const txt = (v: number): string => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  const s = v4(start);
  const e = v4(end);
  if (e < s || s === 0) return null;
  const ln = e - s;
  let ctr = addr % 2 ** 32;
  const [rip, rbs] = route.split('/');
  const rb = Number(rbs);
  const tip = v4(rip);
  const mask = rb > 0 ? Number((0xffffffffn << BigInt(32 - rb)) & 0xffffffffn) : 0xffffffff;
  for (let k = s, trial = 0; k <= e && trial < 1000; k++, trial++) {
    const ip = ln > 0 ? s + (ctr % ln) : s;
    ctr = (ctr + 1) % 2 ** 32;
    if ((ip & 0xff) === 0xff) continue;
    const bits = ((ip & mask) >>> 0) === tip ? rb : -1;
    if (bits > 0 && !allocated.has(txt(ip))) return `${txt(ip)}/${bits}`;
  }
  return null;
}

function randomCase(prng: Prng): { start: string; end: string; route: string; addr: number; allocated: string[] } {
  const base = (10 << 24) | (prng.int(4) << 16) | (prng.int(3) << 8);
  const start = (base + prng.int(300)) >>> 0;
  const end = (start + prng.int(40) - 3) >>> 0;
  const txt = (v: number): string => [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  const bits = [8, 16, 22, 23, 24, 25][prng.int(6)];
  const route = `${txt((base & Number((0xffffffffn << BigInt(32 - bits)) & 0xffffffffn)) >>> 0)}/${bits}`;
  const allocated = Array.from({ length: prng.int(12) }, () => txt((start + prng.int(45)) >>> 0));
  return { start: txt(start), end: txt(end), route, addr: prng.next() * 256 + prng.int(256), allocated };
}

test('IPv4 pool: ours equals the vectors\' Python model on 2000 random pools, routes and allocated sets', () => {
  const prng = new Prng(2026);
  const nwid = 0x16ef05e5485ec5d4n;
  for (let i = 0; i < 2000; i++) {
    const c = randomCase(prng);
    const net = network(nwid, { v4AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: c.start, ipRangeEnd: c.end }], routes: [{ target: c.route }] });
    const got = assignFor(nwid, net, c.addr, [initMember({ ipAssignments: c.allocated }, 0)]).ips;
    const want = pyModel(c.start, c.end, c.route, c.addr, new Set(c.allocated));
    assert.deepEqual(got, want ? [want] : [], JSON.stringify(c));
  }
});

test('IPv4 pool: the Python model itself (python3, when installed) agrees on the §10 rows and random cases', (t) => {
  const script = join(sharedDir(), 'vectors', '05', 'ipv4_pool_model.py');
  const run = (args: string[]): string => execFileSync('python3', [script, ...args], { encoding: 'utf8' }).trim();
  try {
    run(['10.0.0.1', '10.0.0.2', '10.0.0.0/24', '1']);
  } catch {
    t.skip('python3 not available');
    return;
  }
  assert.ok(readFileSync(script, 'utf8').includes('def pick'));
  const rows: Array<[string[], string]> = [
    [['10.147.20.1', '10.147.20.254', '10.147.20.0/24', '5bc7629dcf'], '10.147.20.103/24'],
    [['10.99.0.250', '10.99.1.5', '10.99.0.0/16', 'a2cb3e9302', '10.99.1.2', '10.99.0.253'], '10.99.0.254/16'],
    [['10.98.0.254', '10.98.1.1', '10.98.0.0/16', '16ef05e548', '10.98.1.0', '10.98.0.254'], 'None'],
  ];
  for (const [args, want] of rows) assert.equal(run(args), want);
  const prng = new Prng(99);
  const nwid = 0x16ef05e5485ec5d4n;
  for (let i = 0; i < 25; i++) {
    const c = randomCase(prng);
    const net = network(nwid, { v4AssignMode: { zt: true }, ipAssignmentPools: [{ ipRangeStart: c.start, ipRangeEnd: c.end }], routes: [{ target: c.route }] });
    const got = assignFor(nwid, net, c.addr, [initMember({ ipAssignments: c.allocated }, 0)]).ips;
    assert.equal(run([c.start, c.end, c.route, c.addr.toString(16), ...c.allocated]), got[0] ?? 'None', JSON.stringify(c));
  }
});

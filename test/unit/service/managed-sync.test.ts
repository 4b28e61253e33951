// The managed address and route decisions of 1.14.1's syncManagedStuff (06 §8.5–8.7),
// without a kernel: which targets are allowed, the add/remove diff of addresses, and which
// routes are kept and synced — checked against the configurations the spec observed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isManagedAllowed, planAddresses, planRoutes, wantedAddresses, type ManagedPolicy } from '../../../src/service/managed-sync.js';
import { parsePrefix, prefixToString, splitDefault, type IpPrefix } from '../../../src/net/ip/prefix.js';
import { parseIp } from '../../../src/protocol/inet-address.js';
import type { ManagedRoute } from '../../../src/node/virtual-network.js';

const P = (s: string): IpPrefix => parsePrefix(s)!;
const ip = (s: string): Uint8Array => parseIp(s)!.ip;
const route = (target: string, via: string | null = null): ManagedRoute => ({ target: P(target), via: via ? ip(via) : null, flags: 0, metric: 0 });
const policy = (o: Partial<ManagedPolicy> = {}): ManagedPolicy => ({ allowManaged: true, allowGlobal: false, allowDefault: false, whitelist: [], ...o });
const texts = (l: readonly IpPrefix[]): string[] => l.map(prefixToString);

test('allowed: allowManaged first, then the whitelist, the default route, then the scope of the IP', () => {
  const yes = (p: ManagedPolicy, t: string): boolean => isManagedAllowed(p, P(t));
  assert.equal(yes(policy(), '10.147.17.158/24'), true, 'PRIVATE');
  assert.equal(yes(policy(), '100.64.1.2/10'), true, 'carrier-grade NAT counts as PRIVATE in 1.14.1');
  assert.equal(yes(policy(), '25.1.2.3/8'), true, 'PSEUDOPRIVATE');
  assert.equal(yes(policy(), 'fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88'), true, 'RFC4193');
  assert.equal(yes(policy(), 'fc88:a473:a7eb:fd28:8bba::1/40'), true, '6PLANE');
  assert.equal(yes(policy({ allowManaged: false }), '10.147.17.158/24'), false);
  assert.equal(yes(policy(), '44.0.0.0/8'), false, 'GLOBAL needs allowGlobal');
  assert.equal(yes(policy({ allowGlobal: true }), '44.0.0.0/8'), true);
  assert.equal(yes(policy({ allowGlobal: true }), '2001:db8::/32'), true);
  assert.equal(yes(policy({ allowGlobal: true }), '0.0.0.0/0'), false, 'the default route needs allowDefault, not allowGlobal');
  assert.equal(yes(policy({ allowDefault: true }), '0.0.0.0/0'), true);
  assert.equal(yes(policy({ allowDefault: true }), '::/0'), true);
  for (const never of ['169.254.1.1/16', 'fe80::1:2/64', '224.0.0.1/4', 'ff02::1/16', '127.0.0.1/8', '::1/128', '0.1.2.3/8']) {
    assert.equal(yes(policy({ allowGlobal: true, allowDefault: true }), never), false, never);
  }
  // Whitelist: an entry must contain the target and be no more specific than it.
  const wl = policy({ whitelist: [P('10.147.0.0/16'), P('fd00::/8')] });
  assert.equal(yes(wl, '10.147.17.158/24'), true);
  assert.equal(yes(wl, '10.147.0.0/16'), true);
  assert.equal(yes(wl, '10.0.0.0/8'), false, 'the entry is more specific than the target');
  assert.equal(yes(wl, '10.148.1.1/24'), false);
  assert.equal(yes(wl, 'fd15::1/88'), true);
  assert.equal(yes(wl, 'fc88::1/40'), false);
  assert.equal(yes(policy({ whitelist: [P('fd15::1/8')] }), 'fd15::1/88'), false, 'an IPv6 entry with host bits contains nothing (InetAddress::containsAddress)');
  assert.equal(yes(policy({ whitelist: [null] }), '10.1.1.1/24'), false, 'an unparsable entry still makes a whitelist, containing nothing');
  assert.equal(yes(policy({ whitelist: [P('10.0.0.1')] }), '10.1.1.1/24'), true, 'an entry without /bits admits its whole family, as 1.14.1 parses it');
});

test('wanted addresses are the allowed ones, sorted as 1.14.1 sorts InetAddresses, without duplicates', () => {
  const assigned = [P('fd15::9/88'), P('10.147.17.158/24'), P('44.1.2.3/8'), P('10.147.17.158/24'), P('10.1.0.2/16')];
  // IPv4 before IPv6; within IPv4 by prefix length first (the port field), then the address.
  assert.deepEqual(texts(wantedAddresses(policy(), assigned)), ['10.1.0.2/16', '10.147.17.158/24', 'fd15::9/88']);
  assert.deepEqual(texts(wantedAddresses(policy({ allowManaged: false }), assigned)), []);
});

test('the address diff: remove what is no longer wanted, add what is new, replace a same-IP address with another prefix', () => {
  const ops = (applied: string[], wanted: string[], onDevice: string[]): string[] =>
    planAddresses(applied.map(P), wanted.map(P), onDevice.map(P)).map((o) => `${o.op} ${prefixToString(o.address)}`);
  assert.deepEqual(ops([], ['10.1.0.2/24'], ['fe80::1:2/64']), ['add 10.1.0.2/24']);
  assert.deepEqual(ops(['10.1.0.2/24'], ['10.1.0.2/24'], ['10.1.0.2/24']), [], 'nothing changes');
  assert.deepEqual(ops(['10.1.0.2/24'], ['10.1.0.3/24'], ['10.1.0.2/24']), ['remove 10.1.0.2/24', 'add 10.1.0.3/24']);
  assert.deepEqual(ops(['10.1.0.2/24'], ['10.1.0.2/16'], ['10.1.0.2/24']), ['remove 10.1.0.2/24', 'add 10.1.0.2/16'], 'a new prefix length is a new address');
  assert.deepEqual(ops([], ['10.1.0.2/16'], ['10.1.0.2/24']), ['remove 10.1.0.2/24', 'add 10.1.0.2/16'], 'an admin-added same IP with another prefix is replaced');
  assert.deepEqual(ops([], ['10.1.0.2/24'], ['10.1.0.2/24']), [], 'exactly there already: nothing');
  assert.deepEqual(ops(['10.1.0.2/24'], [], ['fe80::1:2/64']), [], 'an applied address removed by hand is not removed again');
  assert.deepEqual(ops(['10.1.0.2/24'], ['10.1.0.2/24'], []), [], 'nor put back while still wanted (only new addresses are added)');
  assert.deepEqual(ops(['10.1.0.2/24', 'fd15::9/88'], [], ['10.1.0.2/24', 'fd15::9/88', 'fe80::1:2/64']), ['remove 10.1.0.2/24', 'remove fd15::9/88'], 'allowManaged=0: all managed, the link-local stays');
});

// The network of 06 §8.7's observation: member 10.147.17.158/24, gateway 10.147.17.1.
const observedRoutes = [
  route('10.147.17.0/24'),
  route('172.27.0.0/16', '10.147.17.1'),
  route('10.200.0.0/16'),
  route('fd00:1234::/32'),
  route('fd00:5678::/32', 'fd15:b70a:629d:1379:c599:9315:b70a:629d'),
  route('0.0.0.0/0', '10.147.17.1'),
  route('::/0', 'fd15:b70a:629d:1379:c599:9315:b70a:629d'),
  route('44.0.0.0/8', '10.147.17.1'),
];
const memberAssigned = [P('fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88'), P('fc88:a473:a7eb:fd28:8bba::1/40'), P('10.147.17.158/24')];
const linkLocal = P('fe80::c492:eeff:feb5:e9b0/64');

function plan(p: ManagedPolicy, online = true, assigned = memberAssigned, routes = observedRoutes): { keep: string[]; sync: string[] } {
  const managed = wantedAddresses(p, assigned);
  const r = planRoutes({ policy: p, routes, assigned, tapIps: [...managed, linkLocal], managedIps: managed, online });
  const show = (w: { target: IpPrefix; via: Uint8Array | null }): string => `${prefixToString(w.target)}${w.via ? ' via' : ''}`;
  return { keep: r.keep.map(show), sync: r.sync.map(show) };
}

test('routes as observed: allowGlobal and allowDefault on, the connected subnet left to the kernel, device routes synced before gateway routes', () => {
  const r = plan(policy({ allowGlobal: true, allowDefault: true }));
  // 1.14.1's map order: family, prefix length, then the IPv4 address read little-endian.
  assert.deepEqual(r.keep, ['0.0.0.0/0 via', '44.0.0.0/8 via', '172.27.0.0/16 via', '10.200.0.0/16', '::/0 via', 'fd00:1234::/32', 'fd00:5678::/32 via']);
  assert.deepEqual(r.sync, ['10.200.0.0/16', 'fd00:1234::/32', '0.0.0.0/0 via', '44.0.0.0/8 via', '172.27.0.0/16 via', '::/0 via', 'fd00:5678::/32 via']);
  // The default route is installed as its two halves (ManagedRoute's fork).
  assert.deepEqual(splitDefault(P('0.0.0.0/0')).map(prefixToString), ['0.0.0.0/1', '128.0.0.0/1']);
  assert.deepEqual(splitDefault(P('::/0')).map(prefixToString), ['::/1', '8000::/1']);
  assert.deepEqual(splitDefault(P('44.0.0.0/8')).map(prefixToString), ['44.0.0.0/8'], 'only a 0-bit target is split');
});

test('routes with both flags off: no default route, no GLOBAL target', () => {
  const r = plan(policy());
  assert.deepEqual(r.keep, ['172.27.0.0/16 via', '10.200.0.0/16', 'fd00:1234::/32', 'fd00:5678::/32 via']);
});

test('routes: allowManaged=0 keeps none; offline, a default route with a gateway is kept but not synced', () => {
  assert.deepEqual(plan(policy({ allowManaged: false })).keep, []);
  const off = plan(policy({ allowGlobal: true, allowDefault: true }), false);
  assert.ok(off.keep.includes('0.0.0.0/0 via') && off.keep.includes('::/0 via'));
  assert.ok(!off.sync.includes('0.0.0.0/0 via') && !off.sync.includes('::/0 via'), 'waits for online');
  assert.ok(off.sync.includes('44.0.0.0/8 via'), 'other gateway routes do not wait');
});

test('routes on the controller, which owns the gateway: no route via itself', () => {
  const ctl = [P('10.147.17.1/24'), P('fd15:b70a:629d:1379:c599:9315:b70a:629d/88')];
  const r = plan(policy({ allowGlobal: true, allowDefault: true }), true, ctl);
  assert.deepEqual(r.keep, ['10.200.0.0/16', 'fd00:1234::/32']);
});

test('routes need a source of their family: none without an IPv4 address; the source is the longest match, ties to the last', () => {
  const v6only = [P('fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88')];
  assert.deepEqual(plan(policy(), true, v6only, [route('10.200.0.0/16'), route('fd00:1234::/32')]).keep, ['fd00:1234::/32']);
  const assigned = [P('10.1.0.2/16'), P('10.2.0.2/16')];
  const pick = (target: string): string => {
    const r = planRoutes({ policy: policy(), routes: [route(target)], assigned, tapIps: assigned, managedIps: assigned, online: true });
    return prefixToString(r.keep[0].source);
  };
  assert.equal(pick('10.2.128.0/17'), '10.2.0.2/16');
  assert.equal(pick('10.1.128.0/17'), '10.1.0.2/16');
  // 10.3.x shares 14 bits with both; the later one in 1.14.1's (little-endian) order wins.
  assert.equal(pick('10.3.0.0/16'), '10.2.0.2/16');
  // The link-local address on the TAP counts as an IPv6 source even with no managed IPv6 address.
  const r = planRoutes({ policy: policy(), routes: [route('fd00:1234::/32')], assigned: [P('10.1.0.2/16')], tapIps: [linkLocal], managedIps: [P('10.1.0.2/16')], online: true });
  assert.equal(prefixToString(r.keep[0].source), prefixToString(linkLocal));
});

test('routes: the first route of a target wins; a gateway of the other family is no gateway', () => {
  const assigned = [P('10.1.0.2/24')];
  const r = planRoutes({ policy: policy(), routes: [route('10.9.0.0/16', '10.1.0.1'), route('10.9.0.0/16', '10.1.0.7'), { target: P('10.8.0.0/16'), via: ip('fd00::1'), flags: 0, metric: 0 }], assigned, tapIps: assigned, managedIps: assigned, online: true });
  assert.deepEqual(r.keep.map((w) => [prefixToString(w.target), w.via ? Array.from(w.via).join('.') : null]), [['10.8.0.0/16', null], ['10.9.0.0/16', '10.1.0.1']]);
});

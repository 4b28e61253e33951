// IP prefixes with 1.14.1's InetAddress semantics, and what LinuxHostNet reads from and
// gives to iproute2 and /proc/net/dev_mcast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparePrefixZt, containsAddress, isDefaultRoute, matchingPrefixBits, networkOf, parsePrefix, prefixToString, sortUniquePrefixes, splitDefault } from '../../../src/net/ip/prefix.js';
import { parseDevMcast, parseIpRouteJson, routeArgs } from '../../../src/net/ip/linux-host-net.js';
import { parseIp } from '../../../src/protocol/inet-address.js';

const P = (s: string) => parsePrefix(s)!;

test('parsing and printing IP/bits', () => {
  assert.equal(prefixToString(P('10.147.17.158/24')), '10.147.17.158/24');
  assert.equal(prefixToString(P('fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88')), 'fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88');
  assert.equal(P('10.1.2.3').bits, 0, 'no /bits: 0, as InetAddress::fromString');
  assert.equal(parsePrefix('10.1.2.3/33'), null);
  assert.equal(parsePrefix('nonsense/8'), null);
  assert.equal(prefixToString(networkOf(P('10.147.17.158/20'))), '10.147.16.0/20');
});

test('containsAddress, matchingPrefixBits, isDefaultRoute as 1.14.1', () => {
  assert.equal(containsAddress(P('10.147.0.0/16'), P('10.147.17.158/24')), true);
  assert.equal(containsAddress(P('10.147.1.1/16'), P('10.147.17.158/24')), true, 'IPv4 shifts both sides');
  assert.equal(containsAddress(P('10.148.0.0/16'), P('10.147.17.158/24')), false);
  assert.equal(containsAddress(P('0.0.0.0/0'), P('1.2.3.4/32')), true);
  assert.equal(containsAddress(P('fd00::/8'), P('fd15::1/88')), true);
  assert.equal(containsAddress(P('fd15::1/8'), P('fd15::1/88')), false, 'IPv6 compares with the unmasked net');
  assert.equal(containsAddress(P('10.0.0.0/8'), P('fd15::1/88')), false);
  assert.equal(matchingPrefixBits(P('10.1.0.2/16'), P('10.3.0.0/16')), 14);
  assert.equal(matchingPrefixBits(P('10.1.0.2/16'), P('10.1.0.2/16')), 32);
  assert.equal(matchingPrefixBits(P('fd15::1/88'), P('fd15::1/8')), 128);
  assert.equal(matchingPrefixBits(P('fd15::1/88'), P('10.0.0.0/8')), 0);
  assert.equal(isDefaultRoute(P('0.0.0.0/0')), true);
  assert.equal(isDefaultRoute(P('::/0')), true);
  assert.equal(isDefaultRoute(P('10.0.0.0/0')), false);
  assert.deepEqual(splitDefault(P('10.0.0.0/0')).map(prefixToString), ['10.0.0.0/1', '138.0.0.0/1'], '_forkTarget flips the first bit');
});

test('the sort order of 1.14.1 (little-endian InetAddress::operator<): IPv4 first, prefix length, then the address read backwards', () => {
  const sorted = sortUniquePrefixes([P('fd00::1/64'), P('10.2.0.1/16'), P('10.1.0.2/16'), P('10.1.0.2/16'), P('192.168.1.1/8')]);
  assert.deepEqual(sorted.map(prefixToString), ['192.168.1.1/8', '10.2.0.1/16', '10.1.0.2/16', 'fd00::1/64']);
  assert.ok(comparePrefixZt(P('10.2.0.1/16'), P('10.1.0.2/16')) < 0, 'last octet 1 < 2');
});

test('ip -j route output: default, host routes, prefixes, gateways; other types skipped', () => {
  const v4 = parseIpRouteJson('[{"dst":"default","gateway":"10.1.0.1","flags":[]},{"dst":"10.147.17.0/24","protocol":"kernel","scope":"link","prefsrc":"10.147.17.158","flags":[]},{"dst":"10.9.9.9","gateway":"10.147.17.1","metric":5000,"flags":[]},{"type":"broadcast","dst":"10.147.17.255","flags":[]}]\n', 4);
  assert.deepEqual(v4.map((r) => `${prefixToString(r.target)}${r.via ? ' via ' + r.via.join('.') : ''}`), ['0.0.0.0/0 via 10.1.0.1', '10.147.17.0/24', '10.9.9.9/32 via 10.147.17.1']);
  const v6 = parseIpRouteJson('[{"dst":"fd00:5678::/32","gateway":"fd15::1","metric":5000,"flags":[]},{"dst":"fe80::/64","metric":256,"flags":[]}]', 6);
  assert.deepEqual(v6.map((r) => prefixToString(r.target)), ['fd00:5678::/32', 'fe80::/64']);
  assert.deepEqual(parseIpRouteJson('\n', 4), []);
});

test('ip route arguments: static, main table, gateway routes with metric 5000', () => {
  assert.deepEqual(routeArgs('zt0', { target: P('0.0.0.0/1'), via: parseIp('10.1.0.1')!.ip }), ['0.0.0.0/1', 'via', '10.1.0.1', 'metric', '5000', 'dev', 'zt0', 'proto', 'static', 'table', 'main']);
  assert.deepEqual(routeArgs('zt0', { target: P('10.200.0.0/16'), via: null }), ['10.200.0.0/16', 'dev', 'zt0', 'proto', 'static', 'table', 'main']);
});

test('/proc/net/dev_mcast: the groups of one device', () => {
  const text = [
    '2    eth0            1     0     333300000001',
    '5    zto4vbsg2y      1     0     333300000001',
    '5    zto4vbsg2y      1     0     01005e000001',
    '5    zto4vbsg2y      1     0     3333ffb5e9b0',
    '6    zto4vbsg2yx     1     0     3333ff000001',
  ].join('\n');
  assert.deepEqual(parseDevMcast(text, 'zto4vbsg2y'), [0x333300000001, 0x01005e000001, 0x3333ffb5e9b0]);
});

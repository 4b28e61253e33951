// 1.14.1's address text handling in the controller (05 §4.1, §4.7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseZtIp, ztContains, ztIpSlashBits, ztIpText } from '../../../src/controller/zt-inet.js';

const p = (s: string) => parseZtIp(s);

test('fromString: family by ":" then ".", prefix after "/", unparsable addresses read as all zeros', () => {
  assert.equal(ztIpSlashBits(p('10.147.20.0/24')!), '10.147.20.0/24');
  assert.equal(ztIpSlashBits(p('10.9.9.9')!), '10.9.9.9/0', 'no /bits: 0 (§4.7)');
  assert.equal(ztIpSlashBits(p('fd00::1/200')!), 'fd00::1/200');
  assert.equal(p('nonsense'), null);
  assert.equal(p('bogus'), null);
  assert.equal(p(''), null);
  assert.equal(ztIpSlashBits(p('1.2.3')!), '0.0.0.0/0', 'has a dot: IPv4, inet_pton fails, zeros');
  assert.equal(ztIpSlashBits(p('bo:gus/7')!), '::/7');
  assert.equal(ztIpSlashBits(p('10.0.0.1/70000')!), '10.0.0.1/4464', 'the port field keeps 16 bits');
  assert.equal(p('1'.repeat(64)), null, 'longer than the 64-byte buffer');
});

test('inet_ntop forms: RFC 5952 compression and glibc\'s dotted tails', () => {
  const t = (s: string): string => ztIpText(p(s)!);
  assert.equal(t('FD00:0:0:0:0:0:0:1'), 'fd00::1');
  assert.equal(t('fd00:99:0:0:16:ef05:e549:0'), 'fd00:99::16:ef05:e549:0');
  assert.equal(t('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
  assert.equal(t('1:0:0:2:0:0:3:4'), '1::2:0:0:3:4', 'first of two equal runs');
  assert.equal(t('::ffff:1.2.3.4'), '::ffff:1.2.3.4');
  assert.equal(t('::1.2.3.4'), '::1.2.3.4');
  assert.equal(t('::1'), '::1');
  assert.equal(t('::'), '::');
  assert.equal(t('1::'), '1::');
});

test('containsAddress: IPv4 ignores host bits of the route, IPv6 compares with the target as stored', () => {
  assert.ok(ztContains(p('10.98.0.1/16')!, p('10.98.7.7')!));
  assert.ok(ztContains(p('10.9.9.9/0')!, p('192.168.1.1')!), '/0 contains every IPv4 address');
  assert.ok(!ztContains(p('10.98.0.0/16')!, p('fd00::1')!));
  assert.ok(ztContains(p('fd00:99::/64')!, p('fd00:99::5b:c762:9dd0')!));
  assert.ok(!ztContains(p('fd00:99::1/64')!, p('fd00:99::5b:c762:9dd0')!), 'host bits in an IPv6 target: contains nothing');
  assert.ok(!ztContains(p('fd00::/0')!, p('fd00::1')!), 'an IPv6 /0 contains only what masks to its target: nothing unless the target is ::');
  assert.ok(ztContains(p('::/0')!, p('fd00::1')!));
});

// Paths, scopes, best-path choice and learning (03 §5), external address detection
// (03 §13) and the peer cache format (03 §3.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInetAddress, inetAddressToString } from '../../../src/protocol/inet-address.js';
import { ipScope, IpScope, isScopeAcceptableForPaths } from '../../../src/protocol/ip-scope.js';
import { Path } from '../../../src/node/path.js';
import { Peer } from '../../../src/node/peer.js';
import { SelfAwareness } from '../../../src/node/self-awareness.js';
import { decodeCachedPeer, encodeCachedPeer } from '../../../src/node/peer-cache.js';
import { identityVerifyBucket } from '../../../src/node/identity-verify-gate.js';
import { derivePeerKeys } from '../../../src/crypto/peer-keys.js';
import { fuzzDecoder } from '../../helpers/property.js';
import { testIdentity } from '../../sim/zt-net.js';

const ep = (s: string) => parseInetAddress(s)!;

test('IP scopes follow 03 §5.2', () => {
  const cases: Array<[string, number]> = [
    ['0.1.2.3/1', IpScope.NONE], ['255.1.1.1/1', IpScope.NONE], ['127.0.0.1/1', IpScope.LOOPBACK],
    ['224.0.0.1/1', IpScope.MULTICAST], ['240.0.0.1/1', IpScope.PSEUDOPRIVATE], ['6.1.1.1/1', IpScope.PSEUDOPRIVATE],
    ['56.1.1.1/1', IpScope.PSEUDOPRIVATE], ['169.254.3.4/1', IpScope.LINK_LOCAL], ['10.9.9.9/1', IpScope.PRIVATE],
    ['100.64.0.1/1', IpScope.PRIVATE], ['100.128.0.1/1', IpScope.GLOBAL], ['172.16.0.1/1', IpScope.PRIVATE],
    ['172.32.0.1/1', IpScope.GLOBAL], ['192.168.1.1/1', IpScope.PRIVATE], ['192.0.2.1/1', IpScope.PRIVATE],
    ['198.18.0.1/1', IpScope.PRIVATE], ['198.19.255.1/1', IpScope.PRIVATE], ['198.51.100.1/1', IpScope.PRIVATE],
    ['203.0.113.1/1', IpScope.PRIVATE], ['8.8.8.8/1', IpScope.GLOBAL], ['::/1', IpScope.NONE], ['::1/1', IpScope.LOOPBACK],
    ['fe80::1/1', IpScope.LOOPBACK], ['fe80::2/1', IpScope.LINK_LOCAL], ['febf::1/1', IpScope.LOOPBACK], ['ff02::1/1', IpScope.MULTICAST],
    ['fd00::1/1', IpScope.PRIVATE], ['fc12::1/1', IpScope.PRIVATE], ['::ffff:127.0.0.1/1', IpScope.LOOPBACK], ['2001:db8::1/1', IpScope.GLOBAL],
  ];
  for (const [a, s] of cases) assert.equal(ipScope(ep(a)), s, a);
  assert.equal(isScopeAcceptableForPaths(ep('2001:470:1::1/1')), false, 'Hurricane Electric tunnels are blacklisted');
  assert.equal(isScopeAcceptableForPaths(ep('127.0.0.1/1')), false);
  assert.equal(isScopeAcceptableForPaths(ep('10.0.0.1/1')), true);
});

test('path liveness, heartbeat, latency smoothing and quality', () => {
  const p = new Path(1, ep('10.0.0.1/9993'));
  p.lastInMs = 1000;
  assert.ok(p.isAlive(19_999));
  assert.ok(!p.isAlive(20_000));
  p.lastOutMs = 1000;
  assert.ok(!p.needsHeartbeat(14_999));
  assert.ok(p.needsHeartbeat(15_000));
  p.addLatencySample(40);
  assert.equal(p.latencyMs, 40);
  p.addLatencySample(21);
  assert.equal(p.latencyMs, 30, 'integer mean of old and new');
  assert.equal(p.quality(2000), 30 * 1, 'live private path: latency × 1');
  const g = new Path(1, ep('8.8.8.8/9993'));
  g.lastInMs = 1000;
  g.latencyMs = 30;
  assert.equal(g.quality(2000), 30 * 4, 'global scope × 4');
  assert.equal(p.quality(100_000), (30 + 0xffff + 99_000) * 1, 'a silent path is penalised by its age');
});

test('best path: lowest quality, later entry on ties, expired ones only on request', () => {
  const id = testIdentity('paths-peer');
  const peer = new Peer(id, derivePeerKeys(new Uint8Array(48)));
  const now = 1_000_000;
  const a = new Path(1, ep('10.0.0.1/1'));
  const b = new Path(1, ep('10.0.0.2/1'));
  for (const p of [a, b]) {
    p.lastInMs = now;
    p.latencyMs = 10;
  }
  peer.learnPath(a, now);
  peer.learnPath(b, now);
  assert.equal(peer.bestPath(now)!.path, b, 'tie → later entry');
  a.latencyMs = 5;
  assert.equal(peer.bestPath(now)!.path, a);
  peer.paths[0].lastReceiveMs = now - 243_000;
  assert.equal(peer.bestPath(now)!.path, b, 'expired entry skipped');
  peer.paths[1].lastReceiveMs = now - 250_000;
  assert.equal(peer.bestPath(now), null);
  assert.equal(peer.bestPathIncludingExpired(now)!.path, a);
});

test('learning replaces a dead path of the same IP and socket, and keeps at most 64', () => {
  const peer = new Peer(testIdentity('paths-peer'), derivePeerKeys(new Uint8Array(48)));
  const now = 1_000_000;
  const old = new Path(1, ep('198.51.100.1/4000'));
  old.lastInMs = now - 60_000;
  peer.learnPath(old, now - 60_000);
  const moved = new Path(1, ep('198.51.100.1/4001'));
  moved.lastInMs = now;
  peer.learnPath(moved, now);
  assert.equal(peer.paths.length, 1, 'same IP and socket, old one dead: overwritten');
  assert.equal(peer.paths[0].path, moved);
  for (let i = 0; i < 70; i++) {
    const p = new Path(2, ep(`10.1.${i}.1/1`));
    p.lastInMs = now - i;
    peer.learnPath(p, now);
  }
  assert.equal(peer.paths.length, 64);
});

test('external address detection: same-scope reports recorded; a trusted IP change asks for a path reset', () => {
  const sa = new SelfAwareness();
  const reporter = ep('203.0.113.1/9993');
  assert.equal(sa.iam(1000, 1, 1, reporter, ep('198.51.100.5/40000'), true), null);
  assert.deepEqual(sa.surfaceAddresses().map(inetAddressToString), ['198.51.100.5/40000']);
  assert.equal(sa.iam(2000, 1, 1, reporter, ep('198.51.100.5/40001'), true), null, 'port change only: no reset');
  assert.deepEqual(sa.iam(3000, 1, 1, reporter, ep('198.51.100.6/40001'), true), { scope: IpScope.PRIVATE, family: 4 });
  assert.equal(sa.iam(4000, 2, 1, reporter, ep('8.8.8.8/1'), true), null, 'different scope than the reporter: ignored');
  assert.equal(sa.iam(4000, 2, 1, ep('127.0.0.1/1'), ep('127.0.0.2/1'), true), null, 'loopback ignored');
  assert.deepEqual(sa.surfaceAddresses().map(inetAddressToString), ['198.51.100.6/40001']);
  sa.clean(3000 + 600_000);
  assert.deepEqual(sa.surfaceAddresses(), []);
});

test('peer cache object round-trips and rejects other versions', () => {
  const id = testIdentity('paths-peer').toPublic();
  const c = { identity: id, version: { protocol: 12, major: 1, minor: 14, revision: 1 }, addresses: [ep('198.51.100.1/9993'), ep('2001:db8::1/9993')] };
  const bytes = encodeCachedPeer(c);
  assert.equal(bytes[0], 2);
  assert.equal(bytes.length, 1 + 71 + 8 + 2 + 7 + 19);
  const back = decodeCachedPeer(bytes);
  assert.ok(back.identity.equals(id));
  assert.deepEqual(back.version, c.version);
  assert.deepEqual(back.addresses.map(inetAddressToString), ['198.51.100.1/9993', '2001:db8::1/9993']);
  const v3 = bytes.slice();
  v3[0] = 3;
  assert.throws(() => decodeCachedPeer(v3), { code: 'decode_unsupported_version' });
  fuzzDecoder('decodeCachedPeer', decodeCachedPeer, { seeds: [bytes] });
});

test('identity verification buckets: IPv4 per /24, IPv6 by the first 6 bytes', () => {
  assert.equal(identityVerifyBucket(ep('198.51.100.1/1')), identityVerifyBucket(ep('198.51.100.200/2')));
  assert.notEqual(identityVerifyBucket(ep('198.51.100.1/1')), identityVerifyBucket(ep('198.51.101.1/1')));
  assert.equal(identityVerifyBucket(ep('2001:db8:1::1/1')), identityVerifyBucket(ep('2001:db8:1:ffff::9/1')));
});

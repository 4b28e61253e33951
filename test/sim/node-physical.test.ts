// Trusted paths and physical MTUs (03 §14, 02 §5.4): inside a configured network packets go
// unencrypted in suite 2 with the ID in the MAC field; the MTU sets the fragment size.
//
//   root 198.51.100.1 (no physical settings)
//   a 203.0.113.2, b 203.0.113.3   physical 203.0.113.0/24 { trustedPathId: 42, mtu: 1400 }
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIp } from '../../src/protocol/inet-address.js';
import { CipherSuite } from '../../src/protocol/constants.js';
import type { PhysicalNetwork } from '../../src/node/physical.js';
import { Prng } from '../helpers/prng.js';
import { ztNet, type ZtNet } from './zt-net.js';

const MSG = 0x10000n;
const lan = (id: bigint, mtu = 1400): PhysicalNetwork[] => [{ network: parseIp('203.0.113.0')! as PhysicalNetwork['network'], bits: 24, trustedPathId: id, mtu }];

function net(seed: number, idA: bigint, idB: bigint, t: { after(fn: () => void): unknown }): ZtNet {
  return ztNet({
    seed,
    t,
    latencyMs: 5,
    hosts: [
      { name: 'root', public: '198.51.100.1', rootEndpoints: ['198.51.100.1/9993'] },
      { name: 'a', public: '203.0.113.2', physical: lan(idA) },
      { name: 'b', public: '203.0.113.3', physical: lan(idB) },
    ],
  });
}

function direct(zt: ZtNet): void {
  zt.net.runUntil(() => zt.node('a').isOnline && zt.node('b').isOnline, 10_000);
  for (let i = 0; i < 20 && !zt.node('a').getPeer(zt.id('b').address)?.bestPath(zt.net.now); i++) {
    zt.node('a').sendUserMessage(zt.net.now, zt.id('b').address, MSG, Buffer.from(`w${i}`));
    zt.net.runFor(5_000);
  }
  assert.ok(zt.node('a').getPeer(zt.id('b').address)?.bestPath(zt.net.now), 'a has a direct path to b');
}

test('inside a trusted network, packets travel in suite 2 with the ID and are accepted', (t) => {
  const zt = net(20, 42n, 42n, t);
  direct(zt);
  const mark = zt.net.capture.length;
  zt.node('a').sendUserMessage(zt.net.now, zt.id('b').address, MSG, Buffer.from('trusted hello'));
  zt.net.runFor(1_000);
  const sent = zt.net.capture.slice(mark).filter((r) => r.fromHost === 'a' && r.toHost === 'b');
  assert.equal(sent.length, 1);
  const d = sent[0].data;
  assert.equal((d[18] >> 3) & 7, CipherSuite.NO_CRYPTO_TRUSTED_PATH);
  assert.equal(Buffer.from(d.subarray(19, 27)).toString('hex'), '000000000000002a', 'the MAC field carries the ID');
  assert.ok(Buffer.from(d).includes(Buffer.from('trusted hello')), 'unencrypted');
  assert.ok(zt.host('b').eventsOf('user_message').some((e) => Buffer.from(e.data).toString() === 'trusted hello'));
  // Traffic to the root (outside the network) stays encrypted.
  const toRoot = zt.net.capture.slice(mark).filter((r) => r.fromHost === 'a' && r.toHost === 'root');
  assert.ok(toRoot.every((r) => ((r.data[18] >> 3) & 7) !== CipherSuite.NO_CRYPTO_TRUSTED_PATH));
});

test('a different ID on the receiver means the suite-2 packets are dropped', (t) => {
  const zt = net(21, 42n, 43n, t);
  direct(zt);
  const before = zt.host('b').dropTotal('bad_cipher_suite');
  zt.node('a').sendUserMessage(zt.net.now, zt.id('b').address, MSG, Buffer.from('refused'));
  zt.net.runFor(1_000);
  assert.ok(zt.host('b').dropTotal('bad_cipher_suite') > before);
  assert.ok(!zt.host('b').eventsOf('user_message').some((e) => Buffer.from(e.data).toString() === 'refused'));
});

test('the physical MTU sets the fragment size', (t) => {
  const zt = net(22, 42n, 42n, t);
  direct(zt);
  const mark = zt.net.capture.length;
  const big = new Prng(5).bytes(5000);
  zt.node('a').sendUserMessage(zt.net.now, zt.id('b').address, MSG, big);
  zt.net.runFor(1_000);
  const pieces = zt.net.capture.slice(mark).filter((r) => r.fromHost === 'a' && r.toHost === 'b');
  assert.ok(pieces.length >= 4);
  assert.equal(Math.max(...pieces.map((r) => r.data.length)), 1400);
  assert.ok(zt.host('b').eventsOf('user_message').some((e) => e.data.length === 5000));
});

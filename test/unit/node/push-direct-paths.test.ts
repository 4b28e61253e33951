// PUSH_DIRECT_PATHS receiving (03 §12.2): probes to acceptable new addresses, skipped
// records, at most 8 per scope and family, and the rate gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Verb } from '../../../src/protocol/constants.js';
import { parseInetAddress, inetAddressToString } from '../../../src/protocol/inet-address.js';
import { encodePushDirectPaths } from '../../../src/protocol/verbs/push-direct-paths.js';
import { forge, forgeHello, makeNode } from '../../helpers/node-harness.js';
import { testIdentity } from '../../sim/zt-net.js';

const self = testIdentity('pdp-self');
const root = testIdentity('pdp-root');
const peer = testIdentity('pdp-peer');
const FROM = parseInetAddress('198.51.100.7/40000')!;

test('pushed addresses are probed; forget, unacceptable and excess records are skipped; the gate limits pushes', () => {
  let now = 5_000_000;
  const { node, host } = makeNode(self, root, now);
  node.onDatagram(now, 1, FROM, forgeHello(peer, self, now, null));
  host.take();
  const paths = [
    { flags: 0, address: parseInetAddress('192.168.1.20/9993')! },
    { flags: 1, address: parseInetAddress('192.168.1.21/9993')! }, // forget: skipped
    { flags: 0, address: parseInetAddress('127.0.0.1/9993')! }, // loopback: not acceptable
    ...Array.from({ length: 10 }, (_, i) => ({ flags: 0, address: parseInetAddress(`10.9.0.${i + 1}/9993`)! })),
  ];
  node.onDatagram(now, 1, FROM, forge(peer, self, Verb.PUSH_DIRECT_PATHS, encodePushDirectPaths({ paths })));
  const probed = new Set(host.take().filter((s) => s.to.port !== FROM.port).map((s) => inetAddressToString(s.to)));
  assert.ok(probed.has('192.168.1.20/9993'));
  assert.ok(!probed.has('192.168.1.21/9993'));
  assert.ok(!probed.has('127.0.0.1/9993'));
  const tens = [...probed].filter((a) => a.startsWith('10.9.0.'));
  // 192.168.1.20 and the 10.9.0.x records share scope PRIVATE / IPv4: 8 probes in all.
  assert.equal(tens.length + 1, 8, `at most 8 per scope and family: ${[...probed].join(' ')}`);
  // Pushes within 30 s of each other count up; the 9th such push is ignored.
  let accepted = 0;
  for (let i = 0; i < 9; i++) {
    now += 1000;
    node.onDatagram(now, 1, FROM, forge(peer, self, Verb.PUSH_DIRECT_PATHS, encodePushDirectPaths({ paths: [{ flags: 0, address: parseInetAddress(`172.16.${i}.1/9993`)! }] })));
    // (The confirming HELLO to FROM, once a second for an unlearned path, is not a probe.)
    if (host.take().some((x) => x.to.port !== FROM.port)) accepted++;
  }
  assert.equal(accepted, 7, 'counter < 8 within the rolling 30 s window');
  assert.ok(host.drops('rate_limited') >= 2);
});

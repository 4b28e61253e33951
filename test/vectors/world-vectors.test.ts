// The public planet of 1.14.1 (spec 03 §8.8): decode, verify, re-encode byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EARTH_PLANET_HEX } from '../../src/protocol/earth-planet.js';
import { decodeWorld, encodeWorld, verifyWorldSignature, WorldType, worldSigningMessage } from '../../src/protocol/world.js';
import { addressToString } from '../../src/protocol/address.js';
import { inetAddressToString } from '../../src/protocol/inet-address.js';
import { hex } from '../../src/util/hex.js';
import { assertInSpec } from '../helpers/shared.js';
import { fuzzDecoder } from '../helpers/property.js';

const earth = hex(EARTH_PLANET_HEX);

test('the embedded planet is the spec\'s 570 bytes', () => {
  assertInSpec('03-peers-roots.md', EARTH_PLANET_HEX);
  assert.equal(earth.length, 570);
  assert.equal(createHash('sha256').update(earth).digest('hex'), 'd85620dee418cd7efc5558b6a50b2a8ac34792764d074fa55d752952e48da470');
});

test('Earth decodes to the four roots and endpoints of 03 §8.8', () => {
  const w = decodeWorld(earth);
  assert.equal(w.type, WorldType.PLANET);
  assert.equal(w.id, 0x8eac90an);
  assert.equal(w.timestamp, 1644592324813n);
  const roots = w.roots.map((r) => [addressToString(r.identity.address), r.stableEndpoints.map(inetAddressToString)]);
  assert.deepEqual(roots, [
    ['cafe9efeb9', ['104.194.8.134/9993', '2605:9880:200:1200:30:571:e34:51/9993']],
    ['778cde7190', ['103.195.103.66/9993', '2605:9880:400:c3:254:f2bc:a1f7:19/9993']],
    ['62f865ae71', ['50.7.252.138/9993', '2001:49f0:d0db:2::2/9993']],
    ['cafe04eba9', ['84.17.53.155/9993', '2a02:6ea0:d405::9993/9993']],
  ]);
});

test('Earth verifies against its own key, re-encodes identically, and a changed byte breaks it', () => {
  const w = decodeWorld(earth);
  assert.ok(verifyWorldSignature(w, w.updatesMustBeSignedBy));
  assert.deepEqual(encodeWorld(w), earth);
  const msg = worldSigningMessage(w);
  assert.equal(msg.length, 570 - 96 + 16);
  for (const at of [1, 9, 20, 180, 300, 569]) {
    const bad = earth.slice();
    bad[at] ^= 0x04;
    let ok = false;
    try {
      const bw = decodeWorld(bad);
      ok = verifyWorldSignature(bw, w.updatesMustBeSignedBy);
    } catch {
      ok = false; // a flip that breaks the structure is a rejection too
    }
    assert.equal(ok, false, `flip at ${at} must not verify`);
  }
});

test('world decoder survives random, truncated and flipped input', () => {
  fuzzDecoder('decodeWorld', decodeWorld, { seeds: [earth], iterations: 3000, maxRandomBytes: 700 });
});

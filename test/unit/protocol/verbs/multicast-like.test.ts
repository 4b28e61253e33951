import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { toHex } from '../../../../src/util/hex.js';
import { decodeMulticastLike, encodeMulticastLike } from '../../../../src/protocol/verbs/multicast-like.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const msg = {
  likes: [
    { networkId: 0x8056c2e21c000001n, group: { mac: 0xffffffffffff, adi: 0x0a000001 } },
    { networkId: 0x1122334455667788n, group: { mac: 0x333300000001, adi: 0 } },
  ],
};

test('MULTICAST_LIKE round trip: 18-byte tuples, networks mixed', () => {
  const b = encodeMulticastLike(msg);
  assert.equal(b.length, 36);
  assert.equal(toHex(b.subarray(0, 18)), '8056c2e21c000001ffffffffffff0a000001');
  assert.deepEqual(decodeMulticastLike(b), msg);
  assert.deepEqual(decodeMulticastLike(new Uint8Array(0)), { likes: [] });
});

test('MULTICAST_LIKE rejects a partial tuple', () => {
  const b = encodeMulticastLike(msg);
  assert.throws(() => decodeMulticastLike(b.subarray(0, 30)), (e: unknown) => e instanceof DecodeError && e.field === 'MULTICAST_LIKE.likes[1].group.mac');
});

test('MULTICAST_LIKE decoder property', () => {
  fuzzDecoder('decodeMulticastLike', decodeMulticastLike, { seeds: [encodeMulticastLike(msg)] });
});

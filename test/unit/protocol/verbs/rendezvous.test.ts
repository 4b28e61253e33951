import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { hex, toHex } from '../../../../src/util/hex.js';
import { parseInetAddress } from '../../../../src/protocol/inet-address.js';
import { decodeRendezvous, encodeRendezvous } from '../../../../src/protocol/verbs/rendezvous.js';
import { fuzzDecoder } from '../../../helpers/property.js';

test('RENDEZVOUS IPv6 round trip: port first, then a length of 16 without the port', () => {
  const msg = { flags: 0, with: 0xa460b90baa, at: parseInetAddress('2001:db8::7/9993')! };
  const b = encodeRendezvous(msg);
  assert.equal(toHex(b.subarray(0, 9)), '00a460b90baa270910');
  assert.equal(b.length, 25);
  assert.deepEqual(decodeRendezvous(b), msg);
});

test('RENDEZVOUS rejects address lengths other than 4 and 16', () => {
  for (const len of [0, 6, 18, 5]) {
    const b = hex('00 a460b90baa b0f6').slice();
    const withLen = Uint8Array.of(...b, len, ...new Uint8Array(18));
    assert.throws(() => decodeRendezvous(withLen), (e: unknown) => e instanceof DecodeError && e.field === 'RENDEZVOUS.addressLength' && e.offset === 8);
  }
  assert.throws(() => decodeRendezvous(hex('00 a460b90baa b0f6 04 0a63')), (e: unknown) => e instanceof DecodeError && e.field === 'RENDEZVOUS.ip');
});

test('RENDEZVOUS with port 0 decodes (the handler ignores it)', () => {
  assert.equal(decodeRendezvous(hex('00 a460b90baa 0000 04 0a630103')).at.port, 0);
});

test('RENDEZVOUS decoder property', () => {
  fuzzDecoder('decodeRendezvous', decodeRendezvous, {
    seeds: [hex('00a460b90baab0f6040a630103'), encodeRendezvous({ flags: 0, with: 1, at: parseInetAddress('::1/1')! })],
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../../src/util/hex.js';
import { decodeWhois, encodeWhois } from '../../../../src/protocol/verbs/whois.js';
import { fuzzDecoder } from '../../../helpers/property.js';

test('WHOIS round trip, several addresses', () => {
  const msg = { addresses: [0xac43a880fd, 0x0000000001, 0xfeffffffff] };
  const b = encodeWhois(msg);
  assert.equal(toHex(b), 'ac43a880fd0000000001feffffffff');
  assert.deepEqual(decodeWhois(b), msg);
});

test('WHOIS ignores a trailing partial address and decodes empty as no addresses', () => {
  assert.deepEqual(decodeWhois(Uint8Array.of(0xac, 0x43, 0xa8, 0x80, 0xfd, 1, 2)), { addresses: [0xac43a880fd] });
  assert.deepEqual(decodeWhois(new Uint8Array(0)), { addresses: [] });
});

test('WHOIS decoder property', () => {
  fuzzDecoder('decodeWhois', decodeWhois, { seeds: [encodeWhois({ addresses: [1, 2] })] });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha384 } from '../../../src/crypto/sha384.js';
import { toHex } from '../../../src/util/hex.js';

test('SHA-384: FIPS 180-4 "abc" vector; parts are concatenated', () => {
  const abc = new TextEncoder().encode('abc');
  const want = 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7';
  assert.equal(toHex(sha384(abc)), want);
  assert.equal(toHex(sha384(abc.subarray(0, 1), abc.subarray(1))), want);
  assert.equal(sha384().length, 48);
});

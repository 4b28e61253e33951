import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secureRandomBytes, secureRandomFill } from '../../../src/crypto/random.js';
import { toHex } from '../../../src/util/hex.js';

describe('secureRandomBytes', () => {
  it('returns n bytes, different each call', () => {
    assert.equal(secureRandomBytes(0).length, 0);
    const a = secureRandomBytes(32);
    const b = secureRandomBytes(32);
    assert.equal(a.length, 32);
    assert.notEqual(toHex(a), toHex(b));
    const into = new Uint8Array(16);
    secureRandomFill(into);
    assert.notEqual(toHex(into), '0'.repeat(32));
  });
});

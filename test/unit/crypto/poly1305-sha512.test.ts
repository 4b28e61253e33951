// Poly1305 and SHA-512 wrappers against their standards' published examples.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hex, toHex } from '../../../src/util/hex.js';
import { poly1305 } from '../../../src/crypto/poly1305.js';
import { sha512, sha512Into } from '../../../src/crypto/sha512.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('poly1305', () => {
  it('RFC 8439 §2.5.2 example', () => {
    const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
    const tag = new Uint8Array(16);
    poly1305(tag, ascii('Cryptographic Forum Research Group'), key);
    assert.equal(toHex(tag), 'a8061dc1305136c6c22b8baf0c0127a9');
  });

  it('works on views and rejects wrong buffer sizes', () => {
    const key = hex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
    const big = new Uint8Array(100);
    big.set(key, 7);
    big.set(ascii('Cryptographic Forum Research Group'), 40);
    const out = new Uint8Array(20);
    poly1305(out.subarray(2, 18), big.subarray(40, 74), big.subarray(7, 39));
    assert.equal(toHex(out.subarray(2, 18)), 'a8061dc1305136c6c22b8baf0c0127a9');
    assert.throws(() => poly1305(new Uint8Array(8), new Uint8Array(1), key), RangeError);
    assert.throws(() => poly1305(new Uint8Array(16), new Uint8Array(1), key.subarray(0, 31)), RangeError);
  });
});

describe('sha512', () => {
  it('FIPS 180-4 "abc" and empty message', () => {
    assert.equal(toHex(sha512(ascii('abc'))),
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f');
    const out = new Uint8Array(64);
    sha512Into(out, new Uint8Array(0));
    assert.equal(toHex(out),
      'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e');
    assert.throws(() => sha512Into(new Uint8Array(32), out), RangeError);
  });
});

// The memory-hard hash (01 §5.1) against a literal, slow rendering of the algorithm built on
// the pure-TS Salsa20/20 (one keystream, one 64-byte block per step, BigInt word reads), so
// the chunked libsodium fast path is checked on keys other than the spec's two.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../src/util/hex.js';
import { memoryHardHash } from '../../../src/crypto/memory-hard-hash.js';
import { sha512 } from '../../../src/crypto/sha512.js';
import { Salsa20 } from '../../../src/crypto/salsa20.js';
import { Prng } from '../../helpers/prng.js';

function literal(pub: Uint8Array): Uint8Array {
  const d = sha512(pub);
  const s = new Salsa20(d.slice(0, 32), d.slice(32, 40), 20);
  const m = new Uint8Array(2 * 1024 * 1024);
  s.crypt(m.subarray(0, 64), m.subarray(0, 64));
  for (let i = 64; i < m.length; i += 64) {
    m.copyWithin(i, i - 64, i);
    const blk = m.subarray(i, i + 64);
    s.crypt(blk, blk);
  }
  const view = new DataView(m.buffer);
  for (let n = 0; n < 131072; n++) {
    const idx1 = Number(view.getBigUint64(16 * n, false) % 8n);
    const idx2 = Number(view.getBigUint64(16 * n + 8, false) % 262144n);
    const tmp = d.slice(8 * idx1, 8 * idx1 + 8);
    d.set(m.subarray(8 * idx2, 8 * idx2 + 8), 8 * idx1);
    m.set(tmp, 8 * idx2);
    s.crypt(d, d);
  }
  return d;
}

describe('memoryHardHash', () => {
  it('equals the literal algorithm on random public keys, repeatedly (scratch reuse)', () => {
    const r = new Prng(55);
    for (let i = 0; i < 2; i++) {
      const pub = r.bytes(64);
      assert.equal(toHex(memoryHardHash(pub)), toHex(literal(pub)));
    }
  });

  it('returns a fresh array and rejects wrong input length', () => {
    const pub = new Prng(1).bytes(64);
    const a = memoryHardHash(pub);
    const b = memoryHardHash(pub);
    assert.notEqual(a, b);
    assert.equal(toHex(a), toHex(b));
    assert.throws(() => memoryHardHash(new Uint8Array(63)), RangeError);
  });
});

// C25519 key pairs, agreement and 96-byte signatures (01 §3, §6.1, §7) on random keys.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../../../src/util/hex.js';
import { AuthError } from '../../../src/util/errors.js';
import { sha512 } from '../../../src/crypto/sha512.js';
import {
  agree, generateC25519KeyPair, publicFromPrivate, sign, verify, x25519Public, ed25519PublicFromSeed,
} from '../../../src/crypto/c25519.js';
import { Prng } from '../../helpers/prng.js';

describe('c25519', () => {
  const r = new Prng(25519);
  const random = (n: number): Uint8Array => r.bytes(n);

  it('generated key pairs have X25519 ‖ Ed25519 halves derived from the private halves', () => {
    const { publicKey, privateKey } = generateC25519KeyPair(random);
    assert.equal(publicKey.length, 64);
    assert.equal(privateKey.length, 64);
    assert.equal(toHex(publicKey.subarray(0, 32)), toHex(x25519Public(privateKey.subarray(0, 32))));
    assert.equal(toHex(publicKey.subarray(32)), toHex(ed25519PublicFromSeed(privateKey.subarray(32))));
    assert.equal(toHex(publicFromPrivate(privateKey)), toHex(publicKey));
  });

  it('generateC25519KeyPair copies the random bytes (caller may reuse its buffer)', () => {
    const buf = r.bytes(64);
    const kp = generateC25519KeyPair(() => buf);
    const before = toHex(kp.privateKey);
    buf.fill(0);
    assert.equal(toHex(kp.privateKey), before);
  });

  it('agreement is symmetric and 48 bytes; different peers give different keys', () => {
    for (let i = 0; i < 20; i++) {
      const a = generateC25519KeyPair(random);
      const b = generateC25519KeyPair(random);
      const c = generateC25519KeyPair(random);
      const ab = agree(a.privateKey, b.publicKey);
      assert.equal(ab.length, 48);
      assert.equal(toHex(ab), toHex(agree(b.privateKey, a.publicKey)));
      assert.notEqual(toHex(ab), toHex(agree(a.privateKey, c.publicKey)));
    }
  });

  it('agreement with a low-order X25519 key (all-zero result) throws AuthError', () => {
    const a = generateC25519KeyPair(random);
    const bad = new Uint8Array(64); // u = 0 is a low-order point
    assert.throws(() => agree(a.privateKey, bad), (e: unknown) => e instanceof AuthError && e.code === 'auth_failed');
    const one = new Uint8Array(64);
    one[0] = 1; // u = 1, also low order
    assert.throws(() => agree(a.privateKey, one), AuthError);
  });

  it('sign → verify on random messages; signature tail is SHA-512(m)[0..32]; deterministic', () => {
    for (let i = 0; i < 30; i++) {
      const kp = generateC25519KeyPair(random);
      const msg = r.bytes(r.int(500));
      const sig = sign(kp.privateKey, kp.publicKey, msg);
      assert.equal(sig.length, 96);
      assert.equal(toHex(sig.subarray(64)), toHex(sha512(msg).subarray(0, 32)));
      assert.equal(toHex(sign(kp.privateKey, kp.publicKey, msg)), toHex(sig));
      assert.equal(verify(kp.publicKey, msg, sig), true);
      const other = generateC25519KeyPair(random);
      assert.equal(verify(other.publicKey, msg, sig), false);
      const m2 = Uint8Array.from([...msg, 0]);
      assert.equal(verify(kp.publicKey, m2, sig), false);
    }
  });

  it('verify is false (never throws) for bad lengths and garbage', () => {
    const kp = generateC25519KeyPair(random);
    const msg = r.bytes(10);
    const sig = sign(kp.privateKey, kp.publicKey, msg);
    for (const n of [0, 1, 64, 95, 97, 128]) assert.equal(verify(kp.publicKey, msg, new Uint8Array(n)), false);
    assert.equal(verify(kp.publicKey.subarray(0, 63), msg, sig), false);
    // Right digest, garbage Ed25519 part.
    const g = sig.slice();
    g.set(r.bytes(64), 0);
    assert.equal(verify(kp.publicKey, msg, g), false);
  });

  it('a plain Ed25519 signature of the message is not a ZeroTier signature (01 §12 trap 2)', () => {
    const kp = generateC25519KeyPair(random);
    const msg = r.bytes(32);
    const sig = sign(kp.privateKey, kp.publicKey, msg);
    const wrong = sig.slice();
    wrong.set(msg, 64); // digest field replaced by the message itself
    assert.equal(verify(kp.publicKey, msg, wrong), false);
  });

  it('rejects wrong key lengths', () => {
    assert.throws(() => x25519Public(new Uint8Array(31)), RangeError);
    assert.throws(() => publicFromPrivate(new Uint8Array(32)), RangeError);
    assert.throws(() => agree(new Uint8Array(32), new Uint8Array(64)), RangeError);
    assert.throws(() => sign(new Uint8Array(64), new Uint8Array(32), new Uint8Array(1)), RangeError);
  });
});

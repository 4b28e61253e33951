// AES-GMAC-SIV (01 §9.2), KBKDF (§9.1) and the peer key set (§6.2) beyond the spec vectors:
// round trips, tamper detection, in-place use, and an independent recomputation of the
// construction with node:crypto primitives for AAD lengths with and without padding.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHmac } from 'node:crypto';
import { toHex } from '../../../src/util/hex.js';
import { AesGmacSiv } from '../../../src/crypto/aes-gmac-siv.js';
import { kbkdfSha384 } from '../../../src/crypto/kbkdf.js';
import { derivePeerKeys } from '../../../src/crypto/peer-keys.js';
import { Prng } from '../../helpers/prng.js';

/** The construction written out literally: one AAD buffer, explicit fold, ECB, CTR. */
function referenceEncrypt(k0: Uint8Array, k1: Uint8Array, n: Uint8Array, a: Uint8Array, p: Uint8Array): { w: Uint8Array; c: Uint8Array } {
  const padded = new Uint8Array(Math.ceil(a.length / 16) * 16 + p.length);
  padded.set(a, 0);
  padded.set(p, Math.ceil(a.length / 16) * 16);
  const gcm = createCipheriv('aes-256-gcm', k0, Uint8Array.from([...n, 0, 0, 0, 0]));
  gcm.setAAD(padded);
  gcm.final();
  const t = gcm.getAuthTag();
  const block = new Uint8Array(16);
  block.set(n, 0);
  for (let i = 0; i < 8; i++) block[8 + i] = t[i] ^ t[i + 8];
  const ecb = createCipheriv('aes-256-ecb', k1, null).setAutoPadding(false);
  const w = new Uint8Array(ecb.update(block));
  const iv = w.slice();
  iv[12] &= 0x7f;
  const ctr = createCipheriv('aes-256-ctr', k1, iv);
  const c = new Uint8Array(Buffer.concat([ctr.update(p), ctr.final()]));
  return { w, c };
}

describe('AesGmacSiv', () => {
  const r = new Prng(0x5151);

  it('matches the literal construction for AAD lengths 0..40 and plaintext lengths 0..300', () => {
    for (let i = 0; i < 200; i++) {
      const k0 = r.bytes(32), k1 = r.bytes(32), n = r.bytes(8);
      const a = r.bytes(i < 41 ? i : r.int(41));
      const p = r.bytes(r.int(301));
      const siv = new AesGmacSiv(k0, k1);
      const c = new Uint8Array(p.length);
      const w = siv.encrypt(n, a, p, c);
      const ref = referenceEncrypt(k0, k1, n, a, p);
      assert.equal(toHex(w), toHex(ref.w), `aad ${a.length} p ${p.length}`);
      assert.equal(toHex(c), toHex(ref.c));
      const back = new Uint8Array(c.length);
      assert.equal(siv.decrypt(w, a, c, back), true);
      assert.equal(toHex(back), toHex(p));
    }
  });

  it('encrypts and decrypts in place inside a larger packet buffer', () => {
    const siv = new AesGmacSiv(r.bytes(32), r.bytes(32));
    const pkt = r.bytes(1400);
    const original = pkt.slice();
    const body = pkt.subarray(27);
    const w = siv.encrypt(pkt.subarray(0, 8), pkt.subarray(8, 19), body, body);
    assert.notEqual(toHex(body), toHex(original.subarray(27)));
    assert.equal(siv.decrypt(w, pkt.subarray(8, 19), body, body), true);
    assert.equal(toHex(pkt), toHex(original));
  });

  it('any single-bit change of W, AAD or ciphertext fails authentication', () => {
    const siv = new AesGmacSiv(r.bytes(32), r.bytes(32));
    const n = r.bytes(8), a = r.bytes(11), p = r.bytes(40);
    const c = new Uint8Array(p.length);
    const w = siv.encrypt(n, a, p, c);
    const out = new Uint8Array(c.length);
    for (let bit = 0; bit < 128; bit++) {
      const w2 = w.slice();
      w2[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(siv.decrypt(w2, a, c, out), false, `W bit ${bit}`);
    }
    for (let bit = 0; bit < a.length * 8; bit++) {
      const a2 = a.slice();
      a2[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(siv.decrypt(w, a2, c, out), false, `AAD bit ${bit}`);
    }
    for (let bit = 0; bit < c.length * 8; bit++) {
      const c2 = c.slice();
      c2[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(siv.decrypt(w, a, c2, out), false, `ciphertext bit ${bit}`);
    }
    assert.equal(siv.decrypt(w, a, c.subarray(0, 39), out), false, 'truncated');
    assert.equal(siv.decrypt(w, a, c, out), true);
  });

  it('a different key pair cannot decrypt', () => {
    const n = r.bytes(8), a = r.bytes(11), p = r.bytes(64);
    const c = new Uint8Array(p.length);
    const w = new AesGmacSiv(r.bytes(32), r.bytes(32)).encrypt(n, a, p, c);
    assert.equal(new AesGmacSiv(r.bytes(32), r.bytes(32)).decrypt(w, a, c, new Uint8Array(64)), false);
  });

  it('rejects wrong sizes', () => {
    assert.throws(() => new AesGmacSiv(new Uint8Array(16), new Uint8Array(32)), RangeError);
    const siv = new AesGmacSiv(r.bytes(32), r.bytes(32));
    assert.throws(() => siv.encrypt(new Uint8Array(12), new Uint8Array(0), new Uint8Array(1), new Uint8Array(1)), RangeError);
    assert.throws(() => siv.encrypt(new Uint8Array(8), new Uint8Array(0), new Uint8Array(2), new Uint8Array(1)), RangeError);
    assert.throws(() => siv.decrypt(new Uint8Array(8), new Uint8Array(0), new Uint8Array(1), new Uint8Array(1)), RangeError);
  });
});

describe('kbkdfSha384 and derivePeerKeys', () => {
  it('is HMAC-SHA-384 over the 13-byte message of 01 §9.1', () => {
    const r = new Prng(384);
    const k = r.bytes(48);
    for (const label of [0x30, 0x31]) {
      const msg = Uint8Array.from([0, 0, 0, 0, 0x5a, 0x54, label, 0, 0, 0, 0, 1, 0x80]);
      assert.equal(toHex(kbkdfSha384(k, label)), createHmac('sha384', k).update(msg).digest('hex'));
    }
    assert.throws(() => kbkdfSha384(new Uint8Array(32), 0x30), RangeError);
  });

  it('copies the key and exposes salsaKey = key[0..32]', () => {
    const r = new Prng(48);
    const k = r.bytes(48);
    const keys = derivePeerKeys(k);
    const want = toHex(k);
    k.fill(0);
    assert.equal(toHex(keys.key), want);
    assert.equal(toHex(keys.salsaKey), want.slice(0, 64));
    assert.throws(() => derivePeerKeys(new Uint8Array(32)), RangeError);
  });
});

// Salsa20/12 and Salsa20/20 (src/crypto/salsa20.ts) against published eSTREAM vectors and
// against libsodium's crypto_stream_salsa20 (20 rounds) on random inputs.
//
// Vector sources (all "verified.test-vectors" of the eSTREAM project, 256-bit keys,
// stream = encryption of zero bytes):
//  * Salsa20/20: eSTREAM submissions/salsa20/full/verified.test-vectors — set 1 vector 0,
//    set 1 vector 9 (IV 80…), set 6 vector 0, as reproduced in nettle's
//    testsuite/salsa20-test.c and libgcrypt's tests/basic.c; the 48494a4b… key (set 3-style)
//    with blocks 0, 3, 4, 7 and the XOR digest of 8 blocks is from nettle's salsa20-test.c.
//  * Salsa20/12: eSTREAM submissions/salsa20/reduced/12-rounds/verified.test-vectors — set 1
//    vectors 0 and 9 and set 6 vector 0 at offsets 0, 65472, 65536, 131008, as reproduced
//    in libgcrypt's tests/basic.c ("Salsa20/12 256 bit, ecrypt verified, set 6, vector 0").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sodium from 'sodium-native';
import { hex, toHex } from '../../../src/util/hex.js';
import { Salsa20, salsa20Xor } from '../../../src/crypto/salsa20.js';
import { Prng } from '../../helpers/prng.js';

function keystream(rounds: 12 | 20, key: Uint8Array, nonce: Uint8Array, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  salsa20Xor(rounds, out, out, nonce, key, offset / 64);
  return out;
}

const KEY_SET1_V0 = hex('80000000000000000000000000000000 00000000000000000000000000000000');
const KEY_ZERO = new Uint8Array(32);
const NONCE_ZERO = new Uint8Array(8);
const NONCE_SET1_V9 = hex('8000000000000000');
const KEY_SET6_V0 = hex('0053A6F94C9FF24598EB3E91E4378ADD 3083D6297CCF2275C81B6EC11467BA0D');
const NONCE_SET6_V0 = hex('0D74DB42A91077DE');

describe('Salsa20/20 eSTREAM vectors', () => {
  it('set 1 vector 0 and vector 9 (first 8 bytes)', () => {
    assert.equal(toHex(keystream(20, KEY_SET1_V0, NONCE_ZERO, 0, 8)), 'e3be8fdd8beca2e3');
    assert.equal(toHex(keystream(20, KEY_ZERO, NONCE_SET1_V9, 0, 8)), '2aba3dc45b494700');
  });

  it('set 6 vector 0 at offsets 0, 65472, 65536, 131008', () => {
    const want: [number, string][] = [
      [0, 'F5FAD53F79F9DF58C4AEA0D0ED9A9601F278112CA7180D565B420A48019670EAF24CE493A86263F677B46ACE1924773D2BB25571E1AA8593758FC382B1280B71'],
      [65472, 'B70C50139C63332EF6E77AC54338A4079B82BEC9F9A403DFEA821B83F7860791650EF1B2489D0590B1DE772EEDA4E3BCD60FA7CE9CD623D9D2FD5758B8653E70'],
      [65536, '81582C65D7562B80AEC2F1A673A9D01C9F892A23D4919F6AB47B9154E08E699B4117D7C666477B60F8391481682F5D95D96623DBC489D88DAA6956B9F0646B6E'],
      [131008, 'A13FFA1208F8BF50900886FAAB40FD10E8CAA306E63DF39536A1564FB760B242A9D6A4628CDC878762834E27A541DA2A5E3B3445989C76F611E0FEC6D91ACACC'],
    ];
    for (const [off, h] of want) assert.equal(toHex(keystream(20, KEY_SET6_V0, NONCE_SET6_V0, off, 64)), h.toLowerCase(), `offset ${off}`);
    // The same bytes from one continuous stream object.
    const all = new Uint8Array(131072);
    new Salsa20(KEY_SET6_V0, NONCE_SET6_V0, 20).crypt(all, all);
    for (const [off, h] of want) assert.equal(toHex(all.subarray(off, off + 64)), h.toLowerCase(), `stream offset ${off}`);
  });

  it('48494a4b… key: blocks 0, 3, 4, 7 and XOR of 8 blocks', () => {
    const key = hex('48494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F6061626364656667');
    const s = new Uint8Array(512);
    new Salsa20(key, NONCE_ZERO, 20).crypt(s, s);
    const blocks = toHex(s.subarray(0, 64)) + toHex(s.subarray(192, 320)) + toHex(s.subarray(448, 512));
    assert.equal(blocks, (
      '53AD3698A011F779AD71030F3EFBEBA0A7EE3C55789681B1591EF33A7BE521ED68FC36E58F53FFD6E1369B00E390E973F656ACB097E0D603BE59A0B8F7975B98' +
      'A04698274C6AC6EC03F66ED3F94C08B79FFDBF2A1610E6F5814905E73AD6D0D28164EEB8450D8ED0BB4B644761B4351252DD5DDF00C31E3DABA0BC17691CCFDC' +
      'B826C7F071E796D34E3BFFB3C96E76A1209388392806947C7F19B86D379FA3AEDFCD19EBF49803DACC6E577E5B97B0F6D2036B6624D8196C96FCF02C865D30C1' +
      'B505D41E2C207FA1C0A0E93413DDCFFC9BECA8030AFFAC2466E56482DA0EF428E63880B5021D3051F18679505A2B9D4F9B2C5A2D271D276DE3F51DBEBA934436'
    ).toLowerCase());
    const x = new Uint8Array(64);
    for (let b = 0; b < 8; b++) for (let i = 0; i < 64; i++) x[i] ^= s[b * 64 + i];
    assert.equal(toHex(x), '7849651A820B1CDFE36D5D6632716534E0635EDEFD538122D80870B60FB055DB637C7CA2B78B116F83AFF46E40F8F71D4CD6D2E1B750D5E011D1DF2E80F7210A'.toLowerCase());
  });
});

describe('Salsa20/12 eSTREAM vectors', () => {
  it('set 1 vector 0 and vector 9 (first 8 bytes)', () => {
    assert.equal(toHex(keystream(12, KEY_SET1_V0, NONCE_ZERO, 0, 8)), 'afe411ed1c4e07e4');
    assert.equal(toHex(keystream(12, KEY_ZERO, NONCE_SET1_V9, 0, 8)), '172c5192cb6e645b');
  });

  it('set 6 vector 0 at offsets 0, 65472, 65536, 131008', () => {
    const want: [number, string][] = [
      [0, '52E20CF8775AE882F200C2999FE4BA31A7A18F1D5C9716191D123175E147BD4E8CA6ED166CE0FC8E65A5CA608420FC6544C9700A0F2138E8C1A286FB8C1FBFA0'],
      [65472, '8FBC9FE8691BD4F082B47F5405EDFBC16F4D5A12DDCB2D754E8A9998D0B219557DFE2984F4A1D2DDA76B9596928CCE0556F50066CD599E44EF5C14B226683AEF'],
      [65536, 'BCBD01DD28961CC7AD3047386CBCC67C108D6AF11167E40D7AE1B2FC4518A867EFE402651D1D8851C4FD2330C597B36A46D5689E00FC96FECF9CE3E2211D44BE'],
      [131008, '9166F31CD85B5BB18FC614E54E4AD67FB8658E3BF9FB19B7A82F0FE7DC902DF563C6AC4F446748C4BC3E1405E124820DC40941998F44A810E722787FCD47784C'],
    ];
    for (const [off, h] of want) assert.equal(toHex(keystream(12, KEY_SET6_V0, NONCE_SET6_V0, off, 64)), h.toLowerCase(), `offset ${off}`);
  });
});

describe('Salsa20 behaviour', () => {
  it('20 rounds equals libsodium crypto_stream_salsa20_xor_ic on random keys, nonces, lengths and counters', () => {
    const r = new Prng(20);
    for (let iter = 0; iter < 300; iter++) {
      const key = r.bytes(32);
      const nonce = r.bytes(8);
      const len = iter < 150 ? r.int(300) : r.int(3000);
      const msg = r.bytes(len);
      // Include counters just below the 32-bit carry into the high counter word.
      const ic = iter % 3 === 0 ? 0 : iter % 3 === 1 ? r.int(1000) : 0xffffffff - r.int(3);
      const want = new Uint8Array(len);
      sodium.crypto_stream_salsa20_xor_ic(want, msg, nonce, ic, key);
      const got = new Uint8Array(len);
      salsa20Xor(20, got, msg, nonce, key, ic);
      assert.equal(toHex(got), toHex(want), `iter ${iter} len ${len} ic ${ic}`);
      if (ic === 0) {
        const inPlace = msg.slice();
        new Salsa20(key, nonce, 20).crypt(inPlace, inPlace);
        assert.equal(toHex(inPlace), toHex(want));
      }
    }
  });

  it('each crypt call starts at the next unused block (01 §8.1)', () => {
    const r = new Prng(7);
    const key = r.bytes(32);
    const nonce = r.bytes(8);
    for (const rounds of [12, 20] as const) {
      const full = keystream(rounds, key, nonce, 0, 64 * 6);
      const s = new Salsa20(key, nonce, rounds);
      const a = new Uint8Array(32);
      s.crypt(a, a); // block 0, tail discarded
      const b = new Uint8Array(65);
      s.crypt(b, b); // blocks 1 and 2 (one byte of 2)
      const c = new Uint8Array(64);
      s.crypt(c, c); // block 3
      const d = new Uint8Array(0);
      s.crypt(d, d); // consumes nothing
      const e = new Uint8Array(10);
      s.crypt(e, e); // block 4
      assert.equal(toHex(a), toHex(full.subarray(0, 32)));
      assert.equal(toHex(b), toHex(full.subarray(64, 129)));
      assert.equal(toHex(c), toHex(full.subarray(192, 256)));
      assert.equal(toHex(e), toHex(full.subarray(256, 266)));
    }
  });

  it('decrypts what it encrypts, with views at non-zero offsets; reset rewinds', () => {
    const r = new Prng(9);
    const key = r.bytes(32);
    const nonce = r.bytes(8);
    const buf = r.bytes(1500);
    const original = buf.slice();
    const view = buf.subarray(27, 1427);
    const s = new Salsa20(key, nonce, 12);
    s.crypt(view, view);
    assert.notEqual(toHex(buf), toHex(original));
    s.reset(key, nonce);
    s.crypt(view, view);
    assert.equal(toHex(buf), toHex(original));
  });

  it('rejects bad key, nonce, rounds and short output', () => {
    assert.throws(() => new Salsa20(new Uint8Array(16), NONCE_ZERO, 12), RangeError);
    assert.throws(() => new Salsa20(KEY_ZERO, new Uint8Array(12), 12), RangeError);
    assert.throws(() => new Salsa20(KEY_ZERO, NONCE_ZERO, 8 as 12), RangeError);
    assert.throws(() => new Salsa20(KEY_ZERO, NONCE_ZERO, 12).crypt(new Uint8Array(10), new Uint8Array(9)), RangeError);
    assert.throws(() => salsa20Xor(20, new Uint8Array(1), new Uint8Array(1), NONCE_ZERO, KEY_ZERO, -1), RangeError);
  });
});

// The spec vectors of 02 §13 (packet-vectors.test.ts) and 01/02 crypto vectors
// (crypto-vectors.test.ts) again, with the native ciphers installed: every derivePeerKeys()
// in them then gives a native key and armor()/dearmor() run in the addon. Plus the §13.1
// suite-3 intermediate values (T, W) straight from the addon's AES-GMAC-SIV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derivePeerKeys, deriveAesKeys } from '../../src/crypto/peer-keys.js';
import { installNativeCrypto, NativeAesGmacSiv } from '../../src/crypto/native-crypto.js';
import { findCryptoAddon, loadCryptoAddon } from '../../src/crypto/native-loader.js';
import { hex, toHex } from '../../src/util/hex.js';
import { assertInSpec } from '../helpers/shared.js';

const skip = findCryptoAddon() ? false : 'the crypto addon is not built (run make)';

if (!skip) {
  installNativeCrypto(loadCryptoAddon());
  await import('./packet-vectors.test.js');
}

test('the vectors above ran natively', { skip }, () => {
  const k = derivePeerKeys(new Uint8Array(48));
  assert.ok(k.native, 'derivePeerKeys gives native keys');
});

test('02 §13.1 suite 3 intermediates from the native AES-GMAC-SIV', { skip }, () => {
  const want = (h: string, spec = '02-packets.md'): Uint8Array => {
    assertInSpec(spec, h);
    return hex(h);
  };
  const K = want('4745f64d393003761335eecee4a703dee39961c2f93bb4b5ee9b1cc1017e9cd9ee922749df8e50a2434aa6666c120e00', '01-identity-crypto.md');
  const { k0, k1 } = deriveAesKeys(K);
  const aes = new NativeAesGmacSiv(loadCryptoAddon(), k0, k1);
  const armored = want('21531017ca0f2e2a4e727d26e3836faffcb418398f5ec61646a6727a7a3cb9c486310eb8ccda0d1ab597668d28c1e617088888fe45b1a2c780b5c2d3511f78c6118f326f2451db');
  const nonce = hex('0102030405060708');
  const aad = armored.slice(8, 19);
  const p = new TextEncoder().encode('\x08The quick brown fox jumps over the lazy dog');
  assert.equal(toHex(aes.gmacTag(nonce, aad, p)), toHex(want('cedc13ddd4d0c5e26a80dbcec956d2e5')));
  const c = new Uint8Array(p.length);
  const w = aes.encrypt(nonce, aad, p, c);
  assert.equal(toHex(w), toHex(want('21531017ca0f2e2a398f5ec61646a672')));
  assert.equal(toHex(c), toHex(armored.subarray(27)));
  const back = new Uint8Array(p.length);
  assert.equal(aes.decrypt(w, aad, c, back), true);
  assert.deepEqual(back, p);
});

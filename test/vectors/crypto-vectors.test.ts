// Known answers of spec 01 §11 (identities, memory-hard hash, agreement, KBKDF, signature,
// Salsa20 sanity blocks) and the crypto parts of 02 §13.1, produced by ZeroTier 1.14.1.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertInSpec } from '../helpers/shared.js';
import { hex, toHex } from '../../src/util/hex.js';
import { salsa20Xor, Salsa20 } from '../../src/crypto/salsa20.js';
import { memoryHardHash } from '../../src/crypto/memory-hard-hash.js';
import { agree, ed25519PublicFromSeed, publicFromPrivate, sign, verify, x25519Public } from '../../src/crypto/c25519.js';
import { sha512 } from '../../src/crypto/sha512.js';
import { kbkdfSha384 } from '../../src/crypto/kbkdf.js';
import { deriveAesKeys, derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { poly1305 } from '../../src/crypto/poly1305.js';
import { AesGmacSiv } from '../../src/crypto/aes-gmac-siv.js';

const S01 = '01-identity-crypto.md';
const S02 = '02-packets.md';

/** hex copied from spec `file`, proven to be in it. */
function v(file: string, h: string): Uint8Array {
  assertInSpec(file, h);
  return hex(h);
}

function parseSecretIdentity(s: string): { address: string; pub: Uint8Array; priv: Uint8Array } {
  assertInSpec(S01, s);
  const [address, type, pub, priv] = s.split(':');
  assert.equal(type, '0');
  return { address, pub: hex(pub), priv: hex(priv) };
}

const A = parseSecretIdentity(
  '836faffcb4:0:e1ea006cf45bc1fe9484882637fbb38278fbdb03bc9a47c6db7a7a02390e2876da9657088730e76604ef74e4d61ce54f0a667ae535b39335ed283638d2d9e044:8b41c703b0b42411eaf2883f4ac4ad37fc8279d7ec43c1a5b9c54af9d8bc8db2495b6a118b81428c28fd6097d8ea4c6aac673ec50a5c40f2834c7c6410e5c980',
);
const B = parseSecretIdentity(
  '4e727d26e3:0:b8e20ea3b1e9210b93e0bfae11aac4522f16b4e81a87476153a7681eb547461ab9fc4dd9e2c9f1891915ea9c0eba004c9d8f44072d0f0bbfc8286dc76beb2375:f74339027afcccf66d43beeb516dcc8e13565815efdd018f33d5f8146923ed16e2922087f9c433b532a35258780906c45929da8c0b0c2de52f4d3af854c8e4cc',
);

const K_HEX = '4745f64d393003761335eecee4a703dee39961c2f93bb4b5ee9b1cc1017e9cd9ee922749df8e50a2434aa6666c120e00';

describe('01 §11.1/§11.2 identities', () => {
  for (const [name, id] of [['A', A], ['B', B]] as const) {
    it(`${name}: public halves derive from the private halves`, () => {
      assert.equal(toHex(x25519Public(id.priv.subarray(0, 32))), toHex(id.pub.subarray(0, 32)));
      assert.equal(toHex(ed25519PublicFromSeed(id.priv.subarray(32, 64))), toHex(id.pub.subarray(32, 64)));
      assert.equal(toHex(publicFromPrivate(id.priv)), toHex(id.pub));
    });
  }

  it('memory-hard hash of A', () => {
    const want = v(S01, '0ca73b4ae67999b283dc3f721f43da9841260dd47e9c1242e39ed93da83b71d8bd57632da93692fc20da85559c41fe7a1f733201b5c355b680f2eb836faffcb4');
    const d = memoryHardHash(A.pub);
    assert.equal(toHex(d), toHex(want));
    assert.ok(d[0] < 17);
    assert.equal(toHex(d.subarray(59)), A.address);
  });

  it('memory-hard hash of B (and the scratch buffer does not leak between calls)', () => {
    const want = v(S01, '1016f42ecefa0cc5251cb69ba3fe21ca0534fa93bc2a546845f5e71e10cf3721fb2d923d2f380a69c829c208ffa38ef7b9bb3186af716c3595f64f4e727d26e3');
    const d = memoryHardHash(B.pub);
    assert.equal(toHex(d), toHex(want));
    assert.ok(d[0] < 17);
    assert.equal(toHex(d.subarray(59)), B.address);
  });
});

describe('01 §11.3 key agreement and KBKDF', () => {
  it('X25519 shared secret and peer key K, both directions', () => {
    const s = v(S01, '13ce1f8356acd60341033182601252435d493de00fc2620c5526be1738eaf51e');
    // K is SHA-512 of the shared secret, truncated: check the chain, not only the end.
    assert.equal(toHex(sha512(s).subarray(0, 48)), K_HEX);
    const k = v(S01, K_HEX);
    assert.equal(toHex(agree(A.priv, B.pub)), toHex(k));
    assert.equal(toHex(agree(B.priv, A.pub)), toHex(k));
  });

  it('KBKDF full 48 bytes and K0/K1', () => {
    const k = v(S01, K_HEX);
    const full0 = v(S01, 'eda664f5cae5d286617158c6dd39282931c066c7a9ced0485934bfcca8521ffe1d180a1ad862951c18fbb2d3aaf5ac98');
    const full1 = v(S01, '52f02fe07d1054812030b5e62965550c3a0b1ef760a3363a2cbdd3d57c4f15664636f65fecac686f636fcab844f9cae8');
    assert.equal(toHex(kbkdfSha384(k, 0x30)), toHex(full0));
    assert.equal(toHex(kbkdfSha384(k, 0x31)), toHex(full1));
    const keys = derivePeerKeys(k);
    assert.equal(toHex(keys.key), K_HEX);
    assert.equal(toHex(keys.salsaKey), toHex(k.subarray(0, 32)));
    const { k0, k1 } = deriveAesKeys(k);
    assert.equal(toHex(k0), toHex(v(S01, 'eda664f5cae5d286617158c6dd39282931c066c7a9ced0485934bfcca8521ffe')));
    assert.equal(toHex(k1), toHex(v(S01, '52f02fe07d1054812030b5e62965550c3a0b1ef760a3363a2cbdd3d57c4f1566')));
    assert.ok(keys.aes instanceof AesGmacSiv);
  });
});

describe('01 §11.4 signature by A', () => {
  const msg = v(S01, '68656c6c6f207a65726f746965720a');
  const sigHex = '522aa9ff9105bee288b0362fed6d2656abc0d282a862d3e7e2ee59604b70bd3e323fdaffd425998822776b5003a7e1f6dbf85b9e453a83048782cde8ce3519057a0c1bf4b35c3cac650c315e2f839236bc6b988110839a7e570d30aa3e0ad1b3';

  it('d and the 96-byte signature are byte-exact', () => {
    const d = v(S01, '7a0c1bf4b35c3cac650c315e2f839236bc6b988110839a7e570d30aa3e0ad1b3');
    assert.equal(toHex(sha512(msg).subarray(0, 32)), toHex(d));
    const sig = sign(A.priv, A.pub, msg);
    assert.equal(toHex(sig), toHex(v(S01, sigHex)));
    assert.equal(toHex(sig.subarray(64)), toHex(d));
  });

  it('verifies, and fails for B\'s key, wrong lengths and every one-bit flip', () => {
    const sig = hex(sigHex);
    assert.equal(verify(A.pub, msg, sig), true);
    assert.equal(verify(B.pub, msg, sig), false);
    assert.equal(verify(A.pub, msg, sig.subarray(0, 95)), false);
    assert.equal(verify(A.pub, msg, new Uint8Array([...sig, 0])), false);
    assert.equal(verify(A.pub, msg, sig.subarray(0, 64)), false);
    for (let bit = 0; bit < msg.length * 8; bit++) {
      const m = msg.slice();
      m[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(verify(A.pub, m, sig), false, `message bit ${bit}`);
    }
    for (let bit = 0; bit < sig.length * 8; bit++) {
      const s = sig.slice();
      s[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(verify(A.pub, msg, s), false, `signature bit ${bit}`);
    }
  });
});

describe('01 §11.5 Salsa20 sanity blocks', () => {
  const zero32 = new Uint8Array(32);
  const zero8 = new Uint8Array(8);
  it('Salsa20/20 all-zero key and nonce, block 0', () => {
    const want = v(S01, '9a97f65b9b4c721b960a672145fca8d4e32e67f9111ea979ce9c4826806aeee63de9c0da2bd7f91ebcb2639bf989c6251b29bf38d39a9bdce7c55f4b2ac12a39');
    const out = new Uint8Array(64);
    salsa20Xor(20, out, new Uint8Array(64), zero8, zero32);
    assert.equal(toHex(out), toHex(want));
  });
  it('Salsa20/12 all-zero key and nonce, block 0', () => {
    const want = v(S01, 'bd78a2f8118a563c761db4f2fbe055da97f90988d27594d9c5dfd13a3efeaa3f68f0d2564850adf5017433968e4b3405ac49a39532124fcd6f47e415c7028a83');
    const out = new Uint8Array(64);
    new Salsa20(zero32, zero8, 12).crypt(out, out);
    assert.equal(toHex(out), toHex(want));
  });
});

describe('02 §13.1 crypto parts (ECHO A→B, three suites)', () => {
  const K = hex(K_HEX);
  const plainHex = '0102030405060708 4e727d26e3 836faffcb4 00 0000000000000000 08 54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67';
  const plain = v(S02, plainHex);
  assert.equal(plain.length, 71);

  /** 02 §5.2 key mangling, recomputed here so the vector's mangled key is cross-checked. */
  function mangle(pkt: Uint8Array): Uint8Array {
    const k = K.slice(0, 32);
    for (let i = 0; i < 18; i++) k[i] ^= pkt[i];
    k[18] ^= pkt[18] & 0xf8;
    k[19] ^= pkt.length & 0xff;
    k[20] ^= (pkt.length >> 8) & 0xff;
    return k;
  }

  function withByte18(b: number): Uint8Array {
    const p = plain.slice();
    p[18] = b;
    return p;
  }

  it('suite 0: mangled key, Poly1305 key = keystream 0..31, full tag, armored bytes', () => {
    const pkt = withByte18(0x00);
    const k = mangle(pkt);
    assert.equal(toHex(k), toHex(v(S02, '4647f5493c36047e5d4793e807246c711f2d6185f93bb4b5ee9b1cc1017e9cd9')));
    const polyKey = new Uint8Array(32);
    new Salsa20(k, pkt.subarray(0, 8), 12).crypt(polyKey, polyKey);
    assert.equal(toHex(polyKey), toHex(v(S02, 'eeb319e3619bb984967cbecb8970307cda6772a53d3e68dfe5ff049d24ab5eb3')));
    const tag = new Uint8Array(16);
    poly1305(tag, pkt.subarray(27), polyKey);
    assert.equal(toHex(tag), toHex(v(S02, '0bda387f43347d28048b9c1542a380a7')));
    pkt.set(tag.subarray(0, 8), 19);
    assert.equal(toHex(pkt), toHex(v(S02, '01020304050607084e727d26e3836faffcb4000bda387f43347d280854686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67')));
  });

  it('suite 1: Poly1305 key, keystream 64..127 (block-boundary rule), tag over ciphertext, armored bytes', () => {
    const pkt = withByte18(0x88);
    const k = mangle(pkt);
    assert.equal(toHex(k), toHex(v(S02, '4647f5493c36047e5d4793e807246c711f2de985f93bb4b5ee9b1cc1017e9cd9')));
    // One stream object: the 32-byte key read consumes all of block 0.
    const s = new Salsa20(k, pkt.subarray(0, 8), 12);
    const polyKey = new Uint8Array(32);
    s.crypt(polyKey, polyKey);
    assert.equal(toHex(polyKey), toHex(v(S02, 'bdc0ed09b7bd65253709cf34dc6bcf29a133cd3cb652936acd9c4a6d7e0fd29d')));
    const ks = new Uint8Array(64);
    salsa20Xor(12, ks, ks, pkt.subarray(0, 8), k, 1);
    assert.equal(toHex(ks), toHex(v(S02, '590ab6dcb8a8d55767a93ee2559f9344edb6bc92a8cc9c4e29c5e7b2c3754dba9fe7925b2a18c8335fc6f03b7cc6ebe52e0b9972f971ba0345a3a6a43fb7c024')));
    const body = pkt.subarray(27);
    s.crypt(body, body); // in place, continuing at block 1
    const tag = new Uint8Array(16);
    poly1305(tag, body, polyKey);
    assert.equal(toHex(tag), toHex(v(S02, '92c20368815a14b488eb3694d4fa548e')));
    pkt.set(tag.subarray(0, 8), 19);
    assert.equal(toHex(pkt), toHex(v(S02, '01020304050607084e727d26e3836faffcb48892c20368815a14b4515edeb998d9a03e04c21e8027f0e42acdd0d3ea88a6e92359b6c7ddb5103f9aeb8ff77b4679b24a7fa29f5c')));
  });

  it('suite 3: GCM AAD, T, t, W, CTR IV, armored bytes, and de-armor', () => {
    const pkt = withByte18(0x18);
    const nonce = pkt.slice(0, 8);
    const aad = pkt.slice(8, 19);
    const p = pkt.slice(27);
    const wantAad = v(S02, '4e727d26e3836faffcb41800000000000854686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67');
    assert.equal(toHex(aad) + '0000000000' + toHex(p), toHex(wantAad));
    assert.equal(toHex(nonce) + '00000000', toHex(v(S02, '010203040506070800000000')));
    const { aes } = derivePeerKeys(K);
    const T = aes.gmacTag(nonce, aad, p);
    assert.equal(toHex(T), toHex(v(S02, 'cedc13ddd4d0c5e26a80dbcec956d2e5')));
    const t = T.subarray(0, 8).map((b, i) => b ^ T[i + 8]);
    assert.equal(toHex(t), toHex(v(S02, 'a45cc8131d861707')));
    const c = new Uint8Array(p.length);
    const w = aes.encrypt(nonce, aad, p, c);
    const wantW = v(S02, '21531017ca0f2e2a398f5ec61646a672');
    assert.equal(toHex(w), toHex(wantW));
    const ctrIv = w.slice();
    ctrIv[12] &= 0x7f;
    assert.equal(toHex(ctrIv), toHex(wantW)); // the spec's CTR IV equals W here (bit already clear)
    const armored = new Uint8Array(71);
    armored.set(w.subarray(0, 8), 0);
    armored.set(aad, 8);
    armored.set(w.subarray(8), 19);
    armored.set(c, 27);
    const wantArmored = v(S02, '21531017ca0f2e2a4e727d26e3836faffcb418398f5ec61646a6727a7a3cb9c486310eb8ccda0d1ab597668d28c1e617088888fe45b1a2c780b5c2d3511f78c6118f326f2451db');
    assert.equal(toHex(armored), toHex(wantArmored));

    // De-armor in place from the wire bytes.
    const wire = wantArmored.slice();
    const wWire = new Uint8Array(16);
    wWire.set(wire.subarray(0, 8), 0);
    wWire.set(wire.subarray(19, 27), 8);
    const body = wire.subarray(27);
    assert.equal(aes.decrypt(wWire, wire.subarray(8, 19), body, body), true);
    assert.equal(toHex(body), toHex(p));
  });
});

describe('02 §13.2 HELLO tail (Salsa20/12, unmangled key, nonce id[7] & 0xf8)', () => {
  it('0000 encrypts to b120', () => {
    const id = v(S02, '112233445566778f');
    const nonce = id.slice();
    nonce[7] &= 0xf8;
    assert.equal(toHex(nonce), toHex(v(S02, '1122334455667788')));
    const tail = hex('0000');
    new Salsa20(hex(K_HEX).subarray(0, 32), nonce, 12).crypt(tail, tail);
    assert.equal(toHex(tail), toHex(v(S02, 'b120')));
  });
});

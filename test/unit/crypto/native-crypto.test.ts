// The native packet ciphers (native/src/zt_crypto.cc) against the TypeScript reference, byte
// for byte: Salsa20/12, Poly1305, AES-GMAC-SIV, whole-packet armor/dearmor in suites 0, 1, 3,
// single and batched, on thousands of random keys and packets, in both directions; tamper
// detection; and every misuse as a typed error (TypeError/RangeError, code EINVAL) before
// anything is touched. The spec vectors run natively in test/vectors/native-vectors.test.ts.
// `make check-native` runs this file under valgrind (ZTKUBE_CRYPTO_ROUNDS scales it down).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AesGmacSiv } from '../../../src/crypto/aes-gmac-siv.js';
import { derivePeerKeys, type PeerKeys } from '../../../src/crypto/peer-keys.js';
import { salsa20Xor } from '../../../src/crypto/salsa20.js';
import { poly1305 } from '../../../src/crypto/poly1305.js';
import { installNativeCrypto, NativeAesGmacSiv, type NativeCryptoAddon, type NativePeerKey } from '../../../src/crypto/native-crypto.js';
import { findCryptoAddon, loadCryptoAddon } from '../../../src/crypto/native-loader.js';
import { armor, armorBatch, dearmor, dearmorBatch, type ArmorSuite } from '../../../src/protocol/armor.js';
import { toHex } from '../../../src/util/hex.js';
import { Prng } from '../../helpers/prng.js';

const skip = findCryptoAddon() ? false : 'the crypto addon is not built (run make)';
const ROUNDS = Number(process.env.ZTKUBE_CRYPTO_ROUNDS ?? '1');
const SUITES: ArmorSuite[] = [0, 1, 3];

let cached: NativeCryptoAddon | undefined;
const addon = (): NativeCryptoAddon => (cached ??= loadCryptoAddon());

/** TypeScript keys (nothing installed) and the same keys natively. */
function keyPair(key48: Uint8Array): { ts: PeerKeys; nat: PeerKeys } {
  installNativeCrypto(null);
  const ts = derivePeerKeys(key48);
  installNativeCrypto(addon());
  const nat = derivePeerKeys(key48);
  installNativeCrypto(null);
  assert.equal(ts.native, undefined);
  assert.ok(nat.native);
  return { ts, nat };
}

/** A random packet length: mostly small and around the MTU, sometimes up to 10 KB. */
function packetLength(r: Prng): number {
  const k = r.int(4);
  return k === 0 ? 28 + r.int(40) : k === 1 ? 28 + r.int(1500) : k === 2 ? 1400 + r.int(100) : 28 + r.int(10000);
}

function expectThrows(f: () => unknown, type: ErrorConstructor, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof type, `${String(e)} is a ${type.name}`);
    assert.equal((e as NodeJS.ErrnoException).code, 'EINVAL');
    assert.match((e as Error).message, message);
    return true;
  });
}

describe('native crypto primitives = TypeScript', { skip }, () => {
  const r = new Prng(0x8a7e);

  it('Salsa20/12 at any length and initial block', () => {
    for (let i = 0; i < 500 * ROUNDS; i++) {
      const n = r.int(600), key = r.bytes(32), nonce = r.bytes(8), input = r.bytes(n);
      const block = i % 7 === 0 ? 0xffffffff + r.int(3) : r.int(4);
      const a = new Uint8Array(n), b = new Uint8Array(n);
      salsa20Xor(12, a, input, nonce, key, block);
      addon().salsa2012Xor(b, input, nonce, key, block);
      assert.equal(toHex(b), toHex(a), `n=${n} block=${block}`);
      addon().salsa2012Xor(input, input, nonce, key, block); // in place
      assert.equal(toHex(input), toHex(a));
    }
  });

  it('Poly1305 at any length (libsodium is the reference)', () => {
    for (let i = 0; i < 1000 * ROUNDS; i++) {
      const n = i < 100 ? i : r.int(3000), key = r.bytes(32), msg = r.bytes(n);
      if (i % 50 === 0) msg.fill(0xff); // carries everywhere
      if (i % 50 === 1) key.fill(0xff);
      const a = new Uint8Array(16), b = new Uint8Array(16);
      poly1305(a, msg, key);
      addon().poly1305(b, msg, key);
      assert.equal(toHex(b), toHex(a), `n=${n}`);
    }
  });

  it('AES-GMAC-SIV encrypt, decrypt and T, AAD lengths 0…40', () => {
    for (let i = 0; i < 300 * ROUNDS; i++) {
      const k0 = r.bytes(32), k1 = r.bytes(32), nonce = r.bytes(8), aad = r.bytes(r.int(41)), p = r.bytes(r.int(2000));
      const ts = new AesGmacSiv(k0, k1), nat = new NativeAesGmacSiv(addon(), k0, k1);
      assert.equal(toHex(nat.gmacTag(nonce, aad, p)), toHex(ts.gmacTag(nonce, aad, p)));
      const c1 = new Uint8Array(p.length), c2 = p.slice();
      const w1 = ts.encrypt(nonce, aad, p, c1);
      const w2 = nat.encrypt(nonce, aad, c2, c2); // in place
      assert.equal(toHex(w2), toHex(w1));
      assert.equal(toHex(c2), toHex(c1));
      const back = new Uint8Array(p.length);
      assert.equal(nat.decrypt(w1, aad, c1, back), true);
      assert.equal(toHex(back), toHex(p));
      if (p.length > 0) {
        c1[r.int(c1.length)] ^= 1 << r.int(8);
        assert.equal(nat.decrypt(w1, aad, c1, back), false);
        assert.equal(ts.decrypt(w1, aad, c1, back), false);
      }
    }
  });
});

describe('native armor/dearmor = TypeScript', { skip }, () => {
  const r = new Prng(0x3c3c);

  it('thousands of random keys and packets, every suite, both directions', () => {
    for (let i = 0; i < 700 * ROUNDS; i++) {
      const { ts, nat } = keyPair(r.bytes(48));
      for (const suite of SUITES) {
        const plain = r.bytes(packetLength(r));
        plain[18] = r.int(256); // any flags and hops going in
        const a = plain.slice(), b = plain.slice();
        armor(a, ts, suite);
        installNativeCrypto(addon());
        armor(b, nat, suite);
        assert.equal(toHex(b), toHex(a), `armor suite ${suite}, ${plain.length} bytes`);
        // each side opens the other's
        const c = a.slice();
        assert.equal(dearmor(b, nat), true);
        installNativeCrypto(null);
        assert.equal(dearmor(c, ts), true);
        assert.equal(toHex(b), toHex(c), `dearmor suite ${suite}`);
      }
    }
  });

  it('batches (one key, mixed keys, mixed suites) equal packet-by-packet TypeScript', () => {
    const pairs = Array.from({ length: 5 }, () => keyPair(r.bytes(48)));
    for (let round = 0; round < 40 * ROUNDS; round++) {
      const count = 1 + r.int(64);
      const slot = 1536;
      const slab = r.bytes(count * slot + 100);
      const offsets = new Uint32Array(count), lengths = new Uint32Array(count), suites = new Uint8Array(count);
      const who = Array.from({ length: count }, () => pairs[round % 3 === 0 ? 0 : r.int(pairs.length)]);
      for (let i = 0; i < count; i++) {
        offsets[i] = i * slot + r.int(64);
        lengths[i] = 28 + r.int(slot - 64 - 28);
        suites[i] = SUITES[r.int(3)];
      }
      const reference = slab.slice();
      for (let i = 0; i < count; i++) armor(reference.subarray(offsets[i], offsets[i] + lengths[i]), who[i].ts, suites[i] as ArmorSuite);
      installNativeCrypto(addon());
      const work = slab.slice();
      if (round % 3 === 0) armorBatch(who[0].nat, suites, work, offsets, lengths, count);
      else armorBatch(who.map((w) => w.nat), suites, work, offsets, lengths, count);
      assert.equal(toHex(work), toHex(reference), `armorBatch round ${round}`);
      // one suite for all
      const one = slab.slice(), oneRef = slab.slice();
      armorBatch(who.map((w) => w.nat), 3, one, offsets, lengths, count);
      for (let i = 0; i < count; i++) armor(oneRef.subarray(offsets[i], offsets[i] + lengths[i]), who[i].ts, 3);
      assert.equal(toHex(one), toHex(oneRef));
      // back: tamper with some, and the results say which
      const results = new Uint8Array(count);
      const tampered = new Set<number>();
      for (let i = 0; i < count; i++) {
        if (r.int(4) === 0) {
          tampered.add(i);
          work[offsets[i] + r.int(lengths[i])] ^= 1 << r.int(8);
        }
      }
      const before = work.slice();
      const ok = dearmorBatch(who.map((w) => w.nat), work, offsets, lengths, count, results);
      installNativeCrypto(null);
      const tsWork = before.slice(), tsResults = new Uint8Array(count);
      const tsOk = dearmorBatch(who.map((w) => w.ts), tsWork, offsets, lengths, count, tsResults);
      assert.equal(ok, tsOk);
      assert.deepEqual([...results], [...tsResults]);
      assert.equal(toHex(work), toHex(tsWork));
      for (let i = 0; i < count; i++) {
        const pkt = work.subarray(offsets[i], offsets[i] + lengths[i]);
        if (results[i] === 1) assert.equal(toHex(pkt.subarray(27)), toHex(slab.subarray(offsets[i] + 27, offsets[i] + lengths[i])));
        else {
          assert.ok(tampered.has(i), `packet ${i} refused without tampering`);
          assert.equal(toHex(pkt), toHex(before.subarray(offsets[i], offsets[i] + lengths[i])), 'a refused packet is left as it was');
        }
      }
    }
  });

  it('tampering anywhere is detected and leaves the packet unchanged; hops are not covered', () => {
    const { nat } = keyPair(r.bytes(48));
    installNativeCrypto(addon());
    for (const suite of SUITES) {
      const pkt = r.bytes(200);
      armor(pkt, nat, suite);
      for (let bit = 0; bit < pkt.length * 8; bit += 3) {
        const t = pkt.slice();
        t[bit >> 3] ^= 1 << (bit & 7);
        const hopsBit = (bit >> 3) === 18 && (bit & 7) < 3;
        const copy = t.slice();
        const ok = dearmor(t, nat);
        assert.equal(ok, hopsBit, `suite ${suite} bit ${bit}`);
        if (!ok) assert.deepEqual(t, copy);
      }
      // wrong key
      const other = derivePeerKeys(r.bytes(48));
      assert.equal(dearmor(pkt.slice(), other), false);
    }
    // suites 2 and 4–7 and short packets are refused, never thrown
    const p = r.bytes(60);
    for (const s of [2, 4, 5, 6, 7]) {
      p[18] = s << 3;
      assert.equal(dearmor(p, nat), false);
      assert.equal(addon().dearmor(nat.native!, p), false);
    }
    assert.equal(addon().dearmor(nat.native!, r.bytes(27)), false);
    installNativeCrypto(null);
  });
});

describe('native crypto misuse is a typed error', { skip }, () => {
  const r = new Prng(0x1111);
  const ok32 = new Uint8Array(32);
  const key = (): NativePeerKey => addon().createPeerKey(ok32, ok32, ok32);

  it('createPeerKey: key lengths and types', () => {
    expectThrows(() => addon().createPeerKey(new Uint8Array(31), ok32, ok32), RangeError, /salsaKey must be 32 bytes, got 31/);
    expectThrows(() => addon().createPeerKey(ok32, new Uint8Array(33), ok32), RangeError, /k0 must be 32 bytes, got 33/);
    expectThrows(() => addon().createPeerKey(ok32, ok32, new Uint8Array(0)), RangeError, /k1 must be 32 bytes/);
    expectThrows(() => addon().createPeerKey(ok32, ok32, new Uint16Array(16) as unknown as Uint8Array), TypeError, /k1 must be a Uint8Array/);
    expectThrows(() => (addon().createPeerKey as unknown as (a: Uint8Array) => void)(ok32), TypeError, /createPeerKey needs 3 arguments, got 1/);
    assert.throws(() => new NativeAesGmacSiv(addon(), new Uint8Array(16), ok32), RangeError);
  });

  it('keys must be our key objects', () => {
    const pkt = r.bytes(64);
    expectThrows(() => addon().armor({} as NativePeerKey, pkt, 3), TypeError, /key must be a key returned by createPeerKey/);
    expectThrows(() => addon().dearmor(null as unknown as NativePeerKey, pkt), TypeError, /key must be a key/);
    expectThrows(() => addon().armorBatch([key(), {} as NativePeerKey], 3, pkt, Uint32Array.of(0, 0), Uint32Array.of(28, 28), 2), TypeError, /keys\[1\] must be a key/);
    expectThrows(() => addon().armorBatch([key()], 3, pkt, Uint32Array.of(0, 0), Uint32Array.of(28, 28), 2), RangeError, /keys must have count = 2 entries, got 1/);
  });

  it('short packets, bad suites, short outputs', () => {
    const k = key();
    expectThrows(() => addon().armor(k, new Uint8Array(27), 3), RangeError, /packet shorter than 28 bytes \(27\)/);
    expectThrows(() => addon().armor(k, new Uint8Array(28), 2), RangeError, /cannot armor with suite 2/);
    expectThrows(() => addon().armor(k, new Uint8Array(28), 1.5), RangeError, /suite must be an integer/);
    expectThrows(() => addon().armor(k, 'x' as unknown as Uint8Array, 1), TypeError, /pkt must be a Uint8Array/);
    expectThrows(() => addon().sivEncrypt(k, new Uint8Array(7), new Uint8Array(11), new Uint8Array(10), new Uint8Array(10), new Uint8Array(16)), RangeError, /nonce must be 8 bytes, got 7/);
    expectThrows(() => addon().sivEncrypt(k, new Uint8Array(8), new Uint8Array(11), new Uint8Array(10), new Uint8Array(9), new Uint8Array(16)), RangeError, /ciphertextOut must hold 10 bytes, got 9/);
    expectThrows(() => addon().sivEncrypt(k, new Uint8Array(8), new Uint8Array(11), new Uint8Array(10), new Uint8Array(10), new Uint8Array(15)), RangeError, /wOut must be 16 bytes/);
    expectThrows(() => addon().sivDecrypt(k, new Uint8Array(8), new Uint8Array(11), new Uint8Array(10), new Uint8Array(10)), RangeError, /w must be 16 bytes, got 8/);
    expectThrows(() => addon().sivDecrypt(k, new Uint8Array(16), new Uint8Array(11), new Uint8Array(10), new Uint8Array(3)), RangeError, /plaintextOut must hold 10 bytes/);
    expectThrows(() => addon().poly1305(new Uint8Array(8), new Uint8Array(1), ok32), RangeError, /out must be 16 bytes/);
    expectThrows(() => addon().poly1305(new Uint8Array(16), new Uint8Array(1), new Uint8Array(16)), RangeError, /key must be 32 bytes/);
    expectThrows(() => addon().salsa2012Xor(new Uint8Array(3), new Uint8Array(4), new Uint8Array(8), ok32, 0), RangeError, /out must hold 4 bytes, got 3/);
    expectThrows(() => addon().salsa2012Xor(new Uint8Array(4), new Uint8Array(4), new Uint8Array(8), ok32, -1), RangeError, /initialBlock/);
    // armor.ts checks before the addon
    assert.throws(() => armor(new Uint8Array(20), { ...derivePeerKeys(r.bytes(48)), native: k }, 3), RangeError);
  });

  it('batches: everything checked before any packet is touched', () => {
    const k = key();
    const slab = r.bytes(300);
    const copy = slab.slice();
    const off = Uint32Array.of(0, 100, 200), len = Uint32Array.of(60, 60, 60);
    // the third packet runs past the slab: nothing armored, not even the first two
    expectThrows(() => addon().armorBatch(k, 3, slab, off, Uint32Array.of(60, 60, 101), 3), RangeError, /packet 2 \(offset 200, length 101\) ends beyond the 300-byte slab/);
    expectThrows(() => addon().armorBatch(k, 3, slab, off, Uint32Array.of(60, 60, 27), 3), RangeError, /packet 2 shorter than 28 bytes/);
    expectThrows(() => addon().armorBatch(k, Uint8Array.of(3, 1, 2), slab, off, len, 3), RangeError, /cannot armor with suite 2 \(suites\[2\]/);
    expectThrows(() => addon().armorBatch(k, Uint8Array.of(3, 1), slab, off, len, 3), RangeError, /suites must have count = 3 entries, got 2/);
    expectThrows(() => addon().armorBatch(k, 3, slab, off, len, 4), RangeError, /offsets and lengths must have count = 4 entries/);
    expectThrows(() => addon().armorBatch(k, 3, slab, [0, 1, 2] as unknown as Uint32Array, len, 3), TypeError, /offsets must be a Uint32Array/);
    expectThrows(() => addon().armorBatch(k, 3, slab, off, len, -1), RangeError, /count must be an integer/);
    expectThrows(() => addon().dearmorBatch(k, slab, off, len, 3, new Uint8Array(2)), RangeError, /results must have count = 3 entries, got 2/);
    expectThrows(() => addon().dearmorBatch(k, slab, Uint32Array.of(0, 0, 250), len, 3, new Uint8Array(3)), RangeError, /ends beyond/);
    assert.deepEqual(slab, copy);
    // and a short packet in dearmorBatch is a refusal, not an error
    const res = new Uint8Array(3);
    assert.equal(addon().dearmorBatch(k, slab, off, Uint32Array.of(60, 10, 0), 3, res), 0);
    assert.deepEqual([...res], [0, 0, 0]);
    assert.deepEqual(slab, copy);
    // count 0 is a no-op
    addon().armorBatch([], 3, new Uint8Array(0), new Uint32Array(0), new Uint32Array(0), 0);
    // the TypeScript batch refuses the same layout mistakes
    assert.throws(() => armorBatch(derivePeerKeys(r.bytes(48)), 3, slab, off, Uint32Array.of(60, 60, 101), 3), RangeError);
    assert.deepEqual(slab, copy);
  });
});

describe('native keys are freed when collected', { skip }, () => {
  it('thousands of dropped keys (under valgrind with --expose-gc: their finalizers run)', async () => {
    const r = new Prng(0x6c);
    for (let i = 0; i < 2000 * ROUNDS; i++) {
      const k = addon().createPeerKey(r.bytes(32), r.bytes(32), r.bytes(32));
      addon().armor(k, r.bytes(100), 3);
    }
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
  });
});

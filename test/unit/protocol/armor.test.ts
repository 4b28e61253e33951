// Armor / de-armor properties beyond the spec vectors (02 §5, §10.2, §14): tamper
// detection bit by bit, hops freedom, length binding, trusted path, suite choice, and that
// random bytes never make dearmor throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armor, armorTrustedPath, chooseSuite, dearmor, helloTailCrypt, trustedPathId, type ArmorSuite } from '../../../src/protocol/armor.js';
import { buildPacket, cipherSuiteOf, incrementHops, packetHops, setFragmented } from '../../../src/protocol/packet.js';
import { derivePeerKeys } from '../../../src/crypto/peer-keys.js';
import { Verb } from '../../../src/protocol/constants.js';
import { DecodeError } from '../../../src/util/errors.js';
import { hex } from '../../../src/util/hex.js';
import { Prng } from '../../helpers/prng.js';
import { fuzzDecoder } from '../../helpers/property.js';

const SUITES: ArmorSuite[] = [0, 1, 3];

function randomPacket(rnd: Prng, payloadBytes: number, verb: number = Verb.FRAME): Uint8Array {
  return buildPacket({ id8: rnd.bytes(8), dest: 0x4e727d26e3, source: 0x836faffcb4, verb, payload: rnd.bytes(payloadBytes) });
}

test('round trip for every suite and many sizes', () => {
  const rnd = new Prng(11);
  const keys = derivePeerKeys(rnd.bytes(48));
  for (const suite of SUITES) {
    for (const n of [0, 1, 15, 16, 17, 35, 36, 37, 63, 64, 65, 100, 1400, 2800, 9996]) {
      const plain = randomPacket(rnd, n);
      const pkt = plain.slice();
      armor(pkt, keys, suite);
      assert.equal(cipherSuiteOf(pkt), suite);
      if (suite !== 0 && n > 8) assert.notDeepEqual(pkt.subarray(28), plain.subarray(28), 'payload is encrypted');
      if (suite === 0) assert.deepEqual(pkt.subarray(27), plain.subarray(27), 'suite 0 leaves the payload in clear');
      if (suite !== 3) assert.deepEqual(pkt.subarray(0, 8), plain.subarray(0, 8), 'only suite 3 rewrites the ID');
      assert.ok(dearmor(pkt, keys), `suite ${suite} n=${n}`);
      assert.deepEqual(pkt.subarray(27), plain.subarray(27));
      assert.deepEqual(pkt.subarray(8, 18), plain.subarray(8, 18));
    }
  }
});

test('every single-bit flip outside the hops bits fails; hops flips do not (and pkt is left untouched)', () => {
  const rnd = new Prng(12);
  const keys = derivePeerKeys(rnd.bytes(48));
  for (const suite of SUITES) {
    for (const fragmented of [false, true]) {
      const plain = randomPacket(rnd, 40);
      setFragmented(plain, fragmented);
      const armored = plain.slice();
      armor(armored, keys, suite);
      for (let bit = 0; bit < armored.length * 8; bit++) {
        const byte = bit >> 3;
        const m = armored.slice();
        m[byte] ^= 1 << (bit & 7);
        const isHops = byte === 18 && (bit & 7) < 3;
        const before = m.slice();
        const ok = dearmor(m, keys);
        assert.equal(ok, isHops, `suite ${suite} bit ${bit}`);
        if (ok) assert.deepEqual(m.subarray(27), plain.subarray(27));
        else assert.deepEqual(m, before, 'a failed dearmor leaves the packet unchanged');
      }
    }
  }
});

test('relays may raise hops to any value', () => {
  const rnd = new Prng(13);
  const keys = derivePeerKeys(rnd.bytes(48));
  for (const suite of SUITES) {
    const plain = randomPacket(rnd, 100);
    const armored = plain.slice();
    armor(armored, keys, suite);
    for (let h = 1; h <= 7; h++) {
      incrementHops(armored);
      const m = armored.slice();
      assert.equal(packetHops(m), h);
      assert.ok(dearmor(m, keys), `suite ${suite} hops ${h}`);
      assert.deepEqual(m.subarray(27), plain.subarray(27));
    }
  }
});

test('armor resets the hops to 0', () => {
  const rnd = new Prng(14);
  const keys = derivePeerKeys(rnd.bytes(48));
  for (const suite of SUITES) {
    const a = randomPacket(rnd, 50);
    const b = a.slice();
    b[18] = 5;
    armor(a, keys, suite);
    armor(b, keys, suite);
    assert.deepEqual(b, a);
  }
});

test('length is authenticated: truncation and extension fail (02 §14 trap 3)', () => {
  const rnd = new Prng(15);
  const keys = derivePeerKeys(rnd.bytes(48));
  for (const suite of SUITES) {
    const armored = randomPacket(rnd, 60);
    armor(armored, keys, suite);
    assert.equal(dearmor(armored.slice(0, armored.length - 1), keys), false, `suite ${suite} truncated`);
    const longer = new Uint8Array(armored.length + 1);
    longer.set(armored);
    assert.equal(dearmor(longer, keys), false, `suite ${suite} extended`);
  }
});

test('the fragmented flag is authenticated and must be set before armor (trap 1)', () => {
  const rnd = new Prng(16);
  const keys = derivePeerKeys(rnd.bytes(48));
  for (const suite of SUITES) {
    const pkt = randomPacket(rnd, 60);
    armor(pkt, keys, suite);
    setFragmented(pkt, true);
    assert.equal(dearmor(pkt, keys), false);
  }
});

test('a different key fails', () => {
  const rnd = new Prng(17);
  const keys = derivePeerKeys(rnd.bytes(48));
  const other = derivePeerKeys(rnd.bytes(48));
  for (const suite of SUITES) {
    const pkt = randomPacket(rnd, 60);
    armor(pkt, keys, suite);
    assert.equal(dearmor(pkt, other), false);
  }
});

test('suites 2 and 4–7 never de-armor; short packets return false', () => {
  const rnd = new Prng(18);
  const keys = derivePeerKeys(rnd.bytes(48));
  for (const suite of [2, 4, 5, 6, 7]) {
    const pkt = randomPacket(rnd, 30);
    pkt[18] = suite << 3;
    assert.equal(dearmor(pkt, keys), false, `suite ${suite}`);
  }
  for (let n = 0; n < 28; n++) assert.equal(dearmor(new Uint8Array(n), keys), false);
});

test('trusted path: suite 2 and the ID in bytes 19–26 (§5.4)', () => {
  const rnd = new Prng(19);
  const pkt = randomPacket(rnd, 30);
  const body = pkt.slice(27);
  setFragmented(pkt, true);
  pkt[18] |= 3;
  armorTrustedPath(pkt, 0x0102030405060708n);
  assert.equal(pkt[18], 0x50);
  assert.deepEqual(pkt.subarray(19, 27), hex('0102030405060708'));
  assert.deepEqual(pkt.subarray(27), body, 'no encryption');
  assert.equal(trustedPathId(pkt), 0x0102030405060708n);
  armorTrustedPath(pkt, 0xffffffffffffffffn);
  assert.equal(trustedPathId(pkt), 0xffffffffffffffffn);
  assert.equal(dearmor(pkt, derivePeerKeys(rnd.bytes(48))), false, 'dearmor leaves suite 2 to the caller');
  assert.throws(() => armorTrustedPath(pkt, 1n << 64n), RangeError);
  assert.throws(() => trustedPathId(new Uint8Array(27)), DecodeError);
});

test('HELLO tail crypt is its own inverse and ignores the low 3 bits of byte 7', () => {
  const rnd = new Prng(20);
  const key = rnd.bytes(32);
  const pkt = randomPacket(rnd, 40, Verb.HELLO);
  const plain = pkt.slice();
  helloTailCrypt(pkt, 50, key);
  assert.deepEqual(pkt.subarray(0, 50), plain.subarray(0, 50));
  assert.notDeepEqual(pkt.subarray(50), plain.subarray(50));
  const other = plain.slice();
  other[7] ^= 0x07;
  helloTailCrypt(other, 50, key);
  assert.deepEqual(other.subarray(50), pkt.subarray(50));
  helloTailCrypt(pkt, 50, key);
  assert.deepEqual(pkt, plain);
  helloTailCrypt(pkt, pkt.length, key); // empty tail: nothing to do
  assert.deepEqual(pkt, plain);
  assert.throws(() => helloTailCrypt(pkt, pkt.length + 1, key), RangeError);
});

test('chooseSuite (§5.5)', () => {
  for (const v of [undefined, 4, 11, 12, 13]) {
    assert.equal(chooseSuite(Verb.HELLO, v), 0);
    assert.equal(chooseSuite(Verb.ACK, v), 0);
    assert.equal(chooseSuite(Verb.QOS_MEASUREMENT, v), 0);
    assert.equal(chooseSuite(Verb.PATH_NEGOTIATION_REQUEST, v), 0);
  }
  for (const verb of [Verb.OK, Verb.ECHO, Verb.FRAME, Verb.WHOIS, Verb.NOP]) {
    assert.equal(chooseSuite(verb, undefined), 1);
    assert.equal(chooseSuite(verb, 11), 1);
    assert.equal(chooseSuite(verb, 12), 3);
    assert.equal(chooseSuite(verb, 13), 3);
  }
});

test('dearmor on random and mutated bytes returns false and never throws', () => {
  const rnd = new Prng(21);
  const keys = derivePeerKeys(rnd.bytes(48));
  for (let i = 0; i < 2000; i++) {
    const b = rnd.bytes(rnd.int(200));
    assert.equal(dearmor(b, keys), false);
  }
  const seeds = SUITES.map((s) => {
    const p = randomPacket(rnd, 80);
    armor(p, keys, s);
    return p;
  });
  fuzzDecoder('dearmor', (b) => dearmor(b.slice(), keys), { seeds });
});

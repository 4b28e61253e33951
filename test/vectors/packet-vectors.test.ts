// Known answers of 02 §13: one packet in three suites (§13.1), the HELLO tail (§13.2), and
// an exchange captured from a real 1.14.1 node (§13.3). Every hex string is proven to be
// in the spec by assertInSpec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armor, dearmor, helloTailCrypt, type ArmorSuite } from '../../src/protocol/armor.js';
import { buildPacket, cipherSuiteOf, decodeHeader, packetVerb } from '../../src/protocol/packet.js';
import { Verb } from '../../src/protocol/constants.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { hex, toHex } from '../../src/util/hex.js';
import { assertInSpec } from '../helpers/shared.js';

const SPEC = '02-packets.md';

function fromSpec(h: string, spec = SPEC): Uint8Array {
  assertInSpec(spec, h);
  return hex(h);
}

// 01 §11.3: the A ↔ B peer key.
const K_AB = fromSpec('4745f64d393003761335eecee4a703dee39961c2f93bb4b5ee9b1cc1017e9cd9ee922749df8e50a2434aa6666c120e00', '01-identity-crypto.md');

test('§13.1: one ECHO armored in suites 0, 1 and 3, and back', () => {
  const keys = derivePeerKeys(K_AB);
  const before = fromSpec(
    '0102030405060708 4e727d26e3 836faffcb4 00 0000000000000000 08' +
      '54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67',
  );
  assert.deepEqual(
    buildPacket({ id8: hex('0102030405060708'), dest: 0x4e727d26e3, source: 0x836faffcb4, verb: Verb.ECHO, payload: new TextEncoder().encode('The quick brown fox jumps over the lazy dog') }),
    before,
  );
  const armoredBySuite: Array<[ArmorSuite, number, string]> = [
    [0, 0x00, '01020304050607084e727d26e3836faffcb4000bda387f43347d280854686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67'],
    [1, 0x88, '01020304050607084e727d26e3836faffcb48892c20368815a14b4515edeb998d9a03e04c21e8027f0e42acdd0d3ea88a6e92359b6c7ddb5103f9aeb8ff77b4679b24a7fa29f5c'],
    [3, 0x18, '21531017ca0f2e2a4e727d26e3836faffcb418398f5ec61646a6727a7a3cb9c486310eb8ccda0d1ab597668d28c1e617088888fe45b1a2c780b5c2d3511f78c6118f326f2451db'],
  ];
  for (const [suite, byte18, armoredHex] of armoredBySuite) {
    const want = fromSpec(armoredHex);
    const pkt = before.slice();
    armor(pkt, keys, suite);
    assert.equal(toHex(pkt), armoredHex, `armor suite ${suite}`);
    assert.equal(pkt[18], byte18);
    const rx = want.slice();
    assert.ok(dearmor(rx, keys), `dearmor suite ${suite}`);
    assert.equal(cipherSuiteOf(rx), suite);
    assert.deepEqual(rx.subarray(27), before.subarray(27), `plaintext suite ${suite}`);
    assert.deepEqual(rx.subarray(8, 18), before.subarray(8, 18));
  }
  // The published tag prefixes are what sits in the MAC field.
  assertInSpec(SPEC, '0bda387f43347d28048b9c1542a380a7');
  assertInSpec(SPEC, '92c20368815a14b488eb3694d4fa548e');
  assertInSpec(SPEC, '21531017ca0f2e2a398f5ec61646a672');
});

test('§13.1 suite 3: the ID on the wire is W[0..8] (§4)', () => {
  const w = fromSpec('21531017ca0f2e2a398f5ec61646a672');
  const pkt = fromSpec('21531017ca0f2e2a4e727d26e3836faffcb418398f5ec61646a6727a7a3cb9c486310eb8ccda0d1ab597668d28c1e617088888fe45b1a2c780b5c2d3511f78c6118f326f2451db');
  const h = decodeHeader(pkt);
  assert.deepEqual(h.id8, w.subarray(0, 8));
  assert.deepEqual(h.mac, w.subarray(8, 16));
});

test('§13.2: HELLO tail encryption', () => {
  const keys = derivePeerKeys(K_AB);
  const encrypted = fromSpec('112233445566778f4e727d26e3836faffcb400000000000000000001b120');
  assertInSpec(SPEC, 'tail plaintext `0000`: encrypted tail `b120`');
  const pkt = encrypted.slice();
  pkt[28] = 0;
  pkt[29] = 0;
  helloTailCrypt(pkt, 28, keys.salsaKey);
  assert.equal(toHex(pkt), toHex(encrypted));
  helloTailCrypt(pkt, 28, keys.salsaKey);
  assert.equal(toHex(pkt.subarray(28)), '0000');
});

// §13.3: the observed exchange; K is the root ↔ node peer key.
const K_ROOT = '6b2693d467f4f82b133bdfcccf00987ddf33e4e222d2711c7738ea6d4e8b750fb2deac468bf54ee72ee6a9419bf616ef';

test('§13.3 #1: the node\'s HELLO (suite 0) verifies and its tail decrypts to 0000', () => {
  const keys = derivePeerKeys(fromSpec(K_ROOT));
  const d = fromSpec(
    '9c165a7ce2494632ac43a880fd880804178500fdd3e39b3a3523b6010c010e0001000001a20f90771588080417850058a6049bab784aae9e0e84e8b39b8318c358d6e9d476febdba60affc569f5a4aa63a03eacce52cc402f462800b4d685039d23e1b0c52a1ec3e1da337525b9fac00040a6300022709000000000000abcd000001a20f8f96afc144',
  );
  const pkt = d.slice();
  assert.ok(dearmor(pkt, keys));
  assert.deepEqual(pkt, d, 'suite 0 leaves everything in clear');
  assert.equal(packetVerb(pkt), Verb.HELLO);
  // Tail offset: payload 28 + version(13) + identity(71) + InetAddress 04…(7) + planet(16).
  assert.equal(pkt[28 + 13 + 71], 0x04);
  const tail = 28 + 13 + 71 + 7 + 16;
  assert.equal(pkt.length, tail + 2);
  assertInSpec(SPEC, '000000000000abcd 000001a20f8f96af');
  assertInSpec(SPEC, 'c144                                                               encrypted tail = 0000');
  helloTailCrypt(pkt, tail, keys.salsaKey);
  assert.equal(toHex(pkt.subarray(tail)), '0000');
  // And the MAC no longer verifies over the decrypted tail: it covers the encrypted bytes.
  assert.equal(dearmor(pkt, keys), false);
});

test('§13.3 #2–#5 de-armor to the observed plaintexts', () => {
  const keys = derivePeerKeys(fromSpec(K_ROOT));
  const rows: Array<[number, string, string]> = [
    [1, '7f243bafafbc01668808041785ac43a880fd88b6e541c0735ed243650465b6d2d80170e04acdbbfff0db516f2e2f11f4fb5c9e5747c6dc116f4b11', '03 01 9c165a7ce2494632 000001a20f907715 0c 01 0e 0001 04 0a630001 2709 0000'],
    [3, '3b166e51f8a5ab12ac43a880fd8808041785189ea5014125d1a936973f6f56103e', '04 ac43a880fd'],
    [3, 'daac7aefd68bbdf68808041785ac43a880fd187f0ed3396d65df26e138f38661', '08 deadbeef'],
    [3, '48e4a286605aac45ac43a880fd880804178518e685f5c913610706d5495033456b2179df4f535276c1', '03 08 daac7aefd68bbdf6 deadbeef'],
  ];
  for (const [suite, datagram, plaintext] of rows) {
    assertInSpec(SPEC, plaintext);
    const pkt = fromSpec(datagram);
    assert.equal(cipherSuiteOf(pkt), suite);
    assert.ok(dearmor(pkt, keys), datagram.slice(0, 16));
    assert.equal(toHex(pkt.subarray(27)), plaintext.replace(/\s+/g, ''));
  }
  // #5 answers #4 by its transmitted ID (the SIV half), not the nonce used to build it.
  const echo = hex(rows[2][1]);
  const ok = hex(rows[3][1]);
  assert.ok(dearmor(ok, keys));
  assert.deepEqual(ok.subarray(29, 37), echo.subarray(0, 8));
});

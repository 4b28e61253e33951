// Packet compression flag handling around the LZ4 codec (spec 02 §6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressPacket, decompressPacket } from '../../../src/protocol/compression.js';
import { armor, dearmor } from '../../../src/protocol/armor.js';
import { buildPacket, isCompressed, packetVerb } from '../../../src/protocol/packet.js';
import { lz4Compress } from '../../../src/protocol/lz4.js';
import { derivePeerKeys } from '../../../src/crypto/peer-keys.js';
import { Verb } from '../../../src/protocol/constants.js';
import { DecodeError } from '../../../src/util/errors.js';
import { hex, toHex } from '../../../src/util/hex.js';
import { Prng } from '../../helpers/prng.js';
import { fuzzDecoder } from '../../helpers/property.js';
import { assertInSpec } from '../../helpers/shared.js';

const rnd = new Prng(31);

function pktWith(payload: Uint8Array, verb: number = Verb.NETWORK_CONFIG_REQUEST): Uint8Array {
  return buildPacket({ id8: rnd.bytes(8), dest: 0x8808041785, source: 0xac43a880fd, verb, payload });
}

function compressible(n: number): Uint8Array {
  const text = new TextEncoder().encode('nwid=8056c2e21c000001\nr=1\nv=12\nmac=0a:1b:2c:3d:4e:5f\n');
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = text[i % text.length];
  return out;
}

test('compress → armor → dearmor → decompress round trip, every armored suite', () => {
  const keys = derivePeerKeys(rnd.bytes(48));
  for (const suite of [0, 1, 3] as const) {
    for (const n of [65, 200, 1400, 9996]) {
      const plain = pktWith(compressible(n));
      const c = compressPacket(plain);
      assert.notEqual(c, plain);
      assert.ok(isCompressed(c));
      assert.equal(packetVerb(c), Verb.NETWORK_CONFIG_REQUEST);
      assert.ok(c.length < plain.length);
      assert.deepEqual(c.subarray(0, 27), plain.subarray(0, 27));
      const wire = c.slice();
      armor(wire, keys, suite);
      assert.ok(dearmor(wire, keys));
      const back = decompressPacket(wire);
      assert.equal(isCompressed(back), false);
      assert.deepEqual(back.subarray(27), plain.subarray(27), `suite ${suite} n=${n}`);
    }
  }
});

test('only payloads over 64 bytes that shrink are compressed; the input is never modified', () => {
  const small = pktWith(new Uint8Array(64));
  assert.equal(compressPacket(small), small);
  assert.equal(isCompressed(small), false);
  const justOver = pktWith(new Uint8Array(65));
  const c = compressPacket(justOver);
  assert.ok(isCompressed(c));
  assert.equal(isCompressed(justOver), false);
  const noise = pktWith(rnd.bytes(1000));
  const copy = noise.slice();
  assert.equal(compressPacket(noise), noise);
  assert.deepEqual(noise, copy);
  // Already compressed: left alone.
  assert.equal(compressPacket(c), c);
});

test('a literal-only block is valid (observed: 50 deadbeef03 as a compressed ECHO)', () => {
  assertInSpec('02-packets.md', '`50 deadbeef03` accepted as a compressed ECHO');
  const pkt = pktWith(hex('50deadbeef03'), Verb.ECHO);
  pkt[27] |= 0x80;
  const out = decompressPacket(pkt);
  assert.equal(out[27], Verb.ECHO);
  assert.equal(toHex(out.subarray(28)), 'deadbeef03');
});

test('decompress limits: 9 996 bytes pass, more fail, empty output fails', () => {
  const at = pktWith(new Uint8Array(0));
  const ok = new Uint8Array(28 + lz4Compress(new Uint8Array(9996)).length);
  ok.set(at.subarray(0, 28));
  ok[27] |= 0x80;
  ok.set(lz4Compress(new Uint8Array(9996)), 28);
  assert.equal(decompressPacket(ok).length, 28 + 9996);
  const tooBigBlock = lz4Compress(new Uint8Array(9997));
  const tooBig = new Uint8Array(28 + tooBigBlock.length);
  tooBig.set(at.subarray(0, 28));
  tooBig[27] |= 0x80;
  tooBig.set(tooBigBlock, 28);
  assert.throws(() => decompressPacket(tooBig), DecodeError);
  const huge = lz4Compress(new Uint8Array(60000));
  const hugePkt = new Uint8Array(28 + huge.length);
  hugePkt.set(tooBig.subarray(0, 28));
  hugePkt.set(huge, 28);
  assert.throws(() => decompressPacket(hugePkt), DecodeError);
  const empty = pktWith(hex('00'));
  empty[27] |= 0x80;
  assert.throws(() => decompressPacket(empty), DecodeError);
});

test('flag without payload is just cleared; no flag returns the same packet', () => {
  const bare = pktWith(new Uint8Array(0), Verb.NOP);
  bare[27] |= 0x80;
  const out = decompressPacket(bare);
  assert.equal(out[27], Verb.NOP);
  const plain = pktWith(hex('0102'));
  assert.equal(decompressPacket(plain), plain);
  assert.throws(() => decompressPacket(new Uint8Array(27)), DecodeError);
});

test('decompressPacket on random and mutated input throws only DecodeError', () => {
  const seeds = [compressPacket(pktWith(compressible(500))), compressPacket(pktWith(compressible(3000)))];
  fuzzDecoder('decompressPacket', (b) => {
    const p = b.slice();
    if (p.length > 27) p[27] |= 0x80;
    decompressPacket(p);
  }, { seeds, maxRandomBytes: 600 });
});

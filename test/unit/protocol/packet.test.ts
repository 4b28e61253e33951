// Packet header accessors and builders (spec 02 §3, §4, §9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, toHex } from '../../../src/util/hex.js';
import { DecodeError } from '../../../src/util/errors.js';
import {
  buildPacket,
  cipherSuiteOf,
  decodeHeader,
  incrementHops,
  isCompressed,
  isFragmented,
  packetDestination,
  packetHops,
  packetId,
  packetIdBytes,
  packetPayload,
  packetSource,
  packetVerb,
  setCipherSuite,
  setFragmented,
  writeHeader,
} from '../../../src/protocol/packet.js';
import { ErrorCode, Verb, verbName } from '../../../src/protocol/constants.js';
import { assertInSpec } from '../../helpers/shared.js';
import { fuzzDecoder } from '../../helpers/property.js';

const SPEC = '02-packets.md';
const FOX = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');

test('buildPacket gives the §13.1 packet before armoring', () => {
  const before = '0102030405060708 4e727d26e3 836faffcb4 00 0000000000000000 08 54686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f67';
  assertInSpec(SPEC, before);
  const pkt = buildPacket({ id8: hex('0102030405060708'), dest: 0x4e727d26e3, source: 0x836faffcb4, verb: Verb.ECHO, payload: FOX });
  assert.equal(toHex(pkt), before.replace(/\s+/g, ''));
  assert.equal(pkt.length, 71);
});

test('header fields of an observed OK(HELLO) (§13.3 #2)', () => {
  const d = '7f243bafafbc01668808041785ac43a880fd88b6e541c0735ed243650465b6d2d80170e04acdbbfff0db516f2e2f11f4fb5c9e5747c6dc116f4b11';
  assertInSpec(SPEC, d);
  const pkt = hex(d);
  const h = decodeHeader(pkt);
  assert.equal(h.id, 0x7f243bafafbc0166n);
  assert.equal(toHex(h.id8), '7f243bafafbc0166');
  assert.equal(h.dest, 0x8808041785);
  assert.equal(h.source, 0xac43a880fd);
  assert.equal(h.flags, 0x88);
  assert.equal(h.cipherSuite, 1);
  assert.equal(h.hops, 0);
  assert.equal(h.isFragmented, false);
  assert.equal(toHex(h.mac), 'b6e541c0735ed243');
  assert.equal(packetId(pkt), h.id);
  assert.equal(packetDestination(pkt), h.dest);
  assert.equal(packetSource(pkt), h.source);
  assert.equal(toHex(packetIdBytes(pkt)), '7f243bafafbc0166');
});

test('byte 18 values per suite (§3.1)', () => {
  const pkt = buildPacket({ id8: new Uint8Array(8), dest: 1, source: 2, verb: 0 });
  const cases: Array<[number, boolean, number]> = [[0, false, 0x00], [1, false, 0x88], [2, false, 0x10], [3, false, 0x18], [3, true, 0x58], [1, true, 0xc8]];
  for (const [suite, frag, want] of cases) {
    pkt[18] = 0;
    setFragmented(pkt, frag);
    setCipherSuite(pkt, suite);
    assert.equal(pkt[18], want, `suite ${suite} fragmented ${frag}`);
    assert.equal(cipherSuiteOf(pkt), suite);
    assert.equal(isFragmented(pkt), frag);
  }
  // Switching away from suite 1 clears the legacy flag; hops survive.
  pkt[18] = 0x88 | 0x02;
  setCipherSuite(pkt, 3);
  assert.equal(pkt[18], 0x1a);
  setFragmented(pkt, false);
  assert.equal(pkt[18], 0x1a);
});

test('incrementHops wraps the 3-bit count and keeps the other bits (§9)', () => {
  const pkt = buildPacket({ id8: new Uint8Array(8), dest: 1, source: 2, verb: 0 });
  pkt[18] = 0x58;
  for (let i = 1; i <= 9; i++) {
    incrementHops(pkt);
    assert.equal(packetHops(pkt), i & 7);
    assert.equal(pkt[18] & 0xf8, 0x58);
  }
});

test('verb byte: verb and compressed flag (§3.2)', () => {
  const pkt = buildPacket({ id8: new Uint8Array(8), dest: 1, source: 2, verb: Verb.MULTICAST_FRAME, payload: hex('aabb') });
  assert.equal(packetVerb(pkt), 0x0e);
  assert.equal(isCompressed(pkt), false);
  pkt[27] |= 0x80 | 0x40 | 0x20;
  assert.equal(packetVerb(pkt), 0x0e);
  assert.equal(isCompressed(pkt), true);
  assert.equal(toHex(packetPayload(pkt)), 'aabb');
});

test('writeHeader fills a caller buffer with headroom and zeroes flags and MAC', () => {
  const buf = new Uint8Array(40).fill(0xee);
  writeHeader(buf, { id8: hex('1122334455667788'), dest: 0xffffffffff, source: 0x0000000001, verb: Verb.FRAME });
  assert.equal(toHex(buf.subarray(0, 28)), '1122334455667788' + 'ffffffffff' + '0000000001' + '00' + '0000000000000000' + '06');
  assert.equal(buf[28], 0xee);
  assert.throws(() => writeHeader(buf, { id8: new Uint8Array(7), dest: 1, source: 2, verb: 0 }), RangeError);
  assert.throws(() => writeHeader(buf, { id8: new Uint8Array(8), dest: 1, source: 2, verb: 32 }), RangeError);
  assert.throws(() => writeHeader(new Uint8Array(27), { id8: new Uint8Array(8), dest: 1, source: 2, verb: 0 }), RangeError);
});

test('decodeHeader: truncated input is a DecodeError', () => {
  assert.throws(() => decodeHeader(new Uint8Array(27)), DecodeError);
  fuzzDecoder('decodeHeader', decodeHeader, { seeds: [hex('01020304050607084e727d26e3836faffcb4000bda387f43347d280854')] });
});

test('verb and error code tables (§10.1, §10.3)', () => {
  assert.equal(Verb.PUSH_DIRECT_PATHS, 0x10);
  assert.equal(Verb.PATH_NEGOTIATION_REQUEST, 0x16);
  assert.equal(verbName(0x0b), 'NETWORK_CONFIG_REQUEST');
  assert.equal(verbName(0x11), 'VERB_0x11');
  assert.equal(ErrorCode.NETWORK_AUTHENTICATION_REQUIRED, 0x09);
  assert.equal(Object.keys(Verb).length, 21);
});

// The TCP relay framing (06 §9.2): the bytes 1.14.1 writes, records split and merged across
// TCP segments in every way, and hostile streams ending in DecodeError only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRelayPayload, encodeHello, encodeIpv4Record, ipv4RecordSize, RelayRecordDecoder } from '../../../src/protocol/tcp-relay-framing.js';
import { inet4 } from '../../../src/protocol/inet-address.js';
import { DecodeError } from '../../../src/util/errors.js';
import { fuzzDecoder } from '../../helpers/property.js';
import { Prng } from '../../helpers/prng.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function record(to = inet4(192, 88, 99, 1, 9993), packet = Uint8Array.from({ length: 20 }, (_, i) => i)): Uint8Array {
  const buf = new Uint8Array(ipv4RecordSize(packet.length));
  assert.equal(encodeIpv4Record(to, packet, buf, 0), buf.length);
  return buf;
}

/** Every payload the decoder hands out for `chunks`, copied. */
function decodeAll(chunks: Uint8Array[]): string[] {
  const d = new RelayRecordDecoder();
  const out: string[] = [];
  for (const c of chunks) d.push(c, (p) => out.push(hex(p)));
  return out;
}

test('the HELLO is the one 1.14.1 sends', () => {
  assert.equal(hex(encodeHello(1, 14, 1)), '1703030004010e0001');
});

test('a node record is 17 03 03, the length with the prefix, 04, address, port, packet', () => {
  const packet = Uint8Array.of(0xaa, 0xbb, 0xcc);
  assert.equal(hex(record(inet4(204, 80, 128, 1, 9993), packet)), '170303000a' + '04' + 'cc508001' + '2709' + 'aabbcc');
});

test('an IPv6 destination or an oversized packet cannot be framed', () => {
  const v6 = { family: 6 as const, ip: new Uint8Array(16), port: 9993 };
  assert.throws(() => encodeIpv4Record(v6, new Uint8Array(20), new Uint8Array(100), 0), RangeError);
  assert.throws(() => encodeIpv4Record(inet4(1, 2, 3, 4, 5), new Uint8Array(65529), new Uint8Array(70000), 0), RangeError);
});

test('payloads: IPv4 and IPv6 sources, no source, HELLO, empty', () => {
  const v4 = decodeRelayPayload(Uint8Array.of(4, 192, 88, 99, 1, 0x27, 0x09, 1, 2, 3));
  assert.deepEqual(v4, { kind: 'packet', from: inet4(192, 88, 99, 1, 9993), packet: Uint8Array.of(1, 2, 3) });
  const v6 = decodeRelayPayload(Uint8Array.of(6, ...new Array(15).fill(0), 1, 0x27, 0x09, 7));
  assert.ok(v6 && v6.kind === 'packet' && v6.from?.family === 6 && v6.from.port === 9993 && hex(v6.packet) === '07');
  assert.deepEqual(decodeRelayPayload(Uint8Array.of(0, 9, 9)), { kind: 'packet', from: null, packet: Uint8Array.of(9, 9) });
  assert.deepEqual(decodeRelayPayload(Uint8Array.of(1, 14, 0, 1)), { kind: 'hello' });
  assert.equal(decodeRelayPayload(new Uint8Array(0)), null);
});

test('payloads too short for their address, or of an unknown type, are DecodeErrors (1.14.1 closes the connection)', () => {
  assert.throws(() => decodeRelayPayload(Uint8Array.of(4, 1, 2, 3, 4, 5)), (e: unknown) => e instanceof DecodeError && e.code === 'decode_truncated');
  assert.throws(() => decodeRelayPayload(Uint8Array.of(6, ...new Array(17).fill(0))), DecodeError);
  assert.throws(() => decodeRelayPayload(Uint8Array.of(5, 1, 2, 3, 4, 5, 6, 7)), (e: unknown) => e instanceof DecodeError && e.code === 'decode_bad_address_type');
});

test('records merged into one chunk and split at every byte come out the same', () => {
  const recs = [record(inet4(192, 88, 99, 1, 9993), new Uint8Array(0)), encodeHello(1, 14, 1), record(inet4(192, 88, 99, 2, 1024), new Uint8Array(300).fill(7)), record()];
  const stream = Buffer.concat(recs);
  const want = recs.map((r) => hex(r.subarray(5)));
  assert.deepEqual(decodeAll([stream]), want);
  for (let cut = 0; cut <= stream.length; cut++) assert.deepEqual(decodeAll([stream.subarray(0, cut), stream.subarray(cut)]), want, `cut at ${cut}`);
  assert.deepEqual(decodeAll([...stream].map((b) => Uint8Array.of(b))), want, 'one byte at a time');
  const rnd = new Prng(7);
  for (let i = 0; i < 200; i++) {
    const chunks: Uint8Array[] = [];
    for (let o = 0; o < stream.length; ) {
      const n = 1 + rnd.int(120);
      chunks.push(stream.subarray(o, o + n));
      o += n;
    }
    assert.deepEqual(decodeAll(chunks), want);
  }
});

test('a record of the largest size is held across chunks and delivered whole', () => {
  const big = new Uint8Array(65535 - 7).fill(0x5a);
  const r = record(inet4(192, 88, 99, 3, 9993), big);
  const d = new RelayRecordDecoder();
  const got: number[] = [];
  d.push(r.subarray(0, 1000), (p) => got.push(p.length));
  assert.equal(d.pendingBytes, 1000);
  d.push(Buffer.concat([r.subarray(1000), record()]), (p) => got.push(p.length));
  assert.deepEqual(got, [65535, 27]);
  assert.equal(d.pendingBytes, 0);
});

test('a header that is not 17 03 03 fails the stream for good', () => {
  const d = new RelayRecordDecoder();
  const got: string[] = [];
  const bad = Buffer.concat([record(), Uint8Array.of(0x16, 3, 3, 0, 1, 0)]);
  assert.throws(() => d.push(bad, (p) => got.push(hex(p))), (e: unknown) => e instanceof DecodeError && e.code === 'decode_bad_version');
  assert.equal(got.length, 1, 'the good record before it was delivered');
  assert.throws(() => d.push(record(), () => assert.fail('nothing after an error')), DecodeError);
  const split = new RelayRecordDecoder();
  split.push(Uint8Array.of(0x17, 3), () => undefined);
  assert.throws(() => split.push(Uint8Array.of(4, 0, 0), () => undefined), DecodeError);
});

test('property: random and mutated streams give payloads or DecodeError, nothing else', () => {
  const seeds = [Buffer.concat([encodeHello(1, 14, 1), record(), record(inet4(10, 0, 0, 1, 9993), new Uint8Array(40))])];
  fuzzDecoder('relay stream', (b) => {
    const d = new RelayRecordDecoder();
    const half = b.length >> 1;
    const each = (p: Uint8Array): void => void decodeRelayPayload(p);
    d.push(b.subarray(0, half), each);
    d.push(b.subarray(half), each);
  }, { seeds });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { hex, toHex } from '../../../../src/util/hex.js';
import {
  QOS_MAX_RECORDS,
  decodeAck,
  decodePathNegotiationRequest,
  decodeQosMeasurement,
  encodeAck,
  encodePathNegotiationRequest,
  encodeQosMeasurement,
} from '../../../../src/protocol/verbs/bonding.js';
import { fuzzDecoder } from '../../../helpers/property.js';

test('QOS_MEASUREMENT records are little-endian: ID bytes reversed, holding time low byte first', () => {
  const msg = { records: [{ packetId: hex('0102030405060708'), holdingTimeMs: 0x1234 }] };
  const b = encodeQosMeasurement(msg);
  assert.equal(toHex(b), '0807060504030201' + '3412');
  assert.deepEqual(decodeQosMeasurement(b), msg);
});

test('QOS_MEASUREMENT length rules: 10-byte records, 9 ≤ length ≤ 1400', () => {
  const max = { records: Array.from({ length: QOS_MAX_RECORDS }, (_, i) => ({ packetId: new Uint8Array(8).fill(i), holdingTimeMs: i })) };
  assert.equal(QOS_MAX_RECORDS, 140);
  const b = encodeQosMeasurement(max);
  assert.equal(b.length, 1400);
  assert.deepEqual(decodeQosMeasurement(b), max);
  for (const n of [0, 9, 15, 1410]) {
    assert.throws(() => decodeQosMeasurement(new Uint8Array(n)), (e: unknown) => e instanceof DecodeError && e.field === 'QOS_MEASUREMENT');
  }
  assert.throws(() => encodeQosMeasurement({ records: [] }), RangeError);
  assert.throws(() => encodeQosMeasurement({ records: [...max.records, max.records[0]] }), RangeError);
});

test('PATH_NEGOTIATION_REQUEST: exactly 2 bytes, signed big-endian', () => {
  assert.equal(toHex(encodePathNegotiationRequest({ utility: -2 })), 'fffe');
  assert.equal(toHex(encodePathNegotiationRequest({ utility: 300 })), '012c');
  for (const utility of [-32768, -1, 0, 1, 32767]) {
    assert.deepEqual(decodePathNegotiationRequest(encodePathNegotiationRequest({ utility })), { utility });
  }
  for (const n of [0, 1, 3]) {
    assert.throws(() => decodePathNegotiationRequest(new Uint8Array(n)), (e: unknown) => e instanceof DecodeError && e.field === 'PATH_NEGOTIATION_REQUEST');
  }
  assert.throws(() => encodePathNegotiationRequest({ utility: 40000 }), RangeError);
});

test('ACK: a u32 byte count', () => {
  assert.equal(toHex(encodeAck({ byteCount: 0x01020304 })), '01020304');
  assert.deepEqual(decodeAck(encodeAck({ byteCount: 0xfffffffe })), { byteCount: 0xfffffffe });
  assert.throws(() => decodeAck(new Uint8Array(5)), DecodeError);
});

test('bonding decoder properties', () => {
  fuzzDecoder('decodeQosMeasurement', decodeQosMeasurement, {
    seeds: [encodeQosMeasurement({ records: [{ packetId: hex('0102030405060708'), holdingTimeMs: 5 }, { packetId: new Uint8Array(8), holdingTimeMs: 0 }] })],
  });
  fuzzDecoder('decodePathNegotiationRequest', decodePathNegotiationRequest, { seeds: [Uint8Array.of(0x80, 0)] });
  fuzzDecoder('decodeAck', decodeAck, { seeds: [Uint8Array.of(0, 0, 1, 0)] });
});

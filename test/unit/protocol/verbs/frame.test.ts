import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { toHex } from '../../../../src/util/hex.js';
import { decodeFrame, encodeFrame } from '../../../../src/protocol/verbs/frame.js';
import { decodeEcho, encodeEcho } from '../../../../src/protocol/verbs/echo.js';
import { decodeNop, encodeNop } from '../../../../src/protocol/verbs/nop.js';
import { decodeUserMessage, encodeUserMessage } from '../../../../src/protocol/verbs/user-message.js';
import { decodeRemoteTrace, encodeRemoteTrace } from '../../../../src/protocol/verbs/remote-trace.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

test('FRAME round trip and layout; an empty frame payload is allowed', () => {
  const msg = { networkId: 0x8056c2e21c000001n, etherType: 0x0800, data: Uint8Array.of(0x45, 0, 0, 20) };
  const b = encodeFrame(msg);
  assert.equal(toHex(b), '8056c2e21c000001' + '0800' + '45000014');
  assert.deepEqual(decodeFrame(b), msg);
  assert.deepEqual(decodeFrame(b.subarray(0, 10)).data, new Uint8Array(0));
  assert.throws(() => decodeFrame(b.subarray(0, 9)), (e: unknown) => e instanceof DecodeError && e.field === 'FRAME.etherType');
});

test('ECHO and NOP', () => {
  assert.deepEqual(decodeEcho(encodeEcho({ data: Uint8Array.of(1, 2, 3) })), { data: Uint8Array.of(1, 2, 3) });
  assert.deepEqual(decodeEcho(new Uint8Array(0)), { data: new Uint8Array(0) });
  assert.equal(encodeNop().length, 0);
  assert.deepEqual(decodeNop(new Uint8Array(0)), {});
  assert.deepEqual(decodeNop(Uint8Array.of(1, 2)), {}, 'NOP content is ignored');
});

test('USER_MESSAGE round trip; shorter than 8 bytes is an error', () => {
  const msg = { typeId: 0x10000n, data: utf8('hello') };
  const b = encodeUserMessage(msg);
  assert.equal(toHex(b.subarray(0, 8)), '0000000000010000');
  assert.deepEqual(decodeUserMessage(b), msg);
  assert.deepEqual(decodeUserMessage(b.subarray(0, 8)).data, new Uint8Array(0));
  assert.throws(() => decodeUserMessage(b.subarray(0, 7)), (e: unknown) => e instanceof DecodeError && e.field === 'USER_MESSAGE.typeId');
});

test('REMOTE_TRACE splits 0-terminated dictionaries, drops empty and unterminated ones', () => {
  const msg = { traces: [utf8('event=1\nx=y\n'), utf8('event=2\n')] };
  const b = encodeRemoteTrace(msg);
  assert.equal(b.length, 12 + 1 + 8 + 1);
  assert.equal(b[12], 0);
  assert.deepEqual(decodeRemoteTrace(b), msg);
  assert.deepEqual(decodeRemoteTrace(Uint8Array.of(0, 0x61, 0, 0, 0x62)), { traces: [Uint8Array.of(0x61)] });
  assert.deepEqual(decodeRemoteTrace(new Uint8Array(0)), { traces: [] });
  assert.throws(() => encodeRemoteTrace({ traces: [new Uint8Array(0)] }), RangeError);
  assert.throws(() => encodeRemoteTrace({ traces: [Uint8Array.of(1, 0, 2)] }), RangeError);
});

test('FRAME, ECHO, USER_MESSAGE, REMOTE_TRACE, NOP decoder properties', () => {
  fuzzDecoder('decodeFrame', decodeFrame, { seeds: [encodeFrame({ networkId: 1n, etherType: 0x86dd, data: Uint8Array.of(1) })] });
  fuzzDecoder('decodeEcho', decodeEcho, { seeds: [Uint8Array.of(0xde, 0xad)] });
  fuzzDecoder('decodeUserMessage', decodeUserMessage, { seeds: [encodeUserMessage({ typeId: 1n, data: Uint8Array.of(1) })] });
  fuzzDecoder('decodeRemoteTrace', decodeRemoteTrace, { seeds: [encodeRemoteTrace({ traces: [utf8('a=b\n')] })] });
  fuzzDecoder('decodeNop', decodeNop, { seeds: [new Uint8Array(0)] });
});

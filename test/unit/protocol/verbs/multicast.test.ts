import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { toHex } from '../../../../src/util/hex.js';
import { encodeCom, type CertificateOfMembership } from '../../../../src/protocol/verbs/com.js';
import {
  decodeMulticastGather,
  decodeOkMulticastGather,
  encodeMulticastGather,
  encodeOkMulticastGather,
  type MULTICAST_GATHER,
  type OK_MULTICAST_GATHER,
} from '../../../../src/protocol/verbs/multicast-gather.js';
import {
  MULTICAST_FRAME_FLAG_REPLICATE,
  decodeMulticastFrame,
  decodeOkMulticastFrame,
  encodeMulticastFrame,
  encodeOkMulticastFrame,
  type MULTICAST_FRAME,
  type OK_MULTICAST_FRAME,
} from '../../../../src/protocol/verbs/multicast-frame.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const nwid = 0x8056c2e21c000001n;
const group = { mac: 0xffffffffffff, adi: 0x0a000002 };
const com: CertificateOfMembership = { qualifiers: [{ id: 0n, value: 1n, maxDelta: 2n }], signedBy: 0x8056c2e21c, signature: new Uint8Array(96).fill(7) };

const gather: MULTICAST_GATHER = { networkId: nwid, flags: 0, group, gatherLimit: 32 };

test('MULTICAST_GATHER layout and round trip, with and without a COM', () => {
  const b = encodeMulticastGather(gather);
  assert.equal(toHex(b), '8056c2e21c000001' + '00' + 'ffffffffffff' + '0a000002' + '00000020');
  assert.deepEqual(decodeMulticastGather(b), gather);
  const withCom = { ...gather, flags: 0x01, com };
  const c = encodeMulticastGather(withCom);
  assert.equal(c[8], 1);
  assert.deepEqual(c.subarray(23), encodeCom(com));
  assert.deepEqual(decodeMulticastGather(c), withCom);
});

test('MULTICAST_GATHER: a broken COM is discarded like 1.14.1 does, the request survives', () => {
  const c = encodeMulticastGather({ ...gather, com });
  const truncated = decodeMulticastGather(c.subarray(0, c.length - 10));
  assert.equal(truncated.flags, 1);
  assert.equal(truncated.com, undefined);
  assert.equal(truncated.gatherLimit, 32);
  assert.throws(() => decodeMulticastGather(c.subarray(0, 22)), (e: unknown) => e instanceof DecodeError && e.field === 'MULTICAST_GATHER.gatherLimit');
});

const okGather: OK_MULTICAST_GATHER = { networkId: nwid, group, results: { totalKnown: 7, members: [0x1111111111, 0x2222222222] } };

test('OK(MULTICAST_GATHER) layout and round trip', () => {
  const b = encodeOkMulticastGather(okGather);
  assert.equal(toHex(b), '8056c2e21c000001' + 'ffffffffffff' + '0a000002' + '00000007' + '0002' + '1111111111' + '2222222222');
  assert.deepEqual(decodeOkMulticastGather(b), okGather);
  assert.throws(() => decodeOkMulticastGather(b.subarray(0, b.length - 1)), (e: unknown) => e instanceof DecodeError && e.field === 'OK(MULTICAST_GATHER).results.members[1]');
});

const frame: MULTICAST_FRAME = { networkId: nwid, flags: 0, group, etherType: 0x0806, data: Uint8Array.of(0, 1, 8, 0, 6, 4) };

test('MULTICAST_FRAME: plain (flags 0) layout and round trip', () => {
  const b = encodeMulticastFrame(frame);
  assert.equal(toHex(b), '8056c2e21c000001' + '00' + 'ffffffffffff' + '0a000002' + '0806' + '000108000604');
  assert.deepEqual(decodeMulticastFrame(b), frame);
});

test('MULTICAST_FRAME: every optional field in order (COM, gather limit, source MAC), replicate flag kept', () => {
  const all = { ...frame, flags: MULTICAST_FRAME_FLAG_REPLICATE, com, gatherLimit: 0x100, source: 0x0242ac110002 };
  const b = encodeMulticastFrame(all);
  assert.equal(b[8], 0x0f);
  const comLen = encodeCom(com).length;
  assert.equal(toHex(b.subarray(9 + comLen, 9 + comLen + 10)), '00000100' + '0242ac110002');
  assert.deepEqual(decodeMulticastFrame(b), { ...all, flags: 0x0f });
  // 1.14.1's replicator form 0x0c: source MAC and replicate, nothing else.
  const repl = { ...frame, flags: 0x08, source: 0x0242ac110002 };
  const r = encodeMulticastFrame(repl);
  assert.equal(r[8], 0x0c);
  assert.deepEqual(decodeMulticastFrame(r), { ...repl, flags: 0x0c });
  const gatherOnly = decodeMulticastFrame(encodeMulticastFrame({ ...frame, gatherLimit: 5 }));
  assert.equal(gatherOnly.flags, 0x02);
  assert.equal(gatherOnly.gatherLimit, 5);
  assert.equal(gatherOnly.source, undefined);
});

test('MULTICAST_FRAME errors name the field', () => {
  const b = encodeMulticastFrame({ ...frame, gatherLimit: 1 });
  assert.throws(() => decodeMulticastFrame(b.subarray(0, 12)), (e: unknown) => e instanceof DecodeError && e.field === 'MULTICAST_FRAME.gatherLimit');
  assert.throws(() => decodeMulticastFrame(b.subarray(0, 20)), (e: unknown) => e instanceof DecodeError && e.field === 'MULTICAST_FRAME.group.adi');
});

const okFrame: OK_MULTICAST_FRAME = { networkId: nwid, group, flags: 0x02, results: { totalKnown: 3, members: [0x3333333333] } };

test('OK(MULTICAST_FRAME): gather-results form (what 1.14.1 sends) and the deprecated COM form', () => {
  const b = encodeOkMulticastFrame(okFrame);
  assert.equal(toHex(b), '8056c2e21c000001' + 'ffffffffffff' + '0a000002' + '02' + '00000003' + '0001' + '3333333333');
  assert.deepEqual(decodeOkMulticastFrame(b), okFrame);
  const both = { ...okFrame, flags: 0x03, com };
  const c = encodeOkMulticastFrame(both);
  assert.deepEqual(c.subarray(19, 19 + encodeCom(com).length), encodeCom(com));
  assert.deepEqual(decodeOkMulticastFrame(c), both);
  const none = { networkId: nwid, group, flags: 0 };
  assert.equal(encodeOkMulticastFrame(none).length, 19);
  assert.deepEqual(decodeOkMulticastFrame(encodeOkMulticastFrame(none)), none);
});

test('multicast decoder properties', () => {
  fuzzDecoder('decodeMulticastGather', decodeMulticastGather, { seeds: [encodeMulticastGather(gather), encodeMulticastGather({ ...gather, com })] });
  fuzzDecoder('decodeOkMulticastGather', decodeOkMulticastGather, { seeds: [encodeOkMulticastGather(okGather)] });
  fuzzDecoder('decodeMulticastFrame', decodeMulticastFrame, {
    seeds: [encodeMulticastFrame(frame), encodeMulticastFrame({ ...frame, com, gatherLimit: 1, source: 2 })],
  });
  fuzzDecoder('decodeOkMulticastFrame', decodeOkMulticastFrame, { seeds: [encodeOkMulticastFrame(okFrame), encodeOkMulticastFrame({ ...okFrame, com })] });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { hex, toHex } from '../../../../src/util/hex.js';
import { inet4, parseInetAddress } from '../../../../src/protocol/inet-address.js';
import {
  PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT,
  decodePushDirectPaths,
  encodePushDirectPaths,
} from '../../../../src/protocol/verbs/push-direct-paths.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const msg = {
  paths: [
    { flags: 0, address: inet4(192, 168, 1, 20, 9993) },
    { flags: PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT, address: parseInetAddress('2001:db8::1/41234')! },
  ],
};

test('PUSH_DIRECT_PATHS layout: address length counts the port (6 / 18)', () => {
  const b = encodePushDirectPaths(msg);
  assert.equal(toHex(b.subarray(0, 13)), '0002' + '00' + '0000' + '04' + '06' + 'c0a80114' + '2709');
  assert.deepEqual([b[16], b[17]], [6, 18]);
  assert.equal(b.length, 2 + 11 + 23);
  assert.deepEqual(decodePushDirectPaths(b), msg);
});

test('PUSH_DIRECT_PATHS skips extension data, unknown types and over-long addresses', () => {
  const b = hex(
    '0003' +
      '00 0003 aabbcc 04 06 0a000001 2709' + // extension data skipped
      '00 0000 09 03 010203' + // unknown type 9, skipped by its length
      '01 0000 04 08 0a000002 2709 ffff', // forget flag kept for the handler; 2 extra bytes skipped
  );
  assert.deepEqual(decodePushDirectPaths(b), {
    paths: [
      { flags: 0, address: inet4(10, 0, 0, 1, 9993) },
      { flags: 1, address: inet4(10, 0, 0, 2, 9993) },
    ],
  });
});

test('PUSH_DIRECT_PATHS rejects a short address and a missing record', () => {
  assert.throws(
    () => decodePushDirectPaths(hex('0001 00 0000 04 04 0a000001')),
    (e: unknown) => e instanceof DecodeError && e.field === 'PUSH_DIRECT_PATHS.records[0].addressLength',
  );
  assert.throws(
    () => decodePushDirectPaths(hex('0002 00 0000 04 06 0a0000012709')),
    (e: unknown) => e instanceof DecodeError && e.field === 'PUSH_DIRECT_PATHS.records[1].flags',
  );
  assert.deepEqual(decodePushDirectPaths(hex('0000')), { paths: [] });
});

test('PUSH_DIRECT_PATHS decoder property', () => {
  fuzzDecoder('decodePushDirectPaths', decodePushDirectPaths, { seeds: [encodePushDirectPaths(msg), hex('0002 00 0003 aabbcc 04 06 0a0000012709 00 0000 09 03 010203')] });
});

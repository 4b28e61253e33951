import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { hex, toHex } from '../../../../src/util/hex.js';
import { ErrorCode, Verb } from '../../../../src/protocol/verbs/codes.js';
import { decodeError, encodeError, type ERROR } from '../../../../src/protocol/verbs/error.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const id = hex('0102030405060708');
const nwid = 0x8056c2e21c000001n;

test('ERROR layout: in-re verb, in-re ID, code, network ID', () => {
  const b = encodeError({ inReVerb: Verb.NETWORK_CONFIG_REQUEST, inRePacketId: id, code: ErrorCode.OBJ_NOT_FOUND, networkId: nwid });
  assert.equal(toHex(b), '0b' + '0102030405060708' + '03' + '8056c2e21c000001');
});

test('ERROR round trip for every code', () => {
  const cases: ERROR[] = [
    { inReVerb: Verb.HELLO, inRePacketId: id, code: ErrorCode.IDENTITY_COLLISION },
    { inReVerb: Verb.HELLO, inRePacketId: id, code: ErrorCode.NONE },
    { inReVerb: Verb.HELLO, inRePacketId: id, code: ErrorCode.INVALID_REQUEST },
    { inReVerb: Verb.HELLO, inRePacketId: id, code: ErrorCode.BAD_PROTOCOL_VERSION },
    { inReVerb: Verb.NETWORK_CONFIG_REQUEST, inRePacketId: id, code: ErrorCode.OBJ_NOT_FOUND, networkId: nwid },
    { inReVerb: Verb.NETWORK_CONFIG_REQUEST, inRePacketId: id, code: ErrorCode.UNSUPPORTED_OPERATION, networkId: nwid },
    { inReVerb: Verb.FRAME, inRePacketId: id, code: ErrorCode.NEED_MEMBERSHIP_CERTIFICATE, networkId: nwid },
    { inReVerb: Verb.NETWORK_CONFIG_REQUEST, inRePacketId: id, code: ErrorCode.NETWORK_ACCESS_DENIED, networkId: nwid },
    { inReVerb: Verb.MULTICAST_FRAME, inRePacketId: id, code: ErrorCode.UNWANTED_MULTICAST, networkId: nwid, multicastGroup: { mac: 0xffffffffffff, adi: 0x0a000001 } },
    { inReVerb: Verb.NETWORK_CONFIG_REQUEST, inRePacketId: id, code: ErrorCode.NETWORK_AUTHENTICATION_REQUIRED, networkId: nwid },
    {
      inReVerb: Verb.NETWORK_CONFIG_REQUEST,
      inRePacketId: id,
      code: ErrorCode.NETWORK_AUTHENTICATION_REQUIRED,
      networkId: nwid,
      authInfo: new TextEncoder().encode('aU=https://sso.example/\n'),
    },
    { inReVerb: Verb.ECHO, inRePacketId: id, code: 0x42, extra: Uint8Array.of(1, 2, 3) },
    { inReVerb: Verb.ECHO, inRePacketId: id, code: 0x42, extra: new Uint8Array(0) },
  ];
  for (const c of cases) assert.deepEqual(decodeError(encodeError(c)), c, `code ${c.code}`);
});

test('ERROR: codes without a payload ignore extra bytes; codes with one require it', () => {
  const collision = hex('01 0102030405060708 04 ffff');
  assert.deepEqual(decodeError(collision), { inReVerb: 1, inRePacketId: id, code: 4 });
  assert.throws(() => decodeError(hex('06 0102030405060708 06 8056c2e21c')), (e: unknown) => e instanceof DecodeError && e.field === 'ERROR.networkId');
  assert.throws(
    () => decodeError(hex('0e 0102030405060708 08 8056c2e21c000001 ffffffffffff')),
    (e: unknown) => e instanceof DecodeError && e.field === 'ERROR.multicastGroup.adi',
  );
});

test('ERROR NETWORK_AUTHENTICATION_REQUIRED: dictionary read only when more than 2 bytes follow', () => {
  const head = '0b 0102030405060708 09 8056c2e21c000001';
  assert.equal(decodeError(hex(head + '0000')).authInfo, undefined);
  assert.equal(decodeError(hex(head + '00')).authInfo, undefined);
  assert.deepEqual(decodeError(hex(head + '0001 61')).authInfo, Uint8Array.of(0x61));
  // Extra bytes after the dictionary are ignored.
  assert.deepEqual(decodeError(hex(head + '0001 61 62')).authInfo, Uint8Array.of(0x61));
  assert.throws(() => decodeError(hex(head + '0005 6162')), (e: unknown) => e instanceof DecodeError && e.field === 'ERROR.authInfo');
  // An empty dictionary is not written at all.
  const b = encodeError({ inReVerb: 0x0b, inRePacketId: id, code: 9, networkId: nwid, authInfo: new Uint8Array(0) });
  assert.equal(b.length, 18);
});

test('ERROR encoder refuses a missing network ID or group', () => {
  assert.throws(() => encodeError({ inReVerb: 6, inRePacketId: id, code: ErrorCode.NEED_MEMBERSHIP_CERTIFICATE }), RangeError);
  assert.throws(() => encodeError({ inReVerb: 6, inRePacketId: id, code: ErrorCode.UNWANTED_MULTICAST, networkId: 1n }), RangeError);
  assert.throws(() => encodeError({ inReVerb: 6, inRePacketId: Uint8Array.of(1), code: 0 }), RangeError);
});

test('ERROR decoder property', () => {
  const seeds = [
    encodeError({ inReVerb: 0x0b, inRePacketId: id, code: 9, networkId: nwid, authInfo: Uint8Array.of(0x61, 0x3d, 0x62) }),
    encodeError({ inReVerb: 0x0e, inRePacketId: id, code: 8, networkId: nwid, multicastGroup: { mac: 0x333300000001, adi: 0 } }),
    encodeError({ inReVerb: 0x01, inRePacketId: id, code: 4 }),
  ];
  fuzzDecoder('decodeError', decodeError, { seeds });
});

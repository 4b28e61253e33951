import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { toHex } from '../../../../src/util/hex.js';
import {
  CONFIG_CHUNK_FLAG_FAST_PROPAGATE,
  configChunkSigningInput,
  decodeNetworkConfig,
  decodeNetworkConfigRequest,
  encodeNetworkConfig,
  encodeNetworkConfigRequest,
  type NETWORK_CONFIG,
} from '../../../../src/protocol/verbs/network-config.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const nwid = 0x8056c2e21c000001n;

test('NETWORK_CONFIG_REQUEST round trip, with and without the revision/timestamp pair', () => {
  const full = { networkId: nwid, metadata: utf8('v=7\nvend=1\n'), current: { revision: 12n, timestamp: 0x1a20f907715n } };
  const b = encodeNetworkConfigRequest(full);
  assert.equal(toHex(b.subarray(0, 10)), '8056c2e21c000001000b');
  assert.equal(b.length, 10 + 11 + 16);
  assert.deepEqual(decodeNetworkConfigRequest(b), full);
  const short = { networkId: nwid, metadata: utf8('v=7\n') };
  assert.deepEqual(decodeNetworkConfigRequest(encodeNetworkConfigRequest(short)), short);
  // A remainder shorter than 16 bytes is ignored: 1.14.1 never reads those fields.
  assert.deepEqual(decodeNetworkConfigRequest(Uint8Array.of(...encodeNetworkConfigRequest(short), 1, 2, 3)), short);
  assert.deepEqual(decodeNetworkConfigRequest(encodeNetworkConfigRequest({ networkId: 1n, metadata: new Uint8Array(0) })).metadata, new Uint8Array(0));
});

test('NETWORK_CONFIG_REQUEST needs the metadata length and all its bytes', () => {
  const b = encodeNetworkConfigRequest({ networkId: nwid, metadata: utf8('abc') });
  assert.throws(() => decodeNetworkConfigRequest(b.subarray(0, 9)), (e: unknown) => e instanceof DecodeError && e.field === 'NETWORK_CONFIG_REQUEST.metadataLength');
  assert.throws(() => decodeNetworkConfigRequest(b.subarray(0, 12)), (e: unknown) => e instanceof DecodeError && e.field === 'NETWORK_CONFIG_REQUEST.metadata');
});

const signature = Uint8Array.from({ length: 96 }, (_, i) => 255 - i);
const chunk: NETWORK_CONFIG = {
  networkId: nwid,
  data: utf8('r=1c\nnwid=8056c2e21c000001\n'),
  signing: { flags: CONFIG_CHUNK_FLAG_FAST_PROPAGATE, updateId: 0x0123456789abcdefn, totalLength: 5000, chunkOffset: 1200, signature },
};

test('config chunk layout and round trip; the signed part is the first 27 + c bytes', () => {
  const b = encodeNetworkConfig(chunk);
  const c = chunk.data.length;
  assert.equal(b.length, 30 + c + 96);
  assert.equal(toHex(b.subarray(10 + c, 30 + c)), '01' + '0123456789abcdef' + '00001388' + '000004b0' + '01' + '0060');
  assert.deepEqual(b.subarray(30 + c), signature);
  const d = decodeNetworkConfig(b);
  assert.deepEqual(d, chunk);
  assert.deepEqual(configChunkSigningInput(d.networkId, d.data, d.signing!), b.subarray(0, 27 + c));
  // Bytes after the signature are ignored, as 1.14.1 does.
  assert.deepEqual(decodeNetworkConfig(Uint8Array.of(...b, 9, 9)), chunk);
});

test('legacy short form: the payload ends after the dictionary', () => {
  const legacy = { networkId: nwid, data: utf8('legacy=1\n') };
  const b = encodeNetworkConfig(legacy);
  assert.equal(b.length, 10 + 9);
  assert.deepEqual(decodeNetworkConfig(b), legacy);
});

test('config chunk: signature type must be 1 and length 96; a partial tail is truncated', () => {
  const b = encodeNetworkConfig(chunk);
  const c = chunk.data.length;
  const badType = b.slice();
  badType[27 + c] = 2;
  assert.throws(() => decodeNetworkConfig(badType), (e: unknown) => e instanceof DecodeError && e.field === 'NETWORK_CONFIG.signatureType');
  const badLen = b.slice();
  badLen[29 + c] = 64;
  assert.throws(() => decodeNetworkConfig(badLen), (e: unknown) => e instanceof DecodeError && e.field === 'NETWORK_CONFIG.signatureLength');
  assert.throws(() => decodeNetworkConfig(b.subarray(0, 10 + c + 1)), (e: unknown) => e instanceof DecodeError && e.field === 'NETWORK_CONFIG.updateId');
  assert.throws(() => decodeNetworkConfig(b.subarray(0, b.length - 1)), (e: unknown) => e instanceof DecodeError && e.field === 'NETWORK_CONFIG.signature');
  assert.throws(() => encodeNetworkConfig({ ...chunk, signing: { ...chunk.signing!, signature: new Uint8Array(64) } }), RangeError);
});

test('network config decoder properties', () => {
  fuzzDecoder('decodeNetworkConfigRequest', decodeNetworkConfigRequest, {
    seeds: [encodeNetworkConfigRequest({ networkId: nwid, metadata: utf8('a=b\n'), current: { revision: 1n, timestamp: 2n } })],
  });
  fuzzDecoder('decodeNetworkConfig', decodeNetworkConfig, { seeds: [encodeNetworkConfig(chunk), encodeNetworkConfig({ networkId: 1n, data: utf8('x=1') })] });
});

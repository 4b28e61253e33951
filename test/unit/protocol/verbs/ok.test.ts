import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { hex, toHex } from '../../../../src/util/hex.js';
import { Identity } from '../../../../src/protocol/identity.js';
import { inet4, parseInetAddress } from '../../../../src/protocol/inet-address.js';
import { Verb } from '../../../../src/protocol/verbs/codes.js';
import {
  OK_NETWORK_CONFIG_IN_RE_VERB,
  decodeOk,
  decodeOkEcho,
  decodeOkExtFrame,
  decodeOkNetworkConfig,
  decodeOkWhois,
  encodeOk,
  encodeOkEcho,
  encodeOkExtFrame,
  encodeOkNetworkConfig,
  encodeOkWhois,
} from '../../../../src/protocol/verbs/ok.js';
import { decodeOkHello, encodeOkHello, type OK_HELLO } from '../../../../src/protocol/verbs/ok-hello.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const id = hex('a1a2a3a4a5a6a7a8');
const idA = new Identity(0x8808041785, Uint8Array.from({ length: 64 }, (_, i) => i));
const idB = new Identity(0xac43a880fd, Uint8Array.from({ length: 64 }, (_, i) => 255 - i));

test('OK header round trip and layout', () => {
  const b = encodeOk({ inReVerb: Verb.ECHO, inRePacketId: id, body: Uint8Array.of(9, 8) });
  assert.equal(toHex(b), '08a1a2a3a4a5a6a7a80908');
  assert.deepEqual(decodeOk(b), { inReVerb: Verb.ECHO, inRePacketId: id, body: Uint8Array.of(9, 8) });
  assert.deepEqual(decodeOk(b.subarray(0, 9)).body, new Uint8Array(0));
  assert.throws(() => decodeOk(b.subarray(0, 8)), (e: unknown) => e instanceof DecodeError && e.field === 'OK.inRePacketId');
});

test('OK(WHOIS): one or more identities', () => {
  const one = encodeOkWhois({ identities: [idA] });
  assert.equal(one.length, 71);
  const two = encodeOkWhois({ identities: [idA, idB] });
  const d = decodeOkWhois(two);
  assert.equal(d.identities.length, 2);
  assert.ok(d.identities[0].equals(idA) && d.identities[1].equals(idB));
  assert.throws(() => decodeOkWhois(new Uint8Array(0)), DecodeError);
  assert.throws(() => decodeOkWhois(two.subarray(0, 100)), (e: unknown) => e instanceof DecodeError && e.field.startsWith('OK(WHOIS).identities[1]'));
  assert.throws(() => encodeOkWhois({ identities: [] }), RangeError);
});

test('OK(ECHO), OK(EXT_FRAME) and the in-re-ECHO OK(NETWORK_CONFIG)', () => {
  assert.deepEqual(decodeOkEcho(encodeOkEcho({ data: Uint8Array.of(1, 2) })), { data: Uint8Array.of(1, 2) });
  assert.deepEqual(decodeOkEcho(new Uint8Array(0)), { data: new Uint8Array(0) });
  assert.deepEqual(decodeOkExtFrame(encodeOkExtFrame({ networkId: 0x8056c2e21c000001n })), { networkId: 0x8056c2e21c000001n });
  assert.equal(OK_NETWORK_CONFIG_IN_RE_VERB, Verb.ECHO);
  const ack = { networkId: 0x8056c2e21c000001n, configUpdateId: 0xdeadbeefcafef00dn };
  const body = encodeOkNetworkConfig(ack);
  assert.equal(toHex(body), '8056c2e21c000001deadbeefcafef00d');
  assert.deepEqual(decodeOkNetworkConfig(body), ack);
  assert.throws(() => decodeOkNetworkConfig(body.subarray(0, 15)), (e: unknown) => e instanceof DecodeError && e.field === 'OK(NETWORK_CONFIG).configUpdateId');
});

const okHello: OK_HELLO = {
  timestamp: 0x1a20f907715n,
  protocolVersion: 12,
  versionMajor: 1,
  versionMinor: 14,
  versionRevision: 1,
  surfaceAddress: parseInetAddress('2001:db8::5/40000')!,
  worldUpdates: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
};

test('OK(HELLO) round trips, with and without optional fields', () => {
  const b = encodeOkHello(okHello);
  assert.equal(b.length, 13 + 19 + 2 + 300);
  assert.deepEqual(decodeOkHello(b), okHello);
  const bare = { timestamp: 1n, protocolVersion: 4, versionMajor: 1, versionMinor: 0, versionRevision: 0 };
  assert.equal(encodeOkHello(bare).length, 13);
  assert.deepEqual(decodeOkHello(encodeOkHello(bare)), bare);
  const noWorlds = { ...bare, surfaceAddress: inet4(10, 0, 0, 1, 0) };
  assert.deepEqual(decodeOkHello(encodeOkHello(noWorlds)), noWorlds);
  const nilSurface = { ...bare, surfaceAddress: null, worldUpdates: new Uint8Array(0) };
  assert.deepEqual(decodeOkHello(encodeOkHello(nilSurface)), nilSurface);
  // Worlds without a surface address: the encoder writes a nil address in front.
  const worldsOnly = encodeOkHello({ ...bare, worldUpdates: Uint8Array.of(7) });
  assert.equal(worldsOnly[13], 0);
  assert.deepEqual(decodeOkHello(worldsOnly).worldUpdates, Uint8Array.of(7));
  // A lone byte after the address is not a length; 1.14.1 ignores it too.
  assert.equal(decodeOkHello(Uint8Array.of(...encodeOkHello(noWorlds), 0)).worldUpdates, undefined);
});

test('OK(HELLO) rejects a world length past the end', () => {
  const b = encodeOkHello(okHello);
  assert.throws(() => decodeOkHello(b.subarray(0, b.length - 1)), (e: unknown) => e instanceof DecodeError && e.field === 'OK(HELLO).worldUpdates');
  assert.throws(() => decodeOkHello(b.subarray(0, 12)), (e: unknown) => e instanceof DecodeError && e.field === 'OK(HELLO).versionRevision');
});

test('OK decoder properties', () => {
  fuzzDecoder('decodeOk', decodeOk, { seeds: [encodeOk({ inReVerb: 1, inRePacketId: id, body: encodeOkHello(okHello) })] });
  fuzzDecoder('decodeOkHello', decodeOkHello, { seeds: [encodeOkHello(okHello), encodeOkHello({ ...okHello, surfaceAddress: inet4(1, 2, 3, 4, 5), worldUpdates: Uint8Array.of(1) })] });
  fuzzDecoder('decodeOkWhois', decodeOkWhois, { seeds: [encodeOkWhois({ identities: [idA, idB] })] });
  fuzzDecoder('decodeOkNetworkConfig', decodeOkNetworkConfig, { seeds: [encodeOkNetworkConfig({ networkId: 1n, configUpdateId: 2n })] });
  fuzzDecoder('decodeOkExtFrame', decodeOkExtFrame, { seeds: [encodeOkExtFrame({ networkId: 1n })] });
  fuzzDecoder('decodeOkEcho', decodeOkEcho, { seeds: [Uint8Array.of(1, 2, 3)] });
});

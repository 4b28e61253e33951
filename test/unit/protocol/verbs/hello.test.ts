import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../../../src/util/errors.js';
import { Identity } from '../../../../src/protocol/identity.js';
import { inet4, parseInetAddress } from '../../../../src/protocol/inet-address.js';
import {
  decodeHello,
  decodeHelloTail,
  encodeHello,
  encodeHelloTail,
  helloTailOffset,
  type HELLO,
} from '../../../../src/protocol/verbs/hello.js';
import { fuzzDecoder } from '../../../helpers/property.js';

const identity = new Identity(0x8808041785, Uint8Array.from({ length: 64 }, (_, i) => i * 3));
const base: HELLO = { protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1, timestamp: 0x1a20f907715n, identity };
const full: HELLO = {
  ...base,
  destination: parseInetAddress('fd00::1/9993')!,
  planet: { worldId: 149604618n, timestamp: 1567191349589n },
  tail: encodeHelloTail([{ worldId: 0xac43a880fdn, timestamp: 0n }]),
};

test('HELLO round trip with all fields, and tailOffset marks the tail', () => {
  const b = encodeHello(full);
  assert.equal(b.length, 84 + 19 + 16 + 2 + 17);
  const d = decodeHello(b);
  assert.equal(d.tailOffset, 84 + 19 + 16);
  assert.equal(d.tailOffset, helloTailOffset(full));
  assert.deepEqual(b.subarray(d.tailOffset), full.tail);
  assert.ok(d.identity.equals(identity));
  assert.deepEqual({ ...d, identity, tailOffset: undefined }, { ...full, tailOffset: undefined });
  assert.deepEqual(encodeHello(d), b);
});

test('HELLO from an old sender: identity only, then destination only', () => {
  const b = encodeHello(base);
  assert.equal(b.length, 84);
  const d = decodeHello(b);
  assert.equal(d.destination, undefined);
  assert.equal(d.planet, undefined);
  assert.equal(d.tail, undefined);
  assert.equal(d.tailOffset, 84);

  const withDest = encodeHello({ ...base, destination: inet4(10, 99, 0, 2, 9993) });
  const d2 = decodeHello(withDest);
  assert.deepEqual(d2.destination, inet4(10, 99, 0, 2, 9993));
  assert.equal(d2.planet, undefined);
  assert.equal(d2.tailOffset, withDest.length);

  const nilDest = decodeHello(encodeHello({ ...base, destination: null }));
  assert.equal(nilDest.destination, null);
});

test('HELLO: fewer than 16 bytes after the destination are the tail, not the planet', () => {
  const b = Uint8Array.of(...encodeHello({ ...base, destination: null }), 1, 2, 3);
  const d = decodeHello(b);
  assert.equal(d.planet, undefined);
  assert.equal(d.tailOffset, 85);
  assert.deepEqual(d.tail, Uint8Array.of(1, 2, 3));
});

test('HELLO encoder writes a nil destination when only the planet is given, refuses a tail without planet', () => {
  const b = encodeHello({ ...base, planet: { worldId: 1n, timestamp: 2n } });
  assert.equal(b[84], 0);
  assert.equal(decodeHello(b).destination, null);
  assert.throws(() => encodeHello({ ...base, tail: Uint8Array.of(0, 0) }), RangeError);
});

test('HELLO decode errors name the field', () => {
  const b = encodeHello(full);
  assert.throws(() => decodeHello(b.subarray(0, 4)), (e: unknown) => e instanceof DecodeError && e.field === 'HELLO.versionRevision');
  assert.throws(() => decodeHello(b.subarray(0, 50)), (e: unknown) => e instanceof DecodeError && e.field === 'HELLO.identity.publicKey');
  const badAddr = b.slice();
  badAddr[84] = 0x09;
  assert.throws(() => decodeHello(badAddr), (e: unknown) => e instanceof DecodeError && e.field === 'HELLO.destination.type');
});

test('HELLO tail: moons kept, other world types skipped, short tails tolerated', () => {
  const moons = [
    { worldId: 0xac43a880fdn, timestamp: 0x1a20f8f96afn },
    { worldId: 0x1234567890n, timestamp: 0n },
  ];
  const t = encodeHelloTail(moons);
  assert.equal(t.length, 2 + 2 * 17);
  assert.equal(t[2], 127);
  assert.deepEqual(decodeHelloTail(t), moons);
  assert.deepEqual(decodeHelloTail(encodeHelloTail([])), []);
  assert.deepEqual(decodeHelloTail(new Uint8Array(0)), []);
  assert.deepEqual(decodeHelloTail(Uint8Array.of(0)), []);
  // A planet entry (type 1) between two moons is skipped.
  const mixed = Uint8Array.of(0, 3, ...t.subarray(2, 19), 1, ...new Uint8Array(16).fill(9), ...t.subarray(19));
  assert.deepEqual(decodeHelloTail(mixed), moons);
  // Bytes after the counted entries are ignored.
  assert.deepEqual(decodeHelloTail(Uint8Array.of(...t, 0xee)), moons);
  assert.throws(() => decodeHelloTail(t.subarray(0, t.length - 1)), (e: unknown) => e instanceof DecodeError && e.field === 'HELLO.tail.entries[1]');
});

test('HELLO decoder properties', () => {
  fuzzDecoder('decodeHello', decodeHello, { seeds: [encodeHello(full), encodeHello(base), encodeHello({ ...base, destination: inet4(1, 2, 3, 4, 5) })] });
  fuzzDecoder('decodeHelloTail', decodeHelloTail, { seeds: [encodeHelloTail([{ worldId: 1n, timestamp: 2n }, { worldId: 3n, timestamp: 0n }])] });
});

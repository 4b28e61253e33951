// Spec 02 verb payloads decoded from the observed bytes of §10.2, §10.4, §10.6 and §13.3,
// and encoded back to the same bytes. Every hex string is proven to be in the spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hex, toHex } from '../../src/util/hex.js';
import { Identity } from '../../src/protocol/identity.js';
import { inetAddressToString } from '../../src/protocol/inet-address.js';
import { DecodeError } from '../../src/util/errors.js';
import { assertInSpec } from '../helpers/shared.js';
import { Verb } from '../../src/protocol/verbs/codes.js';
import { decodeHello, decodeHelloTail, encodeHello } from '../../src/protocol/verbs/hello.js';
import { decodeOk, decodeOkEcho, encodeOk } from '../../src/protocol/verbs/ok.js';
import { decodeOkHello, encodeOkHello } from '../../src/protocol/verbs/ok-hello.js';
import { decodeWhois, encodeWhois } from '../../src/protocol/verbs/whois.js';
import { decodeEcho, encodeEcho } from '../../src/protocol/verbs/echo.js';
import { decodeRendezvous, encodeRendezvous } from '../../src/protocol/verbs/rendezvous.js';

const SPEC = '02-packets.md';

function inSpec(h: string): Uint8Array {
  assertInSpec(SPEC, h);
  return hex(h);
}

const NODE_IDENTITY =
  '8808041785:0:58a6049bab784aae9e0e84e8b39b8318c358d6e9d476febdba60affc569f5a4aa63a03eacce52cc402f462800b4d685039d23e1b0c52a1ec3e1da337525b9fac';

test('§13.3 #1 / §10.2: HELLO payload from a real 1.14.1 node', () => {
  const datagram = inSpec(
    '9c165a7ce2494632ac43a880fd880804178500fdd3e39b3a3523b6010c010e0001000001a20f90771588080417850058a6049bab784aae9e0e84e8b39b8318c358d6e9d476febdba60affc569f5a4aa63a03eacce52cc402f462800b4d685039d23e1b0c52a1ec3e1da337525b9fac00040a6300022709000000000000abcd000001a20f8f96afc144',
  );
  assert.equal(datagram[27], Verb.HELLO);
  const payload = datagram.subarray(28);
  const h = decodeHello(payload);
  assert.equal(h.protocolVersion, 12);
  assert.deepEqual([h.versionMajor, h.versionMinor, h.versionRevision], [1, 14, 1]);
  assert.equal(h.timestamp, 0x1a20f907715n);
  assertInSpec('02-packets.md', NODE_IDENTITY);
  assert.ok(h.identity.equals(Identity.fromString(NODE_IDENTITY)));
  assert.equal(h.identity.hasPrivate, false);
  assert.ok(h.destination);
  assert.equal(inetAddressToString(h.destination), '10.99.0.2/9993');
  assertInSpec(SPEC, '04 0a630002 2709   sent to 10.99.0.2/9993');
  assert.deepEqual(h.planet, { worldId: 0xabcdn, timestamp: 0x1a20f8f96afn });
  // The tail (still encrypted here) is the last two bytes.
  assert.equal(h.tailOffset, payload.length - 2);
  assert.equal(toHex(payload.subarray(h.tailOffset)), 'c144');
  assert.equal(toHex(h.tail!), 'c144');
  assert.deepEqual(encodeHello(h), payload);
});

test('§13.2: a HELLO tail plaintext of 0000 lists no moons', () => {
  assertInSpec(SPEC, 'tail plaintext `0000`');
  assert.deepEqual(decodeHelloTail(hex('0000')), []);
});

test('§13.3 #2: OK(HELLO) plaintext after the verb byte', () => {
  const plain = inSpec('03 01 9c165a7ce2494632 000001a20f907715 0c 01 0e 0001 04 0a630001 2709 0000');
  assert.equal(plain[0], Verb.OK);
  const ok = decodeOk(plain.subarray(1));
  assert.equal(ok.inReVerb, Verb.HELLO);
  // The in-re ID is the HELLO's (#1) packet ID.
  assert.equal(toHex(ok.inRePacketId), '9c165a7ce2494632');
  const body = decodeOkHello(ok.body);
  assert.equal(body.timestamp, 0x1a20f907715n);
  assert.deepEqual([body.protocolVersion, body.versionMajor, body.versionMinor, body.versionRevision], [12, 1, 14, 1]);
  assert.ok(body.surfaceAddress);
  assert.equal(inetAddressToString(body.surfaceAddress), '10.99.0.1/9993');
  assert.equal(body.worldUpdates?.length, 0);
  assert.deepEqual(encodeOk({ ...ok, body: encodeOkHello(body) }), plain.subarray(1));
});

test('§10.4: OK(HELLO) prefix with a 257-byte world section', () => {
  const prefix = inSpec('03 01 21e546088aed6b0a 000001a20f91a90d 0c 01 0e 0001 04 0a630002 2709 0101 01 000000000000abcd');
  const ok = decodeOk(prefix.subarray(1));
  assert.equal(ok.inReVerb, Verb.HELLO);
  assert.equal(toHex(ok.inRePacketId), '21e546088aed6b0a');
  // The spec shows only the first 9 of the 257 world bytes: decoding stops at the world
  // section, naming it.
  assert.throws(
    () => decodeOkHello(ok.body),
    (e: unknown) => e instanceof DecodeError && e.field === 'OK(HELLO).worldUpdates' && e.offset === 20,
  );
  // Padded out to the declared length with zeros (not spec data), the rest decodes.
  const padded = new Uint8Array(ok.body.length + 257 - 9);
  padded.set(ok.body);
  const body = decodeOkHello(padded);
  assert.equal(body.timestamp, 0x1a20f91a90dn);
  assert.equal(inetAddressToString(body.surfaceAddress!), '10.99.0.2/9993');
  assert.equal(body.worldUpdates?.length, 257);
  assert.equal(body.worldUpdates![0], 1, 'a planet (world type 1)');
  assert.equal(toHex(body.worldUpdates!.subarray(1, 9)), '000000000000abcd');
});

test('§13.3 #3: WHOIS for the root', () => {
  const plain = inSpec('04 ac43a880fd');
  assert.equal(plain[0], Verb.WHOIS);
  const w = decodeWhois(plain.subarray(1));
  assert.deepEqual(w.addresses, [0xac43a880fd]);
  assert.deepEqual(encodeWhois(w), plain.subarray(1));
});

test('§13.3 #4 and #5: ECHO and its OK(ECHO)', () => {
  const echo = inSpec('08 deadbeef');
  assert.equal(echo[0], Verb.ECHO);
  const e = decodeEcho(echo.subarray(1));
  assert.equal(toHex(e.data), 'deadbeef');
  assert.deepEqual(encodeEcho(e), echo.subarray(1));

  const okPlain = inSpec('03 08 daac7aefd68bbdf6 deadbeef');
  const ok = decodeOk(okPlain.subarray(1));
  assert.equal(ok.inReVerb, Verb.ECHO);
  // In-re ID = the transmitted ID of datagram #4 (its first 8 bytes).
  const echoDatagram = inSpec('daac7aefd68bbdf68808041785ac43a880fd187f0ed3396d65df26e138f38661');
  assert.deepEqual(ok.inRePacketId, echoDatagram.subarray(0, 8));
  assert.deepEqual(decodeOkEcho(ok.body).data, e.data);
  assert.deepEqual(encodeOk(ok), okPlain.subarray(1));
});

test('§10.6: RENDEZVOUS from a real root', () => {
  const payload = inSpec('00 a460b90baa b0f6 04 0a630103');
  const r = decodeRendezvous(payload);
  assert.equal(r.flags, 0);
  assert.equal(r.with, 0xa460b90baa);
  assert.equal(inetAddressToString(r.at), '10.99.1.3/45302');
  assert.deepEqual(encodeRendezvous(r), payload);
});

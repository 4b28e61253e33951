import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Identity } from '../../../src/protocol/identity.js';
import { generateIdentity, keysMatch, validateIdentity } from '../../../src/protocol/identity-crypto.js';
import { secureRandomBytes } from '../../../src/crypto/random.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { fuzzDecoder } from '../../helpers/property.js';

const A =
  '836faffcb4:0:e1ea006cf45bc1fe9484882637fbb38278fbdb03bc9a47c6db7a7a02390e2876da9657088730e76604ef74e4d61ce54f0a667ae535b39335ed283638d2d9e044:8b41c703b0b42411eaf2883f4ac4ad37fc8279d7ec43c1a5b9c54af9d8bc8db2495b6a118b81428c28fd6097d8ea4c6aac673ec50a5c40f2834c7c6410e5c980';
const [ADDR, , PUB, PRIV] = A.split(':');

function encode(id: Identity, priv: boolean): Uint8Array {
  const w = new Writer();
  id.encode(w, priv);
  return w.finish();
}

test('string form follows 1.14.1\'s reader rules', () => {
  assert.equal(Identity.fromString(`${ADDR}::0:${PUB}`).toString(), `${ADDR}:0:${PUB}`, 'empty fields are skipped');
  assert.equal(Identity.fromString(`${ADDR}:0:${PUB}:${PRIV}\n`).toString(true), A, 'trailing newline is harmless');
  assert.equal(Identity.fromString(`0x${ADDR}:0:${PUB}`).address, 0x836faffcb4, 'strtoull accepts 0x');
  assert.equal(Identity.fromString(`${ADDR}:0:${PUB.toUpperCase()}`).toString(), `${ADDR}:0:${PUB}`, 'upper case accepted, lower case written');
  assert.throws(() => Identity.fromString(`${ADDR}:1:${PUB}`), { code: 'decode_unsupported_type' });
  assert.throws(() => Identity.fromString(`${ADDR}:00:${PUB}`), { code: 'decode_unsupported_type' });
  assert.throws(() => Identity.fromString(`${ADDR}:0:${PUB.slice(0, 126)}`), { code: 'decode_too_short' });
  assert.throws(() => Identity.fromString(`${ADDR}:0:${PUB.slice(0, 126)}zz`), { code: 'decode_not_hex' });
  assert.throws(() => Identity.fromString(`${ADDR}:0`), { code: 'decode_too_few_fields' });
  assert.throws(() => Identity.fromString(`${A}:00`), { code: 'decode_too_many_fields' });
  assert.throws(() => Identity.fromString(A + 'x'.repeat(384 - A.length)), { code: 'decode_too_long' });
});

test('binary form: 71 bytes public, 135 with the private key, round trip', () => {
  const id = Identity.fromString(A);
  const pub = encode(id, false);
  const sec = encode(id, true);
  assert.equal(pub.length, 71);
  assert.equal(sec.length, 135);
  assert.equal(pub[5], 0);
  assert.equal(pub[70], 0);
  assert.equal(sec[70], 64);
  assert.ok(Identity.decode(new Reader(pub)).equals(id));
  const back = Identity.decode(new Reader(sec));
  assert.equal(back.toString(true), A);
});

test('binary form rejects type != 0 and private lengths other than 0 and 64', () => {
  const pub = encode(Identity.fromString(A), false);
  const t1 = pub.slice();
  t1[5] = 1;
  assert.throws(() => Identity.decode(new Reader(t1)), { code: 'decode_unsupported_type' });
  const badLen = pub.slice();
  badLen[70] = 32;
  assert.throws(() => Identity.decode(new Reader(badLen)), { code: 'decode_bad_length' });
  fuzzDecoder('Identity.decode', (b) => Identity.decode(new Reader(b)), { seeds: [pub, encode(Identity.fromString(A), true)] });
  fuzzDecoder('Identity.fromString', (b) => Identity.fromString(Buffer.from(b).toString('latin1')), {
    seeds: [new TextEncoder().encode(A)],
    iterations: 500,
  });
});

test('equality ignores the private key; ordering is address then key', () => {
  const a = Identity.fromString(A);
  assert.ok(a.equals(a.toPublic()));
  const other = new Identity(a.address, new Uint8Array(64));
  assert.equal(a.equals(other), false);
  assert.ok(Identity.compare(other, a) < 0);
  assert.ok(Identity.compare(new Identity(1, a.publicKey), a) < 0);
});

test('generated identities validate and their keys match', () => {
  const id = generateIdentity(secureRandomBytes);
  assert.ok(id.hasPrivate);
  assert.ok(validateIdentity(id));
  assert.ok(keysMatch(id));
  assert.ok(id.address !== 0 && id.address < 0xff00000000);
  const again = Identity.fromString(id.toString(true));
  assert.ok(again.equals(id));
});

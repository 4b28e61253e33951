import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateC25519KeyPair } from '../../../src/crypto/c25519.js';
import { Identity } from '../../../src/protocol/identity.js';
import { parseInetAddress } from '../../../src/protocol/inet-address.js';
import {
  decodeWorld,
  decodeWorlds,
  encodeWorld,
  shouldReplaceWorld,
  signWorld,
  verifyWorldSignature,
  WorldType,
  type World,
} from '../../../src/protocol/world.js';
import { concatBytes } from '../../../src/util/bytes.js';
import { Prng } from '../../helpers/prng.js';
import { fuzzDecoder } from '../../helpers/property.js';

const rnd = new Prng(7);
const random = (n: number): Uint8Array => rnd.bytes(n);
const ROOT = Identity.fromString(
  '836faffcb4:0:e1ea006cf45bc1fe9484882637fbb38278fbdb03bc9a47c6db7a7a02390e2876da9657088730e76604ef74e4d61ce54f0a667ae535b39335ed283638d2d9e044',
);

function make(type: WorldType, ts: bigint, signer = generateC25519KeyPair(random), next = signer.publicKey): { world: World; signer: typeof signer } {
  const world = signWorld(
    {
      type,
      id: type === WorldType.MOON ? BigInt(ROOT.address) : 0xabcdn,
      timestamp: ts,
      updatesMustBeSignedBy: next,
      roots: [{ identity: ROOT, stableEndpoints: [parseInetAddress('10.99.0.2/9993')!] }],
    },
    signer.publicKey,
    signer.privateKey,
  );
  return { world, signer };
}

test('a one-root planet with one IPv4 endpoint is 257 bytes and round-trips', () => {
  const { world, signer } = make(WorldType.PLANET, 1000n);
  const bytes = encodeWorld(world);
  assert.equal(bytes.length, 257, 'the size 03 §8.1 observed');
  const back = decodeWorld(bytes);
  assert.deepEqual(encodeWorld(back), bytes);
  assert.ok(verifyWorldSignature(back, signer.publicKey));
});

test('moons carry a dictionary length; received dictionaries are skipped', () => {
  const { world, signer } = make(WorldType.MOON, 5n);
  const bytes = encodeWorld(world);
  assert.equal(bytes.length, 259);
  assert.deepEqual(bytes.subarray(257), Uint8Array.of(0, 0));
  const withDict = concatBytes(bytes.subarray(0, 257), Uint8Array.of(0, 3, 0x61, 0x3d, 0x62));
  const back = decodeWorld(withDict);
  assert.ok(verifyWorldSignature(back, signer.publicKey), 'the signed message always has an empty dictionary');
});

test('worlds concatenate in OK(HELLO) and decode in order', () => {
  const p = make(WorldType.PLANET, 1n).world;
  const m = make(WorldType.MOON, 2n).world;
  const both = decodeWorlds(concatBytes(encodeWorld(p), encodeWorld(m)));
  assert.deepEqual(both.map((w) => w.type), [WorldType.PLANET, WorldType.MOON]);
});

test('replacement rule: same id and type, newer, signed by the key the current one names', () => {
  const key1 = generateC25519KeyPair(random);
  const key2 = generateC25519KeyPair(random);
  const rev1 = make(WorldType.PLANET, 100n, key1, key2.publicKey).world; // names key2 for the next revision
  const rev2 = make(WorldType.PLANET, 200n, key2, key2.publicKey).world;
  assert.ok(shouldReplaceWorld(rev1, rev2));
  assert.equal(shouldReplaceWorld(rev2, rev1), false, 'older');
  assert.equal(shouldReplaceWorld(rev2, rev2), false, 'not newer');
  const wrongKey = make(WorldType.PLANET, 300n, key1, key1.publicKey).world;
  assert.equal(shouldReplaceWorld(rev1, wrongKey), false, 'signed by the wrong key');
  const otherId = { ...make(WorldType.PLANET, 300n, key2).world, id: 0xbeefn };
  assert.equal(shouldReplaceWorld(rev1, otherId), false, 'a planet never changes its id');
});

test('limits: more than 4 roots or 32 endpoints are refused both ways', () => {
  const { world, signer } = make(WorldType.PLANET, 1n);
  const five = { ...world, roots: [...world.roots, ...world.roots, ...world.roots, ...world.roots, ...world.roots] };
  assert.throws(() => encodeWorld(five), RangeError);
  const bytes = encodeWorld(world);
  const tooMany = bytes.slice();
  tooMany[177] = 5;
  assert.throws(() => decodeWorld(tooMany), { code: 'decode_too_many' });
  const eps = bytes.slice();
  eps[178 + 71] = 33;
  assert.throws(() => decodeWorld(eps), { code: 'decode_too_many' });
  const badType = bytes.slice();
  badType[0] = 2;
  assert.throws(() => decodeWorld(badType), { code: 'decode_bad_type' });
  assert.throws(() => decodeWorld(concatBytes(bytes, Uint8Array.of(0))), { code: 'decode_trailing_bytes' });
  void signer;
  fuzzDecoder('decodeWorlds', decodeWorlds, { seeds: [bytes, encodeWorld(make(WorldType.MOON, 3n).world)] });
});

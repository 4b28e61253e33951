// Identities of spec 01 §11 and 02 §13.3, made by real zerotier-idtool 1.14.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Identity } from '../../src/protocol/identity.js';
import { addressFromPublicKey, agreeWith, keysMatch, validateIdentity } from '../../src/protocol/identity-crypto.js';
import { memoryHardHash } from '../../src/crypto/memory-hard-hash.js';
import { toHex } from '../../src/util/hex.js';
import { assertInSpec } from '../helpers/shared.js';

const A =
  '836faffcb4:0:e1ea006cf45bc1fe9484882637fbb38278fbdb03bc9a47c6db7a7a02390e2876da9657088730e76604ef74e4d61ce54f0a667ae535b39335ed283638d2d9e044:8b41c703b0b42411eaf2883f4ac4ad37fc8279d7ec43c1a5b9c54af9d8bc8db2495b6a118b81428c28fd6097d8ea4c6aac673ec50a5c40f2834c7c6410e5c980';
const B =
  '4e727d26e3:0:b8e20ea3b1e9210b93e0bfae11aac4522f16b4e81a87476153a7681eb547461ab9fc4dd9e2c9f1891915ea9c0eba004c9d8f44072d0f0bbfc8286dc76beb2375:f74339027afcccf66d43beeb516dcc8e13565815efdd018f33d5f8146923ed16e2922087f9c433b532a35258780906c45929da8c0b0c2de52f4d3af854c8e4cc';
const A_HASH =
  '0ca73b4ae67999b283dc3f721f43da9841260dd47e9c1242e39ed93da83b71d8bd57632da93692fc20da85559c41fe7a1f733201b5c355b680f2eb836faffcb4';
const B_HASH =
  '1016f42ecefa0cc5251cb69ba3fe21ca0534fa93bc2a546845f5e71e10cf3721fb2d923d2f380a69c829c208ffa38ef7b9bb3186af716c3595f64f4e727d26e3';
const K_AB = '4745f64d393003761335eecee4a703dee39961c2f93bb4b5ee9b1cc1017e9cd9ee922749df8e50a2434aa6666c120e00';
const ROOT_13_3 =
  'ac43a880fd:0:75f366f930dd0fc64f815bd611302a149ce22d289666e8e422b09f283957065e7dbb6c072aaf17da447ce5ca5be3e31b9442e8bb16c1cda82825b8b624774271:4a2947dc5fb04379a55ff9a1e05d55a7bda9546d5e622987949e61b6f0ad4d6011317850aa87141f3532fe9dcaf1a74ca9e8bafa402374494fefc0a9a6080c03';
const NODE_13_3 =
  '8808041785:0:58a6049bab784aae9e0e84e8b39b8318c358d6e9d476febdba60affc569f5a4aa63a03eacce52cc402f462800b4d685039d23e1b0c52a1ec3e1da337525b9fac';
const K_13_3 = '6b2693d467f4f82b133bdfcccf00987ddf33e4e222d2711c7738ea6d4e8b750fb2deac468bf54ee72ee6a9419bf616ef';

test('vectors are the spec\'s', () => {
  for (const v of [A, B, A_HASH, B_HASH, K_AB]) assertInSpec('01-identity-crypto.md', v);
  for (const v of [ROOT_13_3, NODE_13_3, K_13_3]) assertInSpec('02-packets.md', v);
});

test('identities A and B parse, print back identically and validate', () => {
  for (const [s, hash] of [[A, A_HASH], [B, B_HASH]] as const) {
    const id = Identity.fromString(s);
    assert.equal(id.toString(true), s);
    assert.equal(id.toString(false), s.split(':').slice(0, 3).join(':'));
    assert.equal(toHex(memoryHardHash(id.publicKey)), hash);
    assert.equal(addressFromPublicKey(id.publicKey), id.address);
    assert.ok(validateIdentity(id));
    assert.ok(validateIdentity(id.toPublic()));
    assert.ok(keysMatch(id), 'public halves derive from the private halves');
  }
});

test('identities of the observed 1.14.1 exchange validate', () => {
  assert.ok(validateIdentity(Identity.fromString(ROOT_13_3)));
  assert.ok(keysMatch(Identity.fromString(ROOT_13_3)));
  assert.ok(validateIdentity(Identity.fromString(NODE_13_3)));
});

test('key agreement gives the same 48-byte key from both sides', () => {
  const a = Identity.fromString(A);
  const b = Identity.fromString(B);
  assert.equal(toHex(agreeWith(a, b.toPublic())), K_AB);
  assert.equal(toHex(agreeWith(b, a.toPublic())), K_AB);
  const root = Identity.fromString(ROOT_13_3);
  assert.equal(toHex(agreeWith(root, Identity.fromString(NODE_13_3))), K_13_3);
});

test('an identity whose address does not match its key fails validation', () => {
  const a = Identity.fromString(A);
  const wrongAddress = new Identity(a.address + 1, a.publicKey);
  assert.equal(validateIdentity(wrongAddress), false);
  const flipped = a.publicKey.slice();
  flipped[40] ^= 0x01;
  assert.equal(validateIdentity(new Identity(a.address, flipped)), false, 'a changed key proves another address');
  // B's key under A's address.
  assert.equal(validateIdentity(new Identity(a.address, Identity.fromString(B).publicKey)), false);
});

test('a reserved address is refused even in the text form', () => {
  const pub = A.split(':')[2];
  assert.throws(() => Identity.fromString(`0000000000:0:${pub}`), { code: 'decode_reserved_address' });
  assert.throws(() => Identity.fromString(`ff12345678:0:${pub}`), { code: 'decode_reserved_address' });
  assert.equal(validateIdentity(new Identity(0xff12345678, Identity.fromString(A).publicKey)), false);
});

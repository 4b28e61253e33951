import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planetCreate, EARTH_PLANET_ID } from '../../../src/cli/planet.js';
import { decodeWorld, verifyWorldSignature, WorldType } from '../../../src/protocol/world.js';
import { addressToString } from '../../../src/protocol/address.js';
import { inetAddressToString } from '../../../src/protocol/inet-address.js';
import { fromHexStrict } from '../../../src/util/hex.js';
import { MemoryIo } from '../../helpers/memory-io.js';

const A_PUB =
  '836faffcb4:0:e1ea006cf45bc1fe9484882637fbb38278fbdb03bc9a47c6db7a7a02390e2876da9657088730e76604ef74e4d61ce54f0a667ae535b39335ed283638d2d9e044';
const B_PUB =
  '4e727d26e3:0:b8e20ea3b1e9210b93e0bfae11aac4522f16b4e81a87476153a7681eb547461ab9fc4dd9e2c9f1891915ea9c0eba004c9d8f44072d0f0bbfc8286dc76beb2375';

test('planet create from a bare list of roots: signed planet plus a 0600 key file', () => {
  const io = new MemoryIo(11);
  io.put('roots.json', JSON.stringify([
    { identity: A_PUB, stableEndpoints: ['10.99.0.2/9993', 'fd00::2/9993'] },
    { identity: B_PUB, stableEndpoints: ['10.99.0.3/9993'] },
  ]));
  assert.equal(planetCreate(io, 'roots.json', 'out/planet'), 0, io.err);
  const planet = decodeWorld(io.readFile('out/planet'));
  assert.equal(planet.type, WorldType.PLANET);
  assert.notEqual(planet.id, EARTH_PLANET_ID);
  assert.equal(planet.timestamp, BigInt(io.now));
  assert.deepEqual(planet.roots.map((r) => addressToString(r.identity.address)), ['4e727d26e3', '836faffcb4'], 'roots sorted by address');
  assert.deepEqual(planet.roots[1].stableEndpoints.map(inetAddressToString), ['10.99.0.2/9993', 'fd00::2/9993']);
  const key = io.files.get('out/planet.signing.json')!;
  assert.equal(key.mode, 0o600);
  const keyJson = JSON.parse(io.text('out/planet.signing.json'));
  assert.ok(verifyWorldSignature(planet, fromHexStrict(keyJson.signingKey)!));
  assert.equal(keyJson.worldType, 'planet');
  assert.match(io.out, /^wrote out\/planet \(planet [0-9a-f]{16}, 2 root\(s\), timestamp \d+\)\n/);
});

test('planet create with an explicit id, timestamp and key makes the next revision', () => {
  const io = new MemoryIo(12);
  io.put('r.json', JSON.stringify([{ identity: A_PUB, stableEndpoints: ['10.99.0.2/9993'] }]));
  assert.equal(planetCreate(io, 'r.json', 'p1'), 0);
  const keyJson = JSON.parse(io.text('p1.signing.json'));
  keyJson.id = '000000000000abcd';
  keyJson.timestamp = 5000;
  keyJson.roots[0].stableEndpoints.push('10.99.0.9/9993');
  io.put('rev2.json', JSON.stringify(keyJson));
  assert.equal(planetCreate(io, 'rev2.json', 'p2'), 0, io.err);
  const p2 = decodeWorld(io.readFile('p2'));
  assert.equal(p2.id, 0xabcdn);
  assert.equal(p2.timestamp, 5000n);
  assert.equal(p2.roots[0].stableEndpoints.length, 2);
  assert.ok(verifyWorldSignature(p2, fromHexStrict(keyJson.updatesMustBeSignedBy)!));
  assert.equal(io.files.has('p2.signing.json'), false, 'no new key when one was given');
});

test('planet create names the bad field', () => {
  const io = new MemoryIo();
  const cases: Array<[unknown, RegExp]> = [
    [[], /roots must name at least one root/],
    [[{ identity: 'nope' }], /roots\[0\]\.identity is not a valid identity/],
    [[{ identity: A_PUB, stableEndpoints: ['10.0.0.1'] }], /roots\[0\]\.stableEndpoints\[0\] must be "ip\/port"/],
    [{ id: '8eac90a', roots: [{ identity: A_PUB }] }, /id must differ from the public planet's/],
    [{ id: 'xyz', roots: [{ identity: A_PUB }] }, /id must be 1-16 hex digits/],
    [{ worldType: 'moon', roots: [{ identity: A_PUB }] }, /worldType must be "planet"/],
    [{ timestamp: -1, roots: [{ identity: A_PUB }] }, /timestamp must be a positive integer/],
    [[1, 2, 3, 4, 5].map(() => ({ identity: A_PUB })), /roots holds at most 4 entries/],
  ];
  for (const [json, re] of cases) {
    io.reset();
    io.put('x.json', JSON.stringify(json));
    assert.equal(planetCreate(io, 'x.json', 'out'), 1, JSON.stringify(json));
    assert.match(io.err, re);
    assert.ok(io.err.startsWith('x.json: '));
  }
  io.reset();
  io.put('broken.json', '{');
  assert.equal(planetCreate(io, 'broken.json'), 1);
  assert.match(io.err, /^broken\.json: cannot read planet description/);
});

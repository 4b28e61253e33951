import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planetCreate, EARTH_PLANET_ID } from '../../../src/cli/planet.js';
import { decodeWorld, shouldReplaceWorld, verifyWorldSignature, worldIdToString, WorldType } from '../../../src/protocol/world.js';
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
  io.put('broken.json', '{"roots": [}');
  assert.equal(planetCreate(io, 'broken.json'), 1);
  assert.equal(io.err, "broken.json: not valid JSON at line 1 column 12: Unexpected token '}'\n");
  io.reset();
  assert.equal(planetCreate(io, 'absent.json'), 1);
  assert.equal(io.err, 'absent.json: no such file or directory (ENOENT) reading the planet description\n');
  io.reset();
  io.put('x.json', JSON.stringify({ id: 'abcd' }));
  assert.equal(planetCreate(io, 'x.json', 'out'), 1);
  assert.match(io.err, /^x\.json: missing field "roots"/);
});

test('planet create names the file it cannot write, and writes nothing else', () => {
  const io = new MemoryIo(13);
  io.put('r.json', JSON.stringify([{ identity: A_PUB, stableEndpoints: ['10.99.0.2/9993'] }]));
  assert.equal(planetCreate(io, 'r.json', '/readonly/planet'), 1);
  assert.equal(io.err, '/readonly/planet.signing.json: permission denied (EACCES) writing the signing key\n');
  assert.equal(io.files.has('/readonly/planet'), false, 'no planet without its saved key');
});

/** A first planet in `out` (with out.signing.json) from one root; returns its id. */
function firstPlanet(io: MemoryIo): bigint {
  io.put('r.json', JSON.stringify([{ identity: A_PUB, stableEndpoints: ['10.99.0.2/9993'] }]));
  assert.equal(planetCreate(io, 'r.json', 'out'), 0, io.err);
  io.reset();
  return decodeWorld(io.readFile('out')).id;
}

test('re-running planet create reuses out.signing.json: same id and key, a newer revision', () => {
  const io = new MemoryIo(21);
  const firstId = firstPlanet(io);
  const first = decodeWorld(io.readFile('out'));
  const keyText = io.text('out.signing.json');
  io.put('r.json', JSON.stringify([{ identity: A_PUB, stableEndpoints: ['10.99.0.2/9993', '10.99.0.7/9993'] }]));
  // Same clock: the revision must still be newer than the planet it replaces.
  assert.equal(planetCreate(io, 'r.json', 'out'), 0, io.err);
  const second = decodeWorld(io.readFile('out'));
  assert.equal(second.id, firstId);
  assert.equal(second.timestamp, first.timestamp + 1n);
  assert.ok(shouldReplaceWorld(first, second), 'a node holding the first planet accepts the second');
  assert.ok(verifyWorldSignature(second, first.updatesMustBeSignedBy));
  assert.equal(second.roots[0].stableEndpoints.length, 2);
  assert.equal(io.text('out.signing.json'), keyText, 'the signing file is never rewritten');
  assert.match(io.out, /^reused out\.signing\.json \(signing key of planet [0-9a-f]{16}\)\nwrote out /);
  // A later clock gives a later timestamp; the id given again is fine when it is the same.
  io.now += 60_000;
  io.reset();
  io.put('r.json', JSON.stringify({ id: worldIdToString(firstId), roots: [{ identity: B_PUB }] }));
  assert.equal(planetCreate(io, 'r.json', 'out'), 0, io.err);
  const third = decodeWorld(io.readFile('out'));
  assert.equal(third.timestamp, BigInt(io.now));
  assert.ok(shouldReplaceWorld(second, third));
});

test('an unusable signing file is refused with the way to start over; nothing is written', () => {
  for (const [text, re] of [
    ['{"id": "abcd", "signingKey": ', /^out\.signing\.json: not valid JSON/],
    ['[]', /^out\.signing\.json: expected a JSON object, got an array/],
    ['{"signingKey": "00"}', /^out\.signing\.json: id must be 1-16 hex digits/],
  ] as Array<[string, RegExp]>) {
    const io = new MemoryIo(22);
    firstPlanet(io);
    const planet = io.text('out');
    io.put('out.signing.json', text);
    assert.equal(planetCreate(io, 'r.json', 'out'), 1, text);
    assert.match(io.err, re);
    assert.match(io.err, /cannot be reused; to start a new planet .* move out\.signing\.json and out aside first\n$/);
    assert.equal(io.text('out'), planet, 'the planet is untouched');
    assert.equal(io.text('out.signing.json'), text, 'the signing file is untouched');
  }
  const io = new MemoryIo(23);
  firstPlanet(io);
  const key = JSON.parse(io.text('out.signing.json'));
  key.signingKey_SECRET = key.signingKey_SECRET.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
  io.put('out.signing.json', JSON.stringify(key));
  assert.equal(planetCreate(io, 'r.json', 'out'), 1);
  assert.match(io.err, /^out\.signing\.json: signingKey is not the public half of signingKey_SECRET, so the signing key .* cannot be reused/);
});

test('an id in the input that conflicts with the signing file is refused', () => {
  const io = new MemoryIo(24);
  const id = firstPlanet(io);
  const planet = io.text('out');
  io.put('r.json', JSON.stringify({ id: '000000000000beef', roots: [{ identity: A_PUB }] }));
  assert.equal(planetCreate(io, 'r.json', 'out'), 1);
  assert.equal(
    io.err.split(';')[0],
    `r.json: id 000000000000beef conflicts with id ${worldIdToString(id)} in out.signing.json`,
  );
  assert.match(io.err, /leave id out to publish a new revision .* move out\.signing\.json and out aside first\n$/);
  assert.equal(io.text('out'), planet);
});

test('a planet file is never silently replaced by another planet, an older revision or another key', () => {
  const io = new MemoryIo(25);
  const id = firstPlanet(io);
  const planet = io.text('out');
  const key = JSON.parse(io.text('out.signing.json'));
  // The signing file was lost: a new key and id would be made, which the planet in out forbids.
  io.files.delete('out.signing.json');
  assert.equal(planetCreate(io, 'r.json', 'out'), 1);
  assert.match(io.err, new RegExp(`^out: holds planet ${worldIdToString(id)}, and this would replace it with planet [0-9a-f]{16}, which nodes holding`));
  assert.match(io.err, /remove out to start over\n$/);
  assert.equal(io.text('out'), planet);
  assert.equal(io.files.has('out.signing.json'), false, 'no key made for a planet that was not written');
  // An explicit timestamp that is not newer.
  io.reset();
  io.put('rev.json', JSON.stringify({ ...key, timestamp: io.now }));
  assert.equal(planetCreate(io, 'rev.json', 'out'), 1);
  assert.match(io.err, /^rev\.json: timestamp \d+ is not newer than \d+ of the planet in out, so nodes would keep the old one/);
  // Same id, another key.
  io.reset();
  const other = new MemoryIo(99);
  other.put('r.json', JSON.stringify([{ identity: A_PUB }]));
  assert.equal(planetCreate(other, 'r.json', 'o'), 0);
  const otherKey = JSON.parse(other.text('o.signing.json'));
  io.put('rev.json', JSON.stringify({ ...otherKey, id: key.id }));
  assert.equal(planetCreate(io, 'rev.json', 'out'), 1);
  assert.match(io.err, /^rev\.json: signingKey is not the key planet [0-9a-f]{16} in out names for updates/);
  // Something that is not a planet at all.
  io.reset();
  io.put('notes', 'my notes');
  assert.equal(planetCreate(io, 'r.json', 'notes'), 1);
  assert.match(io.err, /^notes: exists and is not a planet file \(.*\); choose another output file or remove it\n$/);
  assert.equal(io.text('notes'), 'my notes');
  // The real key file as input makes the next revision in place.
  io.reset();
  io.put('rev.json', JSON.stringify(key));
  assert.equal(planetCreate(io, 'rev.json', 'out'), 0, io.err);
  assert.equal(decodeWorld(io.readFile('out')).timestamp, BigInt(io.now) + 1n);
});

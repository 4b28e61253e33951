// zerotier-idtool behaviour of spec 06 §7: outputs, files and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDTOOL_HELP, runIdtool } from '../../../src/cli/idtool.js';
import { Identity } from '../../../src/protocol/identity.js';
import { validateIdentity } from '../../../src/protocol/identity-crypto.js';
import { decodeWorld, verifyWorldSignature, WorldType } from '../../../src/protocol/world.js';
import { inetAddressToString } from '../../../src/protocol/inet-address.js';
import { fromHexStrict } from '../../../src/util/hex.js';
import { MemoryIo } from '../../helpers/memory-io.js';
import { assertInSpec } from '../../helpers/shared.js';

const A =
  '836faffcb4:0:e1ea006cf45bc1fe9484882637fbb38278fbdb03bc9a47c6db7a7a02390e2876da9657088730e76604ef74e4d61ce54f0a667ae535b39335ed283638d2d9e044:8b41c703b0b42411eaf2883f4ac4ad37fc8279d7ec43c1a5b9c54af9d8bc8db2495b6a118b81428c28fd6097d8ea4c6aac673ec50a5c40f2834c7c6410e5c980';
const A_PUB = A.split(':').slice(0, 3).join(':');
const SIG_A =
  '522aa9ff9105bee288b0362fed6d2656abc0d282a862d3e7e2ee59604b70bd3e323fdaffd425998822776b5003a7e1f6dbf85b9e453a83048782cde8ce3519057a0c1bf4b35c3cac650c315e2f839236bc6b988110839a7e570d30aa3e0ad1b3';
const MESSAGE = 'hello zerotier\n';

test('help text is 1.14.1\'s; no command or an unknown one exits 1', () => {
  for (const line of IDTOOL_HELP.trim().split('\n').slice(3)) assertInSpec('06-service.md', line);
  const io = new MemoryIo();
  assert.equal(runIdtool(io, []), 1);
  assert.equal(io.out, IDTOOL_HELP);
  assert.equal(runIdtool(io, ['frobnicate']), 1);
  for (const cmd of ['validate', 'getpublic']) assert.equal(runIdtool(io, [cmd]), 1);
  assert.equal(runIdtool(io, ['sign', A]), 1);
  assert.equal(runIdtool(io, ['verify', A, 'f']), 1);
  assert.equal(runIdtool(io, ['initmoon']), 0, 'initmoon/genmoon without args print help and exit 0');
  assert.equal(runIdtool(io, ['genmoon']), 0);
});

test('generate prints a valid secret identity without a newline', () => {
  const io = new MemoryIo(3);
  assert.equal(runIdtool(io, ['generate']), 0);
  assert.ok(!io.out.endsWith('\n'));
  const id = Identity.fromString(io.out);
  assert.ok(id.hasPrivate && validateIdentity(id));
});

test('generate writes identity.secret (0600) and identity.public', () => {
  const io = new MemoryIo(4);
  assert.equal(runIdtool(io, ['generate', 'identity.secret', 'identity.public']), 0);
  assert.equal(io.out, 'identity.secret written\nidentity.public written\n');
  const secret = io.files.get('identity.secret')!;
  assert.equal(secret.mode, 0o600);
  const id = Identity.fromString(io.text('identity.secret'));
  assert.equal(io.text('identity.public'), id.toString(false));
  assert.equal(io.text('identity.secret').length, 270);
  assert.equal(io.text('identity.public').length, 141);
  const failing = new MemoryIo(5);
  assert.equal(runIdtool(failing, ['generate', '/readonly/x']), 1);
  assert.equal(failing.err, 'Error writing to /readonly/x\n');
});

test('generate with a vanity prefix finds a matching address', () => {
  const io = new MemoryIo(6);
  assert.equal(runIdtool(io, ['generate', 's', 'p', '8']), 0);
  assert.ok(io.text('s').startsWith('8'));
  assert.match(io.err, /vanity address: found 8[0-9a-f]{9} !\n$/);
  assert.match(io.err.split('\n')[0], /^vanity address: (tried [0-9a-f]{10} looking for first 4 bits of 8000000000|found 8[0-9a-f]{9} !)$/);
});

test('validate and getpublic take a literal or a file', () => {
  const io = new MemoryIo();
  assert.equal(runIdtool(io, ['validate', A]), 0);
  assert.equal(io.out, `${A} is a valid identity\n`);
  io.reset();
  io.put('id.secret', A);
  assert.equal(runIdtool(io, ['getpublic', 'id.secret']), 0);
  assert.equal(io.out, A_PUB);
  io.reset();
  const forged = '836faffcb5' + A.slice(10);
  assert.equal(runIdtool(io, ['validate', forged]), 1);
  assert.equal(io.err, `${forged} FAILED validation.\n`);
  io.reset();
  assert.equal(runIdtool(io, ['validate', 'missing.file']), 1);
  assert.equal(io.err, 'Identity argument invalid or file unreadable: missing.file\n');
});

test('sign reproduces 01 §11.4 byte for byte; verify accepts it and rejects changes', () => {
  assertInSpec('01-identity-crypto.md', SIG_A);
  const io = new MemoryIo();
  io.put('msg', MESSAGE);
  assert.equal(runIdtool(io, ['sign', A, 'msg']), 0);
  assert.equal(io.out, SIG_A);
  io.reset();
  assert.equal(runIdtool(io, ['verify', A_PUB, 'msg', SIG_A]), 0);
  assert.equal(io.out, 'msg signature valid\n');
  io.reset();
  io.put('sig.txt', SIG_A + '\n');
  assert.equal(runIdtool(io, ['verify', A_PUB, 'msg', 'sig.txt']), 0, 'signature read from a file');
  io.reset();
  const bad = SIG_A.slice(0, 10) + (SIG_A[10] === '0' ? '1' : '0') + SIG_A.slice(11);
  assert.equal(runIdtool(io, ['verify', A_PUB, 'msg', bad]), 1);
  assert.equal(io.err, 'msg signature check FAILED\n');
  io.reset();
  io.put('msg2', 'hello zerotier!');
  assert.equal(runIdtool(io, ['verify', A_PUB, 'msg2', SIG_A]), 1);
  io.reset();
  assert.equal(runIdtool(io, ['sign', A_PUB, 'msg']), 1);
  assert.equal(io.err, `${A_PUB} does not contain a private key (must use private to sign)\n`);
  io.reset();
  assert.equal(runIdtool(io, ['sign', A, 'nofile']), 1);
  assert.equal(io.err, 'nofile is not readable\n');
});

test('initmoon then genmoon make a signed moon; worldType planet makes a planet', () => {
  const io = new MemoryIo(9);
  assert.equal(runIdtool(io, ['initmoon', A_PUB]), 0);
  assert.ok(io.out.endsWith('}\n'));
  const json = JSON.parse(io.out);
  assert.deepEqual(Object.keys(json), ['id', 'objtype', 'roots', 'signingKey', 'signingKey_SECRET', 'updatesMustBeSignedBy', 'worldType']);
  assert.ok(io.out.startsWith('{\n "id": "836faffcb4",\n "objtype": "world",\n'), 'one-space indent, sorted keys');
  assert.equal(json.signingKey, json.updatesMustBeSignedBy);
  json.roots[0].stableEndpoints = ['10.99.0.2/9993', '10.1.0.1/9993'];
  io.put('moon.json', JSON.stringify(json));
  io.reset();
  assert.equal(runIdtool(io, ['genmoon', 'moon.json']), 0);
  assert.equal(io.out, `wrote 000000836faffcb4.moon (signed world with timestamp ${io.now})\n`);
  const moon = decodeWorld(io.readFile('/work/000000836faffcb4.moon'));
  assert.equal(moon.type, WorldType.MOON);
  assert.equal(moon.id, 0x836faffcb4n);
  assert.equal(moon.timestamp, BigInt(io.now));
  assert.deepEqual(moon.roots[0].stableEndpoints.map(inetAddressToString), ['10.1.0.1/9993', '10.99.0.2/9993'], 'endpoints sorted');
  assert.ok(verifyWorldSignature(moon, fromHexStrict(json.signingKey)!));

  json.worldType = 'planet';
  json.id = '000000000000abcd';
  io.put('planet.json', JSON.stringify(json));
  io.reset();
  assert.equal(runIdtool(io, ['genmoon', 'planet.json']), 0);
  const planet = decodeWorld(io.readFile('/work/000000000000abcd.moon'));
  assert.equal(planet.type, WorldType.PLANET);
});

test('genmoon errors name the problem', () => {
  const io = new MemoryIo();
  assert.equal(runIdtool(io, ['genmoon', 'absent.json']), 1);
  assert.equal(io.err, 'cannot read absent.json: no such file or directory (ENOENT)\n');
  for (const [text, expected] of [
    ['{"id": "abcd",', /^broken\.json: not valid JSON \(it ends too early\): .*\n$/],
    ['{"id": "abcd" "x"}', /^broken\.json: not valid JSON at line 1 column 15: Expected ',' or '}' after property value\n$/],
    ['[1]', /^broken\.json: expected a JSON object \(as initmoon prints\), got an array\n$/],
    ['{"worldType": "moon"}', /^broken\.json: missing field "id"/],
    ['{"id": "abcd"}', /^broken\.json: missing field "worldType" \("moon" or "planet"\)\n$/],
    ['{"id": "abcd", "worldType": "moon"}', /^broken\.json: missing field "signingKey"/],
    ['{"id": "abcd", "worldType": "moon", "signingKey": 5}', /^broken\.json: signingKey must be a string of 128 hex digits, got number 5\n$/],
  ] as Array<[string, RegExp]>) {
    io.reset();
    io.put('broken.json', text);
    assert.equal(runIdtool(io, ['genmoon', 'broken.json']), 1, text);
    assert.match(io.err, expected, text);
  }
  io.reset();
  io.put('bad-id.json', JSON.stringify({ id: 'zz', worldType: 'moon' }));
  assert.equal(runIdtool(io, ['genmoon', 'bad-id.json']), 1);
  assert.equal(io.err, 'ID in bad-id.json is invalid\n');
  io.reset();
  io.put('bad-type.json', JSON.stringify({ id: 'abcd', worldType: 'galaxy' }));
  assert.equal(runIdtool(io, ['genmoon', 'bad-type.json']), 1);
  assert.equal(io.err, 'invalid worldType in bad-type.json: must be "moon" or "planet", got "galaxy"\n');
  io.reset();
  io.put('no-key.json', JSON.stringify({ id: 'abcd', worldType: 'moon', roots: [] }));
  assert.equal(runIdtool(io, ['genmoon', 'no-key.json']), 1);
  assert.match(io.err, /^no-key\.json: missing field "signingKey" \(128 hex digits\)\n$/);
  io.reset();
  assert.equal(runIdtool(io, ['initmoon', 'not-an-identity']), 1);
  assert.equal(io.err, 'not-an-identity is not a valid identity\n');
});

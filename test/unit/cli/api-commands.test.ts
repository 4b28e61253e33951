// The CLI commands that talk to the API, with a fake ApiCall: zerotier-cli's text formats,
// outcomes and exit codes (06 §6.1, §6.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatListNetworks } from '../../../src/cli/networks-format.js';
import { formatInfo } from '../../../src/cli/info-format.js';
import { changingOutcome, connectionErrorText, readingOutcome } from '../../../src/cli/api-reply.js';
import { infoRun } from '../../../src/cli/info.js';
import { listNetworksRun } from '../../../src/cli/listnetworks.js';
import { joinRun, leaveRun } from '../../../src/cli/join.js';
import { peersRun } from '../../../src/cli/peers.js';
import { resolveApiTarget, type ApiCall, type ApiReply } from '../../../src/cli/api-client.js';
import { ConfigError } from '../../../src/util/errors.js';
import { assertInSpec, sharedDir } from '../../helpers/shared.js';
import { MemoryIo } from '../../helpers/memory-io.js';
import { splitAttachedSwitches } from '../../../src/cli/attached-switches.js';
import type { ApiContext } from '../../../src/cli/api-command.js';

function ctx(call: ApiCall, isJson = false, io = new MemoryIo()): ApiContext {
  return { call, io, isJson, home: '/h', unreachable: (r) => connectionErrorText(r) };
}

function net(nwid: string, name: string, mac: string, status: string, dev: string, ips: string[]): Record<string, unknown> {
  return { nwid, id: nwid, name, mac, status, type: 'PRIVATE', portDeviceName: dev, assignedAddresses: ips };
}

test("listnetworks: the spec's observed rows, an empty name as an empty field", () => {
  const out = formatListNetworks(
    [
      net('8056c2e21c000001', '', '02:15:b7:16:80:5f', 'REQUESTING_CONFIGURATION', 'ztmjfmfyq5', []),
      net('15b70a629d1379c5', 'specnet', 'c6:92:ee:b5:e9:b0', 'OK', 'zto4vbsg2y', ['fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88', 'fc88:a473:a7eb:fd28:8bba::1/40', '10.147.17.158/24']),
    ],
    0,
  );
  assert.equal(
    out,
    '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n' +
      '200 listnetworks 8056c2e21c000001  02:15:b7:16:80:5f REQUESTING_CONFIGURATION PRIVATE ztmjfmfyq5 -\n' +
      '200 listnetworks 15b70a629d1379c5 specnet c6:92:ee:b5:e9:b0 OK PRIVATE zto4vbsg2y fd15:b70a:629d:1379:c599:93eb:fd28:8bba/88,fc88:a473:a7eb:fd28:8bba::1/40,10.147.17.158/24\n',
  );
  for (const line of out.trimEnd().split('\n')) assertInSpec('06-service.md', line.replace(/\s+/g, ''));
});

test('listnetworks: the 04 vector as zerotier-cli prints it; missing fields are "-"; SSO lines', () => {
  const v = JSON.parse(readFileSync(join(sharedDir(), 'vectors', '04', 'listnetworks-member.json'), 'utf8'));
  assert.equal(
    formatListNetworks(v, 0).split('\n')[1],
    '200 listnetworks 55bd869199fbd649 czn-vectors 4a:2e:b9:9e:ca:a8 OK PRIVATE ztyqsh2r6q fd55:bd86:9199:fbd6:4999:93f8:4207:5b2e/88,fccc:4650:d8f8:4207:5b2e::1/40,10.147.20.40/24',
  );
  assert.equal(formatListNetworks([{}], 0).split('\n')[1], '200 listnetworks - - - - - - -');
  assert.equal(formatListNetworks('nope', 0), '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n');
  const sso = { ...net('15b70a629d1379c5', 'n', 'm', 'OK', 'd', []), ssoEnabled: true, authenticationExpiryTime: 100_500, authenticationURL: 'https://x' };
  assert.match(formatListNetworks([sso], 10_000), /\n {4}AUTH OK, expires in: 90 seconds\n$/);
  assert.match(formatListNetworks([{ ...sso, status: 'AUTHENTICATION_REQUIRED' }], 0), /\n {4}AUTH EXPIRED, URL: https:\/\/x\n$/);
  assert.doesNotMatch(formatListNetworks([sso], 200_000), /AUTH/, 'expired but still OK: no line');
});

test('info: ONLINE, OFFLINE, TUNNELED', () => {
  assert.equal(formatInfo({ address: 'ebfd288bba', version: '1.14.1', online: true, tcpFallbackActive: false }), '200 info ebfd288bba 1.14.1 ONLINE\n');
  assert.equal(formatInfo({ address: 'ebfd288bba', version: '1.14.1', online: false }), '200 info ebfd288bba 1.14.1 OFFLINE\n');
  assert.equal(formatInfo({ online: true, tcpFallbackActive: true }), '200 info - - TUNNELED\n');
});

test('outcomes: no connection, non-200, not JSON', () => {
  assert.deepEqual(readingOutcome('info', { status: 0, body: 'connection failed' }, (r) => connectionErrorText(r), () => 'x'), {
    stdout: 'Error connecting to the ZeroTier service: connection failed\n\nPlease check that the service is running and that TCP port 9993 can be contacted via 127.0.0.1.\n',
    exitCode: 1,
  });
  assert.equal(connectionErrorText('timed out', { host: '::1', port: 4444 }).includes('TCP port 4444 can be contacted via ::1.'), true);
  assert.deepEqual(readingOutcome('info', { status: 401, body: '{}' }, String, () => 'x'), { stdout: '401 info {}\n', exitCode: 1 });
  const notJson = readingOutcome('listnetworks', { status: 404, body: '' }, String, () => 'x');
  assert.equal(
    notJson.stdout,
    "404 listnetworks invalid JSON response ([json.exception.parse_error.101] parse error at line 1, column 1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal)\n",
  );
  assert.equal(notJson.exitCode, 1);
  assert.deepEqual(changingOutcome('join', { status: 404, body: '' }, false), { stdout: '404 join \n', exitCode: 1 });
  assert.deepEqual(changingOutcome('leave', { status: 0, body: 'connection failed' }, false), { stdout: '0 leave connection failed\n', exitCode: 1 });
  assert.deepEqual(changingOutcome('leave', { status: 200, body: '{"result":true}' }, true), { stdout: '{"result":true}', exitCode: 0 }, '-j: the raw body, no newline');
});

function fakeCall(reply: ApiReply, seen: unknown[][]): ApiCall {
  return async (method, path, body) => {
    seen.push([method, path, body]);
    return reply;
  };
}

test('join and leave: the requests zerotier-cli makes; a 16-character id is required', async () => {
  const seen: unknown[][] = [];
  const ok = fakeCall({ status: 200, body: '{"id":"x"}' }, seen);
  assert.deepEqual(await joinRun('8056c2e21c000001')(ctx(ok)), { stdout: '200 join OK\n', exitCode: 0 });
  assert.deepEqual(await joinRun('8056c2e21c000001')(ctx(ok, true)), { stdout: '{"id":"x"}', exitCode: 0 });
  assert.deepEqual(await leaveRun('8056c2e21c000001')(ctx(ok)), { stdout: '200 leave OK\n', exitCode: 0 });
  assert.deepEqual(seen, [
    ['POST', '/network/8056c2e21c000001', '{}'],
    ['POST', '/network/8056c2e21c000001', '{}'],
    ['DELETE', '/network/8056c2e21c000001', undefined],
  ]);
  assert.deepEqual(await joinRun('8056c2e21c00001')(ctx(ok)), { stdout: 'invalid network id\n', exitCode: 2 });
  assert.deepEqual(await leaveRun('')(ctx(ok)), { stdout: 'invalid network id\n', exitCode: 2 });
  assert.equal(seen.length, 3, 'nothing sent for a bad id');
});

test('info, listnetworks and peers: text, or -j as zerotier-cli indents it', async () => {
  const io = new MemoryIo();
  const seen: unknown[][] = [];
  const status = fakeCall({ status: 200, body: '{"version":"1.14.1","address":"0123456789","online":false,"config":{"settings":{}}}' }, seen);
  assert.equal((await infoRun()(ctx(status, false, io))).stdout, '200 info 0123456789 1.14.1 OFFLINE\n');
  assert.equal((await infoRun()(ctx(status, true, io))).stdout, '{\n "address": "0123456789",\n "config": {\n  "settings": {}\n },\n "online": false,\n "version": "1.14.1"\n}\n');
  const nets = fakeCall({ status: 200, body: '[]' }, seen);
  assert.equal((await listNetworksRun(ctx(nets, false, io))).stdout, '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n');
  assert.equal((await listNetworksRun(ctx(nets, true, io))).stdout, '[]\n');
  const peer = { address: '62f865ae71', isBonded: false, latency: -1, paths: [], role: 'PLANET', tunneled: false, version: '-1.-1.-1', versionMajor: -1, versionMinor: -1, versionRev: -1 };
  const peers = fakeCall({ status: 200, body: JSON.stringify([peer]) }, seen);
  assert.equal((await peersRun(false)(ctx(peers, false, io))).stdout.split('\n')[2], '62f865ae71 -      PLANET    -1 RELAY');
  assert.equal((await peersRun(true)(ctx(peers, false, io))).stdout.split('\n')[1], '200 listpeers 62f865ae71 - -1 - PLANET');
  assert.deepEqual(JSON.parse((await peersRun(false)(ctx(peers, true, io))).stdout), [peer]);
  const denied = fakeCall({ status: 401, body: '{}' }, seen);
  assert.deepEqual(await peersRun(false)(ctx(denied, false, io)), { stdout: '401 peers {}\n', exitCode: 1 });
  assert.deepEqual(seen.map((s) => s[1]), ['/status', '/status', '/network', '/network', '/peer', '/peer', '/peer', '/peer']);
});

test("the API's port and token come from the home, with zerotier-cli's sentences when missing", () => {
  const io = new MemoryIo();
  assert.throws(() => resolveApiTarget(io, { home: '/h' }), (e: unknown) => e instanceof ConfigError && e.message === 'missing port and zerotier-one.port not found in /h');
  io.put('/h/zerotier-one.port', '0');
  assert.throws(() => resolveApiTarget(io, { home: '/h' }), /missing port/);
  io.put('/h/zerotier-one.port', '9993');
  assert.throws(() => resolveApiTarget(io, { home: '/h' }), (e: unknown) => e instanceof ConfigError && e.message === 'authtoken.secret not found or readable in /h (try again as root)');
  io.put('/h/authtoken.secret', 'tok\n');
  assert.deepEqual(resolveApiTarget(io, { home: '/h' }), { host: '127.0.0.1', port: 9993, token: 'tok' });
  assert.equal(resolveApiTarget(io, { home: '/h', port: 1234 }).port, 1234, '-p wins over the file');
});

test('ztkube accepts zerotier-cli\'s attached switch values (-D<path>, -T<token>, -H<ip>, -p<port>)', () => {
  assert.deepEqual(splitAttachedSwitches(['info', '-D/var/lib/zt', '-Tabc', '-H::1', '-p9993', '-j', '--home', 'x', '-D', 'y', '-T=z']), [
    'info',
    '-D',
    '/var/lib/zt',
    '-T',
    'abc',
    '-H',
    '::1',
    '-p',
    '9993',
    '-j',
    '--home',
    'x',
    '-D',
    'y',
    '-T=z',
  ]);
});

test('peers and listpeers: a peer object with missing or odd fields prints defaults, not a crash', async () => {
  const odd = fakeCall({ status: 200, body: '[{"address":"0123456789","paths":[{"preferred":true}]},{"paths":"x"},7]' }, []);
  assert.equal((await peersRun(true)(ctx(odd))).stdout, '200 listpeers <ztaddr> <path> <latency> <version> <role>\n200 listpeers 0123456789 -;-1;-1 0 - -\n200 listpeers - - 0 - -\n');
  assert.equal((await peersRun(false)(ctx(odd))).stdout.split('\n')[2], '0123456789 -      -          0 DIRECT   -1       -1       -');
});

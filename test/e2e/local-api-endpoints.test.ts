// Every local API endpoint of 06 §5.3 and its error cases against a real daemon on loopback
// (--no-taps), table-driven, plus the JSON shapes of status, network, peer and moon and a
// metrics sample against golden files in test/fixtures/local-api/ (clocks, addresses, keys
// and ports replaced by placeholders). ZTKUBE_UPDATE_GOLDEN=1 rewrites the golden files.
//
//   test ──HTTP──> ztkube daemon (TCP+UDP 127.0.0.1:P) ──UDP──> silent planet root
//                        └── holds a moon whose root is silent too
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/netns.js';
import { makeHomes, makeMoon, ztkube } from '../helpers/zt-homes.js';
import { startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { freeLoopbackPort } from '../helpers/free-port.js';
import { repoRoot } from '../helpers/shared.js';
import { decodeWorld } from '../../src/protocol/world.js';

const NWID = '8056c2e21c000001';
const UNJOINED = '8056c2e21c000002';
const GOLDEN_DIR = join(repoRoot, 'test', 'fixtures', 'local-api');
let work = '';
const children: ChildProcess[] = [];

before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-api-endpoints-${process.pid}-`));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

interface Reply {
  status: number;
  body: string;
  contentType: string | undefined;
}

function request(port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, contentType: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Replaces what differs between runs, longest first, then clocks and timestamps by key. */
function normalize(text: string, names: Array<[string, string]>): string {
  let out = text;
  for (const [value, name] of [...names].sort((a, b) => b[0].length - a[0].length)) out = out.split(value).join(name);
  return out.replace(/"(clock|timestamp|lastReceive|lastSend|localSocket)":\d+/g, '"$1":<$1>');
}

function golden(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, name);
  if (process.env.ZTKUBE_UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from its golden file (ZTKUBE_UPDATE_GOLDEN=1 rewrites it)`);
}

type Expect = string | RegExp | ((body: string) => void);

interface Case {
  what: string;
  method: string;
  path: string;
  /** 'token' (X-ZT1-Auth), 'bearer', 'query', 'metrics' (X-ZT1-Auth with the metrics token), 'none', or raw headers. */
  auth?: 'token' | 'bearer' | 'query' | 'metrics' | 'none' | Record<string, string>;
  body?: string;
  status: number;
  expect?: Expect;
  /** undefined: no Content-Type at all. */
  type?: string;
}

test('every endpoint and its error cases against a running daemon, and the golden shapes', { timeout: 120_000 }, async () => {
  const root = dgram.createSocket('udp4');
  await new Promise<void>((r) => root.bind(0, '127.0.0.1', r));
  const rootEp = `127.0.0.1/${root.address().port}`;
  const homes = makeHomes(join(work, 'nodes'), ['root', 'node', 'moonroot'], 'root', rootEp);
  const home = homes.home('node');
  // Lists are sorted by address: the moon's root after the planet's keeps the golden order fixed.
  while (homes.addr('moonroot') < homes.addr('root')) {
    for (const f of ['identity.secret', 'identity.public']) rmSync(join(homes.home('moonroot'), f));
    ztkube(['idtool', 'generate', join(homes.home('moonroot'), 'identity.secret'), join(homes.home('moonroot'), 'identity.public')]);
  }
  const moon = makeMoon(join(work, 'moon'), join(homes.home('moonroot'), 'identity.secret'), rootEp);
  const moonFile = moon.file;
  const moonName = `${moon.id}.moon`;
  const moonId = moon.id;
  const moonId10 = moonId.slice(6);
  mkdirSync(join(home, 'moons.d'), { recursive: true });
  copyFileSync(moonFile, join(home, 'moons.d', moonName));
  const port = await freeLoopbackPort();
  const d: DaemonProcess = startDaemon(children, home, port, ['--no-allow-secondary-port', '--no-taps']);
  try {
    await waitFor('the API up (port file)', () => existsSync(join(home, 'zerotier-one.port')), 20_000);
    const token = readFileSync(join(home, 'authtoken.secret'), 'utf8');
    const metricsTokenPath = join(home, 'metricstoken.secret');
    const metricsToken = readFileSync(metricsTokenPath, 'utf8');
    assert.match(metricsToken, /^[a-z0-9]{24}$/);
    assert.notEqual(metricsToken, token);
    assert.equal(statSync(metricsTokenPath).mode & 0o777, 0o600, 'the metrics token is a secret file');
    assert.equal(d.log().includes(metricsToken), false, 'never logged');

    const headersFor = (auth: Case['auth']): Record<string, string> => {
      if (auth === undefined || auth === 'token') return { 'X-ZT1-Auth': token };
      if (auth === 'bearer') return { Authorization: `Bearer ${token}` };
      if (auth === 'metrics') return { 'X-ZT1-Auth': metricsToken };
      if (auth === 'none' || auth === 'query') return {};
      return auth;
    };
    const run = async (c: Case): Promise<Reply> => {
      const path = c.auth === 'query' ? `${c.path}${c.path.includes('?') ? '&' : '?'}auth=${token}` : c.path;
      const r = await request(port, c.method, path, headersFor(c.auth), c.body ?? '');
      const label = `${c.what}: ${c.method} ${c.path}`;
      assert.equal(r.status, c.status, `${label} → ${r.status} ${r.body}`);
      assert.equal(r.contentType, c.type, `${label}: content type`);
      if (typeof c.expect === 'string') assert.equal(r.body, c.expect, label);
      else if (c.expect instanceof RegExp) assert.match(r.body, c.expect, label);
      else c.expect?.(r.body);
      return r;
    };
    const JSON_T = 'application/json';
    const moonJson = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;

    const cases: Case[] = [
      // Authentication (06 §5.2).
      { what: 'no token', method: 'GET', path: '/status', auth: 'none', status: 401, expect: '{}', type: JSON_T },
      { what: 'wrong X-ZT1-Auth', method: 'GET', path: '/status', auth: { 'X-ZT1-Auth': 'x'.repeat(24) }, status: 401, expect: '{}', type: JSON_T },
      { what: 'X-ZT1-Auth', method: 'GET', path: '/status', status: 200, expect: /^\{"address":/, type: JSON_T },
      { what: 'Authorization: Bearer', method: 'GET', path: '/status', auth: 'bearer', status: 200, expect: /^\{"address":/, type: JSON_T },
      { what: 'bearer scheme in any case', method: 'GET', path: '/peer', auth: { Authorization: `bEARER ${token}` }, status: 200, expect: /^\[/, type: JSON_T },
      { what: 'wrong bearer', method: 'GET', path: '/status', auth: { Authorization: 'Bearer nope' }, status: 401, expect: '{}', type: JSON_T },
      { what: 'a bare token in Authorization', method: 'GET', path: '/status', auth: { Authorization: token }, status: 401, expect: '{}', type: JSON_T },
      { what: '?auth=', method: 'GET', path: '/status', auth: 'query', status: 200, expect: /^\{"address":/, type: JSON_T },
      { what: 'a wrong X-ZT1-Auth beats a right bearer', method: 'GET', path: '/status', auth: { 'X-ZT1-Auth': 'nope', Authorization: `Bearer ${token}` }, status: 401, expect: '{}', type: JSON_T },
      { what: 'the metrics token is for /metrics only', method: 'GET', path: '/status', auth: 'metrics', status: 401, expect: '{}', type: JSON_T },
      { what: '401 in JSONP', method: 'GET', path: '/status?jsonp=cb', auth: 'none', status: 401, expect: 'cb({});', type: 'application/javascript' },
      { what: '/health needs no token', method: 'GET', path: '/health', auth: 'none', status: 200, expect: /^\{"clock":\d+,"online":false,"version":"1\.14\.1","versionBuild":0,"versionMajor":1,"versionMinor":14,"versionRev":1\}$/, type: JSON_T },
      { what: 'an unauthenticated unknown path is 401, not 404', method: 'GET', path: '/nothing', auth: 'none', status: 401, expect: '{}', type: JSON_T },
      // Unknown paths and methods.
      { what: 'unknown path', method: 'GET', path: '/nothing', status: 404, expect: '' },
      { what: 'trailing slash', method: 'GET', path: '/status/', status: 404, expect: '' },
      { what: 'POST on a GET route', method: 'POST', path: '/status', status: 404, expect: '' },
      { what: 'HEAD on a GET route', method: 'HEAD', path: '/status', status: 200, expect: '', type: JSON_T },
      // Networks.
      { what: 'none joined', method: 'GET', path: '/network', status: 200, expect: '[]', type: JSON_T },
      { what: 'not joined', method: 'GET', path: `/network/${UNJOINED}`, status: 404, expect: '{}', type: JSON_T },
      { what: 'not joined, JSONP', method: 'GET', path: `/network/${UNJOINED}?jsonp=f`, status: 404, expect: 'f(null);', type: 'application/javascript' },
      { what: 'short id', method: 'GET', path: '/network/8056c2e21c00000', status: 404, expect: '' },
      { what: 'long id', method: 'GET', path: '/network/8056c2e21c0000011', status: 404, expect: '' },
      { what: 'not hex', method: 'POST', path: '/network/8056c2e21c00000x', status: 404, expect: '' },
      { what: 'leave what is not joined', method: 'DELETE', path: `/network/${UNJOINED}`, status: 200, expect: '{}', type: JSON_T },
      { what: 'PATCH', method: 'PATCH', path: `/network/${NWID}`, status: 404, expect: '' },
      { what: 'invalid JSON joins plainly', method: 'POST', path: `/network/${NWID}`, body: '{"allowDNS":', status: 200, expect: (b) => assert.deepEqual([JSON.parse(b).id, JSON.parse(b).allowDNS], [NWID, false]), type: JSON_T },
      { what: 'non-boolean settings are ignored', method: 'PUT', path: `/network/${NWID.toUpperCase()}`, body: '{"allowGlobal":1,"allowDefault":"true","allowDNS":true}', status: 200, expect: (b) => assert.deepEqual([JSON.parse(b).allowGlobal, JSON.parse(b).allowDefault, JSON.parse(b).allowDNS], [false, false, true]), type: JSON_T },
      // Peers.
      { what: 'unknown peer', method: 'GET', path: '/peer/0123456789', status: 200, expect: '{}', type: JSON_T },
      { what: 'known peer', method: 'GET', path: `/peer/${homes.addr('root').toUpperCase()}`, status: 200, expect: new RegExp(`^\\{"address":"${homes.addr('root')}",.*"role":"PLANET"`), type: JSON_T },
      { what: 'peer id too short', method: 'GET', path: '/peer/012345678', status: 404, expect: '' },
      { what: 'DELETE a peer', method: 'DELETE', path: `/peer/${homes.addr('root')}`, status: 404, expect: '' },
      // Moons (06 §5.9).
      { what: 'the held moon by its 10-digit id', method: 'GET', path: `/moon/${moonId10}`, status: 200, expect: (b) => assert.deepEqual([moonJson(b).id, moonJson(b).waiting], [moonId, false]), type: JSON_T },
      { what: 'a 16-digit moon id', method: 'GET', path: `/moon/${moonId}`, status: 404, expect: '' },
      { what: 'unknown moon', method: 'GET', path: '/moon/00deadbeef', status: 200, expect: '{}', type: JSON_T },
      { what: 'orbit without a seed', method: 'POST', path: '/moon/00deadbeef', body: '{}', status: 200, expect: '{}', type: JSON_T },
      { what: 'orbit with invalid JSON', method: 'POST', path: '/moon/00deadbeef', body: '{"seed":', status: 200, expect: '{}', type: JSON_T },
      { what: 'orbit with seed 0', method: 'PUT', path: '/moon/00deadbeef', body: '{"seed":"0"}', status: 200, expect: '{}', type: JSON_T },
      {
        what: 'orbit with a seed: the waiting placeholder',
        method: 'POST',
        path: '/moon/00DEADBEEF',
        body: '{"seed":"00deadbeef"}',
        status: 200,
        expect: '{"id":"00000000deadbeef","roots":[],"signature":null,"timestamp":0,"updatesMustBeSignedBy":null,"waiting":true}',
        type: JSON_T,
      },
      { what: 'an awaited moon is not listed', method: 'GET', path: '/moon/00deadbeef', status: 200, expect: '{}', type: JSON_T },
      { what: 'orbiting a held moon answers it', method: 'POST', path: `/moon/${moonId10}`, body: '{"seed":"1"}', status: 200, expect: (b) => assert.equal(moonJson(b).waiting, false), type: JSON_T },
      { what: 'deorbit what is awaited', method: 'DELETE', path: '/moon/00deadbeef', status: 200, expect: '{"result":true}', type: JSON_T },
      { what: 'deorbit what is unknown', method: 'DELETE', path: '/moon/0000000001', status: 200, expect: '{"result":true}', type: JSON_T },
      // Bonding (06 §5.12): not configured.
      { what: 'bond show', method: 'GET', path: `/bond/show/${homes.addr('root')}`, status: 400, expect: '{}', type: JSON_T },
      { what: 'bond rotate', method: 'POST', path: `/bond/rotate/${homes.addr('root')}`, status: 400, expect: '{}', type: JSON_T },
      { what: 'bond rotate by GET', method: 'GET', path: `/bond/rotate/${homes.addr('root')}`, status: 404, expect: '' },
      { what: 'bond setmtu', method: 'PUT', path: '/bond/setmtu/1500/eth0/10.0.0.1', status: 400, expect: "Bonding layer isn't active yet", type: JSON_T },
      { what: 'bond setmtu, bad interface name', method: 'POST', path: '/bond/setmtu/1500/eth-0/10.0.0.1', status: 404, expect: '' },
      // Metrics (06 §5.11).
      { what: 'metrics token', method: 'GET', path: '/metrics', auth: 'metrics', status: 200, expect: /^# HELP zt_packet ZeroTier packet type counts\n# TYPE zt_packet counter\n/, type: 'text/plain' },
      { what: 'auth token on /metrics', method: 'GET', path: '/metrics', auth: 'bearer', status: 200, expect: /\nzt_num_networks 1\n/, type: 'text/plain' },
      { what: 'metrics token as ?auth=', method: 'GET', path: `/metrics?auth=${metricsToken}`, auth: 'none', status: 200, expect: /# TYPE zt_peer_latency histogram\n/, type: 'text/plain' },
      { what: 'metrics without a token', method: 'GET', path: '/metrics', auth: 'none', status: 401, expect: '{}', type: JSON_T },
      // The embedded controller (05 §8).
      { what: 'controller', method: 'GET', path: '/controller', status: 200, expect: /"controller": true/, type: JSON_T },
      { what: 'controller: invalid JSON', method: 'POST', path: `/controller/network/${homes.addr('node')}______`, body: '{"name":', status: 500, expect: /^\{"error": 500, "description": ".+"\}$/, type: JSON_T },
      { what: 'controller: unknown network', method: 'GET', path: `/controller/network/${homes.addr('node')}000009`, status: 404, type: undefined, expect: '' },
    ];
    for (const c of cases) await run(c);

    // The moon held stays listed; deorbit removes it and its file.
    const moons = JSON.parse((await run({ what: 'moons', method: 'GET', path: '/moon', status: 200, type: JSON_T })).body) as Array<Record<string, unknown>>;
    assert.deepEqual(moons.map((m) => m.id), [moonId]);

    // Golden shapes (06 §5.4, §5.6, §5.8, §5.9), with what varies between runs named.
    const planet = decodeWorld(readFileSync(join(home, 'planet')));
    const statusBody = (await request(port, 'GET', '/status', { 'X-ZT1-Auth': token })).body;
    // Read as text: the 64-bit world ID is past what a JS number holds exactly.
    const planetId = /"planetWorldId":(\d+)/.exec(statusBody)![1];
    const planetTs = /"planetWorldTimestamp":(\d+)/.exec(statusBody)![1];
    const moonRoot = (moons[0].roots as Array<{ identity: string }>)[0].identity;
    const names: Array<[string, string]> = [
      [homes.publicIdentity('node'), '<node identity>'],
      [moonRoot, '<moon root identity>'],
      [String(moons[0].signature), '<moon signature>'],
      [String(moons[0].updatesMustBeSignedBy), '<moon update key>'],
      [moonId, '<moon id>'],
      [homes.addr('node'), '<node>'],
      [homes.addr('root'), '<root>'],
      [homes.addr('moonroot'), '<moon root>'],
      [home, '<home>'],
      [`127.0.0.1/${port}`, '127.0.0.1/<port>'],
      [rootEp, '127.0.0.1/<root port>'],
      [`:${port},`, ':<port>,'],
      [`"planetWorldId":${planetId}`, '"planetWorldId":<planet id>'],
      [`"planetWorldTimestamp":${planetTs}`, '"planetWorldTimestamp":<planet timestamp>'],
    ];
    assert.equal(BigInt(planetId), planet.id, 'the planet held is the one on disk');
    const network = JSON.parse((await request(port, 'GET', `/network/${NWID}`, { 'X-ZT1-Auth': token })).body) as { mac: string };
    names.push([network.mac, '<mac>']);
    golden('status.json', normalize(statusBody, names) + '\n');
    golden('network.json', normalize((await request(port, 'GET', '/network', { 'X-ZT1-Auth': token })).body, names) + '\n');
    golden('peer.json', normalize((await request(port, 'GET', '/peer', { 'X-ZT1-Auth': token })).body, names) + '\n');
    golden('moon.json', normalize((await request(port, 'GET', '/moon', { 'X-ZT1-Auth': token })).body, names) + '\n');

    // metrics.prom is written every 5 s (as 1.14.1's saver); its families are the API's.
    const prom = join(home, 'metrics.prom');
    await waitFor('metrics.prom written', () => existsSync(prom) && readFileSync(prom, 'utf8').includes('zt_peer_latency_bucket'), 15_000);
    const metrics = (await request(port, 'GET', '/metrics', { 'X-ZT1-Auth': metricsToken })).body;
    for (const line of ['zt_num_networks 1', `zt_network_multicast_groups_subscribed{network_id="${NWID}"} 0`, 'ztkube_networks{status="REQUESTING_CONFIGURATION"} 1', 'ztkube_peers{path="relayed",role="planet"} 1', 'ztkube_peers{path="relayed",role="moon"} 1', 'controller_network_count 0', `zt_peer_latency_bucket{node_id="${homes.addr('root')}",le="1000"} 0`]) {
      assert.ok(metrics.split('\n').includes(line), `metrics has "${line}"`);
    }
    assert.match(metrics, new RegExp(`\\nzt_packet\\{direction="tx",packet_type="hello"\\} [1-9]\\d*\\n`), 'HELLOs to the roots are counted');
    assert.match(metrics, new RegExp(`\\nzt_data\\{direction="tx",protocol="udp"\\} [1-9]\\d*\\n`));
    assert.match(metrics, new RegExp(`\\nzt_peer_packets\\{direction="tx",node_id="${homes.addr('root')}"\\} [1-9]\\d*\\n`));
    assert.deepEqual(familyNames(readFileSync(prom, 'utf8')), familyNames(metrics), 'the file and the API carry the same families');
    // Values depend on timing: the golden sample keeps names, labels and types.
    golden('metrics.prom', normalize(metrics, names).replace(/^([a-z_]+(?:\{[^}]*\})?) \S+$/gm, '$1 <value>'));

    // Deorbit the held moon: gone from the list, its file deleted.
    await run({ what: 'deorbit the held moon', method: 'DELETE', path: `/moon/${moonId10}`, status: 200, expect: '{"result":true}', type: JSON_T });
    await run({ what: 'no moons left', method: 'GET', path: '/moon', status: 200, expect: '[]', type: JSON_T });
    assert.equal(existsSync(join(home, 'moons.d', moonName)), false, 'the moon file is deleted');
  } finally {
    d.child.kill('SIGKILL');
    root.close();
  }
});

function familyNames(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('# TYPE '))
    .map((l) => l.split(' ')[2]);
}

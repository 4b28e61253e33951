// local.conf on a running daemon, on loopback only, with a silent UDP socket as the planet's root:
//
//   test ──HTTP──> ztkube daemon <home> (TCP+UDP 127.0.0.1:P from local.conf) ──UDP──> silent root
//
// The home given as zerotier-one takes it (positional); settings.primaryPort beating --port;
// /status echoing the file; ignored keys reported once; GET /config; POST /config/settings
// writing the file and the 10 s reload applying it (a bind address added); bad bodies leaving
// the file alone; SIGINT stopping cleanly; no secret in the logs; human-readable logs on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/netns.js';
import { cli, makeHomes } from '../helpers/zt-homes.js';
import { exited } from '../helpers/daemon-process.js';
import { Identity } from '../../src/protocol/identity.js';
import { freeLoopbackPort } from '../helpers/free-port.js';

const env = { ...process.env, ZTKUBE_SAFETY: 'test' };
let work = '';
let root: dgram.Socket;
const children: ChildProcess[] = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), `ztkube-localconf-${process.pid}-`));
  root = dgram.createSocket('udp4');
  await new Promise<void>((r) => root.bind(0, '127.0.0.1', r));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  root.close();
  rmSync(work, { recursive: true, force: true });
});


function start(args: string[]): { child: ChildProcess; log: () => string } {
  let log = '';
  const child = spawn(process.execPath, [cli, 'daemon', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  return { child, log: () => log };
}

async function api(port: number, token: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { 'X-ZT1-Auth': token }, body });
  return { status: r.status, text: await r.text() };
}

test('local.conf drives the daemon: port, bind, /status and /config, POST /config/settings and the reload', async () => {
  const homes = makeHomes(join(work, 'n'), ['root', 'node'], 'root', `127.0.0.1/${root.address().port}`);
  const home = homes.home('node');
  const port = await freeLoopbackPort();
  const conf = {
    settings: { primaryPort: port, allowSecondaryPort: false, bind: ['127.0.0.1'], controllerDbPath: join(work, 'n', 'controller-db'), softwareUpdate: 'apply', multicoreEnabled: true, controllerDb: { type: 'postgres', password: 'pg-secret-f00d' } },
    physical: { '10.99.0.0/16': { blacklist: true } },
  };
  writeFileSync(join(home, 'local.conf'), JSON.stringify(conf));
  // No --bind, and --port says another port: the file decides both.
  const d = start([home, '--port', String(port === 39999 ? 39998 : 39999), '--no-taps', '--log-format', 'json', '--log-level', 'debug']);
  try {
    await waitFor('the daemon up on the port from local.conf', () => existsSync(join(home, 'zerotier-one.port')), 20_000);
    assert.equal(readFileSync(join(home, 'zerotier-one.port'), 'utf8'), String(port));
    assert.equal(readFileSync(join(home, 'zerotier-one.pid'), 'utf8'), String(d.child.pid));
    assert.ok(existsSync(join(work, 'n', 'controller-db')) && !existsSync(join(home, 'controller.d')), 'the controller keeps its data at controllerDbPath');
    const token = readFileSync(join(home, 'authtoken.secret'), 'utf8');
    const status = JSON.parse((await api(port, token, 'GET', `/status?auth=${token}`)).text);
    assert.deepEqual(status.config.physical, conf.physical, 'the file is echoed verbatim');
    const s = status.config.settings;
    assert.equal(s.primaryPort, port);
    assert.equal(s.secondaryPort, 0, 'allowSecondaryPort: false');
    assert.deepEqual(s.listeningOn, [`127.0.0.1/${port}`]);
    assert.equal(s.softwareUpdate, 'apply');
    assert.equal(s.multicoreEnabled, true);
    assert.equal(s.allowTcpFallbackRelay, true);
    assert.equal(s.forceTcpRelay, false);
    assert.equal(s.homeDir, home);
    assert.deepEqual(JSON.parse((await api(port, token, 'GET', '/config')).text), conf);

    // POST /config/settings: written at once (4-space indent), applied by the reload check.
    const posted = await api(port, token, 'POST', '/config/settings', JSON.stringify({ bind: ['127.0.0.1', '127.0.0.2'] }));
    assert.deepEqual(posted, { status: 200, text: '{}' });
    const written = readFileSync(join(home, 'local.conf'), 'utf8');
    assert.ok(written.startsWith('{\n    "physical": {\n        "10.99.0.0/16": {\n            "blacklist": true'), written);
    assert.ok(!written.endsWith('\n'));
    assert.deepEqual(JSON.parse(written).settings.bind, ['127.0.0.1', '127.0.0.2']);
    assert.deepEqual(JSON.parse((await api(port, token, 'GET', '/config')).text).settings.bind, ['127.0.0.1', '127.0.0.2'], 'GET /config shows it at once');
    const listeningOn = async (): Promise<string[]> => JSON.parse((await api(port, token, 'GET', '/status')).text).config.settings.listeningOn;
    let listening = await listeningOn();
    // The reload check runs every 10 s.
    for (const until = Date.now() + 15_000; !listening.includes(`127.0.0.2/${port}`) && Date.now() < until; listening = await listeningOn()) await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(listening.sort(), [`127.0.0.1/${port}`, `127.0.0.2/${port}`]);
    assert.match(d.log(), /"message":"local.conf reloaded"/);

    // Bad bodies leave the file as it is.
    const mode = statSync(join(home, 'local.conf')).mode;
    const bad = await api(port, token, 'POST', '/config/settings', '{"primaryPort": 70000}');
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.text).description, /local\.conf: settings\.primaryPort must be an integer 0-65535, got 70000$/);
    const broken = await api(port, token, 'POST', '/config/settings', '{nope');
    assert.equal(broken.status, 500);
    assert.match(broken.text, /^\{"error": 500, "description": "/);
    assert.deepEqual(await api(port, token, 'PUT', '/config/settings', '[1,2]'), { status: 200, text: '{}' }, 'JSON that is no object changes nothing');
    assert.equal(readFileSync(join(home, 'local.conf'), 'utf8'), written);
    assert.equal(statSync(join(home, 'local.conf')).mode, mode);

    d.child.kill('SIGINT');
    assert.equal(await exited(d.child), 0, d.log());
    assert.equal(existsSync(join(home, 'zerotier-one.pid')), false, 'removed at a clean stop');
  } finally {
    d.child.kill('SIGKILL');
  }
  const log = d.log();
  const ignored = log.split('\n').filter((l) => l.includes('local.conf keys not implemented by ztkube'));
  assert.equal(ignored.length, 1, 'reported once, not again at the reload');
  assert.match(ignored[0], /"level":"info"/);
  for (const k of ['settings.softwareUpdate', 'settings.multicoreEnabled', 'settings.controllerDb']) assert.ok(ignored[0].includes(k), k);
  // Secrets: the API token (sent in a query, a header), the identity's private key, a password in local.conf.
  const token = readFileSync(join(home, 'authtoken.secret'), 'utf8');
  const id = Identity.fromString(readFileSync(join(home, 'identity.secret'), 'utf8'));
  assert.equal(log.includes(token), false, 'the API token is not logged');
  assert.equal(log.includes(Buffer.from(id.privateKey!).toString('hex')), false, 'the private key is not logged');
  assert.equal(log.includes('pg-secret-f00d'), false, 'local.conf values are not logged');
  assert.ok(log.includes('"message":"local api"'), 'the requests were logged (at debug), without their query');
});

test('logs are human-readable lines with --log-format text', async () => {
  const homes = makeHomes(join(work, 't'), ['root', 'node'], 'root', `127.0.0.1/${root.address().port}`);
  const port = await freeLoopbackPort();
  const d = start(['--home', homes.home('node'), '--port', String(port), '--bind', '127.0.0.1', '--no-allow-secondary-port', '--no-taps', '--log-format', 'text']);
  try {
    await waitFor('the started line', () => /started/.test(d.log()), 20_000);
    const line = d.log().split('\n').find((l) => l.includes(' started '))!;
    assert.match(line, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z info \\[daemon\\] started \\{"address":"${homes.addr('node')}"`));
    d.child.kill('SIGTERM');
    assert.equal(await exited(d.child), 0);
  } finally {
    d.child.kill('SIGKILL');
  }
});

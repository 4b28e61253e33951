// The local API and the CLI on a real daemon, on loopback only, with a private planet whose
// root is a silent UDP socket of the test:
//
//   ztkube CLI ──HTTP──> ztkube daemon (TCP+UDP 127.0.0.1:P) ──UDP──> silent "root"
//
// 401 without the token, /status, join → listnetworks → leave with the settings file, the
// zerotier-cli formats and exit codes, the token kept across restarts, the port freed at stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/netns.js';
import { cli, makeHomes } from '../helpers/zt-homes.js';
import { exited, startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { decodeWorld } from '../../src/protocol/world.js';
import { parseJsonLossless } from '../../src/util/json-text.js';
import { freeLoopbackPort } from '../helpers/free-port.js';

const env = { ...process.env, ZTKUBE_SAFETY: 'test' };
const NWID = '8056c2e21c000001';
let work = '';
const children: ChildProcess[] = [];

before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-api-${process.pid}-`));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function ztkube(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function startNode(home: string, port: number): DaemonProcess {
  // --no-taps: in the host's namespace the networks get in-memory ports, no devices.
  return startDaemon(children, home, port, ['--no-allow-secondary-port', '--no-taps']);
}


/** One HTTP exchange as zerotier-cli makes it (no Host header). */
function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let out = '';
    c.on('data', (d) => {
      out += d;
      const m = /^HTTP\/1\.1 (\d+)[^]*?Content-Length: (\d+)\r\n[^]*?\r\n\r\n([^]*)$/i.exec(out);
      if (m && Buffer.byteLength(m[3]) >= Number(m[2])) {
        c.end();
        resolve({ status: Number(m[1]), body: m[3] });
      }
    });
    c.on('error', reject);
    const h = Object.entries({ ...headers, ...(body ? { 'Content-Length': String(body.length), 'Content-Type': 'application/json' } : {}) }).map(([k, v]) => `${k}: ${v}\r\n`);
    c.write(`${method} ${path} HTTP/1.1\r\n${h.join('')}\r\n${body}`);
  });
}

test('local API and CLI against a running daemon', async () => {
  const root = dgram.createSocket('udp4');
  await new Promise<void>((r) => root.bind(0, '127.0.0.1', r));
  const homes = makeHomes(join(work, 'nodes'), ['root', 'node'], 'root', `127.0.0.1/${root.address().port}`);
  const home = homes.home('node');
  const addr = homes.addr('node');
  const port = await freeLoopbackPort();
  let d = startNode(home, port);
  try {
    await waitFor('the API up (port file)', () => existsSync(join(home, 'zerotier-one.port')), 20_000);
    assert.equal(readFileSync(join(home, 'zerotier-one.port'), 'utf8'), String(port));
    const tokenPath = join(home, 'authtoken.secret');
    const token = readFileSync(tokenPath, 'utf8');
    assert.match(token, /^[a-z0-9]{24}$/);
    assert.equal(statSync(tokenPath).mode & 0o777, 0o600);
    assert.equal(d.log().includes(token), false, 'the token is never logged');

    // Authentication (06 §5.2).
    assert.deepEqual(await http(port, 'GET', '/status'), { status: 401, body: '{}' });
    assert.deepEqual(await http(port, 'GET', '/status', { 'X-ZT1-Auth': 'x'.repeat(24) }), { status: 401, body: '{}' });
    const st = await http(port, 'GET', '/status', { 'X-ZT1-Auth': token });
    assert.equal(st.status, 200);
    const status = parseJsonLossless(st.body) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(Object.keys(status), ['address', 'clock', 'config', 'online', 'planetWorldId', 'planetWorldTimestamp', 'publicIdentity', 'tcpFallbackActive', 'version', 'versionBuild', 'versionMajor', 'versionMinor', 'versionRev']);
    assert.equal(status.address, addr);
    assert.equal(status.publicIdentity, homes.publicIdentity('node'));
    assert.equal(status.online, false, 'the root never answers');
    assert.equal(status.version, '1.14.1');
    const planet = decodeWorld(readFileSync(join(home, 'planet')));
    assert.equal(BigInt(status.planetWorldId), planet.id);
    assert.equal(BigInt((parseJsonLossless(ztkube(['info', '--home', home, '-j']).out) as { planetWorldId: bigint }).planetWorldId), planet.id, 'info -j keeps the 64-bit id whole');
    assert.equal(status.config.settings.primaryPort, port);
    assert.deepEqual(status.config.settings.listeningOn, [`127.0.0.1/${port}`]);
    assert.ok(Math.abs(status.clock - Date.now()) < 60_000);
    assert.equal((await http(port, 'GET', '/peer', { Authorization: `Bearer ${token}` })).status, 200);
    assert.equal((await http(port, 'GET', `/status?auth=${token}`)).status, 200);

    // The CLI (06 §6.2).
    let r = ztkube(['info', '--home', home]);
    assert.deepEqual([r.code, r.out], [0, `200 info ${addr} 1.14.1 OFFLINE\n`], r.err);
    assert.equal(JSON.parse(ztkube(['info', '--home', home, '-j']).out).address, addr);
    r = ztkube(['peers', '--home', home]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^200 peers\\n<ztaddr> .*\\n${homes.addr('root')} -      PLANET    -1 RELAY\\n$`));
    const header = '200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n';
    assert.deepEqual(ztkube(['listnetworks', '--home', home]).out, header);

    r = ztkube(['join', '--home', home, NWID]);
    assert.deepEqual([r.code, r.out], [0, '200 join OK\n'], r.err);
    const localConf = join(home, 'networks.d', `${NWID}.local.conf`);
    assert.equal(readFileSync(localConf, 'utf8'), 'allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=0\n');
    r = ztkube(['listnetworks', '--home', home]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^${header.replace(/[<>]/g, '.')}200 listnetworks ${NWID}  02:[0-9a-f:]{14} REQUESTING_CONFIGURATION PRIVATE ztmjfmfyq5 -\\n$`));
    const [network] = JSON.parse(ztkube(['listnetworks', '--home', home, '-j']).out);
    assert.equal(network.id, NWID);
    assert.equal(network.allowManaged, true);
    // Settings through the API are stored (06 §5.7).
    const posted = await http(port, 'POST', `/network/${NWID}`, { 'X-ZT1-Auth': token }, '{"allowDNS":true,"allowGlobal":"yes"}');
    assert.equal(posted.status, 200);
    assert.equal(JSON.parse(posted.body).allowDNS, true);
    assert.equal(readFileSync(localConf, 'utf8'), 'allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=1\n');
    assert.equal(JSON.parse((await http(port, 'GET', `/network/${NWID.toUpperCase()}`, { 'X-ZT1-Auth': token })).body).allowDNS, true);

    r = ztkube(['leave', '--home', home, NWID]);
    assert.deepEqual([r.code, r.out], [0, '200 leave OK\n'], r.err);
    assert.equal(existsSync(localConf), false, 'leave deletes the settings file');
    assert.equal(ztkube(['listnetworks', '--home', home]).out, header);
    assert.deepEqual(await http(port, 'GET', `/network/${NWID}`, { 'X-ZT1-Auth': token }), { status: 404, body: '{}' });
    r = ztkube(['leave', '--home', home, '-j', NWID]);
    assert.deepEqual([r.code, r.out], [0, '{}'], 'not joined: {} (and 200 leave OK without -j)');

    // zerotier-cli's argument check and answers on errors.
    r = ztkube(['join', '--home', home, '12345']);
    assert.deepEqual([r.code, r.out], [2, 'invalid network id\n']);
    r = ztkube(['join', '--home', home, '8056c2e21c00000x']);
    assert.deepEqual([r.code, r.out], [1, '404 join \n']);
    const wrong = join(work, 'wrong-token');
    mkdirSync(wrong);
    writeFileSync(join(wrong, 'zerotier-one.port'), String(port));
    writeFileSync(join(wrong, 'authtoken.secret'), 'not-the-token');
    r = ztkube(['info', '--home', wrong]);
    assert.deepEqual([r.code, r.out, r.err], [1, '401 info {}\n', '']);
    r = ztkube(['info', '--home', join(work, 'nowhere')]);
    assert.deepEqual([r.code, r.err], [2, `ztkube: missing port and zerotier-one.port not found in ${join(work, 'nowhere')}\n`]);

    // A restart keeps the token and joins the networks of networks.d/<nwid>.conf (an empty
    // file pre-joins, 06 §1.3); a stop frees the port.
    d.child.kill('SIGTERM');
    assert.equal(await exited(d.child), 0, d.log());
    writeFileSync(join(home, 'networks.d', '15b70a629d1379c5.conf'), '');
    d = startNode(home, port);
    await waitFor('the API back', () => ztkube(['info', '--home', home]).code === 0, 20_000);
    assert.equal(readFileSync(tokenPath, 'utf8'), token, 'never replaced');
    assert.match(ztkube(['listnetworks', '--home', home]).out, /\n200 listnetworks 15b70a629d1379c5 .* REQUESTING_CONFIGURATION PRIVATE zto4vbsg2y -\n$/);
    d.child.kill('SIGTERM');
    assert.equal(await exited(d.child), 0, d.log());
    r = ztkube(['info', '--home', home]);
    assert.equal(r.code, 1);
    assert.match(r.out, new RegExp(`^Error connecting to the ZeroTier service: connection failed\\n\\nPlease check that the service is running and that TCP port ${port} can be contacted via 127\\.0\\.0\\.1\\.\\n$`));
    r = ztkube(['join', '--home', home, NWID]);
    assert.deepEqual([r.code, r.out], [1, '0 join connection failed\n']);
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  } finally {
    d.child.kill('SIGKILL');
    root.close();
  }
});

test('a TCP port taken by another program stops the start, in one line, and gives back the home', async () => {
  const root = dgram.createSocket('udp4');
  await new Promise<void>((r) => root.bind(0, '127.0.0.1', r));
  const homes = makeHomes(join(work, 'busy'), ['root', 'node'], 'root', `127.0.0.1/${root.address().port}`);
  const port = await freeLoopbackPort();
  const squatter = net.createServer();
  await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
  try {
    const r = spawnSync(process.execPath, [cli, 'daemon', '--home', homes.home('node'), '--port', String(port), '--bind', '127.0.0.1', '--no-allow-secondary-port', '--log-level', 'error'], { encoding: 'utf8', timeout: 30_000, env });
    assert.equal(r.status, 6, r.stderr); // STARTUP_EXIT_CODES.portInUse
    assert.equal(r.stderr, `ztkube: TCP port ${port} is already in use on 127.0.0.1 (EADDRINUSE): another ztkube or zerotier-one is probably running; stop it or choose another port\n`);
    assert.equal(existsSync(join(homes.home('node'), 'ztkube.lock')), false, 'the lock is released');
    assert.equal(existsSync(join(homes.home('node'), 'zerotier-one.port')), false);
  } finally {
    squatter.close();
    root.close();
  }
});

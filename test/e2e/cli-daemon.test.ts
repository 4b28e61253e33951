// The CLI against a real daemon on loopback, with a private planet whose root is a silent
// UDP socket of the test:
//
//   bin/zerotier-cli, ztkube <command> ──HTTP──> ztkube daemon (127.0.0.1:P, its own controller)
//
// zerotier-cli found through -D, ZEROTIER_HOME or -p/-T; join/set/get/leave; dump; bonds;
// the same text from `ztkube <command>` with -D/-p/-T/-H; and the controller commands
// `ztkube network …` and `ztkube member …` with their errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/netns.js';
import { makeHomes } from '../helpers/zt-homes.js';
import { startDaemon } from '../helpers/daemon-process.js';
import { repoRoot } from '../helpers/shared.js';

const bin = join(repoRoot, 'bin');
let work = '';
const children: ChildProcess[] = [];
let root: dgram.Socket | null = null;

before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-cli-daemon-${process.pid}-`));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  root?.close();
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a program of bin/ by its bare name (argv[0] as a user's shell gives it). */
function run(name: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, ZTKUBE_SAFETY: 'test', ...opts.env };
  const r = spawnSync(name, args, { encoding: 'utf8', timeout: 60_000, env, cwd: opts.cwd ?? work });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let home = '';
let addr = '';
let port = 0;
let token = '';

async function daemonUp(): Promise<void> {
  if (home) return;
  root = dgram.createSocket('udp4');
  await new Promise<void>((r) => root!.bind(0, '127.0.0.1', r));
  const homes = makeHomes(join(work, 'nodes'), ['root', 'node'], 'root', `127.0.0.1/${root.address().port}`);
  home = homes.home('node');
  addr = homes.addr('node');
  port = await freePort();
  startDaemon(children, home, port, ['--no-allow-secondary-port', '--no-taps']);
  await waitFor('the API', () => run('zerotier-cli', [`-D${home}`, 'info']).code === 0, 30_000);
  token = readFileSync(join(home, 'authtoken.secret'), 'utf8');
}

const NWID = '8056c2e21c000001';

test('zerotier-cli finds the daemon through -D, ZEROTIER_HOME or -p/-T, and says why when it cannot', async () => {
  await daemonUp();
  const info = `200 info ${addr} 1.14.1 OFFLINE\n`;
  assert.deepEqual(run('zerotier-cli', [`-D${home}`, 'info']), { code: 0, out: info, err: '' });
  assert.deepEqual(run('zerotier-cli', ['info'], { env: { ZEROTIER_HOME: home } }), { code: 0, out: info, err: '' });
  assert.deepEqual(run('zerotier-cli', [`-p${port}`, `-T${token}`, 'status'], { env: { ZEROTIER_HOME: join(work, 'nowhere') } }), { code: 0, out: info, err: '' }, '1.14.1 prints "200 info" for status too');
  assert.deepEqual(run('zerotier-cli', [`-p${port}`, '-Twrong', 'info']), { code: 1, out: '401 info {}\n', err: '' });
  const nowhere = join(work, 'nowhere');
  assert.deepEqual(run('zerotier-cli', [`-D${nowhere}`, 'info']), { code: 2, out: '', err: `zerotier-cli: missing port and zerotier-one.port not found in ${nowhere}\n` });
  // The token in the user's own file, when the home's is not readable.
  const user = join(work, 'user');
  mkdirSync(user, { recursive: true });
  writeFileSync(join(user, '.zeroTierOneAuthToken'), token);
  const portOnly = join(work, 'port-only');
  mkdirSync(portOnly, { recursive: true });
  writeFileSync(join(portOnly, 'zerotier-one.port'), String(port));
  assert.deepEqual(run('zerotier-cli', [`-D${portOnly}`, 'info'], { env: { HOME: user } }), { code: 0, out: info, err: '' });
  assert.deepEqual(run('zerotier-cli', [`-D${portOnly}`, 'info'], { env: { HOME: work } }), {
    code: 2,
    out: '',
    err: `zerotier-cli: authtoken.secret not found or readable in ${portOnly} (try again as root)\n`,
  });
  // Default home: /var/lib/zerotier-one (none here), named in the sentence.
  const r = run('zerotier-cli', ['info'], { env: { ZEROTIER_HOME: '' } });
  if (!existsSync('/var/lib/zerotier-one/zerotier-one.port')) assert.deepEqual(r, { code: 2, out: '', err: 'zerotier-cli: missing port and zerotier-one.port not found in /var/lib/zerotier-one\n' });
});

test('zerotier-cli join, set, get, listnetworks, leave; ztkube prints the same with -D/-p/-T/-H', async () => {
  await daemonUp();
  const z = (...args: string[]): Run => run('zerotier-cli', [`-D${home}`, ...args]);
  const k = (...args: string[]): Run => run('ztkube', args);
  assert.deepEqual(z('join', NWID), { code: 0, out: '200 join OK\n', err: '' });
  const set = z('set', NWID, 'allowDNS=1');
  assert.equal(set.code, 0, set.err);
  assert.equal(JSON.parse(set.out).allowDNS, true, 'the raw network object, no newline');
  assert.ok(!set.out.endsWith('\n'));
  assert.deepEqual(z('get', NWID, 'allowDNS'), { code: 0, out: '1\n', err: '' });
  assert.deepEqual(z('get', NWID, 'status'), { code: 0, out: 'REQUESTING_CONFIGURATION\n', err: '' });
  assert.deepEqual(z('get', NWID, 'ip'), { code: 0, out: '\n', err: '' });
  assert.deepEqual(z('get', NWID, 'routes'), { code: 0, out: 'error, unknown property name\n', err: '' });
  assert.deepEqual(z('get', '0000000000000001', 'ip'), { code: 0, out: '', err: 'unknown network ID, check that you are a member of the network\n' });
  for (const cmd of [['listnetworks'], ['-j', 'listnetworks'], ['listpeers'], ['-j', 'info'], ['get', NWID, 'mac']]) {
    const theirs = z(...cmd);
    const ours = k(...cmd.filter((c) => c !== '-j'), ...(cmd.includes('-j') ? ['-j'] : []), '-D', home);
    assert.equal(ours.code, theirs.code, cmd.join(' '));
    const dropClock = (s: string): string => s.replace(/"clock": \d+/, '').replace(/;\d+;\d+ /g, ';x;x ');
    assert.equal(dropClock(ours.out), dropClock(theirs.out), cmd.join(' '));
  }
  assert.deepEqual(k('get', NWID, 'allowDNS', `-p${port}`, `-T${token}`, '-H127.0.0.1'), { code: 0, out: '1\n', err: '' });
  assert.deepEqual(k('set', NWID, 'mtu=1', '-D', home), { code: 2, out: '', err: 'ztkube: set: the setting\'s name must be one of allowManaged, allowGlobal, allowDefault, allowDNS, got "mtu"\n' });
  assert.deepEqual(z('set', NWID, 'mtu=1'), { code: 0, out: '', err: '' }, 'zerotier-cli does nothing, as 1.14.1');
  const closed = await freePort();
  assert.deepEqual(k('info', '-p', String(closed), '-T', 'x'), {
    code: 1,
    out: `Error connecting to the ZeroTier service: connection failed\n\nPlease check that the service is running and that TCP port ${closed} can be contacted via 127.0.0.1.\n`,
    err: '',
  });
  assert.deepEqual(z('leave', NWID), { code: 0, out: '200 leave OK\n', err: '' });
  assert.deepEqual(z('-j', 'leave', NWID), { code: 0, out: '{}', err: '' });
  assert.deepEqual(z('listbonds'), { code: 0, out: '    <peer>                        <bondtype>     <links>\n      NONE\t\t\t\tNONE\t    NONE       NONE\n', err: '' });
});

test('zerotier-cli dump writes zerotier_dump.txt in the working directory', async () => {
  await daemonUp();
  const cwd = join(work, 'dump');
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'zerotier_dump.txt'), 'x'.repeat(100_000)); // longer than the dump: nothing of it may remain
  const r = run('zerotier-cli', [`-D${home}`, 'dump'], { cwd });
  assert.deepEqual(r, { code: 0, out: `Writing dump to: ${join(cwd, 'zerotier_dump.txt')}\n`, err: '' });
  const text = readFileSync(join(cwd, 'zerotier_dump.txt'), 'utf8');
  assert.match(text, new RegExp(`^platform: Linux\\nzerotier version: 1\\.14\\.1\\n\\nstatus\\n------\\n\\{"address":"${addr}",.*\\}\\n\\nnetworks\\n--------\\n\\[.*\\]\\n\\npeers\\n-----\\n\\[.*\\]\\n\\nlocal\\.conf\\n----------\\nNone Present\\n\\nNetwork Interfaces\\n------------------\\n\\n`));
  assert.ok(!text.includes('xxx'));
  assert.ok(!/Name: lo\n/.test(text), 'no loopback');
});

test('ztkube network and member: create, list, show, authorize, set, deauthorize, delete; bad ids refused', async () => {
  await daemonUp();
  const k = (...args: string[]): Run => run('ztkube', [...args, '-D', home]);
  let r = k('network', 'create', '--name', 'lab', '--pool', '10.9.0.10-10.9.0.20', '--route', '10.9.0.0/24', '--v6', '6plane', '-j');
  assert.equal(r.code, 0, r.err);
  const created = JSON.parse(r.out);
  const nwid: string = created.id;
  assert.match(nwid, new RegExp(`^${addr}[0-9a-f]{6}$`));
  assert.equal(created.name, 'lab');
  assert.equal(created.private, true);
  assert.deepEqual(created.ipAssignmentPools, [{ ipRangeStart: '10.9.0.10', ipRangeEnd: '10.9.0.20' }]);
  assert.deepEqual(created.v4AssignMode, { zt: true });
  assert.deepEqual(created.v6AssignMode, { '6plane': true, rfc4193: false, zt: false });
  r = k('network', 'list');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^NETWORK +NAME +ACCESS +AUTHORIZED/MEMBERS +POOLS\\n${nwid}  lab +private +0/0 +10\\.9\\.0\\.10-10\\.9\\.0\\.20\\n$`));
  r = k('network', 'show', nwid);
  assert.match(r.out, new RegExp(`^network: +${nwid}\\nname: +lab\\naccess: +private\\npools: +10\\.9\\.0\\.10-10\\.9\\.0\\.20\\nroutes: +10\\.9\\.0\\.0/24\\n`));
  const member = 'abcdef0123';
  r = k('member', 'authorize', nwid, member);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^member: +${member}\\nnetwork: +${nwid}\\nname: +-\\nauthorized: +true\\n`));
  r = k('member', 'set', nwid, member, 'name=box', 'ipAssignments=10.9.0.5', 'activeBridge=true', '-j');
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(r.out);
  assert.deepEqual([m.name, m.ipAssignments, m.activeBridge], ['box', ['10.9.0.5'], true]);
  r = k('member', 'list', nwid);
  assert.match(r.out, new RegExp(`^MEMBER +AUTHORIZED +NAME +IPS +BRIDGE +VERSION\\n${member}  yes +box +10\\.9\\.0\\.5 +yes +-\\n$`));
  r = k('member', 'deauthorize', nwid, member);
  assert.match(r.out, /\nauthorized: +false\n/);
  assert.match(k('network', 'list').out, / 0\/1 /);
  // Errors: one sentence, non-zero.
  assert.deepEqual(k('member', 'show', nwid, 'xyz'), { code: 2, out: '', err: 'ztkube: the member must be a node address of 10 hex digits, got "xyz"\n' });
  assert.deepEqual(k('network', 'show', '123'), { code: 2, out: '', err: 'ztkube: the network id must be 16 hex digits, got "123"\n' });
  assert.deepEqual(k('member', 'set', nwid, member, 'colour=red'), {
    code: 2,
    out: '',
    err: 'ztkube: member set: each setting must be <key>=<value> with a key of name, authorized, activeBridge, noAutoAssignIps, ipAssignments, got "colour=red"\n',
  });
  assert.deepEqual(k('network', 'create', '--pool', '10.0.0.1'), { code: 2, out: '', err: 'ztkube: --pool must be <first IP>-<last IP>, got "10.0.0.1"\n' });
  assert.deepEqual(k('member', 'show', nwid, '0123456789'), { code: 1, out: '', err: `ztkube: member 0123456789 of network ${nwid} is not on this node's controller (or the network is not)\n` });
  r = k('network', 'delete', nwid);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^deleted:\\nnetwork: +${nwid}\\n`));
  assert.deepEqual(k('network', 'show', nwid), { code: 1, out: '', err: `ztkube: network ${nwid} is not on this node's controller\n` });
  assert.equal(k('network', 'list').out, 'NETWORK  NAME  ACCESS  AUTHORIZED/MEMBERS  POOLS\n');
});

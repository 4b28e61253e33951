// Issue #6 as a new user meets it: operator mistakes with files, homes and ports end in one
// sentence naming the path (or port) and exit 1, never a stack trace or a silent spin. Each
// case runs the built bin/ztkube in a child process, in a temp dir, on loopback only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { waitFor } from '../helpers/netns.js';
import { makeHomes } from '../helpers/zt-homes.js';
import { exited, startDaemon } from '../helpers/daemon-process.js';
import { STARTUP_EXIT_CODES } from '../../src/cli/daemon.js';

const bin = join(repoRoot, 'bin', 'ztkube');
const env = { ...process.env, ZTKUBE_SAFETY: 'test' };
let work = '';
const children: ChildProcess[] = [];

before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-errors-${process.pid}-`));
  chmodSync(work, 0o755); // the unprivileged case below runs as nobody
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function run(args: string[], opts: SpawnSyncOptions = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(bin, args, { cwd: work, encoding: 'utf8', timeout: 20_000, env, ...opts });
  return { code: r.status, out: String(r.stdout), err: String(r.stderr) };
}

/** Exit `code` (1 unless said) and exactly one line on stderr, matching re: no stack trace. */
function assertOneLine(r: { code: number | null; err: string }, re: RegExp, code = 1): void {
  assert.equal(r.code, code, r.err);
  assert.equal(r.err.split('\n').length, 2, `one line, got:\n${r.err}`);
  assert.match(r.err, re);
}

test('daemon: a home under a file, on /proc or /sys is refused at once in one sentence', () => {
  writeFileSync(join(work, 'afile'), 'x');
  assertOneLine(run(['daemon', '--home', join(work, 'afile', 'home')]), new RegExp(`^ztkube: ${work}/afile/home: cannot be created because ${work}/afile is not a directory\\n$`), STARTUP_EXIT_CODES.homeUnusable);
  const started = Date.now();
  assertOneLine(run(['daemon', '--home', '/proc/ztkube-home'], { timeout: 10_000 }), /^ztkube: \/proc\/ztkube-home: is on procfs \(\/proc\), which cannot hold files; choose a directory on a real file system\n$/, STARTUP_EXIT_CODES.homeUnusable);
  assertOneLine(run(['daemon', '--home', '/sys/ztkube-home']), /^ztkube: \/sys\/ztkube-home: is on sysfs/, STARTUP_EXIT_CODES.homeUnusable);
  assert.ok(Date.now() - started < 8_000, 'no spinning');
});

test('daemon: a home this user may not create or write is refused with EACCES', () => {
  const ro = join(work, 'readonly');
  mkdirSync(ro, { mode: 0o555 });
  chmodSync(ro, 0o555);
  // Root may write anywhere, so as root the command runs as nobody, like a new user would.
  const asUser: SpawnSyncOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, cwd: '/' } : {};
  assertOneLine(run(['daemon', '--home', join(ro, 'home')], asUser), new RegExp(`^ztkube: ${ro}/home: permission denied \\(EACCES\\) creating the home directory in ${ro}\\n$`), STARTUP_EXIT_CODES.homeUnusable);
  assertOneLine(run(['daemon', '--home', ro], asUser), new RegExp(`^ztkube: ${ro}: permission denied \\(EACCES\\) checking that the home directory is writable\\n$`), STARTUP_EXIT_CODES.homeUnusable);
  if (process.getuid?.() === 0) {
    assertOneLine(run(['daemon', '--home', '/var/lib/ztkube-test-home'], asUser), /^ztkube: \/var\/lib\/ztkube-test-home: permission denied \(EACCES\) creating the home directory in \/var\/lib\n$/, STARTUP_EXIT_CODES.homeUnusable);
  }
});

test('planet create and genmoon: missing directories and malformed files are named', () => {
  assertOneLine(run(['planet', 'create', 'roots.json', '/nonexistent/dir/planet']), /^roots\.json: no such file or directory \(ENOENT\) reading the planet description\n$/);
  writeFileSync(join(work, 'roots.json'), JSON.stringify([{ identity: '836faffcb4:0:e1ea006cf45bc1fe9484882637fbb38278fbdb03bc9a47c6db7a7a02390e2876da9657088730e76604ef74e4d61ce54f0a667ae535b39335ed283638d2d9e044', stableEndpoints: ['10.0.0.1/9993'] }]));
  assertOneLine(run(['planet', 'create', 'roots.json', '/nonexistent/dir/planet']), /^\/nonexistent\/dir\/planet\.signing\.json: directory \/nonexistent\/dir does not exist \(ENOENT\) writing the signing key\n$/);
  writeFileSync(join(work, 'moon.json'), '{\n "id": "abcd",\n "worldType": "moon",\n}\n');
  assertOneLine(run(['idtool', 'genmoon', 'moon.json']), /^moon\.json: not valid JSON at line 4 column 1: /);
});


async function udpSocket(port = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(port, '127.0.0.1', r));
  return s;
}

test('daemon: a second daemon on the same home, and a busy primary port, are refused', async () => {
  const rootSock = await udpSocket(); // stands in for the planet's root; it never answers
  const homes = makeHomes(join(work, 'nodes'), ['a', 'b'], 'a', `127.0.0.1/${rootSock.address().port}`);
  const probe = await udpSocket();
  const port = probe.address().port;
  probe.close();
  const first = startDaemon(children, homes.home('a'), port, ['--no-allow-secondary-port'], [bin]);
  try {
    await waitFor('the first daemon to start', () => existsSync(join(homes.home('a'), 'zerotier-one.port')), 20_000);
    const pid = first.child.pid!;
    assert.match(readFileSync(join(homes.home('a'), 'ztkube.lock'), 'utf8'), new RegExp(`^${pid} `));
    // Same home, another port: the lock stops it before it touches anything.
    const second = run(['daemon', '--home', homes.home('a'), '--port', String(port + 1), '--bind', '127.0.0.1']);
    assertOneLine(second, new RegExp(`^ztkube: ${homes.home('a')}: in use by another ztkube daemon \\(pid ${pid}, lock file .*ztkube\\.lock\\); stop it or choose another --home\\n$`), STARTUP_EXIT_CODES.homeUnusable);
    // Another home, the same port: like zerotier-one, start-up fails instead of going on without it.
    const busy = run(['daemon', '--home', homes.home('b'), '--port', String(port), '--bind', '127.0.0.1', '--log-level', 'error']);
    assertOneLine(busy, new RegExp(`^ztkube: UDP port ${port} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)`), STARTUP_EXIT_CODES.portInUse);
    assert.equal(existsSync(join(homes.home('b'), 'ztkube.lock')), false, 'the failed start released its lock');
    first.child.kill('SIGTERM');
    assert.equal(await exited(first.child), 0, first.log());
    assert.equal(existsSync(join(homes.home('a'), 'ztkube.lock')), false, 'a clean stop releases the lock');
  } finally {
    first.child.kill('SIGKILL');
    rootSock.close();
  }
});

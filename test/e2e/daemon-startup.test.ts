// `ztkube daemon` failing to start, as an operator meets it: one sentence on stderr naming the
// file, field or device, and an exit code of its own (STARTUP_EXIT_CODES), no stack trace,
// nothing made or overwritten. Each case runs the built CLI in a child process on a temp home.
// The busy UDP and TCP ports are in cli-errors.test.ts and local-api.test.ts, the unusable
// home in cli-errors.test.ts. "No /dev/net/tun" runs in a private mount namespace whose
// /dev/net is an empty tmpfs; "not root" runs as nobody. Both need root and are skipped without.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/zt-homes.js';
import { STARTUP_EXIT_CODES } from '../../src/cli/daemon.js';
import { testIdentity } from '../sim/zt-net.js';

const env = { ...process.env, ZTKUBE_SAFETY: 'test' };
const isRoot = process.getuid?.() === 0;
const hasUnshare = spawnSync('unshare', ['--version']).status === 0;
let work = '';

before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-startup-${process.pid}-`));
  chmodSync(work, 0o755); // the unprivileged case runs as nobody
});
after(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh home holding `files` (name → content). */
function home(files: Record<string, string> = {}): string {
  const dir = join(work, `h${n++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function daemon(dir: string, extra: string[] = [], opts: SpawnSyncOptions = {}, program: string[] = [process.execPath, cli]): { code: number | null; err: string } {
  const [cmd, ...pre] = program;
  const r = spawnSync(cmd, [...pre, 'daemon', dir, '--port', '39997', '--bind', '127.0.0.1', ...extra], { encoding: 'utf8', timeout: 30_000, env, ...opts });
  return { code: r.status, err: String(r.stderr) };
}

/** The exit code and exactly one line on stderr matching re. */
function assertFails(r: { code: number | null; err: string }, code: number, re: RegExp): void {
  assert.equal(r.code, code, r.err);
  assert.equal(r.err.split('\n').length, 2, `one line, got:\n${r.err}`);
  assert.match(r.err, re);
}

test('a local.conf that is not JSON, not an object, or has an impossible value: exit 3 naming the file and field; nothing made', () => {
  const cases: Array<[string, RegExp]> = [
    ['{\n  "settings": {\n    "primaryPort": 9993,\n  }\n}', /^ztkube: .*\/local\.conf: not valid JSON at line 4 column 3\n$/],
    ['"settings"', /^ztkube: .*\/local\.conf: must hold a JSON object, got "settings"\n$/],
    ['{"settings": {"primaryPort": 70000}}', /^ztkube: .*\/local\.conf: settings\.primaryPort must be an integer 0-65535, got 70000\n$/],
    ['{"settings": {"allowManagementFrom": ["10.0.0.0/40"]}}', /^ztkube: .*\/local\.conf: settings\.allowManagementFrom\[0\] must be IP\/bits, got "10\.0\.0\.0\/40"\n$/],
    ['{"physical": {"10.0.0.0/8": {"mtu": "big"}}}', /^ztkube: .*\/local\.conf: physical\["10\.0\.0\.0\/8"\]\.mtu must be an integer 0-10324, got "big"\n$/],
  ];
  for (const [text, re] of cases) {
    const dir = home({ 'local.conf': text });
    assertFails(daemon(dir), STARTUP_EXIT_CODES.badLocalConf, re);
    assert.deepEqual(readdirSync(dir), ['local.conf'], 'no identity, token or lock left behind');
  }
});

test('an unreadable, invalid or mismatched identity: exit 5 naming the file; identity.public is not rewritten', () => {
  const a = testIdentity('startup-a');
  const b = testIdentity('startup-b');
  assertFails(daemon(home({ 'identity.secret': 'not an identity' })), STARTUP_EXIT_CODES.badIdentity, /^ztkube: .*\/identity\.secret: not a valid identity \(/);
  assertFails(daemon(home({ 'identity.secret': a.toString(false) })), STARTUP_EXIT_CODES.badIdentity, /^ztkube: .*\/identity\.secret: holds no private key\n$/);
  const unreadable = home();
  mkdirSync(join(unreadable, 'identity.secret'));
  assertFails(daemon(unreadable), STARTUP_EXIT_CODES.badIdentity, /^ztkube: .*\/identity\.secret: is a directory \(EISDIR\) reading it\n$/);
  const mismatched = home({ 'identity.secret': a.toString(true), 'identity.public': b.toString(false) });
  const addrB = b.address.toString(16).padStart(10, '0');
  assertFails(daemon(mismatched), STARTUP_EXIT_CODES.badIdentity, new RegExp(`^ztkube: .*/identity\\.public: holds the identity of ${addrB}, not the public part of .*/identity\\.secret \\(`));
  assert.equal(readFileSync(join(mismatched, 'identity.public'), 'utf8'), b.toString(false));
  const orphan = home({ 'identity.public': b.toString(false) });
  assertFails(daemon(orphan), STARTUP_EXIT_CODES.badIdentity, /^ztkube: .*\/identity\.public: exists without .*\/identity\.secret; restore the secret/);
  assert.deepEqual(readdirSync(orphan), ['identity.public'], 'no new identity made over it');
});

test('no /dev/net/tun: exit 7 with a way out (a private mount namespace hides the device)', { skip: !(isRoot && hasUnshare) && 'needs root and unshare' }, () => {
  // The tmpfs exists only in the child's mount namespace, which ends with it.
  const script = 'mount -t tmpfs ztkube-test /dev/net && exec "$@"';
  const r = daemon(home(), [], {}, ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', process.execPath, cli]);
  assertFails(r, STARTUP_EXIT_CODES.noTun, /^ztkube: \/dev\/net\/tun: does not exist, so no TAP can be made; load the tun module \(modprobe tun\), or run with --no-taps\n$/);
  assert.equal(existsSync('/dev/net/tun'), true, "the host's device is untouched");
});

test('not root (no CAP_NET_ADMIN) with TAPs: exit 8 with a way out; with --no-taps it gets past the check', { skip: !isRoot && 'needs root to run as nobody' }, () => {
  const dir = home();
  chownSync(dir, 65534, 65534);
  const asNobody: SpawnSyncOptions = { uid: 65534, gid: 65534, cwd: '/' };
  assertFails(daemon(dir, [], asNobody), STARTUP_EXIT_CODES.tapNotPermitted, /^ztkube: making TAP devices needs root or CAP_NET_ADMIN, and this process \(uid 65534\) has neither; run it as root, grant CAP_NET_ADMIN, or run with --no-taps\n$/);
  // Past the check it stops at the next missing thing (this home has no planet), exit 1.
  const r = daemon(dir, ['--no-taps', '--log-level', 'error'], asNobody);
  assertFails(r, 1, /planet: missing, and ZTKUBE_SAFETY=test forbids the public planet/);
});

test('flags given twice or wrong are usage errors: exit 2', () => {
  assertFails(daemon(home(), ['--home', '/elsewhere']), STARTUP_EXIT_CODES.badFlags, /^ztkube: the home is given twice, as ".*" and --home "\/elsewhere"; give one\n$/);
  assertFails(daemon(home(), ['--bind', 'nonsense']), STARTUP_EXIT_CODES.badFlags, /^ztkube: --bind must be an IP address, got "nonsense"\n$/);
});

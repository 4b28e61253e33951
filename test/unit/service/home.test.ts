// The home directory on a real file system (temp dirs only): prepareHome's checks and
// creation, and lockHome's lock file with stale-lock detection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockHome, prepareHome } from '../../../src/service/home.js';
import { FileError, HomeInUseError, ZtkubeError } from '../../../src/util/errors.js';
import { waitFor } from '../../helpers/netns.js';
import { repoRoot } from '../../helpers/shared.js';

let work = '';
before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-home-${process.pid}-`));
});
after(() => {
  rmSync(work, { recursive: true, force: true });
});

function refused(fn: () => void, re: RegExp, errno: string | null): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FileError, String(e));
    assert.equal(e.code, 'file_error');
    assert.equal(e.errno, errno);
    assert.match(e.message, re);
    return true;
  });
}

test('prepareHome creates every missing level with mode 0700 and accepts an existing home', () => {
  const home = join(work, 'a', 'b', 'home');
  prepareHome(home);
  for (const d of [join(work, 'a'), join(work, 'a', 'b'), home]) assert.equal(statSync(d).mode & 0o777, 0o700, d);
  prepareHome(home);
});

test('prepareHome refuses a home under a file, a file as home, and a dangling link, naming the path', () => {
  writeFileSync(join(work, 'afile'), 'x');
  refused(() => prepareHome(join(work, 'afile', 'home')), new RegExp(`^${join(work, 'afile', 'home')}: cannot be created because ${join(work, 'afile')} is not a directory$`), 'ENOTDIR');
  refused(() => prepareHome(join(work, 'afile')), /afile: exists but is not a directory$/, 'ENOTDIR');
  symlinkSync(join(work, 'nowhere'), join(work, 'dangling'));
  refused(() => prepareHome(join(work, 'dangling')), /dangling: is a symbolic link to .*nowhere, which does not exist$/, 'ENOENT');
  assert.equal(existsSync(join(work, 'nowhere')), false);
});

test('prepareHome refuses /proc and /sys at once (Node would spin on mkdir there)', () => {
  const started = Date.now();
  refused(() => prepareHome('/proc/ztkube-home'), /^\/proc\/ztkube-home: is on procfs \(\/proc\), which cannot hold files/, null);
  refused(() => prepareHome('/proc/self/ztkube'), /^\/proc\/self\/ztkube: is on procfs/, null);
  refused(() => prepareHome('/sys/kernel/ztkube/x'), /^\/sys\/kernel\/ztkube\/x: is on sysfs/, null);
  // Through a link, too: the check is on the real path.
  symlinkSync('/proc', join(work, 'proc-link'));
  refused(() => prepareHome(join(work, 'proc-link', 'home')), /proc-link\/home: is on procfs \(\/proc\)/, null);
  assert.ok(Date.now() - started < 1000);
});

test('prepareHome refuses a directory this user cannot write', { skip: process.getuid?.() === 0 ? 'root writes anywhere (test/e2e/cli-errors runs this as nobody)' : false }, () => {
  const ro = join(work, 'ro');
  mkdirSync(ro, { mode: 0o555 });
  refused(() => prepareHome(join(ro, 'home')), new RegExp(`^${ro}/home: permission denied \\(EACCES\\) creating the home directory in ${ro}$`), 'EACCES');
  refused(() => prepareHome(ro), /ro: permission denied \(EACCES\) checking that the home directory is writable$/, 'EACCES');
  chmodSync(ro, 0o755);
});

test('lockHome: a second lock is refused while the first is held; release frees it', () => {
  const home = join(work, 'lock1');
  prepareHome(home);
  const release = lockHome(home);
  const lockText = readFileSync(join(home, LOCK_FILE), 'utf8');
  assert.match(lockText, new RegExp(`^${process.pid} (\\d+|-)\\n$`));
  assert.throws(() => lockHome(home), (e: unknown) => {
    assert.ok(e instanceof HomeInUseError);
    assert.equal(e.code, 'home_in_use');
    assert.equal(e.pid, process.pid);
    assert.equal(e.message, `${home}: in use by another ztkube daemon (pid ${process.pid}, lock file ${join(home, LOCK_FILE)}); stop it or choose another --home`);
    return true;
  });
  assert.equal(readFileSync(join(home, LOCK_FILE), 'utf8'), lockText, 'the refused attempt left the lock alone');
  release();
  assert.equal(existsSync(join(home, LOCK_FILE)), false);
  release(); // twice is harmless
  const again = lockHome(home);
  again();
  assert.deepEqual(
    (spawnSync('ls', ['-A', home], { encoding: 'utf8' }).stdout as string).trim(),
    '',
    'no temporary files left behind',
  );
});

test('lockHome replaces a stale lock: dead pid, reused pid, or text it did not write', () => {
  const home = join(work, 'lock2');
  prepareHome(home);
  const lock = join(home, LOCK_FILE);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout);
  assert.ok(deadPid > 0);
  const stale = [`${deadPid} 12345\n`, `${deadPid} -\n`, `${process.pid} 1\n`, 'garbage', ''];
  if (!existsSync('/proc/self/stat')) stale.splice(2, 1); // a reused pid is only told apart with procfs
  for (const text of stale) {
    writeFileSync(lock, text);
    const release = lockHome(home);
    assert.match(readFileSync(lock, 'utf8'), new RegExp(`^${process.pid} `), JSON.stringify(text));
    release();
  }
});

test('release removes only its own lock', () => {
  const home = join(work, 'lock3');
  prepareHome(home);
  const release = lockHome(home);
  writeFileSync(join(home, LOCK_FILE), '1 -\n'); // somebody else's now (pid 1 is alive)
  release();
  assert.equal(readFileSync(join(home, LOCK_FILE), 'utf8'), '1 -\n');
  assert.throws(() => lockHome(home), (e: unknown) => e instanceof HomeInUseError && e.pid === 1);
});

test('a lock held by another live process is refused with that pid; free once it exits', async () => {
  const home = join(work, 'lock4');
  prepareHome(home);
  const holder = spawn(
    process.execPath,
    ['--input-type=module', '-e', `const { lockHome } = await import(${JSON.stringify(join(repoRoot, 'dist', 'src', 'service', 'home.js'))}); lockHome(${JSON.stringify(home)}); console.log('locked'); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    let out = '';
    holder.stdout!.on('data', (d) => (out += d));
    await waitFor('the other process to lock', () => out.includes('locked'), 10_000);
    assert.throws(() => lockHome(home), (e: unknown) => e instanceof HomeInUseError && e.pid === holder.pid);
  } finally {
    holder.kill('SIGKILL');
  }
  await new Promise((r) => (holder.exitCode !== null || holder.signalCode !== null ? r(null) : holder.once('exit', r)));
  const release = lockHome(home); // killed without releasing: its lock is stale now
  release();
});

test('lockHome on a home that does not exist names the file', () => {
  assert.throws(() => lockHome(join(work, 'absent')), (e: unknown) => e instanceof ZtkubeError && /absent\/ztkube\.lock: no such file or directory \(ENOENT\) creating the lock of the home directory$/.test(e.message));
});

// The TAP addon (native/) on its own: the error paths and lifetimes that LinuxTap's normal
// use never reaches. Each scenario of tap-addon-child.ts runs in a child process in a
// namespace of ours, so a memory error kills the child, not the runner, and the test asserts
// on its exit status and output. With ZTKUBE_VALGRIND=1 (`make check-native`,
// tap-addon-valgrind.test.ts) every child runs under valgrind, and any invalid read or
// write, use of uninitialised memory or definite leak fails the test.
//
//   namespace ztkt<pid>n (lo, IPv6 off)             namespace ztkt<pid>o
//   ┌──────────────────────────────────────┐        ┌──────────────────────┐
//   │ child: TAP zta<pid>_<n> 10.77.0.1/24 │ ─move─▶│ "moved": the TAP     │
//   │ UDP → 10.77.0.2 (static neighbour)   │        │ lands here           │
//   └──────────────────────────────────────┘        └──────────────────────┘
// Both namespaces are deleted in `after`; children that outlive their deadline are killed by PID.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasNetns, trackNetns } from '../helpers/netns.js';
import { findTapAddon } from '../../src/net/tap/addon.js';
import type { ChildOptions } from './tap-addon-child.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const VALGRIND = process.env.ZTKUBE_VALGRIND === '1';
const skip = hasNetns() ? false : 'needs root and ip netns';
const ns = `ztkt${process.pid}n`;
const otherNs = `ztkt${process.pid}o`;
const childPath = join(here, 'tap-addon-child.js');
const waitMs = VALGRIND ? 60_000 : 5_000;
const deadlineMs = VALGRIND ? 300_000 : 30_000;
const running = new Set<ChildProcess>();
let seq = 0;

/** Options for a child with a TAP name of its own. */
function opts(): ChildOptions {
  return { name: `zta${process.pid % 100000}_${seq++}`, otherNs, waitMs };
}

const VALGRIND_ARGS = [
  'valgrind',
  '--error-exitcode=97',
  `--suppressions=${join(root, 'native', 'valgrind-node.supp')}`,
  '--leak-check=full',
  '--errors-for-leak-kinds=definite',
  '--show-leak-kinds=definite',
  '--track-origins=yes',
];

interface ChildResult {
  status: number | null;
  stdout: string;
  stderr: string;
  facts: Array<{ scenario: string; [k: string]: unknown }>;
}

/** Runs `node args…` in our namespace behind `wrap` (setpriv, unshare), under valgrind if asked. */
function runInNs(wrap: string[], args: string[]): Promise<ChildResult> {
  const argv = ['ip', 'netns', 'exec', ns, ...wrap, ...(VALGRIND ? VALGRIND_ARGS : []), process.execPath, ...args];
  // Valgrind keeps a core busy for a minute; niced, it does not starve the timing-sensitive
  // tests that `make test` runs beside it.
  if (VALGRIND) argv.unshift('nice', '-n', '19');
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_TEST_CONTEXT: undefined } });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // nice, ip netns exec, setpriv, unshare and sh all exec, so this PID is the node (or valgrind) process.
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      running.delete(child);
      const facts = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as ChildResult['facts'][number]);
      resolve({ status, stdout, stderr, facts });
    });
  });
}

/** Runs scenarios in one child and checks it passed them all (and valgrind found nothing). */
async function scenarios(names: string[], o: ChildOptions, wrap: string[] = []): Promise<ChildResult> {
  const r = await runInNs(wrap, ['--expose-gc', childPath, names.join(','), JSON.stringify(o)]);
  const report = `exit ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.status, 0, report);
  assert.deepEqual(
    r.facts.map((f) => f.scenario),
    names,
    report,
  );
  if (VALGRIND) assert.match(r.stderr, /ERROR SUMMARY: 0 errors/, report);
  return r;
}

function linkExists(netns: string, name: string): boolean {
  return spawnSync('ip', ['-n', netns, 'link', 'show', 'dev', name], { stdio: 'ignore' }).status === 0;
}

const noCap = ['setpriv', '--bounding-set=-net_admin', '--inh-caps=-net_admin'];
const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
// A mount namespace of the child's own, where /dev/net is an empty tmpfs; it ends with the child.
const noTun = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs ztkube-no-tun /dev/net && exec "$@"', 'sh'];
// With a world-writable /dev/net/tun an unprivileged user gets as far as TUNSETIFF.
const tunIsOpenToAll = existsSync('/dev/net/tun') && (statSync('/dev/net/tun').mode & 0o006) === 0o006;

before(() => {
  if (skip) return;
  assert.ok(findTapAddon(), 'the TAP addon is not built (run make)');
  execFileSync('ip', ['netns', 'add', trackNetns(ns)]);
  execFileSync('ip', ['netns', 'add', trackNetns(otherNs)]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  // Namespace-local: without IPv6 the kernel sends nothing through a TAP unasked (RS, DAD, MLD).
  execFileSync('ip', ['netns', 'exec', ns, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6']);
});

after(() => {
  for (const c of running) c.kill('SIGKILL');
  if (skip) return;
  spawnSync('ip', ['netns', 'del', ns]);
  spawnSync('ip', ['netns', 'del', otherNs]);
});

// Under valgrind each node start costs ~15 s, so the scenarios that need no wrapper share one
// child, and two children run at a time; without it each scenario gets its own child.
describe('the TAP addon', { concurrency: VALGRIND ? 2 : 1 }, () => {
  if (VALGRIND) {
    test('all in-namespace scenarios run clean under valgrind', { skip }, async () => {
      const o = opts();
      await scenarios(['handle-args', 'detach-slab', 'detach-lengths', 'detach-in-callback', 'open-failures', 'lifecycle', 'moved', 'offload'], o);
      assert.ok(!linkExists(otherNs, o.name), 'the moved TAP outlived close');
    });
    test('the argument checks run clean under valgrind', { skip }, async () => {
      const r = await runInNs([], [join(root, 'dist', 'test', 'unit', 'net', 'tap-addon-args.test.js')]);
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /# fail 0\b/);
      assert.match(r.stderr, /ERROR SUMMARY: 0 errors/, r.stderr);
    });
  } else {
    test('argument checks that need a real handle, and calls on a closed one', { skip }, async () => {
      await scenarios(['handle-args'], opts());
    });

    test('a slab or lengths buffer detached while reading: EDETACHED, reading stops, nothing written', { skip }, async () => {
      const r = await scenarios(['detach-slab', 'detach-lengths'], opts());
      assert.deepEqual(
        r.facts.map((f) => f.report),
        [
          [0, 'EDETACHED'],
          [0, 'EDETACHED'],
        ],
      );
    });

    test('LinuxTap reports a slab transferred inside onFrames to onError', { skip }, async () => {
      const r = await scenarios(['detach-in-callback'], opts());
      assert.match(String(r.facts[0].error), /EDETACHED|detached/);
    });

    test('every failure of open after the device is attached closes it and frees the handle', { skip }, async () => {
      const r = await scenarios(['open-failures'], opts());
      assert.equal((r.facts[0].steps as string[]).length, 6);
    });

    test('offload: a partial UDP checksum from the kernel is completed; writeFrames writes', { skip }, async () => {
      await scenarios(['offload'], opts());
    });

    test('close inside onRead, and a dropped reading handle closed by its finalizer', { skip }, async () => {
      await scenarios(['lifecycle'], opts());
    });

    test('a TAP moved to another namespace: by-name calls say it must be in ours; close still removes it', { skip }, async () => {
      const o = opts();
      await scenarios(['moved'], o);
      assert.ok(!linkExists(otherNs, o.name), 'the moved TAP outlived close');
    });
  }

  test('without CAP_NET_ADMIN, open fails with EPERM and says what it needs', { skip }, async () => {
    const r = await scenarios(['no-cap'], opts(), noCap);
    assert.match(String(r.facts[0].message), /CAP_NET_ADMIN/);
  });

  test('as user nobody, open fails and says what it needs', { skip }, async () => {
    const r = await scenarios([tunIsOpenToAll ? 'no-cap' : 'nobody'], opts(), asNobody);
    assert.match(String(r.facts[0].message), /CAP_NET_ADMIN and read-write access to \/dev\/net\/tun/);
  });

  test('without /dev/net/tun, open fails with ENOENT and says the device node is missing', { skip: skip || (existsSync('/dev/tun') ? 'this host has /dev/tun, the fallback node' : false) }, async () => {
    const r = await scenarios(['no-tun'], opts(), noTun);
    assert.match(String(r.facts[0].message), /load the tun module/);
  });
});

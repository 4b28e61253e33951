// `ztkube demo` as a newcomer runs it (issue #9): a root that is also the controller and two
// members in namespaces, the network created and the members authorized through the CLI,
// pings over IPv4 and 6PLANE, zerotier-cli listnetworks and peers; and nothing left behind
// after Ctrl-C, whether it comes while the demo is kept running or in the middle of it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hasNetns, waitFor } from '../helpers/netns.js';
import { cli } from '../helpers/zt-homes.js';

const skip = !hasNetns() && 'needs root and iproute2';
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Demo {
  child: ChildProcess;
  out(): string;
  exit: Promise<number | null>;
}

function startDemo(args: string[]): Demo {
  const child = spawn(process.execPath, [cli, 'demo', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ZTKUBE_SAFETY: 'test' } });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
}

/** The namespaces the demo process `pid` made (netns-lab names them after its pid). */
function namespacesOf(pid: number): string[] {
  const prefix = `ztk${pid % 100000}`;
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(prefix) && /^(sw|h\d+)$/.test(n.slice(prefix.length)));
}

test('ztkube demo --keep: the network works, then Ctrl-C removes everything', { skip, timeout: 180_000 }, async () => {
  const d = startDemo(['--keep']);
  await waitFor(
    'the demo ready and kept',
    () => {
      if (d.child.exitCode !== null) throw new Error(`the demo ended with ${d.child.exitCode}`);
      return d.out().includes('Ctrl-C here removes everything.');
    },
    150_000,
    500,
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${d.out()}`);
  });
  const out = d.out();
  const nwid = /\$ ztkube network create .*\(on ctl\)\nnetwork: +([0-9a-f]{16})\n/.exec(out)?.[1];
  assert.ok(nwid, out);
  for (const h of ['m1', 'm2']) {
    assert.match(out, new RegExp(`\\$ zerotier-cli join ${nwid}   \\(on ${h}\\)\\n200 join OK\\n`));
    assert.match(out, new RegExp(`\\$ zerotier-cli listnetworks   \\(on ${h}\\)\\n200 listnetworks <nwid> .*\\n200 listnetworks ${nwid} demo [0-9a-f:]{17} OK PRIVATE zt\\w+ fc[0-9a-f:]+/40,10\\.147\\.17\\.\\d+/24\\n`));
    assert.match(out, new RegExp(`\\$ zerotier-cli peers   \\(on ${h}\\)\\n200 peers\\n<ztaddr> .*\\n[0-9a-f]{10} 1\\.14\\.1 `));
  }
  assert.equal(out.match(/, 0% packet loss/g)?.length, 2, 'IPv4 and 6PLANE pings all answered');
  assert.match(out, /MEMBER +AUTHORIZED .*\n[0-9a-f]{10}  yes .*\n[0-9a-f]{10}  yes /);
  const home = /ZEROTIER_HOME=(\S+)\/m1 /.exec(out)?.[1];
  assert.ok(home && existsSync(home), 'the instructions name the homes');
  assert.equal(namespacesOf(d.child.pid!).length, 4);
  d.child.kill('SIGINT');
  assert.equal(await d.exit, 0);
  assert.deepEqual(namespacesOf(d.child.pid!), []);
  assert.equal(existsSync(home!), false);
});

test('ztkube demo: Ctrl-C in the middle removes everything at once', { skip, timeout: 60_000 }, async () => {
  const d = startDemo([]);
  await waitFor('the namespaces made', () => /\nm2 +[0-9a-f]{10} at /.test(d.out()), 30_000, 100);
  d.child.kill('SIGINT');
  assert.equal(await d.exit, 130);
  assert.match(d.out(), /SIGINT: stopped; everything removed\n$/);
  assert.deepEqual(namespacesOf(d.child.pid!), []);
});

// A test process ended by a signal removes what it made (test/helpers/signal-cleanup.ts): a
// child that built a namespace lab with a process inside, plus a namespace of its own
// registered with trackNetns, is sent SIGTERM; afterwards neither namespace nor the process
// is left, and it exited as SIGTERM ends a process (143).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNetns, waitFor } from '../helpers/netns.js';
import { repoRoot } from '../helpers/shared.js';

const skip = !hasNetns() ? 'needs root and iproute2' : false;

function namespaces(): string[] {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM to a test process removes its namespaces and ends the processes it started', { skip }, async () => {
  const work = mkdtempSync(join(tmpdir(), `ztkube-signal-${process.pid}-`));
  const tag = `zts${process.pid}`;
  const script = join(work, 'child.mjs');
  writeFileSync(script, `
import { execFileSync } from 'node:child_process';
import { nsLab, trackNetns } from ${JSON.stringify(join(repoRoot, 'dist', 'test', 'helpers', 'netns.js'))};
const lab = nsLab(['a'], 250, '10.250.${process.pid % 250}');
const sleeper = lab.spawn(lab.hosts[0], 'sleep', ['600']);
execFileSync('ip', ['netns', 'add', trackNetns('${tag}x')]);
console.log(JSON.stringify({ namespaces: [lab.hosts[0].ns, '${tag}x'], sleeper: sleeper.pid }));
setInterval(() => {}, 1000);
`);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let made: { namespaces: string[]; sleeper: number } | null = null;
  try {
    made = (await waitFor('the child built its lab', () => (out.includes('\n') ? JSON.parse(out) : null), 20_000, 50).catch((e: Error) => {
      throw new Error(`${e.message}: ${err}`);
    })) as { namespaces: string[]; sleeper: number };
    for (const ns of made!.namespaces) assert.ok(namespaces().includes(ns), `${ns} exists while the child runs`);
    assert.ok(isAlive(made!.sleeper));
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    for (const ns of made!.namespaces) assert.ok(!namespaces().includes(ns), `${ns} removed`);
    await waitFor('the process started in the lab ended', () => !isAlive(made!.sleeper), 5_000, 50);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    // Only after a failure is anything left: the child's lab (named after its pid) and ours.
    const mine = [`ztk${(child.pid ?? 0) % 100000}sw`, ...(made?.namespaces ?? []), `${tag}x`];
    for (const ns of namespaces().filter((n) => mine.includes(n))) spawnSync('ip', ['netns', 'del', ns]);
    if (made && isAlive(made.sleeper)) process.kill(made.sleeper, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
});

// A test process ended by a signal (the runner's timeout, Ctrl-C, a `timeout make test`) runs
// no after-hooks, so what it made would outlive it. This handler removes it instead: every
// process this test started (its descendants, found through /proc, by PID), the namespace
// sets of src/demo/namespace-set.ts and the namespaces registered with trackNetns; then the
// process exits as the signal would have ended it.
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { teardownAll } from '../../src/demo/namespace-set.js';

const tracked = new Set<string>();
let isInstalled = false;

/** Registers a namespace made outside a NamespaceSet; a signal removes it (after the test's own cleanup it is simply gone). */
export function trackNetns(name: string): string {
  tracked.add(name);
  installSignalCleanup();
  return name;
}

export function installSignalCleanup(): void {
  if (isInstalled) return;
  isInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => cleanUpAndExit(signal));
}

/** This process's descendants, children before their own children. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // The comm field may hold spaces and parentheses: the ppid is the 2nd field after the last ')'.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // exited while listing
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) for (const c of children.get(queue.shift()!) ?? []) out.push(c), queue.push(c);
  return out;
}

function cleanUpAndExit(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP'): void {
  for (const pid of descendants(process.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  try {
    teardownAll();
  } catch {
    // best effort: the namespaces below still go
  }
  for (const ns of tracked) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  process.exit(128 + constants.signals[signal]);
}

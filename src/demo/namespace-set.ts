// Network namespaces and the processes started inside them, owned together so that one
// teardown removes everything, also after a failure: processes first (by PID, only ours),
// then the namespaces, newest first (deleting a namespace also removes its veth ends).
// The demo's switched LAN and the tests' NAT lab are both built on it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** Runs a command, failing with its stderr; output is not wanted. */
export function run(args: string[]): void {
  execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The sets with namespaces still up, so a signal handler can remove them all (teardownAll). */
const live = new Set<NamespaceSet>();

/** Tears down every set of this process that still holds namespaces (for signal handlers). */
export function teardownAll(): void {
  for (const set of [...live]) set.teardown();
}

export class NamespaceSet {
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  /** Creates a namespace with its loopback up. */
  add(ns: string): string {
    run(['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
    live.add(this);
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Runs a command inside `ns` and returns its standard output; a failure throws with its stderr (never printed, as callers poll). */
  exec(ns: string, cmd: string, args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Starts a process inside `ns` (with ZTKUBE_SAFETY=test unless `env` says otherwise); teardown ends it. */
  spawn(ns: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
    const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ZTKUBE_SAFETY: 'test', ...env } });
    this.children.push(c);
    return c;
  }

  teardown(): void {
    for (const c of this.children) {
      if (c.exitCode === null && c.signalCode === null && c.pid) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          // exited between the check and the kill
        }
      }
    }
    for (const ns of [...this.namespaces].reverse()) {
      try {
        run(['ip', 'netns', 'del', ns]);
      } catch {
        // deleted already
      }
    }
    this.namespaces.length = 0;
    live.delete(this);
  }
}

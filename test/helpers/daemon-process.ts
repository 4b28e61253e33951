// A ztkube daemon as a child process on loopback for the e2e tests: its output collected
// (the daemon's only log), the child recorded so the test's `after` can end it by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { cli } from './zt-homes.js';

export interface DaemonProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  log(): string;
}

/**
 * `daemon --home home --port port --bind 127.0.0.1 --log-format json …extra` under
 * ZTKUBE_SAFETY=test; `program` is how it is run (default: node on the built cmd).
 */
export function startDaemon(children: ChildProcess[], home: string, port: number, extra: string[] = [], program: string[] = [process.execPath, cli]): DaemonProcess {
  let log = '';
  const [cmd, ...pre] = program;
  const child = spawn(cmd, [...pre, 'daemon', '--home', home, '--port', String(port), '--bind', '127.0.0.1', '--log-format', 'json', ...extra], {
    env: { ...process.env, ZTKUBE_SAFETY: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  return { child, log: () => log };
}

/** The exit code once the child has ended (null when a signal ended it). */
export function exited(child: ChildProcess): Promise<number | null> {
  return ended(child).then((e) => e.code);
}

/** How the child ended: its exit code, or the signal that ended it. */
export function ended(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r({ code: child.exitCode, signal: child.signalCode }) : child.once('exit', (code, signal) => r({ code, signal }))));
}

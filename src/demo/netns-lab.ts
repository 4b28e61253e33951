// Hosts in network namespaces created on demand (tests and `ztkube demo`). Every name carries
// the creator's pid; teardown removes what was made, also after a failure. Traffic stays
// inside these namespaces: the switch namespace has no route anywhere else.
//
//            ns <prefix>sw: bridge "br0"
//          /        |         \
//   veth to ns     …          veth to ns
//   <prefix>h0                <prefix>hN      each host: eth0-like "vz0" with 10.<net>.0.(i+1)/24
import { execFileSync, type ChildProcess } from 'node:child_process';
import { NamespaceSet, run } from './namespace-set.js';

export interface LabHost {
  name: string;
  ns: string;
  ip: string;
}

export interface Lab {
  hosts: LabHost[];
  exec(host: LabHost, cmd: string, args: string[]): string;
  spawn(host: LabHost, cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  teardown(): void;
}

export function hasNetns(): boolean {
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return process.getuid?.() === 0;
  } catch {
    return false; // no iproute2 or no permission: the caller skips
  }
}

/**
 * Builds a switched LAN of `names.length` hosts on `<v4Prefix>.0/24` (default 10.<net>.0.0/24;
 * the TCP fallback test needs the GLOBAL-scope lab range 192.88.99, see service/safety.ts).
 */
export function nsLab(names: string[], net = 200 + (process.pid % 50), v4Prefix = `10.${net}.0`): Lab {
  const prefix = `ztk${process.pid % 100000}`;
  const sw = `${prefix}sw`;
  const set = new NamespaceSet();
  const ip = (args: string[]): void => run(['ip', ...args]);
  try {
    set.add(sw);
    ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', sw, 'link', 'set', 'br0', 'up']);
    const hosts: LabHost[] = names.map((name, i) => {
      const ns = set.add(`${prefix}h${i}`);
      const inner = `vz${i}`;
      const outer = `${prefix}p${i}`.slice(-15);
      ip(['-n', ns, 'link', 'add', inner, 'type', 'veth', 'peer', 'name', outer, 'netns', sw]);
      ip(['-n', sw, 'link', 'set', outer, 'master', 'br0']);
      ip(['-n', sw, 'link', 'set', outer, 'up']);
      const addr = `${v4Prefix}.${i + 1}`;
      ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', inner]);
      ip(['-n', ns, 'link', 'set', inner, 'up']);
      return { name, ns, ip: addr };
    });
    return {
      hosts,
      exec: (h, cmd, args) => set.exec(h.ns, cmd, args),
      spawn: (h, cmd, args, env) => set.spawn(h.ns, cmd, args, env),
      teardown: () => set.teardown(),
    };
  } catch (e) {
    set.teardown();
    throw e;
  }
}

/** Polls `check` until it returns a value or the deadline passes (no fixed sleeps). */
export async function waitFor<T>(what: string, check: () => T | null | undefined | false, timeoutMs: number, everyMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

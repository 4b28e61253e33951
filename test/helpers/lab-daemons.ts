// What the Docker and CNI labs share about their member daemons: starting `ztkube daemon` in a
// lab namespace with its output kept for a failure's dump, and reading the address ZeroTier
// gave it (IPv4 from the network's pool, or its 6PLANE/RFC4193 fc… /40 address).
import type { ChildProcess } from 'node:child_process';
import type { Lab, LabHost } from './netns.js';
import { cli } from './zt-homes.js';

/** `ztkube daemon` on port 9993 in x's namespace; its stdout and stderr go to logs[x.name]. */
export function startLabDaemon(lab: Lab, x: LabHost, home: string, logs: Record<string, string>, extra: string[] = []): ChildProcess {
  const c = lab.spawn(x, process.execPath, [cli, 'daemon', '--home', home, '--port', '9993', '--log-format', 'json', ...extra]);
  logs[x.name] ??= '';
  c.stderr!.on('data', (d) => (logs[x.name] += d));
  c.stdout!.on('data', (d) => (logs[x.name] += d));
  return c;
}

/** x's settled ZeroTier address of the family: IPv4 under v4Prefix, or the fc… /40 IPv6 one. */
export function labMemberAddress(lab: Lab, x: LabHost, family: 4 | 6, v4Prefix: string): string | null {
  const rows = JSON.parse(lab.exec(x, 'ip', ['-j', 'addr'])) as Array<{ addr_info: Array<{ family: string; local: string; prefixlen: number; tentative?: boolean }> }>;
  for (const a of rows.flatMap((l) => l.addr_info)) {
    if (a.tentative) continue;
    if (family === 4 && a.family === 'inet' && a.local.startsWith(v4Prefix)) return a.local;
    if (family === 6 && a.family === 'inet6' && a.prefixlen === 40 && a.local.startsWith('fc')) return a.local;
  }
  return null;
}

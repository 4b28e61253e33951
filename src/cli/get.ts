// `get <nwid> <property>`: a network's property from GET /network (06 §6.2). -j is ignored,
// as in zerotier-cli; an unknown network is a sentence on stderr and exit 0.
import type { ApiRun } from './api-command.js';
import { parseReplyJson } from './api-reply.js';
import { formatGet } from './get-format.js';

export function getRun(nwid: string, property: string): ApiRun {
  return async (ctx) => {
    if (nwid.length !== 16) return { stdout: '', stderr: 'invalid format: must be a 16-digit (network) ID\n', exitCode: 2 };
    if (property.length === 0) return { stdout: '', stderr: 'invalid format: include a property name to get\n', exitCode: 2 };
    const reply = await ctx.call('GET', '/network');
    if (reply.status === 0) return { stdout: ctx.unreachable(reply.body), exitCode: 1 };
    const parsed = parseReplyJson(reply.body);
    if ('error' in parsed) return { stdout: `${reply.status} get invalid JSON response (${parsed.error})\n`, exitCode: 1 };
    // 1.14.1 looks for the network before it looks at the status: a 401 `{}` finds none, says so, then reports the status.
    const out = formatGet(parsed.json, nwid, property);
    if (reply.status !== 200) return { stdout: out.stdout + `${reply.status} get ${reply.body}\n`, stderr: out.stderr, exitCode: 1 };
    return { stdout: out.stdout, stderr: out.stderr, exitCode: 0 };
  };
}

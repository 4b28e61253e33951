// `dump`: /status, /network and /peer as they came, the home's local.conf and the network
// interfaces, written to ./zerotier_dump.txt (06 §6.2). Any answer but 200 prints the
// connection error with the body as the reason, as 1.14.1 does. An existing file is
// overwritten, as 1.14.1 overwrites it, but truncated first: 1.14.1 writes over it in place
// and leaves the tail of a longer old dump behind (06 §12 item 12), which we do not copy.
import { join } from 'node:path';
import type { ApiRun } from './api-command.js';
import { formatDump, type DumpInterface } from './dump-format.js';

export const DUMP_FILE = 'zerotier_dump.txt';

export function dumpRun(interfaces: () => DumpInterface[]): ApiRun {
  return async (ctx) => {
    const bodies: string[] = [];
    for (const path of ['/status', '/network', '/peer']) {
      const reply = await ctx.call('GET', path);
      if (reply.status !== 200) return { stdout: ctx.unreachable(reply.body), exitCode: 1 };
      bodies.push(reply.body);
    }
    let localConf = '';
    try {
      localConf = Buffer.from(ctx.io.readFile(join(ctx.home, 'local.conf'))).toString('utf8');
    } catch {
      // missing or unreadable: the dump says "None Present", as 1.14.1's does
    }
    const text = formatDump({ status: bodies[0], networks: bodies[1], peers: bodies[2], localConf, interfaces: interfaces() });
    const path = join(ctx.io.cwd(), DUMP_FILE);
    const stdout = `Writing dump to: ${path}\n`;
    try {
      ctx.io.replaceFile(path, text, 0o664);
    } catch {
      return { stdout, stderr: 'Error creating file.\n', exitCode: 1 };
    }
    return { stdout, exitCode: 0 };
  };
}

// `zerotier-cli /some/path`: GET that API path and print the body as it came (06 §6.2);
// anything but 200 (no connection is status 0) prints `<status> <path> <body>` and exits 1.
import type { ApiRun } from './api-command.js';

export function rawPathRun(path: string): ApiRun {
  return async (ctx) => {
    const reply = await ctx.call('GET', path);
    if (reply.status === 200) return { stdout: reply.body, exitCode: 0 };
    return { stdout: `${reply.status} ${path} ${reply.body}\n`, exitCode: 1 };
  };
}

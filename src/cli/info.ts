// `info` (alias `status`): the daemon's address, version and state, as `zerotier-cli info`
// (06 §6.2); -j the status object.
import { prettyJson } from '../util/json-text.js';
import type { ApiRun } from './api-command.js';
import { readingOutcome } from './api-reply.js';
import { formatInfo } from './info-format.js';

export function infoRun(command = 'info'): ApiRun {
  return async (ctx) => readingOutcome(command, await ctx.call('GET', '/status'), ctx.unreachable, (j) => (ctx.isJson ? prettyJson(j) + '\n' : formatInfo(j)));
}

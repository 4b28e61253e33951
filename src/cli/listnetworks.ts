// `listnetworks`: the joined networks, as `zerotier-cli listnetworks` (06 §6.2).
import { prettyJson } from '../util/json-text.js';
import type { ApiRun } from './api-command.js';
import { readingOutcome } from './api-reply.js';
import { formatListNetworks } from './networks-format.js';

export const listNetworksRun: ApiRun = async (ctx) =>
  readingOutcome('listnetworks', await ctx.call('GET', '/network'), ctx.unreachable, (j) => (ctx.isJson ? prettyJson(j) + '\n' : formatListNetworks(j, ctx.io.nowMs())));

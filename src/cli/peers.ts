// `peers` and `listpeers`: the daemon's peers from GET /peer, in the formats of
// `zerotier-cli peers` and `listpeers` (06 §6.2).
import { prettyJson } from '../util/json-text.js';
import type { PeerJson } from '../service/peer-json.js';
import type { ApiRun } from './api-command.js';
import { readingOutcome } from './api-reply.js';
import { formatListPeers, formatPeers } from './peers-format.js';

export function peersRun(isList: boolean): ApiRun {
  const command = isList ? 'listpeers' : 'peers';
  return async (ctx) =>
    readingOutcome(command, await ctx.call('GET', '/peer'), ctx.unreachable, (j) => {
      if (ctx.isJson) return prettyJson(j) + '\n';
      const peers = Array.isArray(j) ? (j as PeerJson[]) : [];
      return isList ? formatListPeers(peers, ctx.io.nowMs()) : formatPeers(peers, ctx.io.nowMs());
    });
}

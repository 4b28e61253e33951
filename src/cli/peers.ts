// `ztkube peers [-j] [--list]`: the running daemon's peers from GET /peer, in the format of
// `zerotier-cli peers` (or `listpeers` with --list), 06 §6.2.
import type { CommandModule } from 'yargs';
import { prettyJson } from '../util/json-text.js';
import type { PeerJson } from '../service/peer-json.js';
import { apiOptions, runApiCommand, type ApiRun } from './api-command.js';
import { readingOutcome } from './api-reply.js';
import { formatListPeers, formatPeers } from './peers-format.js';

export function peersRun(opts: { isJson: boolean; isList: boolean }): ApiRun {
  const command = opts.isList ? 'listpeers' : 'peers';
  return async (call, port, io) =>
    readingOutcome(command, await call('GET', '/peer'), port, (j) => {
      if (opts.isJson) return prettyJson(j) + '\n';
      const peers = Array.isArray(j) ? (j as PeerJson[]) : [];
      return opts.isList ? formatListPeers(peers, io.nowMs()) : formatPeers(peers, io.nowMs());
    });
}

export const peersCommand: CommandModule = {
  command: 'peers',
  describe: "the running daemon's peers (zerotier-cli peers)",
  builder: (y) => apiOptions(y).option('list', { type: 'boolean', default: false, describe: 'listpeers format' }),
  handler: (argv) => runApiCommand(argv, peersRun({ isJson: argv.json as boolean, isList: argv.list as boolean })),
};

// `ztkube listnetworks [-j]`: the joined networks, as `zerotier-cli listnetworks` (06 §6.2).
import type { CommandModule } from 'yargs';
import { prettyJson } from '../util/json-text.js';
import { apiOptions, runApiCommand, type ApiRun } from './api-command.js';
import { readingOutcome } from './api-reply.js';
import { formatListNetworks } from './networks-format.js';

export function listNetworksRun(isJson: boolean): ApiRun {
  return async (call, port, io) =>
    readingOutcome('listnetworks', await call('GET', '/network'), port, (j) => (isJson ? prettyJson(j) + '\n' : formatListNetworks(j, io.nowMs())));
}

export const listNetworksCommand: CommandModule = {
  command: 'listnetworks',
  describe: 'the joined networks (zerotier-cli listnetworks)',
  builder: (y) => apiOptions(y),
  handler: (argv) => runApiCommand(argv, listNetworksRun(argv.json as boolean)),
};

// `ztkube info [-j]`: the daemon's address, version and state, as `zerotier-cli info` (06 §6.2).
import type { CommandModule } from 'yargs';
import { prettyJson } from '../util/json-text.js';
import { apiOptions, runApiCommand, type ApiRun } from './api-command.js';
import { readingOutcome } from './api-reply.js';
import { formatInfo } from './info-format.js';

export function infoRun(isJson: boolean): ApiRun {
  return async (call, port) => readingOutcome('info', await call('GET', '/status'), port, (j) => (isJson ? prettyJson(j) + '\n' : formatInfo(j)));
}

export const infoCommand: CommandModule = {
  command: 'info',
  describe: "the running daemon's address, version and state (zerotier-cli info)",
  builder: (y) => apiOptions(y),
  handler: (argv) => runApiCommand(argv, infoRun(argv.json as boolean)),
};

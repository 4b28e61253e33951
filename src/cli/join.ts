// `ztkube join <nwid>` and `ztkube leave <nwid>`: POST / DELETE /network/<nwid>, printing
// what zerotier-cli prints (06 §6.2). As there, an id that is not 16 characters is refused
// here (exit 2) and a non-hex one is left to the API (its 404).
import type { CommandModule } from 'yargs';
import { apiOptions, runApiCommand, type ApiRun } from './api-command.js';
import { changingOutcome } from './api-reply.js';

export function joinRun(nwid: string, isJson: boolean): ApiRun {
  return async (call) => (nwid.length !== 16 ? { stdout: 'invalid network id\n', exitCode: 2 } : changingOutcome('join', await call('POST', `/network/${nwid}`, '{}'), isJson));
}

export function leaveRun(nwid: string, isJson: boolean): ApiRun {
  return async (call) => (nwid.length !== 16 ? { stdout: 'invalid network id\n', exitCode: 2 } : changingOutcome('leave', await call('DELETE', `/network/${nwid}`), isJson));
}

function command(name: 'join' | 'leave', describe: string, run: (nwid: string, isJson: boolean) => ApiRun): CommandModule {
  return {
    command: `${name} <nwid>`,
    describe,
    // A string, so yargs keeps an all-digit id as typed.
    builder: (y) => apiOptions(y).positional('nwid', { type: 'string', describe: 'network id, 16 hex digits' }),
    handler: (argv) => runApiCommand(argv, run(String(argv.nwid), argv.json as boolean)),
  };
}

export const joinCommand = command('join', 'join a network (zerotier-cli join)', joinRun);
export const leaveCommand = command('leave', 'leave a network (zerotier-cli leave)', leaveRun);

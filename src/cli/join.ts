// `join <nwid>` and `leave <nwid>`: POST / DELETE /network/<nwid>, printing what zerotier-cli
// prints (06 §6.2). As there, an id that is not 16 characters is refused here (exit 2) and a
// non-hex one is left to the API (its 404).
import type { ApiRun } from './api-command.js';
import { changingOutcome, type CliOutcome } from './api-reply.js';

const BAD_ID: CliOutcome = { stdout: 'invalid network id\n', exitCode: 2 };

export function joinRun(nwid: string): ApiRun {
  return async (ctx) => (nwid.length !== 16 ? BAD_ID : changingOutcome('join', await ctx.call('POST', `/network/${nwid}`, '{}'), ctx.isJson));
}

export function leaveRun(nwid: string): ApiRun {
  return async (ctx) => (nwid.length !== 16 ? BAD_ID : changingOutcome('leave', await ctx.call('DELETE', `/network/${nwid}`), ctx.isJson));
}

// `listmoons`, `orbit <world id> <seed>` and `deorbit <world id>` over /moon (06 §5.9, §6.2).
// The world id goes into the path as typed: the API wants its 10-digit form (15b70a629d for
// moon 00000015b70a629d), and a 16-digit one gets the API's 404, as with zerotier-cli.
import { prettyJson } from '../util/json-text.js';
import type { ApiRun } from './api-command.js';
import { changingOutcome, readingOutcome } from './api-reply.js';

/** listmoons prints the JSON with or without -j. */
export const listMoonsRun: ApiRun = async (ctx) => readingOutcome('listmoons', await ctx.call('GET', '/moon'), ctx.unreachable, (j) => prettyJson(j) + '\n');

/** C strtoull base 16 on the argument is non-zero (zerotier-cli's only check). */
function isNonZeroHex(text: string): boolean {
  const m = /^[ \t\n\v\f\r]*[+-]?(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)/.exec(text);
  return m !== null && /[1-9a-fA-F]/.test(m[1]);
}

/** A zero or missing world id or seed sends nothing and exits 0, as zerotier-cli does. */
export function orbitRun(worldId: string, seed: string): ApiRun {
  return async (ctx) => {
    if (!isNonZeroHex(worldId) || !isNonZeroHex(seed)) return { stdout: '', exitCode: 0 };
    // The seed goes into the body as typed; only a JSON string's own escapes are added.
    const reply = await ctx.call('POST', `/moon/${worldId}`, `{"seed":${JSON.stringify(seed)}}`);
    return changingOutcome('orbit', reply, false);
  };
}

export function deorbitRun(worldId: string): ApiRun {
  return async (ctx) => changingOutcome('deorbit', await ctx.call('DELETE', `/moon/${worldId}`), ctx.isJson);
}

// `listbonds` and `bond list|<peer> show|<peer> rotate|setmtu <mtu> <if> <ip>` (06 §5.12,
// §6.2). ztkube has no multipath, so its API answers the bond routes with 400 `{}` as 1.14.1
// does without bonding; the commands still print what zerotier-cli prints for any answer.
import { prettyJson } from '../util/json-text.js';
import type { ApiRun } from './api-command.js';
import { readingOutcome, type CliOutcome } from './api-reply.js';
import { formatBondList, formatBondShow } from './bond-format.js';

const MALFORMED: CliOutcome = { stdout: '(bond) command is missing required arguments\n', exitCode: 2 };

/** `listbonds`, or `bond list` (`command` names it in error lines). */
export function bondListRun(command: 'listbonds' | 'bond'): ApiRun {
  return async (ctx) => readingOutcome(command, await ctx.call('GET', '/peer'), ctx.unreachable, (j) => (ctx.isJson ? prettyJson(j) + '\n' : formatBondList(j)));
}

/** `bond setmtu`: the path's three parts as the front end collected them. */
export function bondSetMtuRun(parts: [string, string, string]): ApiRun {
  return async (ctx) => {
    const reply = await ctx.call('POST', `/bond/setmtu/${parts.join('/')}`, '{}');
    if (reply.status === 200) return { stdout: '200 setmtu OK\n', exitCode: 0 };
    return { stdout: `${reply.status} Failed to set MTU: ${reply.body}\n`, exitCode: 1 };
  };
}

/** `bond <peer> show|rotate`, and every malformed `bond …`; list and setmtu are separate. */
export function bondPeerRun(peer: string, action: string): ApiRun {
  return async (ctx) => {
    if (peer.length !== 10) return MALFORMED;
    if (action === 'rotate') {
      const reply = await ctx.call('POST', `/bond/rotate/${peer}`, '{}');
      if (reply.status !== 200) return { stdout: `${reply.status} bond ${reply.body}\n`, exitCode: 1 };
      return { stdout: ctx.isJson ? reply.body : '200 rotate OK\n', exitCode: 0 };
    }
    if (action === 'show') {
      return readingOutcome('bond', await ctx.call('GET', `/bond/show/${peer}`), ctx.unreachable, (j) => (ctx.isJson ? prettyJson(j) + '\n' : formatBondShow(peer, j)));
    }
    return MALFORMED;
  };
}

export const bondMalformed: ApiRun = async () => MALFORMED;

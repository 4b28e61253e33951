// `ztkube member list|show|authorize|deauthorize|set <nwid> [<member>]`: the members of a
// network on this node's controller through its API (05 §6.2, §8.6–§8.9). -j prints the
// API's JSON; otherwise a table.
import type { Argv, CommandModule } from 'yargs';
import { prettyJson } from '../util/json-text.js';
import { apiOptions, runApiCommand, type ApiRun } from './api-command.js';
import { checkMember, checkNwid, memberSetBody } from './controller-args.js';
import { controllerJson } from './controller-call.js';
import { formatMember, formatMemberList } from './controller-format.js';

const noNetwork = (nwid: string): string => `network ${nwid} is not on this node's controller`;
const noMember = (nwid: string, member: string): string => `member ${member} of network ${nwid} is not on this node's controller (or the network is not)`;

function show(isJson: boolean, json: unknown): { stdout: string; exitCode: number } {
  return { stdout: isJson ? prettyJson(json) + '\n' : formatMember(json), exitCode: 0 };
}

export function memberListRun(nwid: string): ApiRun {
  return async (ctx) => {
    const list = await controllerJson(ctx, 'GET', `/unstable/controller/network/${nwid}/member`, noNetwork(nwid));
    return { stdout: ctx.isJson ? prettyJson(list) + '\n' : formatMemberList(list), exitCode: 0 };
  };
}

export function memberShowRun(nwid: string, member: string): ApiRun {
  return async (ctx) => show(ctx.isJson, await controllerJson(ctx, 'GET', `/controller/network/${nwid}/member/${member}`, noMember(nwid, member)));
}

/** A member POST; the member record is created if the network exists (05 §8.6). */
export function memberPostRun(nwid: string, member: string, body: Record<string, unknown>): ApiRun {
  return async (ctx) => show(ctx.isJson, await controllerJson(ctx, 'POST', `/controller/network/${nwid}/member/${member}`, noNetwork(nwid), body));
}

function sub(command: string, describe: string, run: (a: Record<string, unknown>) => ApiRun, extra: (y: Argv) => Argv = (y) => y): CommandModule {
  return {
    command,
    describe,
    builder: (y) =>
      extra(
        (apiOptions(y) as unknown as Argv)
          .positional('nwid', { type: 'string', describe: 'network id, 16 hex digits' })
          .positional('member', { type: 'string', describe: 'node address, 10 hex digits' }),
      ),
    handler: (argv) => runApiCommand(argv, run(argv)),
  };
}

export const memberCommand: CommandModule = {
  command: 'member',
  describe: "members of a network on this node's controller: list, show, authorize, deauthorize, set",
  builder: (y) =>
    y
      .command(sub('list <nwid>', 'the members of a network', (a) => memberListRun(checkNwid(a.nwid))))
      .command(sub('show <nwid> <member>', 'one member', (a) => memberShowRun(checkNwid(a.nwid), checkMember(a.member))))
      .command(sub('authorize <nwid> <member>', 'let a member in', (a) => memberPostRun(checkNwid(a.nwid), checkMember(a.member), { authorized: true })))
      .command(sub('deauthorize <nwid> <member>', 'put a member out (its credentials are revoked)', (a) => memberPostRun(checkNwid(a.nwid), checkMember(a.member), { authorized: false })))
      .command(
        sub(
          'set <nwid> <member> <settings..>',
          'name=…, authorized=true|false, activeBridge=true|false, noAutoAssignIps=true|false, ipAssignments=IP[,IP…]',
          (a) => memberPostRun(checkNwid(a.nwid), checkMember(a.member), memberSetBody(((a.settings as unknown[]) ?? []).map(String))),
          (y) => y.positional('settings', { type: 'string', array: true, describe: '<key>=<value>' }),
        ),
      )
      .demandCommand(1, 'member: name a subcommand (list, show, authorize, deauthorize, set)'),
  handler: () => {},
};

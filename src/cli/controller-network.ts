// `ztkube network create|list|show|delete`: the networks of this node's controller through
// its API (05 §6.4, §8.2–§8.5), what a user would otherwise do with curl. -j prints the
// API's JSON; otherwise a table.
import type { Argv, CommandModule } from 'yargs';
import { prettyJson } from '../util/json-text.js';
import { ApiError } from '../util/errors.js';
import { apiOptions, runApiCommand, type ApiRun } from './api-command.js';
import { checkNwid, networkCreateBody, type NetworkCreateArgs } from './controller-args.js';
import { controllerJson } from './controller-call.js';
import { formatNetwork, formatNetworkList } from './controller-format.js';

const notFound = (nwid: string): string => `network ${nwid} is not on this node's controller`;

function show(ctx: { isJson: boolean }, json: unknown, header = ''): { stdout: string; exitCode: number } {
  return { stdout: ctx.isJson ? prettyJson(json) + '\n' : header + formatNetwork(json), exitCode: 0 };
}

export function networkCreateRun(a: NetworkCreateArgs): ApiRun {
  const body = networkCreateBody(a); // bad flags fail before anything is sent
  return async (ctx) => {
    const status = await controllerJson(ctx, 'GET', '/status', 'the local API has no /status');
    const address = (status as { address?: unknown } | null)?.address;
    if (typeof address !== 'string' || !/^[0-9a-f]{10}$/.test(address)) throw new ApiError(200, 'GET /status did not give this node\'s address');
    const created = await controllerJson(ctx, 'POST', `/controller/network/${address}______`, 'this node has no controller API', body);
    return show(ctx, created);
  };
}

export const networkListRun: ApiRun = async (ctx) => {
  const list = await controllerJson(ctx, 'GET', '/unstable/controller/network', 'this node has no controller API');
  return { stdout: ctx.isJson ? prettyJson(list) + '\n' : formatNetworkList(list), exitCode: 0 };
};

export function networkShowRun(nwid: string): ApiRun {
  return async (ctx) => show(ctx, await controllerJson(ctx, 'GET', `/controller/network/${nwid}`, notFound(nwid)));
}

export function networkDeleteRun(nwid: string): ApiRun {
  return async (ctx) => show(ctx, await controllerJson(ctx, 'DELETE', `/controller/network/${nwid}`, notFound(nwid)), 'deleted:\n');
}

function sub(command: string, describe: string, builder: (y: Argv) => Argv, run: (a: Record<string, unknown>) => ApiRun): CommandModule {
  return { command, describe, builder: (y) => builder(apiOptions(y) as unknown as Argv), handler: (argv) => runApiCommand(argv, run(argv)) };
}

const nwidArg = (y: Argv): Argv => y.positional('nwid', { type: 'string', describe: 'network id, 16 hex digits' });

export const networkCommand: CommandModule = {
  command: 'network',
  describe: "networks of this node's controller: create, list, show, delete",
  builder: (y) =>
    y
      .command(
        sub(
          'create',
          'create a network with an id under this node\'s address',
          (b) =>
            b
              .option('name', { type: 'string', describe: 'its name' })
              .option('private', { type: 'boolean', default: true, describe: 'members need authorization (--public: anyone may join)' })
              .option('public', { type: 'boolean', default: false, describe: 'anyone may join' })
              .option('pool', { type: 'string', array: true, default: [], describe: 'an address pool <first IP>-<last IP> (repeatable)' })
              .option('route', { type: 'string', array: true, default: [], describe: 'a managed route <IP>/<bits>[@<gateway>] (repeatable)' })
              .option('v6', { type: 'string', describe: 'IPv6 modes: 6plane,rfc4193 (comma-separated; none)' }),
          (a) => networkCreateRun({ name: a.name as string | undefined, isPrivate: a.public !== true && a.private !== false, pools: (a.pool as unknown[]).map(String), routes: (a.route as unknown[]).map(String), v6: a.v6 as string | undefined }),
        ),
      )
      .command(sub('list', 'the networks, with their member counts', (b) => b, () => networkListRun))
      .command(sub('show <nwid>', 'one network', nwidArg, (a) => networkShowRun(checkNwid(a.nwid))))
      .command(sub('delete <nwid>', 'delete a network and deauthorize its members', nwidArg, (a) => networkDeleteRun(checkNwid(a.nwid))))
      .demandCommand(1, 'network: name a subcommand (create, list, show, delete)'),
  handler: () => {},
};

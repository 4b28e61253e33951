// `ztkube <command>` for every zerotier-cli command (06 §6.2), with yargs and the same
// switches (-D/--home, -p, -T, -H, -j) and the same outputs and exit codes. Where
// zerotier-cli silently does nothing with a bad argument (a `set` key it does not know,
// a zero world id or seed for `orbit`) ztkube says so in one sentence and exits 2.
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../util/errors.js';
import { apiOptions, runApiCommand, type ApiRun } from './api-command.js';
import { bondListRun, bondPeerRun, bondSetMtuRun } from './bond.js';
import { dumpRun } from './dump.js';
import { listDumpInterfaces } from './dump-interfaces.js';
import { getRun } from './get.js';
import { infoRun } from './info.js';
import { joinRun, leaveRun } from './join.js';
import { listNetworksRun } from './listnetworks.js';
import { deorbitRun, listMoonsRun, orbitRun } from './moons.js';
import { peersRun } from './peers.js';
import { setRun, USER_SETTINGS } from './set.js';

type Args = Record<string, unknown>;

function apiCommand(command: string, describe: string, run: (a: Args) => ApiRun, positionals: Record<string, string> = {}, extra?: (y: Argv) => Argv): CommandModule {
  return {
    command,
    describe,
    builder: (y) => {
      let b = apiOptions(y) as unknown as Argv;
      // Strings, so yargs keeps an all-digit id as typed.
      for (const [name, what] of Object.entries(positionals)) b = b.positional(name, { type: 'string', describe: what });
      return extra ? extra(b) : b;
    },
    handler: (argv) => runApiCommand(argv, run(argv)),
  };
}

const NWID = 'network id, 16 hex digits';

function checkedSet(a: Args): ApiRun {
  const setting = String(a.setting);
  const eq = setting.indexOf('=');
  const wanted = `${USER_SETTINGS.join(', ')}`;
  if (eq < 0) throw new ConfigError(`set: the setting must be <name>=<value> with a name of ${wanted}, got ${JSON.stringify(setting)}`);
  if (String(a.nwid).length === 16 && !(USER_SETTINGS as readonly string[]).includes(setting.slice(0, eq))) {
    throw new ConfigError(`set: the setting's name must be one of ${wanted}, got ${JSON.stringify(setting.slice(0, eq))}`);
  }
  return setRun(String(a.nwid), setting, () => ({ stdout: '', exitCode: 2 }));
}

function checkedOrbit(a: Args): ApiRun {
  for (const [flag, v] of [['world id', a.worldId], ['seed', a.seed]] as const) {
    if (!/^[0-9a-fA-F]*[1-9a-fA-F][0-9a-fA-F]*$/.test(String(v))) throw new ConfigError(`orbit: the ${flag} must be non-zero hex digits, got ${JSON.stringify(v)}`);
  }
  return orbitRun(String(a.worldId), String(a.seed));
}

function bondRun(a: Args): ApiRun {
  const words = ((a.words as string[] | undefined) ?? []).map(String);
  if (words[0] === 'list') return bondListRun('bond');
  if (words[0] === 'setmtu') return bondSetMtuRun([words[1] ?? '', words[2] ?? '', words[3] ?? '']);
  return bondPeerRun(words[0] ?? '', words[1] ?? '');
}

export const apiCommands: CommandModule[] = [
  apiCommand('info', "the running daemon's address, version and state (zerotier-cli info)", () => infoRun('info')),
  apiCommand('status', 'the same as info', () => infoRun('status')),
  apiCommand('listpeers', "the running daemon's peers, one line each (zerotier-cli listpeers)", () => peersRun(true)),
  apiCommand('peers', "the running daemon's peers as a table (zerotier-cli peers)", (a) => peersRun(a.list === true), {}, (y) =>
    y.option('list', { type: 'boolean', default: false, describe: 'the listpeers format' }),
  ),
  apiCommand('listnetworks', 'the joined networks (zerotier-cli listnetworks)', () => listNetworksRun),
  apiCommand('join <nwid>', 'join a network (zerotier-cli join)', (a) => joinRun(String(a.nwid)), { nwid: NWID }),
  apiCommand('leave <nwid>', 'leave a network (zerotier-cli leave)', (a) => leaveRun(String(a.nwid)), { nwid: NWID }),
  apiCommand('set <nwid> <setting>', 'allowManaged|allowGlobal|allowDefault|allowDNS=1|0 on a joined network (zerotier-cli set)', checkedSet, { nwid: NWID, setting: '<name>=<value>' }),
  apiCommand('get <nwid> <property>', 'a property of a joined network: a listnetworks -j field, or ip, ip4, ip6, ip6plane, ip6prefix (zerotier-cli get)', (a) => getRun(String(a.nwid), String(a.property)), {
    nwid: NWID,
    property: 'the property',
  }),
  apiCommand('listmoons', 'the moons orbited (zerotier-cli listmoons)', () => listMoonsRun),
  apiCommand('orbit <worldId> <seed>', 'orbit a moon through one of its roots (zerotier-cli orbit)', checkedOrbit, {
    worldId: "the moon's world id without leading zeros (10 hex digits)",
    seed: 'the address of one of its roots',
  }),
  apiCommand('deorbit <worldId>', 'stop orbiting a moon (zerotier-cli deorbit)', (a) => deorbitRun(String(a.worldId)), { worldId: "the moon's world id without leading zeros" }),
  apiCommand('dump', 'write status, networks, peers, local.conf and interfaces to ./zerotier_dump.txt (zerotier-cli dump)', () => dumpRun(listDumpInterfaces)),
  apiCommand('listbonds', 'the bonded peers (zerotier-cli listbonds; ztkube has no multipath)', () => bondListRun('listbonds')),
  apiCommand('bond <words..>', 'list | <peer> show | <peer> rotate | setmtu <mtu> <interface> <ip> (zerotier-cli bond)', bondRun, { words: 'the bond subcommand' }),
];

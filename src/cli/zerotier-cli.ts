// The zerotier-cli front end (06 §6): ztkube invoked under the name zerotier-cli. Parses
// argv as 1.14.1 does, finds the API (even for an unknown command, as 1.14.1 does before it
// looks at the command), runs the command and prints byte for byte what 1.14.1 prints,
// with its exit codes.
import { ConfigError } from '../util/errors.js';
import { defaultHome, resolveApiTarget, type ApiCall, type ApiTarget } from './api-client.js';
import type { ApiContext, ApiRun } from './api-command.js';
import { connectionErrorText } from './api-reply.js';
import { bondListRun, bondMalformed, bondPeerRun, bondSetMtuRun } from './bond.js';
import { dumpRun } from './dump.js';
import type { DumpInterface } from './dump-format.js';
import { getRun } from './get.js';
import { infoRun } from './info.js';
import type { CliIo } from './io.js';
import { joinRun, leaveRun } from './join.js';
import { listNetworksRun } from './listnetworks.js';
import { deorbitRun, listMoonsRun, orbitRun } from './moons.js';
import { peersRun } from './peers.js';
import { rawPathRun } from './raw-path.js';
import { setRun } from './set.js';
import { zerotierCliHelp } from './zerotier-cli-help.js';
import { parseZerotierCliArgs } from './zerotier-cli-args.js';

export interface ZerotierCliDeps {
  io: CliIo;
  env: NodeJS.ProcessEnv;
  connect(target: ApiTarget): ApiCall;
  interfaces(): DumpInterface[];
}

/** The command's run, or null for anything zerotier-cli does not know (help on stderr, exit 0). */
function commandRun(programName: string, p: { command: string; arg1: string; arg2: string; words: string[] }, deps: ZerotierCliDeps): ApiRun | null {
  const { command, arg1, arg2 } = p;
  if (command.startsWith('/')) return rawPathRun(command);
  switch (command) {
    case 'info':
    case 'status':
      return infoRun(command);
    case 'listpeers':
    case 'peers':
      return peersRun(command === 'listpeers');
    case 'listnetworks':
      return listNetworksRun;
    case 'join':
      return joinRun(arg1);
    case 'leave':
      return leaveRun(arg1);
    case 'set':
      return setRun(arg1, arg2, () => ({ stdout: '', stderr: zerotierCliHelp(programName), exitCode: 2 }));
    case 'get':
      return getRun(arg1, arg2);
    case 'listmoons':
      return listMoonsRun;
    case 'orbit':
      return orbitRun(arg1, arg2);
    case 'deorbit':
      return deorbitRun(arg1);
    case 'dump':
      return dumpRun(deps.interfaces);
    case 'listbonds':
      return bondListRun('listbonds');
    case 'bond':
      if (arg1 === '') return bondMalformed;
      if (arg1 === 'list') return bondListRun('bond');
      if (arg1 === 'setmtu') {
        // 1.14.1 takes the three values from argv[5..7] only when argc is 8 (two switches
        // before `bond`); otherwise the path holds the last word and two empty parts.
        const w = p.words;
        return bondSetMtuRun(w.length + 1 === 8 ? [w[4], w[5], w[6]] : [arg2, '', '']);
      }
      return bondPeerRun(arg1, arg2);
    default:
      return null;
  }
}

/** Runs zerotier-cli with `args` (argv without the program); returns the exit code. */
export async function runZerotierCli(programName: string, args: string[], deps: ZerotierCliDeps): Promise<number> {
  const { io } = deps;
  const parsed = parseZerotierCliArgs(args);
  if (parsed.kind === 'help') {
    io.stdout(zerotierCliHelp(programName));
    return parsed.exitCode;
  }
  if (parsed.kind === 'version') {
    io.stdout('1.14.1\n');
    return 0;
  }
  const home = parsed.switches.home ?? defaultHome(deps.env);
  let target: ApiTarget;
  try {
    target = resolveApiTarget(io, { home, port: parsed.switches.port, token: parsed.switches.token, host: parsed.switches.host, userHome: deps.env.HOME });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr(`${programName}: ${e.message}\n`);
    return 2;
  }
  const run = commandRun(programName, parsed, deps);
  if (run === null) {
    io.stderr(zerotierCliHelp(programName));
    return 0;
  }
  const ctx: ApiContext = { call: deps.connect(target), io, isJson: parsed.switches.isJson, home, unreachable: (reason) => connectionErrorText(reason) };
  const out = await run(ctx);
  io.stdout(out.stdout);
  if (out.stderr) io.stderr(out.stderr);
  return out.exitCode;
}

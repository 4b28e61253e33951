// What the commands that talk to the daemon's API share: the context a command runs in (the
// API call — a fake in tests —, the files, -j, the home) and, for `ztkube <command>`, the
// yargs switches zerotier-cli has (-D/--home, -p/--port, -T/--token, -H/--host, -j/--json)
// and the run: find the API, call the command, print, set the exit code.
import type { Argv } from 'yargs';
import { ConfigError } from '../util/errors.js';
import { defaultHome, httpApiCall, resolveApiTarget, type ApiCall } from './api-client.js';
import { connectionErrorText, type CliOutcome } from './api-reply.js';
import { processIo, type CliIo } from './io.js';

export interface ApiContext {
  call: ApiCall;
  io: CliIo;
  /** -j */
  isJson: boolean;
  /** The home directory the API was found through (dump reads its local.conf). */
  home: string;
  /** The text for "the service cannot be reached". */
  unreachable(reason: string): string;
}

export type ApiRun = (ctx: ApiContext) => Promise<CliOutcome>;

export function apiOptions<T>(y: Argv<T>) {
  return y
    .option('home', { alias: 'D', type: 'string', describe: 'the daemon\'s home directory, for its zerotier-one.port and authtoken.secret (default: $ZEROTIER_HOME or /var/lib/zerotier-one)' })
    .option('port', { alias: 'p', type: 'number', describe: "the API's TCP port (default: from the home)" })
    .option('token', { alias: 'T', type: 'string', describe: 'the API token (default: from the home, then ~/.zeroTierOneAuthToken)' })
    .option('host', { alias: 'H', type: 'string', default: '127.0.0.1', describe: "the API's IP address" })
    .option('json', { alias: 'j', type: 'boolean', default: false, describe: 'the API JSON' });
}

/** Prints an outcome and sets the exit code. */
export function printOutcome(io: CliIo, out: CliOutcome): void {
  io.stdout(out.stdout);
  if (out.stderr) io.stderr(out.stderr);
  process.exitCode = out.exitCode;
}

/** Runs one API command as the process: stdout gets the outcome, the exit code is set. */
export async function runApiCommand(argv: Record<string, unknown>, run: ApiRun, io: CliIo = processIo()): Promise<void> {
  const port = argv.port;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new ConfigError(`--port must be 1-65535, got ${JSON.stringify(port)}`);
  }
  for (const flag of ['home', 'token', 'host'] as const) {
    if (argv[flag] !== undefined && (typeof argv[flag] !== 'string' || argv[flag] === '')) throw new ConfigError(`--${flag} needs a value`);
  }
  const home = typeof argv.home === 'string' ? argv.home : defaultHome(process.env);
  const target = resolveApiTarget(io, { home, port, token: argv.token as string | undefined, host: argv.host as string, userHome: process.env.HOME });
  const ctx: ApiContext = {
    call: httpApiCall(target),
    io,
    isJson: argv.json === true,
    home,
    // Unlike zerotier-cli, name the host and port actually tried.
    unreachable: (reason) => connectionErrorText(reason, target),
  };
  printOutcome(io, await run(ctx));
}

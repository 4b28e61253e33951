// What the commands that talk to the daemon's API share: the options (--home, -p, -j) and
// the run: find the API, make the call through an ApiCall (a fake in tests), print, exit.
import type { Argv } from 'yargs';
import { ConfigError } from '../util/errors.js';
import { httpApiCall, resolveApiTarget, type ApiCall } from './api-client.js';
import type { CliOutcome } from './api-reply.js';
import { processIo, type CliIo } from './io.js';

export type ApiRun = (call: ApiCall, port: number, io: CliIo) => Promise<CliOutcome>;

export function apiOptions<T>(y: Argv<T>) {
  return y
    .option('home', { type: 'string', demandOption: true, describe: "the daemon's home directory (its zerotier-one.port and authtoken.secret)" })
    .option('port', { alias: 'p', type: 'number', describe: "the API's TCP port (default: from the home)" })
    .option('json', { alias: 'j', type: 'boolean', default: false, describe: 'the API JSON' });
}

/** Runs one API command as the process: stdout gets the outcome, the exit code is set. */
export async function runApiCommand(argv: Record<string, unknown>, run: ApiRun, io: CliIo = processIo()): Promise<void> {
  const port = argv.port;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new ConfigError(`--port must be 1-65535, got ${JSON.stringify(port)}`);
  }
  const target = resolveApiTarget(io, { home: String(argv.home), port });
  const out = await run(httpApiCall(target), target.port, io);
  io.stdout(out.stdout);
  process.exitCode = out.exitCode;
}

// `ztkube peers --home DIR`: the running daemon's peers in `zerotier-cli peers` format,
// read from the status file the daemon keeps (the local API arrives with the service issue).
import { join } from 'node:path';
import { STATUS_FILE, type StatusFile } from '../service/status-file.js';
import { formatListPeers, formatPeers } from './peers-format.js';
import type { CliIo } from './io.js';
import type { CommandModule } from 'yargs';
import { processIo } from './io.js';

export function runPeers(io: CliIo, home: string, opts: { json?: boolean; list?: boolean }): number {
  const file = join(home, STATUS_FILE);
  let status: StatusFile;
  try {
    status = JSON.parse(Buffer.from(io.readFile(file)).toString('utf8')) as StatusFile;
  } catch (e) {
    io.stderr(`Error connecting to the ZeroTier service: cannot read ${file} (${(e as Error).message}); is \`ztkube daemon --home ${home}\` running?\n`);
    return 1;
  }
  if (opts.json) io.stdout(JSON.stringify(status.peers, null, 2) + '\n');
  else if (opts.list) io.stdout(formatListPeers(status.peers, status.clock));
  else io.stdout(formatPeers(status.peers, status.clock));
  return 0;
}

export const peersCommand: CommandModule = {
  command: 'peers',
  describe: "list the running daemon's peers (zerotier-cli peers format)",
  builder: (y) =>
    y
      .option('home', { type: 'string', demandOption: true })
      .option('json', { alias: 'j', type: 'boolean', default: false })
      .option('list', { type: 'boolean', default: false, describe: 'listpeers format' }),
  handler: (argv) => {
    process.exitCode = runPeers(processIo(), argv.home as string, { json: argv.json as boolean, list: argv.list as boolean });
  },
};

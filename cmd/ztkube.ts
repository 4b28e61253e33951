#!/usr/bin/env node
// The one ztkube command line (STYLE §9): each subcommand is a module of src/cli, registered
// by name. Invoked as zerotier-idtool it is that tool.
import { basename } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { processIo } from '../src/cli/io.js';
import { idtoolCommand, runIdtool } from '../src/cli/idtool.js';
import { planetCommand } from '../src/cli/planet.js';
import { daemonCommand } from '../src/cli/daemon.js';
import { peersCommand } from '../src/cli/peers.js';
import { infoCommand } from '../src/cli/info.js';
import { listNetworksCommand } from '../src/cli/listnetworks.js';
import { joinCommand, leaveCommand } from '../src/cli/join.js';
import { demoCommand } from '../src/cli/demo.js';
import { dockerPluginCommand } from '../src/cli/docker-plugin.js';
import { describeCliFailure } from '../src/cli/fail.js';

/** Operator errors end as one line and an exit code; anything else is a bug and keeps its stack. */
function exitOnError(e: unknown): never {
  const f = describeCliFailure(e);
  if (!f) throw e;
  process.stderr.write(`ztkube: ${f.message}\n`);
  process.exit(f.exitCode);
}

try {
  if (basename(process.argv[1] ?? '') === 'zerotier-idtool') {
    process.exitCode = runIdtool(processIo(), process.argv.slice(2));
  } else {
    await cli();
  }
} catch (e) {
  exitOnError(e);
}

async function cli(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('ztkube')
    .command(idtoolCommand)
    .command(planetCommand)
    .command(daemonCommand)
    .command(peersCommand)
    .command(infoCommand)
    .command(listNetworksCommand)
    .command(joinCommand)
    .command(leaveCommand)
    .command(demoCommand)
    .command(dockerPluginCommand)
    .demandCommand(1, 'name a command')
    .strict()
    .fail((msg, err) => {
      if (err) exitOnError(err);
      process.stderr.write(`ztkube: ${msg}\nRun \`ztkube --help\` for usage.\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

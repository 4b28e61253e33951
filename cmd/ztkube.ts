#!/usr/bin/env node
// The one ztkube command line (STYLE §9): each subcommand is a module of src/cli, registered
// by name. Invoked as zerotier-idtool or zerotier-cli it is that tool, with its own parser.
import { basename } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { processIo } from '../src/cli/io.js';
import { idtoolCommand, runIdtool } from '../src/cli/idtool.js';
import { planetCommand } from '../src/cli/planet.js';
import { daemonCommand } from '../src/cli/daemon.js';
import { apiCommands } from '../src/cli/api-commands.js';
import { networkCommand } from '../src/cli/controller-network.js';
import { memberCommand } from '../src/cli/controller-member.js';
import { runZerotierCli } from '../src/cli/zerotier-cli.js';
import { httpApiCall } from '../src/cli/api-client.js';
import { listDumpInterfaces } from '../src/cli/dump-interfaces.js';
import { demoCommand } from '../src/cli/demo.js';
import { describeCliFailure } from '../src/cli/fail.js';

/** Operator errors end as one line and an exit code; anything else is a bug and keeps its stack. */
function exitOnError(e: unknown): never {
  const f = describeCliFailure(e);
  if (!f) throw e;
  process.stderr.write(`ztkube: ${f.message}\n`);
  process.exit(f.exitCode);
}

try {
  const name = basename(process.argv[1] ?? '');
  if (name === 'zerotier-idtool') {
    process.exitCode = runIdtool(processIo(), process.argv.slice(2));
  } else if (name === 'zerotier-cli') {
    // The name as typed is not known to node: the basename is what a PATH lookup shows.
    process.exitCode = await runZerotierCli(name, process.argv.slice(2), { io: processIo(), env: process.env, connect: (t) => httpApiCall(t), interfaces: listDumpInterfaces });
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
    .command(apiCommands)
    .command(networkCommand)
    .command(memberCommand)
    .command(demoCommand)
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

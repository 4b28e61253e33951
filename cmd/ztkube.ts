#!/usr/bin/env node
// The one ztkube command line (STYLE §9). Invoked as zerotier-idtool it is that tool.
import { basename } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { processIo } from '../src/cli/io.js';
import { runIdtool } from '../src/cli/idtool.js';
import { planetCreate } from '../src/cli/planet.js';

const io = processIo();
const invokedAs = basename(process.argv[1] ?? '');

if (invokedAs === 'zerotier-idtool') {
  process.exitCode = runIdtool(io, process.argv.slice(2));
} else {
  await yargs(hideBin(process.argv))
    .scriptName('ztkube')
    .command(
      'idtool [args..]',
      'identity tool, interchangeable with zerotier-idtool (generate, validate, getpublic, sign, verify, initmoon, genmoon)',
      (y) => y.positional('args', { type: 'string', array: true }).strict(false).help(false).version(false),
      () => {
        // yargs would parse idtool's own arguments; pass them through untouched instead.
        const i = process.argv.indexOf('idtool');
        process.exitCode = runIdtool(io, process.argv.slice(i + 1));
      },
    )
    .command('planet', 'custom planets (root server sets)', (y) =>
      y
        .command(
          'create <planet-json> [out]',
          'build and sign a planet file from a JSON list of roots',
          (c) =>
            c
              .positional('planet-json', { type: 'string', demandOption: true, describe: 'roots: [{identity, stableEndpoints}] (see README)' })
              .positional('out', { type: 'string', default: 'planet', describe: 'output file' }),
          (argv) => {
            process.exitCode = planetCreate(io, argv['planet-json'] as string, argv.out as string);
          },
        )
        .demandCommand(1, 'planet: name a subcommand (create)'),
    )
    .demandCommand(1, 'name a command')
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`ztkube: ${msg}\nRun \`ztkube --help\` for usage.\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

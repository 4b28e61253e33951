#!/usr/bin/env node
// The one ztkube command line (STYLE §9). Invoked as zerotier-idtool it is that tool.
import { basename } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { processIo } from '../src/cli/io.js';
import { runIdtool } from '../src/cli/idtool.js';
import { planetCreate } from '../src/cli/planet.js';
import { runDaemon } from '../src/cli/daemon.js';
import { runPeers } from '../src/cli/peers.js';
import { ZtkubeError } from '../src/util/errors.js';
import { runDemo } from '../src/demo/demo.js';

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
    .command(
      'daemon',
      'run the ZeroTier node (identity and planet from --home)',
      (y) =>
        y
          .option('home', { type: 'string', demandOption: true, describe: 'home directory (identity, planet, moons.d, peers.d)' })
          .option('port', { type: 'number', default: 9993, describe: 'primary UDP port' })
          .option('secondary-port', { type: 'number', describe: 'second UDP port (default: random in 20000-65499, as ZeroTier One)' })
          .option('allow-secondary-port', { type: 'boolean', default: true, describe: '--no-allow-secondary-port: only the primary port' })
          .option('bind', { type: 'string', array: true, describe: 'bind only these local IPs (default: every eligible interface address)' })
          .option('contact', { type: 'string', array: true, describe: 'keep contact with these node addresses (10 hex digits), as with a network anchor' })
          .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'] })
          .option('log-format', { type: 'string', choices: ['json', 'text'] }),
      async (argv) => {
        await runDaemon({
          home: argv.home,
          port: argv.port,
          secondaryPort: argv['secondary-port'],
          isSecondaryPortAllowed: argv['allow-secondary-port'],
          bind: argv.bind,
          contact: argv.contact,
          logLevel: argv['log-level'],
          logFormat: argv['log-format'] as 'json' | 'text' | undefined,
        });
      },
    )
    .command(
      'peers',
      'list the running daemon\'s peers (zerotier-cli peers format)',
      (y) =>
        y
          .option('home', { type: 'string', demandOption: true })
          .option('json', { alias: 'j', type: 'boolean', default: false })
          .option('list', { type: 'boolean', default: false, describe: 'listpeers format' }),
      (argv) => {
        process.exitCode = runPeers(io, argv.home, { json: argv.json, list: argv.list });
      },
    )
    .command(
      'demo',
      'a private ZeroTier network in network namespaces on this machine (needs root)',
      (y) => y.option('keep', { type: 'boolean', default: false, describe: 'keep it running until Ctrl-C' }),
      async (argv) => {
        process.exitCode = await runDemo({ isKept: argv.keep, out: (s) => void process.stdout.write(s) });
      },
    )
    .demandCommand(1, 'name a command')
    .strict()
    .fail((msg, err) => {
      if (err instanceof ZtkubeError) {
        process.stderr.write(`ztkube: ${err.message}\n`);
        process.exit(2);
      }
      if (err) throw err;
      process.stderr.write(`ztkube: ${msg}\nRun \`ztkube --help\` for usage.\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

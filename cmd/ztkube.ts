#!/usr/bin/env node
// The one ztkube command line (STYLE §9): each subcommand is a module of src/cli, registered
// by name. Invoked as zerotier-idtool or zerotier-cli it is that tool, with its own parser;
// those load only their own modules (scripts call zerotier-cli in loops, and the daemon's
// modules would more than double its start-up time).
import { basename } from 'node:path';
import { processIo } from '../src/cli/io.js';
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
    const { runIdtool } = await import('../src/cli/idtool.js');
    process.exitCode = runIdtool(processIo(), process.argv.slice(2));
  } else if (name === 'zerotier-cli') {
    const { runZerotierCli } = await import('../src/cli/zerotier-cli.js');
    const { httpApiCall } = await import('../src/cli/api-client.js');
    const { listDumpInterfaces } = await import('../src/cli/dump-interfaces.js');
    // The name as typed is not known to node: the basename is what a PATH lookup shows.
    process.exitCode = await runZerotierCli(name, process.argv.slice(2), { io: processIo(), env: process.env, connect: (t) => httpApiCall(t), interfaces: listDumpInterfaces });
  } else {
    await cli();
  }
} catch (e) {
  exitOnError(e);
}

async function cli(): Promise<void> {
  const { default: yargs } = await import('yargs');
  const { hideBin } = await import('yargs/helpers');
  const { idtoolCommand } = await import('../src/cli/idtool.js');
  const { planetCommand } = await import('../src/cli/planet.js');
  const { daemonCommand } = await import('../src/cli/daemon.js');
  const { apiCommands } = await import('../src/cli/api-commands.js');
  const { networkCommand } = await import('../src/cli/controller-network.js');
  const { memberCommand } = await import('../src/cli/controller-member.js');
  const { demoCommand } = await import('../src/cli/demo.js');
  const { tcpRelayCommand } = await import('../src/cli/tcp-relay.js');
  const { dockerPluginCommand } = await import('../src/cli/docker-plugin.js');
  const { operatorCommand } = await import('../src/cli/operator.js');
  const { agentCommand } = await import('../src/cli/agent.js');
  const { splitAttachedSwitches } = await import('../src/cli/attached-switches.js');
  let args = hideBin(process.argv);
  // Only where -D/-T/-H/-p mean what they mean to zerotier-cli (not for the daemon or idtool).
  const apiNames = new Set([...apiCommands, networkCommand, memberCommand].map((c) => String(c.command).split(' ')[0]));
  if (apiNames.has(args.find((a) => !a.startsWith('-')) ?? '')) args = splitAttachedSwitches(args);
  await yargs(args)
    .scriptName('ztkube')
    .command(idtoolCommand)
    .command(planetCommand)
    .command(daemonCommand)
    .command(apiCommands)
    .command(networkCommand)
    .command(memberCommand)
    .command(demoCommand)
    .command(tcpRelayCommand)
    .command(dockerPluginCommand)
    .command(operatorCommand)
    .command(agentCommand)
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

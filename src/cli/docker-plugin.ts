// `ztkube docker-plugin`: the daemon with the Docker network and IPAM plugin on (issue #10),
// the same as `ztkube daemon --docker-plugin`, with every daemon option.
import type { Argv, CommandModule } from 'yargs';
import { daemonCommand } from './daemon.js';

export const dockerPluginCommand: CommandModule = {
  command: 'docker-plugin [dir]',
  describe: 'run the daemon with the Docker network and IPAM plugin (docker network create -d ztkube)',
  builder: (y) => (daemonCommand.builder as (y: Argv) => Argv)(y),
  handler: (argv) => daemonCommand.handler({ ...argv, 'docker-plugin': true }),
};

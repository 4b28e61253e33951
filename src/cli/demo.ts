// `ztkube demo`: see src/demo/demo.ts.
import type { CommandModule } from 'yargs';
import { runDemo } from '../demo/demo.js';

export const demoCommand: CommandModule = {
  command: 'demo',
  describe: 'a private ZeroTier network in network namespaces on this machine (needs root)',
  builder: (y) => y.option('keep', { type: 'boolean', default: false, describe: 'keep it running until Ctrl-C' }),
  handler: async (argv) => {
    process.exitCode = await runDemo({ isKept: argv.keep as boolean, out: (s) => void process.stdout.write(s) });
  },
};

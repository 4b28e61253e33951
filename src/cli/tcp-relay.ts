// `ztkube tcp-relay [--listen ADDR:PORT]`: the TCP relay nodes fall back to when UDP is
// blocked (06 §9.3), so an organisation can run its own and point tcpFallbackRelay at it.
// Runs until SIGINT/SIGTERM.
import { whenStopAsked } from './stop-signals.js';
import type { CommandModule } from 'yargs';
import { parseIp, type InetAddress } from '../protocol/inet-address.js';
import { ConfigError } from '../util/errors.js';
import { TcpRelayServer } from '../net/tcp-relay-server.js';
import { createLogger, type LogFormat } from '../service/log.js';
import { safetyFromEnv } from '../service/safety.js';

export const DEFAULT_RELAY_LISTEN = '0.0.0.0:443';

/** `ADDR:PORT`, with an IPv6 address in brackets (`[::]:443`). */
export function parseListen(text: string): InetAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  const ip = m ? parseIp(m[1] ?? m[2]) : null;
  const port = m ? parseInt(m[3], 10) : NaN;
  if (!m || !ip || port < 1 || port > 65535) {
    throw new ConfigError(`--listen must be ADDR:PORT with a port of 1-65535 (e.g. ${DEFAULT_RELAY_LISTEN} or [::]:443), got ${JSON.stringify(text)}`);
  }
  return { ...ip, port };
}

export async function runTcpRelay(a: { listen: string; logLevel: string; logFormat?: LogFormat }): Promise<void> {
  const listen = parseListen(a.listen);
  if (!['error', 'warn', 'info', 'debug'].includes(a.logLevel)) throw new ConfigError(`--log-level must be error, warn, info or debug, got ${JSON.stringify(a.logLevel)}`);
  const log = createLogger({ level: a.logLevel, format: a.logFormat });
  const safety = safetyFromEnv(process.env.ZTKUBE_SAFETY);
  const relay = new TcpRelayServer({ listen, log: log.child({ component: 'tcp-relay' }), isDestinationAllowed: safety.isDestinationAllowed });
  const stopAsked = whenStopAsked();
  await relay.start();
  await stopAsked;
  await relay.stop().catch((e: Error) => {
    log.error('stop failed', { error: e.message });
    process.exitCode = 1;
  });
  log.info('tcp relay stopped', { ...relay.counters });
}

export const tcpRelayCommand: CommandModule = {
  command: 'tcp-relay',
  describe: 'relay ZeroTier UDP over TCP for nodes whose UDP is blocked (as ZeroTier\'s tcp-proxy)',
  builder: (y) =>
    y
      .option('listen', { type: 'string', default: DEFAULT_RELAY_LISTEN, describe: 'TCP address and port to accept nodes on' })
      .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'] })
      .option('log-format', { type: 'string', choices: ['json', 'text'] }),
  handler: async (argv) => {
    await runTcpRelay({ listen: argv.listen as string, logLevel: argv['log-level'] as string, logFormat: argv['log-format'] as LogFormat | undefined });
  },
};

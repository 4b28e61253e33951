// `ztkube daemon`: runs the node until SIGINT/SIGTERM (06 §1). The home directory is checked,
// created and locked here before the daemon starts, so a bad --home or a second daemon on the
// same home ends in one sentence (issue #6).
import { ConfigError } from '../util/errors.js';
import { parseIp } from '../protocol/inet-address.js';
import { parseAddress, isReservedAddress } from '../protocol/address.js';
import { Daemon } from '../service/daemon.js';
import { createLogger, type LogFormat } from '../service/log.js';
import { safetyFromEnv } from '../service/safety.js';
import type { CommandModule } from 'yargs';
import { DEFAULT_PLUGIN_SOCKET } from '../docker/plugin-server.js';

/** The plugin socket when --docker-plugin is on; the path must be absolute and end in .sock. */
function dockerPluginSocket(isOn: unknown, path: unknown): string | undefined {
  if (isOn !== true) return undefined;
  if (typeof path !== 'string' || !path.startsWith('/') || !path.endsWith('.sock')) throw new ConfigError(`--docker-plugin-socket must be an absolute path ending in .sock, got ${JSON.stringify(path)}`);
  return path;
}

export interface DaemonArgs {
  home: string;
  port: number;
  secondaryPort?: number;
  /** false: no secondary port (1.14.1 allowSecondaryPort: false). */
  isSecondaryPortAllowed?: boolean;
  bind?: string[];
  contact?: string[];
  logLevel: string;
  logFormat?: LogFormat;
  /** false (--no-taps): networks get in-memory ports, no OS devices. */
  taps?: boolean;
  /** false (--no-native-udp): node:dgram sockets. */
  nativeUdp?: boolean;
  /** --docker-plugin: serve the Docker network and IPAM plugin on this socket. */
  dockerPluginSocket?: string;
}

export function checkPort(flag: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new ConfigError(`--${flag} must be 1-65535, got ${JSON.stringify(v)}`);
  }
  return v;
}

export async function runDaemon(a: DaemonArgs): Promise<void> {
  const port = checkPort('port', a.port);
  const secondaryPort =
    a.isSecondaryPortAllowed === false ? 'none' : a.secondaryPort === undefined ? 'random' : checkPort('secondary-port', a.secondaryPort);
  for (const b of a.bind ?? []) if (!parseIp(b)) throw new ConfigError(`--bind must be an IP address, got ${JSON.stringify(b)}`);
  const contact = (a.contact ?? []).map((c) => {
    const addr = parseAddress(c);
    if (addr === null || isReservedAddress(addr)) throw new ConfigError(`--contact must be a node address of 10 hex digits, got ${JSON.stringify(c)}`);
    return addr;
  });
  if (!['error', 'warn', 'info', 'debug'].includes(a.logLevel)) throw new ConfigError(`--log-level must be error, warn, info or debug, got ${JSON.stringify(a.logLevel)}`);
  const log = createLogger({ level: a.logLevel, format: a.logFormat });
  const daemon = new Daemon({ home: a.home, port, secondaryPort, bind: a.bind, contact, log, safety: safetyFromEnv(process.env.ZTKUBE_SAFETY), taps: a.taps === false ? 'memory' : 'linux', nativeUdp: a.nativeUdp !== false, dockerPluginSocket: a.dockerPluginSocket });
  await daemon.start();
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      daemon.stop().then(resolve, (e: Error) => {
        log.error('stop failed', { error: e.message });
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export const daemonCommand: CommandModule = {
  command: 'daemon',
  describe: 'run the ZeroTier node (identity and planet from --home)',
  builder: (y) =>
    y
      .option('home', { type: 'string', demandOption: true, describe: 'home directory (identity, planet, moons.d, peers.d)' })
      .option('port', { type: 'number', default: 9993, describe: 'primary UDP port' })
      .option('secondary-port', { type: 'number', describe: 'second UDP port (default: random in 20000-65499, as ZeroTier One)' })
      .option('allow-secondary-port', { type: 'boolean', default: true, describe: '--no-allow-secondary-port: only the primary port' })
      .option('bind', { type: 'string', array: true, describe: 'bind only these local IPs (default: every eligible interface address)' })
      .option('contact', { type: 'string', array: true, describe: 'keep contact with these node addresses (10 hex digits), as with a network anchor' })
      .option('native-udp', { type: 'boolean', default: true, describe: '--no-native-udp: node:dgram sockets instead of the batched native ones' })
      .option('taps', { type: 'boolean', default: true, describe: '--no-taps: joined networks get no TAP devices, addresses or routes (ports in memory)' })
      .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'] })
      .option('log-format', { type: 'string', choices: ['json', 'text'] })
      .option('docker-plugin', { type: 'boolean', default: false, describe: 'also serve the Docker network and IPAM plugin (docker network create -d ztkube)' })
      .option('docker-plugin-socket', { type: 'string', default: DEFAULT_PLUGIN_SOCKET, describe: "the plugin's Unix socket (dockerd finds /run/docker/plugins/<name>.sock)" }),
  handler: async (argv) => {
    await runDaemon({
      home: argv.home as string,
      port: argv.port as number,
      secondaryPort: argv['secondary-port'] as number | undefined,
      isSecondaryPortAllowed: argv['allow-secondary-port'] as boolean,
      bind: argv.bind as string[] | undefined,
      contact: argv.contact as string[] | undefined,
      logLevel: argv['log-level'] as string,
      logFormat: argv['log-format'] as LogFormat | undefined,
      taps: argv.taps as boolean,
      nativeUdp: argv['native-udp'] as boolean,
      dockerPluginSocket: dockerPluginSocket(argv['docker-plugin'], argv['docker-plugin-socket']),
    });
  },
};

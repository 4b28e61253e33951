// `ztkube daemon [home]`: runs the node until SIGINT/SIGTERM/SIGQUIT (06 §1). The home is the
// positional argument (as `zerotier-one [options] [home]`) or --home, else $ZEROTIER_HOME, else
// zerotier-one's /var/lib/zerotier-one. Every start-up failure is one sentence on stderr and
// its own exit code (STARTUP_EXIT_CODES), never a stack trace.
import { ConfigError, FileError, HomeInUseError, PortInUseError, ZtkubeError } from '../util/errors.js';
import { parseInetAddress, parseIp } from '../protocol/inet-address.js';
import { parseAddress, isReservedAddress } from '../protocol/address.js';
import { Daemon } from '../service/daemon.js';
import { createLogger, type LogFormat } from '../service/log.js';
import { safetyFromEnv } from '../service/safety.js';
import { IdentityError, LocalConfError, TapNotPermittedError, TunUnavailableError } from '../service/startup-errors.js';
import type { CommandModule } from 'yargs';
import { DEFAULT_PLUGIN_SOCKET } from '../docker/plugin-server.js';
import { DEFAULT_CNI_SOCKET } from '../cni/cni-server.js';

/** A plugin socket when its --<flag> is on; the path must be absolute and end in .sock. */
function socketWhenOn(flag: string, isOn: unknown, path: unknown): string | undefined {
  if (isOn !== true) return undefined;
  if (typeof path !== 'string' || !path.startsWith('/') || !path.endsWith('.sock')) throw new ConfigError(`--${flag}-socket must be an absolute path ending in .sock, got ${JSON.stringify(path)}`);
  return path;
}

/** zerotier-one's home on Linux (06 §2.1). */
export const DEFAULT_HOME = '/var/lib/zerotier-one';
/** 1.14.1 gives a stop this long before it exits anyway (06 §1.4). */
const STOP_GRACE_MS = 5_000;
/** The signals that stop the daemon cleanly, as zerotier-one's quit handler. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGQUIT'] as const;

/**
 * Exit codes of `ztkube daemon`, one per kind of start-up failure (zerotier-one exits 1 for
 * all of them). Anything else an operator can cause exits 1.
 */
export const STARTUP_EXIT_CODES = {
  badFlags: 2,
  badLocalConf: 3,
  homeUnusable: 4,
  badIdentity: 5,
  portInUse: 6,
  noTun: 7,
  tapNotPermitted: 8,
} as const;

export interface DaemonArgs {
  home?: string;
  port: number;
  secondaryPort?: number;
  /** false: no secondary port (1.14.1 allowSecondaryPort: false). undefined: local.conf decides. */
  isSecondaryPortAllowed?: boolean;
  bind?: string[];
  contact?: string[];
  logLevel: string;
  logFormat?: LogFormat;
  /** false (--no-taps): networks get in-memory ports, no OS devices. */
  taps?: boolean;
  /** false (--no-native-udp): node:dgram sockets. */
  nativeUdp?: boolean;
  /** --tcp-fallback-relay IP/port. */
  tcpFallbackRelay?: string;
  /** false (--no-allow-tcp-fallback-relay): never use a TCP relay. */
  allowTcpFallbackRelay?: boolean;
  /** --force-tcp-relay: only the TCP relay. */
  forceTcpRelay?: boolean;
  /** false (--no-tap-offload): TAPs without IFF_VNET_HDR/TSO. */
  tapOffload?: boolean;
  /** --docker-plugin: serve the Docker network and IPAM plugin on this socket. */
  dockerPluginSocket?: string;
  /** --cni: serve the CNI plugin (the shim build/cni/ztkube) on this socket. */
  cniSocket?: string;
}

export function checkPort(flag: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new ConfigError(`--${flag} must be 1-65535, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** --bind: every value an IP address (undefined when not given). */
export function checkBind(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  for (const b of list) if (typeof b !== 'string' || !parseIp(b)) throw new ConfigError(`--bind must be an IP address, got ${JSON.stringify(b)}`);
  return list as string[];
}

/** The home: positional, --home, $ZEROTIER_HOME, the default; two different ones given is an error. */
export function resolveHome(positional: string | undefined, flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new ConfigError(`the home is given twice, as ${JSON.stringify(positional)} and --home ${JSON.stringify(flag)}; give one`);
  }
  const home = positional ?? flag ?? (env.ZEROTIER_HOME || DEFAULT_HOME);
  if (home.length === 0) throw new ConfigError('the home directory must not be empty');
  return home;
}

/** The exit code for an operator error, or null for a bug (which keeps its stack trace). */
export function startupExitCode(e: unknown): number | null {
  if (e instanceof LocalConfError) return STARTUP_EXIT_CODES.badLocalConf;
  if (e instanceof ConfigError) return STARTUP_EXIT_CODES.badFlags;
  if (e instanceof IdentityError) return STARTUP_EXIT_CODES.badIdentity;
  if (e instanceof PortInUseError) return STARTUP_EXIT_CODES.portInUse;
  if (e instanceof TunUnavailableError) return STARTUP_EXIT_CODES.noTun;
  if (e instanceof TapNotPermittedError) return STARTUP_EXIT_CODES.tapNotPermitted;
  // Every file the daemon needs lives in the home.
  if (e instanceof FileError || e instanceof HomeInUseError) return STARTUP_EXIT_CODES.homeUnusable;
  if (e instanceof ZtkubeError) return 1;
  return null;
}

export async function runDaemon(a: DaemonArgs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const port = checkPort('port', a.port);
  const secondaryPort = a.isSecondaryPortAllowed === false ? 'none' : a.secondaryPort === undefined ? undefined : checkPort('secondary-port', a.secondaryPort);
  checkBind(a.bind);
  const contact = (a.contact ?? []).map((c) => {
    const addr = parseAddress(c);
    if (addr === null || isReservedAddress(addr)) throw new ConfigError(`--contact must be a node address of 10 hex digits, got ${JSON.stringify(c)}`);
    return addr;
  });
  if (a.tcpFallbackRelay !== undefined) {
    const relay = parseInetAddress(a.tcpFallbackRelay);
    if (!relay || relay.port === 0) throw new ConfigError(`--tcp-fallback-relay must be IP/port (e.g. 204.80.128.1/443), got ${JSON.stringify(a.tcpFallbackRelay)}`);
  }
  // 1.14.1 would take both and then send nothing at all: no UDP, and no relay either.
  if (a.forceTcpRelay === true && a.allowTcpFallbackRelay === false) throw new ConfigError('--force-tcp-relay needs the TCP relay, which --no-allow-tcp-fallback-relay turns off: give one of them');
  if (!['error', 'warn', 'info', 'debug'].includes(a.logLevel)) throw new ConfigError(`--log-level must be error, warn, info or debug, got ${JSON.stringify(a.logLevel)}`);
  const home = a.home ?? resolveHome(undefined, undefined, env);
  const log = createLogger({ level: a.logLevel, format: a.logFormat });
  const daemon = new Daemon({ home, port, secondaryPort, bind: a.bind, contact, log, safety: safetyFromEnv(env.ZTKUBE_SAFETY), taps: a.taps === false ? 'memory' : 'linux', nativeUdp: a.nativeUdp !== false,
    // undefined when the flag was not given, so local.conf can decide (local-conf/daemon-settings.ts)
    allowTcpFallbackRelay: a.allowTcpFallbackRelay,
    forceTcpRelay: a.forceTcpRelay,
    tcpFallbackRelay: a.tcpFallbackRelay,
    tapOffload: a.tapOffload !== false,
    dockerPluginSocket: a.dockerPluginSocket,
    cniSocket: a.cniSocket,
  });
  // The handlers go in before the start, as 1.14.1 installs its own first thing in main(): a
  // SIGTERM that lands while the daemon is starting (or just after its "started" line, before
  // an await would have returned here) then asks for a clean stop once the start is done,
  // instead of the signal's default action killing the process mid-way (TAP, pid file, lock left).
  const stopAsked = new Promise<void>((resolve) => {
    let isAsked = false;
    const ask = (): void => {
      // Further signals change nothing: the stop under way ends within the grace period.
      if (isAsked) return;
      isAsked = true;
      // As 1.14.1's alarm: a stop that hangs does not keep the process (06 §1.4).
      setTimeout(() => {
        log.warn('stop took too long; exiting', { graceMs: STOP_GRACE_MS });
        process.exit(process.exitCode ?? 0);
      }, STOP_GRACE_MS).unref();
      resolve();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, ask);
  });
  await daemon.start();
  await stopAsked;
  await daemon.stop().catch((e: Error) => {
    log.error('stop failed', { error: e.message });
    process.exitCode = 1;
  });
}

export const daemonCommand: CommandModule = {
  command: 'daemon [dir]',
  describe: `run the ZeroTier node (home: identity, planet, networks.d, local.conf …; default $ZEROTIER_HOME or ${DEFAULT_HOME})`,
  builder: (y) =>
    y
      .positional('dir', { type: 'string', describe: 'home directory, as zerotier-one takes it (or --home)' })
      .option('home', { type: 'string', describe: 'home directory (the same as the positional argument)' })
      .option('port', { type: 'number', default: 9993, describe: 'primary UDP port (and TCP for the local API); local.conf settings.primaryPort overrides it, as it overrides zerotier-one -p' })
      .option('secondary-port', { type: 'number', describe: 'second UDP port (default: local.conf settings.secondaryPort, else random in 20000-65499)' })
      .option('allow-secondary-port', { type: 'boolean', describe: '--no-allow-secondary-port: only the primary port (default: local.conf settings.allowSecondaryPort, else allowed)' })
      .option('bind', { type: 'string', array: true, describe: 'bind only these local IPs (default: local.conf settings.bind, else every eligible interface address)' })
      .option('contact', { type: 'string', array: true, describe: 'keep contact with these node addresses (10 hex digits), as with a network anchor' })
      .option('native-udp', { type: 'boolean', default: true, describe: '--no-native-udp: node:dgram sockets instead of the batched native ones' })
      .option('tap-offload', { type: 'boolean', default: true, describe: '--no-tap-offload: TAPs without TCP segmentation offload (IFF_VNET_HDR, TSO)' })
      .option('taps', { type: 'boolean', default: true, describe: '--no-taps: joined networks get no TAP devices, addresses or routes (ports in memory); no root needed' })
      .option('tcp-fallback-relay', { type: 'string', describe: 'TCP relay used when UDP seems blocked, IP/port (default: local.conf settings.tcpFallbackRelay, else 204.80.128.1/443)' })
      .option('allow-tcp-fallback-relay', { type: 'boolean', describe: '--no-allow-tcp-fallback-relay: never fall back to the TCP relay (default: local.conf settings.allowTcpFallbackRelay, else allowed)' })
      .option('force-tcp-relay', { type: 'boolean', describe: 'only use the TCP relay: no UDP sent or received (default: local.conf settings.forceTcpRelay, else off)' })
      .option('log-level', { type: 'string', default: 'info', choices: ['error', 'warn', 'info', 'debug'] })
      .option('log-format', { type: 'string', choices: ['json', 'text'], describe: 'default: text on a terminal, json otherwise' })
      .option('docker-plugin', { type: 'boolean', default: false, describe: 'also serve the Docker network and IPAM plugin (docker network create -d ztkube)' })
      .option('docker-plugin-socket', { type: 'string', default: DEFAULT_PLUGIN_SOCKET, describe: "the plugin's Unix socket (dockerd finds /run/docker/plugins/<name>.sock)" })
      .option('cni', { type: 'boolean', default: false, describe: 'also serve the CNI plugin: pods get ZeroTier interfaces through the ztkube CNI shim' })
      .option('cni-socket', { type: 'string', default: DEFAULT_CNI_SOCKET, describe: "the Unix socket the CNI shim connects to (its net config's \"socket\")" }),
  handler: async (argv) => {
    try {
      const flag = argv.home as string | string[] | undefined;
      if (Array.isArray(flag)) throw new ConfigError(`--home is given ${flag.length} times; give it once`);
      await runDaemon({
        home: resolveHome(argv.dir as string | undefined, flag, process.env),
        port: argv.port as number,
        secondaryPort: argv['secondary-port'] as number | undefined,
        isSecondaryPortAllowed: argv['allow-secondary-port'] as boolean | undefined,
        bind: argv.bind as string[] | undefined,
        contact: argv.contact as string[] | undefined,
        logLevel: argv['log-level'] as string,
        logFormat: argv['log-format'] as LogFormat | undefined,
        taps: argv.taps as boolean,
        nativeUdp: argv['native-udp'] as boolean,
        tcpFallbackRelay: argv['tcp-fallback-relay'] as string | undefined,
        allowTcpFallbackRelay: argv['allow-tcp-fallback-relay'] as boolean | undefined,
        forceTcpRelay: argv['force-tcp-relay'] as boolean | undefined,
        tapOffload: argv['tap-offload'] as boolean,
        dockerPluginSocket: socketWhenOn('docker-plugin', argv['docker-plugin'], argv['docker-plugin-socket']),
        cniSocket: socketWhenOn('cni', argv.cni, argv['cni-socket']),
      });
    } catch (e) {
      const code = startupExitCode(e);
      if (code === null) throw e;
      process.stderr.write(`ztkube: ${(e as Error).message}\n`);
      process.exit(code);
    }
  },
};

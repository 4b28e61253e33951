// `ztkube daemon`: runs the node until SIGINT/SIGTERM (06 §1).
import { ConfigError } from '../util/errors.js';
import { parseIp } from '../protocol/inet-address.js';
import { parseAddress, isReservedAddress } from '../protocol/address.js';
import { Daemon } from '../service/daemon.js';
import { createLogger, type LogFormat } from '../service/log.js';

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
  const daemon = new Daemon({ home: a.home, port, secondaryPort, bind: a.bind, contact, log });
  await daemon.start();
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      daemon.stop();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

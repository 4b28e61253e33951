// Which value is in force when a flag and local.conf both say something (06 §3.2):
//
//   --port               local.conf settings.primaryPort wins, as it wins over zerotier-one's -p
//                        (the flag is only the default the file may override)
//   every other flag     the flag wins (STYLE §10: flag > file > default); zerotier-one has
//                        no flag for these, so no script expects otherwise
//
// A flag not given is undefined here, so the file and then the default fill it.
import type { LocalConf } from './local-conf.js';
import { DEFAULT_TCP_FALLBACK_RELAY } from '../tcp-fallback.js';

/** The options local.conf can set, as the command line gives them (undefined = not given). */
export interface ConfigurableOptions {
  /** The primary port; local.conf settings.primaryPort overrides it, as it overrides zerotier-one's -p. 0 = a random port (local.conf only). */
  port: number;
  /** A number, 'random' (1.14.1's default: allowSecondaryPort) or 'none'; undefined: local.conf or 'random'. */
  secondaryPort?: number | 'random' | 'none';
  bind?: string[];
  /** Permit the TCP fallback relay (06 §9); default true. */
  allowTcpFallbackRelay?: boolean;
  /** Only the TCP relay, no UDP (06 §9); default false. */
  forceTcpRelay?: boolean;
  /** The relay, `IP/port`; default 204.80.128.1/443. */
  tcpFallbackRelay?: string;
}

export type ResolvedOptions<T extends ConfigurableOptions> = T & {
  bind?: string[];
  secondaryPort: number | 'random' | 'none';
  allowTcpFallbackRelay: boolean;
  forceTcpRelay: boolean;
  tcpFallbackRelay: string;
};

export function resolveOptions<T extends ConfigurableOptions>(flags: T, conf: LocalConf): ResolvedOptions<T> {
  const fileSecondary = conf.allowSecondaryPort === false ? 'none' : (conf.secondaryPort ?? 'random');
  return {
    ...flags,
    port: conf.primaryPort ?? flags.port,
    secondaryPort: flags.secondaryPort ?? fileSecondary,
    bind: flags.bind ?? conf.bind,
    allowTcpFallbackRelay: flags.allowTcpFallbackRelay ?? conf.allowTcpFallbackRelay ?? true,
    forceTcpRelay: flags.forceTcpRelay ?? conf.forceTcpRelay ?? false,
    tcpFallbackRelay: flags.tcpFallbackRelay ?? conf.tcpFallbackRelay ?? DEFAULT_TCP_FALLBACK_RELAY,
  };
}

/** The keys a reload may change without a restart (06 §3.2 "reload = yes"). */
export function reloadableOptions<T extends ConfigurableOptions>(inForce: ResolvedOptions<T>, flags: T, conf: LocalConf): ResolvedOptions<T> {
  const next = resolveOptions(flags, conf);
  // settings.bind only ever adds addresses until a restart, as in 1.14.1 (06 §12 quirk 10).
  const bind = flags.bind ?? (next.bind || inForce.bind ? [...new Set([...(inForce.bind ?? []), ...(next.bind ?? [])])] : undefined);
  return { ...inForce, bind, allowTcpFallbackRelay: next.allowTcpFallbackRelay, forceTcpRelay: next.forceTcpRelay, tcpFallbackRelay: next.tcpFallbackRelay };
}

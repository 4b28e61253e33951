// --health-addr of `ztkube agent` and `ztkube operator`: "host:port", IPv6 in brackets.
import { ConfigError } from '../util/errors.js';

export function parseHealthAddr(v: unknown, example = '0.0.0.0:9994'): { host: string; port: number } {
  const m = typeof v === 'string' ? /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v) : null;
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`--health-addr must be host:port (e.g. ${example}), got ${JSON.stringify(v)}`);
  return { host: m[1] ?? m[2], port };
}

// How the CLI reaches the daemon's local API (06 §6.1): the home from -D, ZEROTIER_HOME or
// the default; the port from -p or the home's zerotier-one.port; the token from -T, the
// home's authtoken.secret or $HOME/.zeroTierOneAuthToken; HTTP to -H (127.0.0.1) with
// X-ZT1-Auth. A reply with status 0 is "no connection", its body the reason, as zerotier-cli
// reports it.
import http from 'node:http';
import { join } from 'node:path';
import { ConfigError, errnoCode } from '../util/errors.js';
import { AUTHTOKEN_FILE, trimToken } from '../service/authtoken.js';
import { PORT_FILE } from '../service/home.js';
import type { CliIo } from './io.js';

export interface ApiReply {
  /** 0: no HTTP answer at all. */
  status: number;
  /** The response body, or the reason there was none. */
  body: string;
}

export type ApiCall = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: string) => Promise<ApiReply>;

export interface ApiTarget {
  host: string;
  port: number;
  token: string;
}

/** zerotier-cli's wait for an answer. */
export const API_TIMEOUT_MS = 60_000;
/** zerotier-cli's limit on a response. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Where zerotier-one keeps its home on Linux (06 §2.1). */
export const DEFAULT_HOME = '/var/lib/zerotier-one';
/** The per-user token file zerotier-cli tries when the home's is unreadable (Linux). */
export const USER_TOKEN_FILE = '.zeroTierOneAuthToken';

/** The home directory: `-D` if given, else ZEROTIER_HOME (when set and not empty), else the default. */
export function defaultHome(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.ZEROTIER_HOME;
  return fromEnv !== undefined && fromEnv.length > 0 ? fromEnv : DEFAULT_HOME;
}

function readText(io: CliIo, path: string): string | null {
  try {
    return Buffer.from(io.readFile(path)).toString('utf8');
  } catch {
    return null; // missing or unreadable: the caller names the file in one sentence, as zerotier-cli does
  }
}

/** C strtoul as zerotier-cli uses it for ports: leading space and digits count, the rest is ignored, no digits is 0. */
export function parseUnsignedPrefix(text: string): number {
  const m = /^[ \t\n\v\f\r]*\+?(\d+)/.exec(text);
  if (!m) return 0;
  // The result is an unsigned int: larger values wrap, as in 1.14.1 (and are then mostly out of range).
  return Number(BigInt(m[1]) % 0x1_0000_0000n);
}

export interface TargetOptions {
  home: string;
  port?: number;
  token?: string;
  host?: string;
  /** The user's home directory ($HOME), for the per-user token file. */
  userHome?: string;
}

/** Where the API is, and its token. Throws ConfigError (exit 2) with zerotier-cli's sentences. */
export function resolveApiTarget(io: CliIo, opts: TargetOptions): ApiTarget {
  let port = opts.port;
  if (port === undefined) {
    port = parseUnsignedPrefix(readText(io, join(opts.home, PORT_FILE)) ?? '');
    if (port === 0 || port > 0xffff) throw new ConfigError(`missing port and ${PORT_FILE} not found in ${opts.home}`);
  }
  let token = opts.token ?? '';
  if (token.length === 0) {
    // Trimmed as the daemon trims it (zerotier-cli does not, and then fails with 401 on a final newline).
    token = trimToken(readText(io, join(opts.home, AUTHTOKEN_FILE)) ?? '');
    if (token.length === 0 && opts.userHome) token = trimToken(readText(io, join(opts.userHome, USER_TOKEN_FILE)) ?? '');
    if (token.length === 0) throw new ConfigError(`${AUTHTOKEN_FILE} not found or readable in ${opts.home} (try again as root)`);
  }
  return { host: opts.host ?? '127.0.0.1', port, token };
}

function reasonOf(e: unknown): string {
  const code = errnoCode(e);
  if (code === 'ETIMEDOUT') return 'timed out';
  // zerotier-cli's wording for a refused or failed connect.
  if (code !== null) return 'connection failed';
  return (e as Error).message;
}

/** Requests as zerotier-cli sends them: X-ZT1-Auth, and a JSON body with its length. */
export function httpApiCall(target: ApiTarget, timeoutMs = API_TIMEOUT_MS): ApiCall {
  return (method, path, body) =>
    new Promise<ApiReply>((resolve) => {
      const headers: Record<string, string | number> = { 'X-ZT1-Auth': target.token };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = Buffer.byteLength(body);
      }
      let req: http.ClientRequest;
      try {
        req = http.request({ host: target.host, port: target.port, method, path, headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('response too large'));
            else chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => resolve({ status: 0, body: reasonOf(e) }));
        });
      } catch (e) {
        // A path node refuses to send (a space or control character in a raw path): no request was made.
        resolve({ status: 0, body: (e as Error).message });
        return;
      }
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => resolve({ status: 0, body: reasonOf(e) }));
      req.end(body);
    });
}

// The check every request passes before routing (06 §5.2), as 1.14.1's authCheck.
// /metrics: the metrics token or the auth token, from any source. Everything else: the source
// must be loopback or inside an allowManagementFrom entry; /health, /sso and /app… then need
// no token; otherwise the first token form present decides — X-ZT1-Auth, then ?auth=, then
// `Authorization: Bearer` — so a wrong X-ZT1-Auth fails even beside a right bearer token.
import { timingSafeEqual } from 'node:crypto';
import { parseIp } from '../../protocol/inet-address.js';
import { containsAddress, type IpPrefix } from '../../net/ip/prefix.js';

export interface AuthRequest {
  path: string;
  query: URLSearchParams;
  /** Node's lower-cased header map. */
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string;
}

export interface AuthTokens {
  /** authtoken.secret */
  auth: string;
  /** metricstoken.secret: accepted on /metrics only. */
  metrics?: string;
}

const NO_TOKEN_PATHS = new Set(['/health', '/sso']);

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x (1.14.1's IP_SCOPE_LOOPBACK). */
export function isLoopbackAddress(a: string): boolean {
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || a === '::1';
}

/** Is a remote address inside one of the allowManagementFrom prefixes? (An IPv4-mapped IPv6 source counts as IPv4.) */
export function isManagementSourceAllowed(remoteAddress: string, allowed: readonly IpPrefix[]): boolean {
  if (allowed.length === 0) return false;
  const mapped = remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
  const ip = parseIp(mapped);
  if (!ip) return false;
  const addr: IpPrefix = { family: ip.family, ip: ip.ip, bits: ip.family === 4 ? 32 : 128 };
  return allowed.some((net) => containsAddress(net, addr));
}

function header(req: AuthRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Constant-time, so the answer's timing does not tell how much of a guess was right. */
function isSameToken(given: string, token: string | undefined): boolean {
  if (token === undefined) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** 1.14.1's bearerTokenValid: two space-separated fields (runs of spaces count as one), `bearer` in any case. */
function isBearerValid(value: string, token: string | undefined): boolean {
  const fields = value.split(' ').filter((f) => f.length > 0);
  return fields.length === 2 && fields[0].toLowerCase() === 'bearer' && isSameToken(fields[1], token);
}

/** The first token form present, checked against any of `tokens`; false when none is present. */
function isTokenValid(req: AuthRequest, tokens: ReadonlyArray<string | undefined>): boolean {
  const zt1 = header(req, 'x-zt1-auth');
  if (zt1 !== undefined) return tokens.some((t) => isSameToken(zt1, t));
  const q = req.query.get('auth');
  if (q !== null) return tokens.some((t) => isSameToken(q, t));
  const bearer = header(req, 'authorization');
  if (bearer !== undefined) return tokens.some((t) => isBearerValid(bearer, t));
  return false;
}

export function isAuthorized(req: AuthRequest, tokens: AuthTokens, allowManagementFrom: readonly IpPrefix[] = []): boolean {
  if (req.path === '/metrics') return isTokenValid(req, [tokens.metrics, tokens.auth]);
  if (!isLoopbackAddress(req.remoteAddress) && !isManagementSourceAllowed(req.remoteAddress, allowManagementFrom)) return false;
  if (NO_TOKEN_PATHS.has(req.path) || req.path.startsWith('/app')) return true;
  return isTokenValid(req, [tokens.auth]);
}

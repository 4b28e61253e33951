// The check every request passes before routing (06 §5.2), as 1.14.1's authCheck: the source
// must be loopback; /health, /sso and /app… need no token; otherwise the first token form
// present decides — X-ZT1-Auth, then ?auth=, then `Authorization: Bearer` — so a wrong
// X-ZT1-Auth fails even beside a right bearer token. A source outside loopback is allowed
// when it lies in one of local.conf's allowManagementFrom networks (and still needs the token).
import { timingSafeEqual } from 'node:crypto';
import { parseIp } from '../../protocol/inet-address.js';
import { cidrContains } from '../../node/physical.js';
import type { IpPrefix } from '../../net/ip/prefix.js';

export interface AuthRequest {
  path: string;
  query: URLSearchParams;
  /** Node's lower-cased header map. */
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string;
}

const NO_TOKEN_PATHS = new Set(['/health', '/sso']);

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x (1.14.1's IP_SCOPE_LOOPBACK). */
export function isLoopbackAddress(a: string): boolean {
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || a === '::1';
}

function header(req: AuthRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Constant-time, so the answer's timing does not tell how much of a guess was right. */
function isSameToken(given: string, token: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(token, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** 1.14.1's bearerTokenValid: two space-separated fields (runs of spaces count as one), `bearer` in any case. */
function isBearerValid(value: string, token: string): boolean {
  const fields = value.split(' ').filter((f) => f.length > 0);
  return fields.length === 2 && fields[0].toLowerCase() === 'bearer' && isSameToken(fields[1], token);
}

/** Is the source inside one of the allowManagementFrom networks (06 §5.2)? */
export function isManagementSource(remoteAddress: string, allowManagementFrom: readonly IpPrefix[]): boolean {
  if (allowManagementFrom.length === 0) return false;
  const text = remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
  const ip = parseIp(text.replace(/%.*$/, ''));
  return ip !== null && allowManagementFrom.some((n) => cidrContains(n, n.bits, { ...ip, port: 0 }));
}

export function isAuthorized(req: AuthRequest, token: string, allowManagementFrom: readonly IpPrefix[] = []): boolean {
  if (!isLoopbackAddress(req.remoteAddress) && !isManagementSource(req.remoteAddress, allowManagementFrom)) return false;
  if (NO_TOKEN_PATHS.has(req.path) || req.path.startsWith('/app')) return true;
  const zt1 = header(req, 'x-zt1-auth');
  if (zt1 !== undefined) return isSameToken(zt1, token);
  const q = req.query.get('auth');
  if (q !== null) return isSameToken(q, token);
  const bearer = header(req, 'authorization');
  if (bearer !== undefined) return isBearerValid(bearer, token);
  return false;
}

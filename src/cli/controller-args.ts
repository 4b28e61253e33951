// The arguments of `ztkube network create` and `ztkube member set` turned into the bodies of
// the controller API (05 §6.1, §6.2, §8.4, §8.6). Pure; every bad value is a ConfigError
// naming the flag or key, what was expected and what was found.
import { ConfigError } from '../util/errors.js';
import { parseIp } from '../protocol/inet-address.js';

export const NWID_PATTERN = /^[0-9a-fA-F]{16}$/;
export const MEMBER_PATTERN = /^[0-9a-fA-F]{10}$/;

export function checkNwid(v: unknown): string {
  const s = String(v);
  if (!NWID_PATTERN.test(s)) throw new ConfigError(`the network id must be 16 hex digits, got ${JSON.stringify(s)}`);
  return s.toLowerCase();
}

export function checkMember(v: unknown): string {
  const s = String(v);
  if (!MEMBER_PATTERN.test(s)) throw new ConfigError(`the member must be a node address of 10 hex digits, got ${JSON.stringify(s)}`);
  return s.toLowerCase();
}

function ipOf(flag: string, text: string, whole: string): { family: 4 | 6 } {
  const p = parseIp(text);
  if (!p) throw new ConfigError(`${flag} must name IP addresses, got ${JSON.stringify(whole)}`);
  return p;
}

/** `--pool A-B`: one assignment pool, both ends of one family (IPv6 text has no "-", so the first one splits). */
export function parsePool(text: string): { ipRangeStart: string; ipRangeEnd: string; family: 4 | 6 } {
  const dash = text.indexOf('-');
  if (dash < 0) throw new ConfigError(`--pool must be <first IP>-<last IP>, got ${JSON.stringify(text)}`);
  const start = text.slice(0, dash);
  const end = text.slice(dash + 1);
  const a = ipOf('--pool', start, text);
  const b = ipOf('--pool', end, text);
  if (a.family !== b.family) throw new ConfigError(`--pool must have both ends in one address family, got ${JSON.stringify(text)}`);
  return { ipRangeStart: start, ipRangeEnd: end, family: a.family };
}

/** `--route CIDR` or `--route CIDR@GATEWAY`. */
export function parseRoute(text: string): { target: string; via: string | null } {
  const at = text.indexOf('@');
  const target = at < 0 ? text : text.slice(0, at);
  const via = at < 0 ? null : text.slice(at + 1);
  const m = /^([^/]+)\/(\d{1,3})$/.exec(target);
  if (!m) throw new ConfigError(`--route must be <IP>/<bits>[@<gateway IP>], got ${JSON.stringify(text)}`);
  const t = ipOf('--route', m[1], text);
  if (Number(m[2]) > (t.family === 4 ? 32 : 128)) throw new ConfigError(`--route has more prefix bits than its address family allows, got ${JSON.stringify(text)}`);
  if (via !== null) ipOf('--route', via, text);
  return { target, via };
}

const V6_MODES = ['6plane', 'rfc4193', 'zt'] as const;

/** `--v6 6plane,rfc4193[,zt]` → all three keys of v6AssignMode; "none" or "" turns all off. */
export function parseV6Modes(text: string): Record<(typeof V6_MODES)[number], boolean> {
  const modes = { '6plane': false, rfc4193: false, zt: false };
  for (const m of text.split(',').map((x) => x.trim())) {
    if (m === '' || m === 'none') continue;
    if (!(V6_MODES as readonly string[]).includes(m)) throw new ConfigError(`--v6 takes a comma-separated list of ${V6_MODES.join(', ')} (or none), got ${JSON.stringify(m)}`);
    modes[m as (typeof V6_MODES)[number]] = true;
  }
  return modes;
}

export interface NetworkCreateArgs {
  name?: string;
  isPrivate: boolean;
  pools: string[];
  routes: string[];
  v6?: string;
}

/** Whether `ip` lies inside `cidr` (same family, first `bits` bits equal). */
function isInside(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const a = parseIp(ip);
  const n = parseIp(net);
  if (!a || !n || a.family !== n.family) return false;
  const bits = Number(bitsText);
  for (let i = 0; i < bits; i++) {
    const mask = 0x80 >> (i % 8);
    if ((a.ip[i >> 3] & mask) !== (n.ip[i >> 3] & mask)) return false;
  }
  return true;
}

/**
 * The body of `POST /controller/network/<address>______`. A pool turns on assignment from
 * pools of its family; the controller assigns pool addresses only inside a managed route
 * (05 §4.5), so a pool outside every --route is refused rather than silently unused.
 */
export function networkCreateBody(a: NetworkCreateArgs): Record<string, unknown> {
  const pools = a.pools.map(parsePool);
  const routes = a.routes.map(parseRoute);
  for (const p of pools) {
    if (!routes.some((r) => isInside(p.ipRangeStart, r.target) && isInside(p.ipRangeEnd, r.target))) {
      throw new ConfigError(`--pool ${p.ipRangeStart}-${p.ipRangeEnd} lies outside every --route; the controller assigns pool addresses only inside a route (add e.g. --route <network>/<bits>)`);
    }
  }
  const v6 = parseV6Modes(a.v6 ?? '');
  if (pools.some((p) => p.family === 6)) v6.zt = true;
  const body: Record<string, unknown> = {
    private: a.isPrivate,
    v4AssignMode: { zt: pools.some((p) => p.family === 4) },
    v6AssignMode: v6,
    ipAssignmentPools: pools.map(({ ipRangeStart, ipRangeEnd }) => ({ ipRangeStart, ipRangeEnd })),
    routes,
  };
  if (a.name !== undefined) body.name = a.name;
  return body;
}

const MEMBER_KEYS = ['name', 'authorized', 'activeBridge', 'noAutoAssignIps', 'ipAssignments'] as const;

function bool(key: string, v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(`member set: ${key} must be true or false, got ${JSON.stringify(v)}`);
}

/** `key=value …` of `ztkube member set` → a member POST body. ipAssignments is a comma-separated list (empty: none). */
export function memberSetBody(pairs: string[]): Record<string, unknown> {
  if (pairs.length === 0) throw new ConfigError(`member set: name at least one <key>=<value> (keys: ${MEMBER_KEYS.join(', ')})`);
  const body: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !(MEMBER_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(`member set: each setting must be <key>=<value> with a key of ${MEMBER_KEYS.join(', ')}, got ${JSON.stringify(pair)}`);
    }
    const value = pair.slice(eq + 1);
    if (key === 'name') body.name = value;
    else if (key === 'ipAssignments') {
      const ips = value === '' ? [] : value.split(',').map((x) => x.trim());
      for (const ip of ips) if (!parseIp(ip)) throw new ConfigError(`member set: ipAssignments must be IP addresses separated by commas, got ${JSON.stringify(ip)}`);
      body.ipAssignments = ips;
    } else body[key] = bool(key, value);
  }
  return body;
}

// <home>/local.conf (06 §3) as a typed object: `settings`, `physical` and `virtual` read with
// 1.14.1's lenient coercion (json-coerce.ts). Not JSON, not an object, or a value no coercion
// makes sense of (a port of 70000, a bind entry that is no IP) is a ConfigError naming the
// file and the field; 1.14.1 exits 1 on the first two and silently uses a default for the
// rest. Keys ztkube does not implement are listed in `ignored`, unknown ones in `unknown`.
import { readFileSync, statSync } from 'node:fs';
import { ConfigError, errnoCode, fileError } from '../../util/errors.js';
import { jsonErrorOffset, lineAndColumn } from '../../util/json-error-offset.js';
import { parseJsonLossless } from '../../util/json-text.js';
import { parseInetAddress, parseIp, type InetAddress } from '../../protocol/inet-address.js';
import { parseAddress, isReservedAddress } from '../../protocol/address.js';
import type { PhysicalNetwork } from '../../node/physical.js';
import { MAX_PHYSICAL_NETWORKS } from '../../node/physical.js';
import { MAX_PHYS_MTU_BYTES } from '../../protocol/constants.js';
import type { IpPrefix } from '../../net/ip/prefix.js';
import { coerceBool, coerceInt, coerceString, coerceStringList, coerceU64, describeJson, isJsonObject } from './json-coerce.js';

export const LOCAL_CONF_FILE = 'local.conf';

/** `virtual.<address>` (06 §3.4). */
export interface VirtualPeerConf {
  /** Where else to reach the peer (IP/port). */
  try: InetAddress[];
  /** Physical networks never used for this peer. */
  blacklist: IpPrefix[];
}

/** What local.conf says. A setting the file does not give is undefined, so flags and defaults can fill it. */
export interface LocalConf {
  /** The parsed file, verbatim, for GET /config and /status `config` ({} when none). */
  raw: Record<string, unknown>;
  primaryPort?: number;
  secondaryPort?: number;
  allowSecondaryPort?: boolean;
  allowTcpFallbackRelay?: boolean;
  forceTcpRelay?: boolean;
  /** `IP/port`. */
  tcpFallbackRelay?: string;
  interfacePrefixBlacklist: string[];
  allowManagementFrom: IpPrefix[];
  bind?: string[];
  controllerDbPath?: string;
  /** physical.<net>.trustedPathId / mtu, for the node. */
  physical: PhysicalNetwork[];
  /** physical.<net>.blacklist: never bound locally, never used as a remote path. */
  physicalBlacklist: IpPrefix[];
  virtual: Map<number, VirtualPeerConf>;
  /** Keys 1.14.1 reads that ztkube does not implement (bonding, multicore, port mapping, updates …). */
  ignored: string[];
  /** Keys 1.14.1 does not read either (typos, usually). */
  unknown: string[];
}

const SETTINGS_USED = new Set([
  'primaryPort', 'secondaryPort', 'allowSecondaryPort', 'allowTcpFallbackRelay', 'forceTcpRelay', 'tcpFallbackRelay',
  'interfacePrefixBlacklist', 'allowManagementFrom', 'bind', 'controllerDbPath',
]);
/** Read by 1.14.1, accepted and ignored here (06 §3.2). */
const SETTINGS_IGNORED = new Set([
  'tertiaryPort', 'portMappingEnabled', 'lowBandwidthMode', 'multicoreEnabled', 'concurrency', 'cpuPinningEnabled', 'enableWebServer',
  'softwareUpdate', 'softwareUpdateChannel', 'softwareUpdateDist', 'defaultBondingPolicy', 'policies', 'peerSpecificBonds',
  'ssoRedirectURL', 'controllerDb', 'multipathMode',
]);
const TOP_LEVEL = new Set(['settings', 'physical', 'virtual']);

export function emptyLocalConf(): LocalConf {
  return { raw: {}, interfacePrefixBlacklist: [], allowManagementFrom: [], physical: [], physicalBlacklist: [], virtual: new Map(), ignored: [], unknown: [] };
}

/**
 * An `IP/bits` entry. Unlike 1.14.1, a bare IP is that one host (/32, /128): there it would
 * be /0, admitting or blacklisting the whole address family (06 §12 quirk 1).
 */
export function parseCidr(s: string, field: string): IpPrefix {
  const slash = s.indexOf('/');
  const ip = parseIp((slash < 0 ? s : s.slice(0, slash)).trim());
  const bitsText = slash < 0 ? null : s.slice(slash + 1).trim();
  const max = ip?.family === 4 ? 32 : 128;
  const bits = bitsText === null ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!ip || !(bits >= 0 && bits <= max)) throw new ConfigError(`${field} must be IP/bits, got ${JSON.stringify(s)}`);
  return { family: ip.family, ip: ip.ip, bits };
}

function ipPort(s: string, field: string): InetAddress {
  const a = parseInetAddress(s.trim());
  if (!a) throw new ConfigError(`${field} must be IP/port, got ${JSON.stringify(s)}`);
  return a;
}

/** Interprets a parsed local.conf object; `file` starts every error sentence. */
export function interpretLocalConf(raw: Record<string, unknown>, file: string): LocalConf {
  const lc = emptyLocalConf();
  lc.raw = raw;
  for (const k of Object.keys(raw)) if (!TOP_LEVEL.has(k)) lc.unknown.push(k);
  const s = raw.settings;
  if (s !== undefined && s !== null) {
    if (!isJsonObject(s)) throw new ConfigError(`${file}: settings must be an object, got ${describeJson(s)}`);
    readSettings(s, `${file}: settings`, lc);
  }
  const p = raw.physical;
  if (p !== undefined && p !== null) {
    if (!isJsonObject(p)) throw new ConfigError(`${file}: physical must be an object, got ${describeJson(p)}`);
    readPhysical(p, `${file}: physical`, lc);
  }
  const v = raw.virtual;
  if (v !== undefined && v !== null) {
    if (!isJsonObject(v)) throw new ConfigError(`${file}: virtual must be an object, got ${describeJson(v)}`);
    readVirtual(v, `${file}: virtual`, lc);
  }
  return lc;
}

function readSettings(s: Record<string, unknown>, at: string, lc: LocalConf): void {
  for (const k of Object.keys(s)) {
    if (SETTINGS_IGNORED.has(k)) lc.ignored.push(`settings.${k}`);
    else if (!SETTINGS_USED.has(k)) lc.unknown.push(`settings.${k}`);
  }
  const port = (k: string, min: number): number | undefined => (s[k] === undefined || s[k] === null ? undefined : coerceInt(s[k], 0, `${at}.${k}`, min, 65535));
  const bool = (k: string): boolean | undefined => (s[k] === undefined || s[k] === null ? undefined : coerceBool(s[k], false, `${at}.${k}`));
  lc.primaryPort = port('primaryPort', 0);
  const secondary = port('secondaryPort', 0);
  lc.secondaryPort = secondary === 0 ? undefined : secondary; // 0 = random, as 1.14.1
  lc.allowSecondaryPort = bool('allowSecondaryPort');
  lc.allowTcpFallbackRelay = bool('allowTcpFallbackRelay');
  lc.forceTcpRelay = bool('forceTcpRelay');
  if (s.tcpFallbackRelay !== undefined && s.tcpFallbackRelay !== null) {
    const relay = coerceString(s.tcpFallbackRelay, '', `${at}.tcpFallbackRelay`);
    ipPort(relay, `${at}.tcpFallbackRelay`);
    lc.tcpFallbackRelay = relay.trim();
  }
  // Empty entries are skipped, as 1.14.1 skips them: "" would blacklist every interface.
  lc.interfacePrefixBlacklist = coerceStringList(s.interfacePrefixBlacklist, `${at}.interfacePrefixBlacklist`).filter((x) => x.length > 0);
  lc.allowManagementFrom = coerceStringList(s.allowManagementFrom, `${at}.allowManagementFrom`).map((x, i) => parseCidr(x, `${at}.allowManagementFrom[${i}]`));
  if (s.bind !== undefined && s.bind !== null) {
    // Empty entries are skipped, as 1.14.1 skips them.
    lc.bind = coerceStringList(s.bind, `${at}.bind`).flatMap((x, i) => {
      if (x.trim().length === 0) return [];
      if (!parseIp(x.trim())) throw new ConfigError(`${at}.bind[${i}] must be an IP address, got ${JSON.stringify(x)}`);
      return [x.trim()];
    });
  }
  if (s.controllerDbPath !== undefined && s.controllerDbPath !== null) {
    const p = coerceString(s.controllerDbPath, '', `${at}.controllerDbPath`);
    if (p.length > 0) lc.controllerDbPath = p;
  }
}

function readPhysical(p: Record<string, unknown>, at: string, lc: LocalConf): void {
  for (const [key, value] of Object.entries(p)) {
    const field = `${at}["${key}"]`;
    const net = parseCidr(key, `${at} key`);
    if (!isJsonObject(value)) throw new ConfigError(`${field} must be an object, got ${describeJson(value)}`);
    if (coerceBool(value.blacklist, false, `${field}.blacklist`) && net.bits > 0) lc.physicalBlacklist.push(net);
    const trustedPathId = coerceU64(value.trustedPathId, `${field}.trustedPathId`);
    const mtu = coerceInt(value.mtu, 0, `${field}.mtu`, 0, MAX_PHYS_MTU_BYTES);
    if (trustedPathId !== 0n || mtu !== 0) lc.physical.push({ network: { family: net.family, ip: net.ip }, bits: net.bits, trustedPathId, mtu });
  }
  if (lc.physical.length > MAX_PHYSICAL_NETWORKS) throw new ConfigError(`${at} sets an MTU or trusted path for at most ${MAX_PHYSICAL_NETWORKS} networks, got ${lc.physical.length}`);
}

function readVirtual(v: Record<string, unknown>, at: string, lc: LocalConf): void {
  for (const [key, value] of Object.entries(v)) {
    const field = `${at}["${key}"]`;
    const address = /^[0-9a-fA-F]{10}$/.test(key) ? parseAddress(key) : null;
    if (address === null || isReservedAddress(address)) throw new ConfigError(`${at} keys must be node addresses of 10 hex digits, got ${JSON.stringify(key)}`);
    if (!isJsonObject(value)) throw new ConfigError(`${field} must be an object, got ${describeJson(value)}`);
    lc.virtual.set(address, {
      try: coerceStringList(value.try, `${field}.try`).map((x, i) => ipPort(x, `${field}.try[${i}]`)),
      blacklist: coerceStringList(value.blacklist, `${field}.blacklist`).map((x, i) => parseCidr(x, `${field}.blacklist[${i}]`)),
    });
  }
}

/** Parses local.conf text; an empty file is no configuration, as in 1.14.1 (a lone newline is not JSON there: here it is whitespace and fine). */
export function parseLocalConfText(text: string, file: string): LocalConf {
  if (text.trim().length === 0) return emptyLocalConf();
  let parsed: unknown;
  try {
    parsed = parseJsonLossless(text);
  } catch (e) {
    const at = jsonErrorOffset(text);
    const where = at < 0 ? '' : at >= text.length ? ' (it ends too early)' : ` at ${lineAndColumn(text, at)}`;
    throw new ConfigError(`${file}: not valid JSON${where}`, { cause: e });
  }
  if (!isJsonObject(parsed)) throw new ConfigError(`${file}: must hold a JSON object, got ${describeJson(parsed)}`);
  return interpretLocalConf(parsed, file);
}

/** The file's identity for the reload check: it changed when either differs. */
export interface LocalConfStamp {
  mtimeMs: number;
  size: number;
}

/** Reads and interprets local.conf; null when there is none. Throws ConfigError / FileError naming the file. */
export function readLocalConf(path: string): { conf: LocalConf; stamp: LocalConfStamp } | null {
  let text: string;
  let stamp: LocalConfStamp;
  try {
    const st = statSync(path);
    stamp = { mtimeMs: st.mtimeMs, size: st.size };
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw fileError(e, path, 'reading the local configuration');
  }
  return { conf: parseLocalConfText(text, path), stamp };
}

/** The stamp of local.conf now, or null when it is missing or cannot be stat'ed. */
export function statLocalConf(path: string): LocalConfStamp | null {
  try {
    const st = statSync(path);
    return { mtimeMs: st.mtimeMs, size: st.size };
  } catch {
    return null; // gone: 1.14.1 keeps the configuration it has until the file is back
  }
}

// GET /status (06 §5.4) and GET /health, as 1.14.1's statusGet builds them: `config` is the
// local.conf object with `config.settings` extended by the computed keys, where a value
// present in local.conf wins over the running one.
import { addressToString } from '../../protocol/address.js';
import { inetAddressToString } from '../../protocol/inet-address.js';
import type { StatusView } from './service-port.js';

export const VERSION = { major: 1, minor: 14, rev: 1, build: 0 } as const;
export const VERSION_STRING = `${VERSION.major}.${VERSION.minor}.${VERSION.rev}`;

function versionFields(): Record<string, unknown> {
  return { version: VERSION_STRING, versionBuild: VERSION.build, versionMajor: VERSION.major, versionMinor: VERSION.minor, versionRev: VERSION.rev };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 1.14.1's jsonBool: booleans, numbers (≠ 0) and strings starting with 1/t/T count; else the default. */
function jsonBool(v: unknown, dflt: boolean): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0 && '1tT'.includes(v[0]);
  return dflt;
}

/** 1.14.1's jsonInt for the port keys, masked to 16 bits as statusGet does. */
function jsonPort(v: unknown, dflt: number): number {
  let n = dflt;
  if (typeof v === 'number' && Number.isFinite(v)) n = Math.trunc(v);
  else if (typeof v === 'string' && /^\d+$/.test(v)) n = Number(v);
  else if (typeof v === 'boolean') n = v ? 1 : 0;
  return n & 0xffff;
}

function jsonString(v: unknown, dflt: string): string {
  return typeof v === 'string' ? v : dflt;
}

export function statusToJson(s: StatusView): Record<string, unknown> {
  const config: Record<string, unknown> = { ...s.localConfig };
  const given = isObject(config.settings) ? config.settings : {};
  config.settings = {
    ...given,
    allowTcpFallbackRelay: jsonBool(given.allowTcpFallbackRelay, s.isTcpFallbackRelayAllowed),
    forceTcpRelay: jsonBool(given.forceTcpRelay, s.isTcpRelayForced),
    homeDir: s.homeDir,
    listeningOn: s.listeningOn.map(inetAddressToString),
    portMappingEnabled: s.isPortMappingEnabled && jsonBool(given.portMappingEnabled, true),
    primaryPort: jsonPort(given.primaryPort, s.primaryPort),
    secondaryPort: jsonPort(given.secondaryPort, s.secondaryPort),
    softwareUpdate: jsonString(given.softwareUpdate, 'disable'),
    softwareUpdateChannel: jsonString(given.softwareUpdateChannel, 'release'),
    surfaceAddresses: s.surfaceAddresses.map(inetAddressToString),
    tertiaryPort: jsonPort(given.tertiaryPort, s.tertiaryPort),
  };
  return {
    address: addressToString(s.address),
    clock: s.clockMs,
    config,
    online: s.isOnline,
    planetWorldId: s.planet?.id ?? 0n,
    planetWorldTimestamp: s.planet?.timestamp ?? 0n,
    publicIdentity: s.publicIdentity,
    tcpFallbackActive: s.isTcpFallbackActive,
    ...versionFields(),
  };
}

/** GET /health (06 §5.3). */
export function healthToJson(s: Pick<StatusView, 'clockMs' | 'isOnline'>): Record<string, unknown> {
  return { clock: s.clockMs, online: s.isOnline, ...versionFields() };
}

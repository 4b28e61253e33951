// Small helpers for the simulated internet's addresses: parse text, build endpoints and
// the string keys the sim's tables use. Endpoints are the project's InetAddress (02 §2.1),
// so what the sim hands a node is exactly what the real UDP edge would hand it.
import { ConfigError } from '../../src/util/errors.js';
import { inetAddressToString, ipToString, parseInetAddress, parseIp } from '../../src/protocol/inet-address.js';
import type { InetAddress } from '../../src/protocol/inet-address.js';

export type { InetAddress };

/** An IP address without a port. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly ip: Uint8Array;
}

/** Parses an IPv4/IPv6 address; `what` names the setting in the error. */
export function parseIpOrThrow(text: string, what = 'address'): IpAddress {
  const r = parseIp(text);
  if (!r) throw new ConfigError(`sim: ${what} must be an IPv4 or IPv6 address, got "${text}"`);
  return r;
}

/** Endpoint from "ip" + port, or from "ip/port" text. */
export function ep(ipText: string, port?: number): InetAddress {
  if (port === undefined) {
    const a = parseInetAddress(ipText);
    if (!a) throw new ConfigError(`sim: endpoint must be "ip/port", got "${ipText}"`);
    return a;
  }
  const ip = parseIpOrThrow(ipText);
  return { family: ip.family, ip: ip.ip.slice(), port };
}

/** A fresh copy (the sim never shares a Uint8Array with a node). */
export function copyEndpoint(a: InetAddress): InetAddress {
  return { family: a.family, ip: a.ip.slice(), port: a.port };
}

export function withPort(ip: IpAddress, port: number): InetAddress {
  return { family: ip.family, ip: ip.ip.slice(), port };
}

/** Key of an IP (text form; the family is implied by the text). */
export function ipKey(a: IpAddress): string {
  return ipToString({ family: a.family, ip: a.ip, port: 0 });
}

/** Key of an endpoint: ZeroTier's "ip/port" text form. */
export function endpointKey(a: InetAddress): string {
  return inetAddressToString(a);
}

export function sameIp(a: IpAddress, b: IpAddress): boolean {
  if (a.family !== b.family) return false;
  for (let i = 0; i < a.ip.length; i++) if (a.ip[i] !== b.ip[i]) return false;
  return true;
}

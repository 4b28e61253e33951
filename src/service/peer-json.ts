// Peer objects as the local API shows them (06 §5.8).
import { addressToString } from '../protocol/address.js';
import { inetAddressToString } from '../protocol/inet-address.js';
import type { PeerInfo } from '../node/node.js';
import { ALL_SOCKETS } from '../util/socket-id.js';

/** 1.14.1 prints a path learned through the TCP relay (local socket -1) as the unsigned 64-bit -1. */
const TUNNEL_LOCAL_SOCKET = 18446744073709551615n;

export interface PeerPathJson {
  active: boolean;
  address: string;
  expired: boolean;
  lastReceive: number;
  lastSend: number;
  localPort: number;
  localSocket: number | bigint;
  preferred: boolean;
  trustedPathId: number;
}

export interface PeerJson {
  address: string;
  isBonded: boolean;
  latency: number;
  paths: PeerPathJson[];
  role: string;
  tunneled: boolean;
  version: string;
  versionMajor: number;
  versionMinor: number;
  versionRev: number;
}

export function peerToJson(p: PeerInfo, isTunneled = false): PeerJson {
  const known = p.version.protocol !== 0;
  const major = known ? p.version.major : -1;
  const minor = known ? p.version.minor : -1;
  const rev = known ? p.version.revision : -1;
  return {
    address: addressToString(p.address),
    isBonded: false,
    latency: p.latencyMs ?? -1,
    paths: p.paths.map((x) => ({
      active: true,
      address: inetAddressToString(x.address),
      expired: false,
      lastReceive: Math.max(0, x.lastReceiveMs),
      lastSend: Math.max(0, x.lastSendMs),
      localPort: 0,
      localSocket: x.socket === ALL_SOCKETS ? TUNNEL_LOCAL_SOCKET : x.socket,
      preferred: x.isPreferred,
      // 1.14.1 prints the 64-bit ID as a JSON number; IDs past 2^53 lose precision there too.
      trustedPathId: Number(x.trustedPathId),
    })),
    role: p.role,
    tunneled: isTunneled,
    version: `${major}.${minor}.${rev}`,
    versionMajor: major,
    versionMinor: minor,
    versionRev: rev,
  };
}

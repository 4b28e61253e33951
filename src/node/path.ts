// A physical path (03 §5.1): one (local socket, remote address:port) pair, shared by every
// peer that uses it. Times are ms from the host clock; 0 means "never".
import { inetAddressToString, type InetAddress } from '../protocol/inet-address.js';
import type { SocketId } from './host.js';
import { ipScope, type IpScope } from '../protocol/ip-scope.js';
import {
  PATH_ALIVE_TIMEOUT_MS,
  PATH_HEARTBEAT_PERIOD_MS,
  PATH_LATENCY_UNKNOWN,
  PATH_QUALITY_MAX_AGE_MS,
  TRUST_EXPIRATION_MS,
} from './constants.js';

export function pathKey(socket: SocketId, address: InetAddress): string {
  return `${socket}|${inetAddressToString(address)}`;
}

export class Path {
  readonly socket: SocketId;
  readonly address: InetAddress;
  readonly key: string;
  readonly scope: IpScope;
  lastInMs = 0;
  lastOutMs = 0;
  lastTrustEstablishedMs = 0;
  latencyMs = PATH_LATENCY_UNKNOWN;
  lastEchoAnsweredMs = 0;
  /** Last confirming HELLO sent because unknown traffic arrived here (1 per second, 03 §5.3). */
  lastConfirmHelloMs = 0;

  constructor(socket: SocketId, address: InetAddress) {
    this.socket = socket;
    this.address = address;
    this.key = pathKey(socket, address);
    this.scope = ipScope(address);
  }

  isAlive(nowMs: number): boolean {
    return nowMs - this.lastInMs < PATH_ALIVE_TIMEOUT_MS;
  }

  needsHeartbeat(nowMs: number): boolean {
    return nowMs - this.lastOutMs >= PATH_HEARTBEAT_PERIOD_MS;
  }

  isTrustEstablished(nowMs: number): boolean {
    return nowMs - this.lastTrustEstablishedMs < TRUST_EXPIRATION_MS;
  }

  /** Latency smoothing of 03 §5.6: first sample as is, then the integer mean of old and new. */
  addLatencySample(sampleMs: number): void {
    const s = Math.max(0, Math.min(PATH_LATENCY_UNKNOWN - 1, Math.floor(sampleMs)));
    this.latencyMs = this.latencyMs === PATH_LATENCY_UNKNOWN ? s : Math.floor((this.latencyMs + s) / 2);
  }

  /** Lower is better (03 §5.5): a silent path is penalised, private beats global. */
  quality(nowMs: number): number {
    const age = Math.min(nowMs - this.lastInMs, PATH_QUALITY_MAX_AGE_MS);
    const base = age < PATH_ALIVE_TIMEOUT_MS ? this.latencyMs : this.latencyMs + 0xffff + age;
    return base * (8 - this.scope);
  }

  toString(): string {
    return this.key;
  }
}

/** Every path the node has seen, by (socket, remote address). */
export class PathTable {
  private readonly byKey = new Map<string, Path>();
  /**
   * IPv4 paths again, by socket and then by address and port as one number: every datagram
   * in and out looks its path up, and building the string key showed in the datapath profile.
   */
  private readonly v4 = new Map<SocketId, Map<number, Path>>();

  /** The path for this pair, created on first use. */
  get(socket: SocketId, address: InetAddress): Path {
    if (address.family === 4) {
      const ip = address.ip;
      const n = (((ip[0] << 24) >>> 0) + ((ip[1] << 16) | (ip[2] << 8) | ip[3])) * 65536 + address.port;
      let bySocket = this.v4.get(socket);
      if (!bySocket) this.v4.set(socket, (bySocket = new Map()));
      const hit = bySocket.get(n);
      if (hit) return hit;
      const p = this.getByKey(socket, address);
      bySocket.set(n, p);
      return p;
    }
    return this.getByKey(socket, address);
  }

  private getByKey(socket: SocketId, address: InetAddress): Path {
    const k = pathKey(socket, address);
    let p = this.byKey.get(k);
    if (!p) {
      p = new Path(socket, address);
      this.byKey.set(k, p);
    }
    return p;
  }

  values(): IterableIterator<Path> {
    return this.byKey.values();
  }

  /** Forgets paths no peer uses that have been silent both ways for `idleMs`. */
  prune(nowMs: number, inUse: Set<string>, idleMs: number): void {
    for (const [k, p] of this.byKey) {
      if (!inUse.has(k) && nowMs - Math.max(p.lastInMs, p.lastOutMs) >= idleMs) {
        this.byKey.delete(k);
        if (p.address.family === 4) {
          const ip = p.address.ip;
          this.v4.get(p.socket)?.delete((((ip[0] << 24) >>> 0) + ((ip[1] << 16) | (ip[2] << 8) | ip[3])) * 65536 + p.address.port);
        }
      }
    }
  }
}

// A physical path (03 §5.1): one (local socket, remote address:port) pair, shared by every
// peer that uses it. Times are ms from the host clock; 0 means "never".
import { inetAddressToString, type InetAddress } from '../protocol/inet-address.js';
import type { SocketId } from './host.js';
import { ipScope, type IpScope } from './ip-scope.js';
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
  lastIn = 0;
  lastOut = 0;
  lastTrustEstablished = 0;
  latencyMs = PATH_LATENCY_UNKNOWN;
  lastEchoAnswered = 0;
  /** Last confirming HELLO sent because unknown traffic arrived here (1 per second, 03 §5.3). */
  lastConfirmHello = 0;

  constructor(socket: SocketId, address: InetAddress) {
    this.socket = socket;
    this.address = address;
    this.key = pathKey(socket, address);
    this.scope = ipScope(address);
  }

  isAlive(nowMs: number): boolean {
    return nowMs - this.lastIn < PATH_ALIVE_TIMEOUT_MS;
  }

  needsHeartbeat(nowMs: number): boolean {
    return nowMs - this.lastOut >= PATH_HEARTBEAT_PERIOD_MS;
  }

  isTrustEstablished(nowMs: number): boolean {
    return nowMs - this.lastTrustEstablished < TRUST_EXPIRATION_MS;
  }

  /** Latency smoothing of 03 §5.6: first sample as is, then the integer mean of old and new. */
  addLatencySample(sampleMs: number): void {
    const s = Math.max(0, Math.min(PATH_LATENCY_UNKNOWN - 1, Math.floor(sampleMs)));
    this.latencyMs = this.latencyMs === PATH_LATENCY_UNKNOWN ? s : Math.floor((this.latencyMs + s) / 2);
  }

  /** Lower is better (03 §5.5): a silent path is penalised, private beats global. */
  quality(nowMs: number): number {
    const age = Math.min(nowMs - this.lastIn, PATH_QUALITY_MAX_AGE_MS);
    const base = age < PATH_ALIVE_TIMEOUT_MS ? this.latencyMs : this.latencyMs + 0xffff + age;
    return base * (8 - this.scope);
  }

  toString(): string {
    return this.key;
  }
}

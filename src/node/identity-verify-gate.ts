// The identity-verification rate gate (03 §15): verifying a new identity costs a
// memory-hard hash, so at most one per source-IP bucket per 2 s.
import type { InetAddress } from '../protocol/inet-address.js';
import { IDENTITY_VERIFY_BUCKETS, IDENTITY_VERIFY_INTERVAL_MS } from './constants.js';

export function identityVerifyBucket(a: InetAddress): number {
  if (a.family === 4) {
    let h = (((a.ip[0] << 24) >>> 0) + ((a.ip[1] << 16) | (a.ip[2] << 8) | a.ip[3])) >>> 8;
    h ^= h >>> 14;
    return h & (IDENTITY_VERIFY_BUCKETS - 1);
  }
  let h = 0;
  for (let i = 0; i < 6; i++) h = (h * 2 + a.ip[i]) >>> 0;
  return h & (IDENTITY_VERIFY_BUCKETS - 1);
}

export class IdentityVerifyGate {
  private last = new Float64Array(IDENTITY_VERIFY_BUCKETS).fill(-Infinity);

  /** True (and the bucket is charged) when a verification from this address may run now. */
  tryPass(from: InetAddress, nowMs: number): boolean {
    const b = identityVerifyBucket(from);
    if (nowMs - this.last[b] < IDENTITY_VERIFY_INTERVAL_MS) return false;
    this.last[b] = nowMs;
    return true;
  }
}

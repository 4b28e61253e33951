// External address detection (03 §13): what other nodes tell us our address is. Trusted
// reports (from upstreams) of a changed IP reset paths of that scope so NAT rebinding is
// noticed quickly; the distinct addresses recorded are advertised in PUSH_DIRECT_PATHS.
import { inetAddressEquals, inetAddressToString, type InetAddress } from '../protocol/inet-address.js';
import type { SocketId } from './host.js';
import { IpScope, ipScope, sameIp } from '../protocol/ip-scope.js';
import { EXTERNAL_ADDRESS_RECORD_TTL_MS } from './constants.js';

interface SurfaceRecord {
  reporter: number;
  socket: SocketId;
  reporterAddress: InetAddress;
  scope: IpScope;
  mySurface: InetAddress;
  timestamp: number;
}

export class SelfAwareness {
  private records = new Map<string, SurfaceRecord>();

  /**
   * Records a report. Returns the scope and family whose paths must be reset when a trusted
   * reporter says our IP changed, or null.
   */
  iam(
    nowMs: number,
    reporter: number,
    socket: SocketId,
    reporterAddress: InetAddress,
    mySurface: InetAddress,
    isTrusted: boolean,
  ): { scope: IpScope; family: 4 | 6 } | null {
    const scope = ipScope(mySurface);
    if (scope !== ipScope(reporterAddress) || scope === IpScope.NONE || scope === IpScope.LOOPBACK || scope === IpScope.MULTICAST) return null;
    const key = `${reporter}|${socket}|${inetAddressToString(reporterAddress)}|${scope}`;
    const existing = this.records.get(key);
    if (isTrusted && existing && nowMs - existing.timestamp < EXTERNAL_ADDRESS_RECORD_TTL_MS && !sameIp(existing.mySurface, mySurface)) {
      existing.mySurface = mySurface;
      existing.timestamp = nowMs;
      for (const [k, r] of this.records) {
        if (k !== key && r.scope === scope && !inetAddressEquals(r.reporterAddress, reporterAddress)) this.records.delete(k);
      }
      return { scope, family: mySurface.family };
    }
    this.records.set(key, { reporter, socket, reporterAddress, scope, mySurface, timestamp: nowMs });
    return null;
  }

  clean(nowMs: number): void {
    for (const [k, r] of this.records) if (nowMs - r.timestamp >= EXTERNAL_ADDRESS_RECORD_TTL_MS) this.records.delete(k);
  }

  /** Distinct addresses others see us at. */
  surfaceAddresses(): InetAddress[] {
    const out: InetAddress[] = [];
    for (const r of this.records.values()) if (!out.some((a) => inetAddressEquals(a, r.mySurface))) out.push(r.mySurface);
    return out;
  }
}

// What the controller's metrics report (05 §8.10): networks and members held, and changes
// counted as the database layer announces them. The gauges are exact (a deleted network's
// members are subtracted, unlike 1.14.1, whose count drifts upward); the counters follow
// 1.14.1's meaning closely enough for dashboards, as 05 allows.
import type { ControllerListener } from './controller-db.js';
import { asBool } from './json-read.js';
import type { MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';

export interface ControllerMetricsSnapshot {
  networks: number;
  members: number;
  authorizedMembers: number;
  networkChangesTotal: number;
  memberChangesTotal: number;
  memberAuthsTotal: number;
  memberDeauthsTotal: number;
}

function isAuthorized(m: MemberRecord | null): boolean {
  return m !== null && asBool(m.authorized, false);
}

export class ControllerMetrics implements ControllerListener {
  private readonly s: ControllerMetricsSnapshot = {
    networks: 0,
    members: 0,
    authorizedMembers: 0,
    networkChangesTotal: 0,
    memberChangesTotal: 0,
    memberAuthsTotal: 0,
    memberDeauthsTotal: 0,
  };

  /** What the store held at start (the host lists it before the controller serves anything). */
  loaded(networkCount: number, members: readonly MemberRecord[]): void {
    this.s.networks = networkCount;
    this.s.members = members.length;
    this.s.authorizedMembers = members.filter(isAuthorized).length;
  }

  snapshot(): ControllerMetricsSnapshot {
    return { ...this.s };
  }

  onNetworkChanged(_nwid: string, before: NetworkRecord | null, after: NetworkRecord | null, removedMembers: MemberRecord[]): void {
    if (!before && after) this.s.networks++;
    else if (before && after) this.s.networkChangesTotal++;
    else if (before && !after) {
      this.s.networks--;
      for (const m of removedMembers) this.onMemberChanged('', '', m, null);
    }
  }

  onMemberChanged(_nwid: string, _memberId: string, before: MemberRecord | null, after: MemberRecord | null): void {
    if (!before && after) this.s.members++;
    if (before && !after) this.s.members--;
    const was = isAuthorized(before);
    const is = isAuthorized(after);
    if (!was && is) {
      this.s.authorizedMembers++;
      this.s.memberAuthsTotal++;
    } else if (was && !is) {
      this.s.authorizedMembers--;
      this.s.memberDeauthsTotal++;
    } else if (before && after) {
      this.s.memberChangesTotal++;
    }
  }
}

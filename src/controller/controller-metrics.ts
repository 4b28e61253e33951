// What the controller's metrics report (05 §8.10): networks and members held, and changes
// counted as the database layer announces them. The gauges are exact (a deleted network's
// members are subtracted, unlike 1.14.1, whose count drifts upward); the counters follow
// 1.14.1's meaning closely enough for dashboards, as 05 allows.
import type { ControllerListener } from './controller-db.js';
import { asBool } from './json-read.js';
import type { MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';
import type { ControllerStore } from './store.js';

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

  /** Counts what the store holds at start (call before the controller serves anything). */
  async load(store: ControllerStore): Promise<void> {
    const networks = await store.listNetworks();
    this.s.networks = networks.length;
    for (const nwid of networks) {
      for (const m of await store.listMembers(nwid)) {
        this.s.members++;
        if (isAuthorized(m)) this.s.authorizedMembers++;
      }
    }
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

// A ControllerStore that counts the calls made to another one, for the controller's database
// metrics (05 §8.10: controller_db_*). 1.14.1 counts its DB layer's reads and change
// notifications; the nearest calls here are the store's own, mapped one to one below.
import type { MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';
import type { ControllerStore } from './store.js';

export interface StoreCallCounts {
  /** getNetwork: controller_db_get_network */
  getNetwork: number;
  /** getMember: controller_db_get_network_and_member */
  getMember: number;
  /** listMembers: controller_db_get_member_list */
  listMembers: number;
  /** listNetworks: controller_db_get_network_list */
  listNetworks: number;
  /** putMember, deleteMember: controller_db_member_change */
  memberChanges: number;
  /** putNetwork, deleteNetwork: controller_db_network_change */
  networkChanges: number;
}

export class CountingStore implements ControllerStore {
  private readonly inner: ControllerStore;
  readonly counts: StoreCallCounts = { getNetwork: 0, getMember: 0, listMembers: 0, listNetworks: 0, memberChanges: 0, networkChanges: 0 };

  constructor(inner: ControllerStore) {
    this.inner = inner;
  }

  listNetworks(): Promise<string[]> {
    this.counts.listNetworks++;
    return this.inner.listNetworks();
  }

  getNetwork(nwid: string): Promise<NetworkRecord | null> {
    this.counts.getNetwork++;
    return this.inner.getNetwork(nwid);
  }

  putNetwork(rec: NetworkRecord): Promise<void> {
    this.counts.networkChanges++;
    return this.inner.putNetwork(rec);
  }

  deleteNetwork(nwid: string): Promise<void> {
    this.counts.networkChanges++;
    return this.inner.deleteNetwork(nwid);
  }

  listMembers(nwid: string): Promise<MemberRecord[]> {
    this.counts.listMembers++;
    return this.inner.listMembers(nwid);
  }

  getMember(nwid: string, memberId: string): Promise<MemberRecord | null> {
    this.counts.getMember++;
    return this.inner.getMember(nwid, memberId);
  }

  putMember(nwid: string, rec: MemberRecord): Promise<void> {
    this.counts.memberChanges++;
    return this.inner.putMember(nwid, rec);
  }

  deleteMember(nwid: string, memberId: string): Promise<void> {
    this.counts.memberChanges++;
    return this.inner.deleteMember(nwid, memberId);
  }
}

// A ControllerStore in memory (store.ts has the contract), for tests and simulations.
import { cloneJson } from './json-read.js';
import type { MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';
import { memberKey, networkKey, type ControllerStore } from './store.js';
import { StateError } from '../util/errors.js';

export class MemoryStore implements ControllerStore {
  private readonly networks = new Map<string, NetworkRecord>();
  private readonly members = new Map<string, Map<string, MemberRecord>>();

  async listNetworks(): Promise<string[]> {
    return [...this.networks.keys()].sort();
  }

  async getNetwork(nwid: string): Promise<NetworkRecord | null> {
    const n = this.networks.get(nwid);
    return n ? cloneJson(n) : null;
  }

  async putNetwork(rec: NetworkRecord): Promise<void> {
    const key = networkKey(rec.id);
    if (!key) throw new StateError('network record without a network ID');
    this.networks.set(key, cloneJson(rec));
  }

  async deleteNetwork(nwid: string): Promise<void> {
    this.networks.delete(nwid);
    this.members.delete(nwid);
  }

  async listMembers(nwid: string): Promise<MemberRecord[]> {
    const m = this.members.get(nwid);
    if (!m) return [];
    return [...m.keys()].sort().map((k) => cloneJson(m.get(k)!));
  }

  async getMember(nwid: string, memberId: string): Promise<MemberRecord | null> {
    const m = this.members.get(nwid)?.get(memberId);
    return m ? cloneJson(m) : null;
  }

  async putMember(nwid: string, rec: MemberRecord): Promise<void> {
    const key = memberKey(rec.id);
    if (!key) throw new StateError('member record without an address');
    let m = this.members.get(nwid);
    if (!m) this.members.set(nwid, (m = new Map()));
    m.set(key, cloneJson(rec));
  }

  async deleteMember(nwid: string, memberId: string): Promise<void> {
    this.members.get(nwid)?.delete(memberId);
  }
}

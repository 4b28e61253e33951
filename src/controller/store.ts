// Where the controller keeps its networks and members (spec 05 §7). A store only holds
// records: it does not fill defaults, compare, count revisions or notify — ControllerDb
// does that (§7.3) for every implementation alike. Implementations: memory-store.ts (tests,
// simulations), file-store.ts (controller.d/ in 1.14.1's layout); a Kubernetes
// custom-resource store can follow the same contract.
//
// Contract, for every implementation:
// * Keys are canonical: a network ID is 16 and a member address 10 lower-case hex digits.
//   putNetwork/putMember derive the key from the record's `id` read as hex (1.14.1's
//   jsonIntHex), so a record must carry its `id` (ControllerDb forces it before saving).
// * Records go in and come out as plain JSON and are copied both ways: a caller never holds
//   a reference into the store's state, nor the store into the caller's.
// * A put either fully replaces the stored record or, on failure, rejects and leaves the
//   old one (file-store: a crash leaves the old or the new version, never a mix).
// * listNetworks is ascending; listMembers returns the network's members ascending by
//   address, [] for a network without members (or without a record).
// * deleteNetwork removes the network and all its members; deleting what is absent is not
//   an error.
import type { MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';
import { asHex, type Json } from './json-read.js';

export interface ControllerStore {
  listNetworks(): Promise<string[]>;
  getNetwork(nwid: string): Promise<NetworkRecord | null>;
  putNetwork(rec: NetworkRecord): Promise<void>;
  deleteNetwork(nwid: string): Promise<void>;
  listMembers(nwid: string): Promise<MemberRecord[]>;
  getMember(nwid: string, memberId: string): Promise<MemberRecord | null>;
  putMember(nwid: string, rec: MemberRecord): Promise<void>;
  deleteMember(nwid: string, memberId: string): Promise<void>;
}

/** The canonical network key of an `id` value (16 hex digits), or null when it reads as 0. */
export function networkKey(id: Json | undefined): string | null {
  const v = asHex(id, 0n) & 0xffffffffffffffffn;
  return v === 0n ? null : v.toString(16).padStart(16, '0');
}

/** The canonical member key of an `id` value (10 hex digits), or null when it reads as 0. */
export function memberKey(id: Json | undefined): string | null {
  const v = asHex(id, 0n) & 0xffffffffffn;
  return v === 0n ? null : v.toString(16).padStart(10, '0');
}

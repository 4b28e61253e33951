// The controller's database layer over a ControllerStore (spec 05 §7.3, §3.1, §2.9): saves
// write only when a record changed in anything but `revision`, then bump `revision` and
// tell the listeners — the request handler turns those calls into config pushes and
// revocations. Operations run one at a time (run()), so an API merge and a request's save
// never interleave their read and write of the same record. Per network it keeps an index of
// what every request needs from all members — the allocated addresses and the active
// bridges — built from the store once and then kept up to date by its own saves and erases,
// so a request costs the same with 10 members as with 10,000 (every member change must go
// through this class, as the API's and the request handler's do).
import { asBool, asInt, cloneJson, isObject, jsonEquals } from './json-read.js';
import { allocatedIps } from './ip-assignment.js';
import type { MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';
import { memberKey, networkKey, type ControllerStore } from './store.js';

/**
 * Told after every effective change. `before`/`after` are copies; null means absent
 * (created / deleted). A member going from authorized to not (or deleted while authorized)
 * is the revocation trigger of §3.1; a deleted network revokes every member in
 * `removedMembers`. Listeners must not throw; they run inside the operation that changed.
 */
export interface ControllerListener {
  onNetworkChanged?(nwid: string, before: NetworkRecord | null, after: NetworkRecord | null, removedMembers: MemberRecord[]): void;
  onMemberChanged?(nwid: string, memberId: string, before: MemberRecord | null, after: MemberRecord | null): void;
}

export interface SaveResult<T> {
  /** The record as now stored (with its new revision), or as it was when nothing changed. */
  record: T;
  changed: boolean;
}

/** DB::_compareRecords: same keys, every value equal, `revision` ignored. */
export function sameRecord(a: unknown, b: unknown): boolean {
  if (!isObject(a) || !isObject(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k === 'revision' || (Object.hasOwn(b, k) && jsonEquals(a[k], b[k])));
}

/** What a network's requests need from all its members, kept current by ControllerDb. */
interface MemberIndex {
  /** Every ztIpKey of allocatedIps(), with the number of members that hold it. */
  ipHolders: Map<string, number>;
  /** The keys of ipHolders: allocatedIps() over every member. */
  allocated: Set<string>;
  /** Copies of the members with `activeBridge` true, by member key. */
  bridges: Map<string, MemberRecord>;
}

export class ControllerDb {
  readonly store: ControllerStore;
  private readonly listeners: ControllerListener[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly indexes = new Map<string, MemberIndex>();
  /** Bumped at every member change of a network: an index built across a change is rebuilt. */
  private readonly generations = new Map<string, number>();

  constructor(store: ControllerStore, listeners: ControllerListener[] = []) {
    this.store = store;
    this.listeners.push(...listeners);
  }

  addListener(l: ControllerListener): void {
    this.listeners.push(l);
  }

  /** Runs fn after every operation queued before it; the result is fn's. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** FileDB::save for a network: writes (revision + 1) only when it differs from the stored one. */
  async saveNetwork(rec: NetworkRecord): Promise<SaveResult<NetworkRecord>> {
    const nwid = networkKey(rec.id);
    if (!nwid) return { record: rec, changed: false };
    const old = await this.store.getNetwork(nwid);
    if (old && sameRecord(old, rec)) return { record: rec, changed: false };
    const saved = cloneJson(rec);
    saved.revision = asInt(rec.revision, 0) + 1;
    await this.store.putNetwork(saved);
    for (const l of this.listeners) l.onNetworkChanged?.(nwid, old, cloneJson(saved), []);
    return { record: saved, changed: true };
  }

  /** FileDB::save for a member of `nwid`, with the same compare-and-bump rule. */
  async saveMember(nwid: string, rec: MemberRecord): Promise<SaveResult<MemberRecord>> {
    const id = memberKey(rec.id);
    if (!id) return { record: rec, changed: false };
    const old = await this.store.getMember(nwid, id);
    if (old && sameRecord(old, rec)) return { record: rec, changed: false };
    const saved = cloneJson(rec);
    saved.revision = asInt(rec.revision, 0) + 1;
    await this.store.putMember(nwid, saved);
    this.indexMember(nwid, old, saved);
    for (const l of this.listeners) l.onMemberChanged?.(nwid, id, old, cloneJson(saved));
    return { record: saved, changed: true };
  }

  /** Removes a network and its members; returns the network as it was, or null if absent. */
  async eraseNetwork(nwid: string): Promise<NetworkRecord | null> {
    const old = await this.store.getNetwork(nwid);
    if (!old) return null;
    const members = await this.store.listMembers(nwid);
    await this.store.deleteNetwork(nwid);
    this.indexes.delete(nwid);
    this.bump(nwid);
    for (const l of this.listeners) l.onNetworkChanged?.(nwid, old, null, members);
    return old;
  }

  /** Removes a member; returns it as it was, or null if absent. */
  async eraseMember(nwid: string, memberId: string): Promise<MemberRecord | null> {
    const old = await this.store.getMember(nwid, memberId);
    if (!old) return null;
    await this.store.deleteMember(nwid, memberId);
    this.indexMember(nwid, old, null);
    for (const l of this.listeners) l.onMemberChanged?.(nwid, memberId, old, null);
    return old;
  }

  /**
   * A member record changed in the store by someone other than this controller (a user's
   * `kubectl patch` of a ZTMember): the index follows and the listeners are told, so the
   * member gets its new config or loses access as after an API write. `before` is the record
   * as last seen by the caller (null: new), `after` as stored now (null: removed).
   */
  memberChangedInStore(nwid: string, memberId: string, before: MemberRecord | null, after: MemberRecord | null): void {
    this.indexMember(nwid, before, after);
    for (const l of this.listeners) l.onMemberChanged?.(nwid, memberId, before ? cloneJson(before) : null, after ? cloneJson(after) : null);
  }

  /** A network record changed in the store by someone other than this controller (see memberChangedInStore). */
  networkChangedInStore(nwid: string, before: NetworkRecord | null, after: NetworkRecord | null): void {
    if (!after) {
      this.indexes.delete(nwid);
      this.bump(nwid);
    }
    for (const l of this.listeners) l.onNetworkChanged?.(nwid, before ? cloneJson(before) : null, after ? cloneJson(after) : null, []);
  }

  /**
   * The allocated set of §4.6 for a network: allocatedIps() over its members as stored now.
   * A live view, not a copy: it follows the saves and erases that come after.
   */
  async allocated(nwid: string): Promise<ReadonlySet<string>> {
    return (await this.index(nwid)).allocated;
  }

  /** The network's members whose `activeBridge` is true (unordered): the config's bridges (§2.6). */
  async activeBridgeMembers(nwid: string): Promise<MemberRecord[]> {
    return [...(await this.index(nwid)).bridges.values()];
  }

  private bump(nwid: string): void {
    this.generations.set(nwid, (this.generations.get(nwid) ?? 0) + 1);
  }

  private async index(nwid: string): Promise<MemberIndex> {
    for (;;) {
      const have = this.indexes.get(nwid);
      if (have) return have;
      const generation = this.generations.get(nwid) ?? 0;
      const members = await this.store.listMembers(nwid);
      // A member changed while the store listed: that listing may predate it, list again.
      if ((this.generations.get(nwid) ?? 0) !== generation) continue;
      const ix: MemberIndex = { ipHolders: new Map(), allocated: new Set(), bridges: new Map() };
      for (const m of members) addToIndex(ix, m);
      this.indexes.set(nwid, ix);
      return ix;
    }
  }

  /** A member went from `before` to `after` (null: absent) in the store. */
  private indexMember(nwid: string, before: MemberRecord | null, after: MemberRecord | null): void {
    this.bump(nwid);
    const ix = this.indexes.get(nwid);
    if (!ix) return;
    if (before) removeFromIndex(ix, before);
    if (after) addToIndex(ix, after);
  }
}

function addToIndex(ix: MemberIndex, m: MemberRecord): void {
  for (const ip of allocatedIps([m])) {
    const n = ix.ipHolders.get(ip) ?? 0;
    ix.ipHolders.set(ip, n + 1);
    if (n === 0) ix.allocated.add(ip);
  }
  const key = memberKey(m.id);
  if (key && asBool(m.activeBridge, false)) ix.bridges.set(key, cloneJson(m));
}

function removeFromIndex(ix: MemberIndex, m: MemberRecord): void {
  for (const ip of allocatedIps([m])) {
    const n = ix.ipHolders.get(ip) ?? 0;
    if (n <= 1) {
      ix.ipHolders.delete(ip);
      ix.allocated.delete(ip);
    } else ix.ipHolders.set(ip, n - 1);
  }
  const key = memberKey(m.id);
  if (key) ix.bridges.delete(key);
}

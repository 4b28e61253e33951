// One network's own multicast subscriptions and their announcement (spec 04 §8.1, §8.3;
// 1.14.1 Network::multicastSubscribe/Unsubscribe, learnBridgedMulticastGroup,
// _allMulticastGroups, _sendUpdatesToMembers, _announceMulticastGroupsTo).
//
// "All groups" = the TAP's subscriptions ∪ the groups of bridged-in hosts ∪ the broadcast
// group when the config enables broadcast — the broadcast group is added at announcement
// time only, so it is never listed as a subscription (observed: 1.14.1's listnetworks).
import type { Address } from '../protocol/address.js';
import { MAX_PACKET_BYTES, MIN_PACKET_BYTES, PACKET_IDX_PAYLOAD, Verb } from '../protocol/constants.js';
import { isBroadcastEnabled, specialistsWithRole, SPECIALIST_ANCHOR, SPECIALIST_MULTICAST_REPLICATOR, type NetworkConfig } from '../protocol/netconf/network-config.js';
import { encodeMulticastLike, MULTICAST_LIKE_TUPLE_BYTES } from '../protocol/verbs/multicast-like.js';
import type { NodeContext } from './context.js';
import type { MembershipContext } from './membership.js';
import { BROADCAST_GROUP, compareGroups, groupKey, sameGroup, sortedUniqueGroups, type MulticastGroup } from './multicast-group.js';
import type { NetworkMemberships } from './network-memberships.js';
import type { Sender } from './sender.js';

/** Upstreams and announce targets get all our groups at most this often (ZT_MULTICAST_ANNOUNCE_PERIOD). */
export const MULTICAST_ANNOUNCE_PERIOD_MS = 60_000;

/** What the announcements read from their network. */
export interface AnnounceParts {
  ctx: NodeContext;
  sender: Sender;
  networkId: bigint;
  controller: Address;
  config(): NetworkConfig | null;
  memberships: NetworkMemberships;
  membershipContext(): MembershipContext | null;
}

/** Anchors and multicast replicators, in config order (NetworkConfig::alwaysContactAddresses). */
export function alwaysContactAddresses(c: NetworkConfig | null): Address[] {
  return c ? specialistsWithRole(c, SPECIALIST_ANCHOR | SPECIALIST_MULTICAST_REPLICATOR) : [];
}

export class MulticastSubscriptions {
  private readonly parts: AnnounceParts;
  /** The TAP's groups, sorted. */
  private readonly mine: MulticastGroup[] = [];
  /** Groups of hosts bridged in behind us, with when they were last seen (never expired, as 1.14.1). */
  private readonly behindMe = new Map<string, { group: MulticastGroup; lastSeenMs: number }>();
  private lastAnnouncedUpstreamMs = 0;

  constructor(parts: AnnounceParts) {
    this.parts = parts;
  }

  /** Network::multicastSubscribe: a new group is announced at once. Returns true when it was new. */
  subscribe(now: number, g: MulticastGroup): boolean {
    const at = this.indexOf(g);
    if (at >= 0) return false;
    const group = { mac: g.mac, adi: g.adi >>> 0 };
    let i = 0;
    while (i < this.mine.length && compareGroups(this.mine[i], group) <= 0) i++;
    this.mine.splice(i, 0, group);
    this.sendUpdates(now, group);
    return true;
  }

  /** Network::multicastUnsubscribe: nothing is sent; receivers expire us after 600 s. */
  unsubscribe(g: MulticastGroup): boolean {
    const at = this.indexOf(g);
    if (at < 0) return false;
    this.mine.splice(at, 1);
    return true;
  }

  /** The TAP's subscriptions, sorted (ZT_VirtualNetworkConfig.multicastSubscriptions). */
  list(): MulticastGroup[] {
    return this.mine.map((g) => ({ mac: g.mac, adi: g.adi }));
  }

  /** Network::subscribedToMulticastGroup. */
  isSubscribed(g: MulticastGroup, includeBridged: boolean): boolean {
    if (this.indexOf(g) >= 0) return true;
    return includeBridged && this.behindMe.has(groupKey(0n, g));
  }

  /** Network::learnBridgedMulticastGroup: a group of a host bridged in behind us; a new one is announced at once. */
  learnBridged(now: number, g: MulticastGroup): void {
    const k = groupKey(0n, g);
    const isNew = !this.behindMe.has(k);
    this.behindMe.set(k, { group: { mac: g.mac, adi: g.adi }, lastSeenMs: now });
    if (isNew) this.sendUpdates(now, g);
  }

  /** Network::_allMulticastGroups. */
  all(): MulticastGroup[] {
    const out = [...this.mine, ...[...this.behindMe.values()].map((b) => b.group)];
    const c = this.parts.config();
    if (c && isBroadcastEnabled(c)) out.push(BROADCAST_GROUP);
    return sortedUniqueGroups(out);
  }

  /**
   * Network::_sendUpdatesToMembers: with `newGroup` only that group, to every announce target
   * and to every allowed member; without, all groups to the announce targets when 60 s have
   * passed and to each allowed member whose 60 s timer is due.
   */
  sendUpdates(now: number, newGroup?: MulticastGroup): void {
    const { ctx, memberships } = this.parts;
    const groups = newGroup ? [newGroup] : this.all();
    let targets: Address[] = [];
    if (newGroup || now - this.lastAnnouncedUpstreamMs >= MULTICAST_ANNOUNCE_PERIOD_MS) {
      if (!newGroup) this.lastAnnouncedUpstreamMs = now;
      targets = alwaysContactAddresses(this.parts.config());
      if (!targets.includes(this.parts.controller)) targets.push(this.parts.controller);
      for (const a of ctx.topology.upstreams) if (!targets.includes(a)) targets.push(a);
      targets.sort((a, b) => a - b);
      for (const a of targets) this.announceTo(now, a, groups);
    }
    const mctx = this.parts.membershipContext();
    for (const a of memberships.addresses()) {
      const identity = a === ctx.address ? ctx.identity : ctx.topology.peers.get(a)?.identity;
      if (!identity) continue;
      const m = memberships.get(a)!;
      // 1.14.1 evaluates the member's timer first, so it is reset even when a single new
      // group is announced or the member is not allowed.
      const isDue = m.multicastLikeGate(now) || newGroup !== undefined;
      if (isDue && mctx && m.isAllowedOnNetwork(mctx, identity) && !targets.includes(a)) this.announceTo(now, a, groups);
    }
  }

  /**
   * Network::_announceMulticastGroupsTo: MULTICAST_LIKEs with as many tuples as fit (a new
   * packet when the current one + 24 bytes would reach 10 024); nothing for an empty list.
   */
  announceTo(now: number, peer: Address, groups: MulticastGroup[]): void {
    if (peer === this.parts.ctx.address) return;
    let batch: MulticastGroup[] = [];
    const flush = (): void => {
      if (batch.length === 0) return;
      const likes = batch.map((group) => ({ networkId: this.parts.networkId, group }));
      this.parts.sender.sendToAddress(now, peer, Verb.MULTICAST_LIKE, encodeMulticastLike({ likes }));
      batch = [];
    };
    for (const g of groups) {
      if (PACKET_IDX_PAYLOAD + MULTICAST_LIKE_TUPLE_BYTES * batch.length + 24 >= MAX_PACKET_BYTES) flush();
      batch.push(g);
    }
    if (PACKET_IDX_PAYLOAD + MULTICAST_LIKE_TUPLE_BYTES * batch.length > MIN_PACKET_BYTES) flush();
  }

  private indexOf(g: MulticastGroup): number {
    return this.mine.findIndex((x) => sameGroup(x, { mac: g.mac, adi: g.adi >>> 0 }));
  }
}

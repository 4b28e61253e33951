// Who is in which multicast group, and sending to them (spec 04 §8.2, §8.4, §8.5; 1.14.1
// node/Multicaster.*). Members are learned from MULTICAST_LIKEs and gather answers and
// expire 600 s after they were last heard of; a send picks the active bridges first, then a
// random permutation of the known members, `ml` (the config's multicast limit) recipients
// in all. With fewer known members than that, the frame waits up to 5 s in a queue for
// members that gather answers and LIKEs bring, and explicit GATHERs ask the root, the
// controller and the network's anchors/replicators once a minute.
import type { Address } from '../protocol/address.js';
import { MAX_PACKET_BYTES, PACKET_IDX_PAYLOAD, Verb } from '../protocol/constants.js';
import {
  isActiveBridge,
  NETCONF_FLAG_DISABLE_COMPRESSION,
  specialistsWithRole,
  SPECIALIST_ACTIVE_BRIDGE,
  SPECIALIST_ANCHOR,
  SPECIALIST_MULTICAST_REPLICATOR,
  type NetworkConfig,
} from '../protocol/netconf/network-config.js';
import { macForMember } from '../protocol/member-mac.js';
import { encodeMulticastGather, type MULTICAST_GATHER } from '../protocol/verbs/multicast-gather.js';
import { encodeMulticastFrame, MULTICAST_FRAME_FLAG_REPLICATE } from '../protocol/verbs/multicast-frame.js';
import type { GatherResults } from '../protocol/verbs/multicast-gather.js';
import { PATH_LATENCY_UNKNOWN } from './constants.js';
import type { NodeContext } from './context.js';
import { sendFilterCopies } from './filter-copies.js';
import { groupKey, type MulticastGroup } from './multicast-group.js';
import { alwaysContactAddresses } from './multicast-subscriptions.js';
import type { Network } from './network.js';
import { remoteCredentials } from './network-rules.js';
import { OutboundMulticast } from './outbound-multicast.js';
import { FilterResult, filterOutgoing, type FilterFrame } from './rules-engine.js';
import type { Sender } from './sender.js';

/** A member is forgotten this long after its last LIKE or gather mention (ZT_MULTICAST_LIKE_EXPIRE). */
export const MULTICAST_LIKE_EXPIRE_MS = 600_000;
/** At most one explicit GATHER per group per this long (ZT_MULTICAST_EXPLICIT_GATHER_DELAY). */
export const MULTICAST_EXPLICIT_GATHER_DELAY_MS = 60_000;
/** Queued outbound multicasts per group (ZT_TX_QUEUE_SIZE). */
export const MULTICAST_TX_QUEUE_SIZE = 32;
/** Targets of one explicit gather. */
export const MAX_EXPLICIT_GATHER_PEERS = 16;
/** Largest gather limit answered (a u16 count on the wire). */
export const MAX_GATHER_LIMIT = 0xffff;

interface GroupMember {
  address: Address;
  lastLikeMs: number;
}

interface GroupStatus {
  networkId: bigint;
  group: MulticastGroup;
  lastExplicitGatherMs: number;
  /** Pending outbound multicasts, oldest first. */
  txQueue: OutboundMulticast[];
  /** Sorted by address. */
  members: GroupMember[];
}

export class Multicaster {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;
  private readonly network: (nwid: bigint) => Network | undefined;
  private readonly groups = new Map<string, GroupStatus>();
  private readonly result = new FilterResult();
  private readonly frame: FilterFrame = { ztSource: 0, ztDest: 0, macSource: 0, macDest: 0, etherType: 0, vlanId: 0, payload: new Uint8Array(0), random: 0 };

  constructor(ctx: NodeContext, sender: Sender, network: (nwid: bigint) => Network | undefined) {
    this.ctx = ctx;
    this.sender = sender;
    this.network = network;
  }

  /** Multicaster::add: a member LIKEd the group (or a gather answer named it). */
  add(now: number, nwid: bigint, group: MulticastGroup, member: Address): void {
    this.addTo(now, this.status(nwid, group), member);
  }

  /** Multicaster::addMultiple (OK(MULTICAST_GATHER), OK(MULTICAST_FRAME)). */
  addMultiple(now: number, nwid: bigint, group: MulticastGroup, members: readonly Address[]): void {
    const gs = this.status(nwid, group);
    for (const a of members) this.addTo(now, gs, a);
  }

  /** Multicaster::remove (ERROR(UNWANTED_MULTICAST)). */
  remove(nwid: bigint, group: MulticastGroup, member: Address): void {
    const gs = this.groups.get(groupKey(nwid, group));
    if (!gs) return;
    const i = gs.members.findIndex((m) => m.address === member);
    if (i >= 0) gs.members.splice(i, 1);
  }

  /** The known members of a group, sorted by address (inspection, tests). */
  members(nwid: bigint, group: MulticastGroup): Address[] {
    return (this.groups.get(groupKey(nwid, group))?.members ?? []).map((m) => m.address);
  }

  /** Queued outbound multicasts of a group (inspection, tests). */
  queued(nwid: bigint, group: MulticastGroup): readonly OutboundMulticast[] {
    return this.groups.get(groupKey(nwid, group))?.txQueue ?? [];
  }

  /**
   * Multicaster::gather: gather results for `requester` (never named in them): ourselves
   * first when we are subscribed (own or bridged groups), then members drawn at random, up to
   * `limit` addresses (≤ 65 535) and as many as fit after `headerBytes` of packet.
   */
  gather(requester: Address, nwid: bigint, group: MulticastGroup, limit: number, headerBytes: number): GatherResults {
    const out: GatherResults = { totalKnown: 0, members: [] };
    if (limit <= 0) return out;
    limit = Math.min(limit, MAX_GATHER_LIMIT);
    const fits = (): boolean => headerBytes + 6 + 5 * out.members.length + 5 <= MAX_PACKET_BYTES;
    if (this.network(nwid)?.multicast.isSubscribed(group, true)) {
      out.members.push(this.ctx.address);
      out.totalKnown++;
    }
    const members = this.groups.get(groupKey(nwid, group))?.members ?? [];
    out.totalKnown += members.length;
    const picked = new Set<Address>();
    // `added` counts ourselves too (1.14.1), hence out.members.length.
    while (out.members.length < limit && picked.size < members.length && fits()) {
      let r = this.ctx.randomInt(0x100000000);
      let a = members[r % members.length].address;
      while (picked.has(a)) a = members[++r % members.length].address;
      picked.add(a);
      if (a !== requester) out.members.push(a);
    }
    return out;
  }

  /**
   * Multicaster::send: a frame for `group` from our TAP (origin 0) or, on a replicator, from
   * `origin`. `bridgedSourceMac` is the source MAC when the frame was bridged in, else 0.
   * The caller has already run the outbound filter with ztDest 0 (04 §7.2).
   */
  send(now: number, network: Network, group: MulticastGroup, bridgedSourceMac: number, etherType: number, data: Uint8Array, origin: Address = 0): void {
    const config = network.config;
    if (!config) return;
    const self = this.ctx.address;
    if (!isActiveBridge(config, self) && this.sendToReplicator(now, network, group, bridgedSourceMac, etherType, data)) return;

    const gs = this.status(network.id, group);
    // A random permutation of the members (Fisher–Yates, 1.14.1's order of draws).
    const n = gs.members.length;
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.ctx.randomInt(0x100000000) % (i + 1);
      const t = order[j];
      order[j] = order[i];
      order[i] = t;
    }
    const bridges = specialistsWithRole(config, SPECIALIST_ACTIVE_BRIDGE);
    const limit = config.multicastLimit;
    const init = { createdMs: now, networkId: network.id, limit, bridgedSourceMac, ownMac: macForMember(network.id, self), group, etherType, data };

    if (n >= limit) {
      // Enough members: one pass, no queue, gather limit 1 to keep the member list fresh.
      const out = new OutboundMulticast({ ...init, gatherLimit: 1 });
      let count = 0;
      for (const b of bridges) {
        if (b === self || b === origin) continue;
        this.transmit(now, out, b);
        if (++count >= limit) break;
      }
      for (let idx = 0; count < limit && idx < n; idx++) {
        const a = gs.members[order[idx]].address;
        if (bridges.includes(a) || a === origin) continue;
        this.transmit(now, out, a);
        count++;
      }
      return;
    }

    while (gs.txQueue.length >= MULTICAST_TX_QUEUE_SIZE) gs.txQueue.shift();
    const gatherLimit = limit - n + 1;
    if (n === 0 || now - gs.lastExplicitGatherMs >= MULTICAST_EXPLICIT_GATHER_DELAY_MS) {
      gs.lastExplicitGatherMs = now;
      this.explicitGather(now, network, group, gatherLimit);
    }
    const out = new OutboundMulticast({ ...init, gatherLimit });
    gs.txQueue.push(out);
    if (origin !== 0) out.logAsSent(origin);
    let count = 0;
    for (const b of bridges) {
      if (b === self) continue;
      this.sendAndLog(now, out, b);
      if (++count >= limit) break;
    }
    for (let idx = 0; count < limit && idx < n; idx++) {
      const a = gs.members[order[idx]].address;
      if (bridges.includes(a)) continue;
      this.sendAndLog(now, out, a);
      count++;
    }
  }

  /** Multicaster::clean (every 30 s): expired members, finished or old queued frames, empty groups. */
  clean(now: number): void {
    for (const [k, gs] of this.groups) {
      gs.txQueue = gs.txQueue.filter((tx) => !tx.isExpired(now) && !tx.isAtLimit);
      gs.members = gs.members.filter((m) => now - m.lastLikeMs < MULTICAST_LIKE_EXPIRE_MS);
      if (gs.members.length === 0 && gs.txQueue.length === 0) this.groups.delete(k);
    }
  }

  private status(nwid: bigint, group: MulticastGroup): GroupStatus {
    const k = groupKey(nwid, group);
    let gs = this.groups.get(k);
    if (!gs) {
      gs = { networkId: nwid, group: { mac: group.mac, adi: group.adi }, lastExplicitGatherMs: 0, txQueue: [], members: [] };
      this.groups.set(k, gs);
    }
    return gs;
  }

  /** Multicaster::_add: never ourselves; a new member gets every pending frame it has not had. */
  private addTo(now: number, gs: GroupStatus, member: Address): void {
    if (member === this.ctx.address) return;
    let lo = 0;
    let hi = gs.members.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (gs.members[mid].address < member) lo = mid + 1;
      else hi = mid;
    }
    if (lo < gs.members.length && gs.members[lo].address === member) {
      gs.members[lo].lastLikeMs = now;
      return;
    }
    gs.members.splice(lo, 0, { address: member, lastLikeMs: now });
    const kept: OutboundMulticast[] = [];
    for (const tx of gs.txQueue) {
      if (tx.isAtLimit) continue;
      if (!tx.hasSentTo(member)) this.sendAndLog(now, tx, member);
      if (!tx.isAtLimit) kept.push(tx);
    }
    gs.txQueue = kept;
  }

  /**
   * Replicator mode (04 §8.5 step 1): when the network has multicast replicators and we are
   * not one, the alive one with the lowest-latency path gets the frame alone, flags 0x0c.
   * 1.14.1 starts from latency 0xffff, so a replicator without a measured latency is never chosen.
   */
  private sendToReplicator(now: number, network: Network, group: MulticastGroup, bridgedSourceMac: number, etherType: number, data: Uint8Array): boolean {
    const config = network.config!;
    const self = this.ctx.address;
    const replicators = specialistsWithRole(config, SPECIALIST_MULTICAST_REPLICATOR);
    if (replicators.length === 0 || replicators.includes(self)) return false;
    let best: { peer: NonNullable<ReturnType<NodeContext['topology']['peers']['get']>>; latency: number } | null = null;
    for (const a of replicators) {
      const p = this.ctx.topology.peers.get(a);
      if (!p || !p.isAlive(now)) continue;
      const path = p.bestPath(now);
      if (path && path.path.latencyMs < (best ? best.latency : PATH_LATENCY_UNKNOWN)) best = { peer: p, latency: path.path.latencyMs };
    }
    if (!best) return false;
    const path = best.peer.bestPath(now)!.path;
    const payload = encodeMulticastFrame({
      networkId: network.id,
      flags: MULTICAST_FRAME_FLAG_REPLICATE,
      source: bridgedSourceMac !== 0 ? bridgedSourceMac : macForMember(network.id, self),
      group,
      etherType,
      data: data.subarray(0, Math.min(data.length, 10_000)),
    });
    this.sender.sendDirect(now, best.peer, path.socket, path.address, Verb.MULTICAST_FRAME, payload, { isUncompressed: isCompressionDisabled(config) });
    return true;
  }

  /**
   * Explicit MULTICAST_GATHER (04 §8.4): to the best root, the controller, the anchors and
   * replicators (lightly shuffled), then the anchors other than us — at most 16, duplicates
   * kept — each with our COM inline when we hold one.
   */
  private explicitGather(now: number, network: Network, group: MulticastGroup, gatherLimit: number): void {
    const config = network.config!;
    const targets: Address[] = [];
    const root = this.ctx.topology.bestUpstream(now);
    if (root) targets.push(root.address);
    targets.push(network.controller);
    const ac = alwaysContactAddresses(config);
    const shuffled = ac.map((_, i) => i);
    for (let i = 0, k = ac.length >> 1; i < k; i++) {
      // 1.14.1 swaps at the indexes stored at two random positions (a light, quirky shuffle).
      const lo = this.ctx.randomInt(0x100000000);
      const hi = this.ctx.randomInt(0x100000000);
      const x1 = shuffled[lo % ac.length];
      const x2 = shuffled[hi % ac.length];
      const t = shuffled[x1];
      shuffled[x1] = shuffled[x2];
      shuffled[x2] = t;
    }
    for (let i = 0; i < ac.length && targets.length < MAX_EXPLICIT_GATHER_PEERS; i++) targets.push(ac[shuffled[i]]);
    for (const a of specialistsWithRole(config, SPECIALIST_ANCHOR)) {
      if (targets.length >= MAX_EXPLICIT_GATHER_PEERS) break;
      if (a !== this.ctx.address) targets.push(a);
    }
    const msg: MULTICAST_GATHER = { networkId: network.id, flags: 0, group, gatherLimit };
    if (config.com) msg.com = config.com;
    const payload = encodeMulticastGather(msg);
    for (const to of targets) this.sender.sendToAddress(now, to, Verb.MULTICAST_GATHER, payload);
  }

  private sendAndLog(now: number, out: OutboundMulticast, to: Address): void {
    out.logAsSent(to);
    this.transmit(now, out, to);
  }

  /**
   * OutboundMulticast::sendOnly: the outbound filter for this recipient ("no tee"); accepted →
   * push our credentials if due and send a fresh copy through the normal send path (every
   * sent packet is registered for a reply, so the OK(MULTICAST_FRAME) is accepted).
   */
  private transmit(now: number, out: OutboundMulticast, to: Address): void {
    const network = this.network(out.networkId);
    const rules = network?.rules();
    const mctx = network?.membershipContext();
    if (!network || !rules || !mctx) return;
    const f = this.frame;
    f.ztSource = this.ctx.address;
    f.ztDest = to;
    f.macSource = out.sourceMac;
    f.macDest = out.group.mac;
    f.etherType = out.etherType;
    f.vlanId = 0;
    f.payload = out.frame;
    f.random = this.ctx.randomInt(0x100000000);
    const m = network.memberships.get(to);
    const r = filterOutgoing(rules, m ? remoteCredentials(m, mctx) : null, true, f, this.result);
    if (r.redirect !== 0) sendFilterCopies(now, this.sender, network.id, r, f);
    if (r.accept === 0) return;
    network.pushCredentialsIfNeeded(now, to);
    this.sender.sendToAddress(now, to, Verb.MULTICAST_FRAME, out.payload, network.config ? isCompressionDisabled(network.config) : false);
  }
}

/** DISABLE_COMPRESSION (04 §4.2): MULTICAST_FRAMEs go uncompressed. */
function isCompressionDisabled(c: NetworkConfig): boolean {
  return (c.flags & NETCONF_FLAG_DISABLE_COMPRESSION) !== 0n;
}

/** Bytes before the gather results in OK(MULTICAST_GATHER): header, in-re verb and ID, network, group. */
export const OK_MULTICAST_GATHER_HEADER_BYTES = PACKET_IDX_PAYLOAD + 1 + 8 + 8 + 6 + 4;
/** The same for OK(MULTICAST_FRAME), which has a flags byte more. */
export const OK_MULTICAST_FRAME_HEADER_BYTES = OK_MULTICAST_GATHER_HEADER_BYTES + 1;

// The frame switch (spec 04 §7.2–§7.5, §6.5; Switch::onLocalEthernet and
// IncomingPacket::_doFRAME/_doEXT_FRAME of 1.14.1).
//
// From the TAP: a frame to a member's MAC becomes a FRAME (EXT_FRAME when it was bridged
// in), a frame to a MAC behind an active bridge an EXT_FRAME to the learned bridge or to
// up to 32 of them, a multicast or broadcast goes to the multicaster (ARP requests as the
// broadcast group with the target IPv4 as ADI), a neighbor solicitation for another
// member's RFC4193/6PLANE address is answered locally, and a frame to our own MAC comes
// straight back. From peers: FRAME and EXT_FRAME pass the membership gate, the inbound
// rules and the bridging checks, and active bridges' frames teach the bridge routes.
// The rules run on every frame both ways; their TEE/WATCH/REDIRECT copies leave as
// EXT_FRAMEs with the FilterResult's flags.
//
// Differences from 1.14.1, all invisible on the wire except the first:
// - Rule copies (TEE/WATCH/REDIRECT) are sent uncompressed (1.14.1 compresses them;
//   receivers take both).
// - Frames to our own MAC and NDP answers are delivered synchronously from sendFrame
//   (1.14.1 uses a detached thread): a host that calls sendFrame from deliverFrame recurses.
import type { Address } from '../protocol/address.js';
import { isReservedAddress } from '../protocol/address.js';
import { ErrorCode, Verb } from '../protocol/constants.js';
import { addressFromMac, firstOctetForNetwork, macForMember } from '../protocol/member-mac.js';
import { packetIdBytes } from '../protocol/packet.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { decodeFrame, encodeFrame, FRAME_HEADER_BYTES } from '../protocol/verbs/frame.js';
import { PACKET_IDX_PAYLOAD } from '../protocol/constants.js';
import { decodeExtFrame, encodeExtFrame, EXT_FRAME_FLAG_ACK_REQUESTED } from '../protocol/verbs/ext-frame.js';
import { encodeError } from '../protocol/verbs/error.js';
import { encodeOk, encodeOkExtFrame } from '../protocol/verbs/ok.js';
import type { MulticastGroup } from '../protocol/verbs/fields.js';
import { isBroadcastEnabled, NETCONF_FLAG_ENABLE_IPV6_NDP_EMULATION, SPECIALIST_ACTIVE_BRIDGE, type NetworkConfig } from '../protocol/netconf/network-config.js';
import type { NodeContext } from './context.js';
import type { Network } from './network.js';
import type { Networks } from './networks.js';
import { remoteCredentials, capabilityRules } from './network-rules.js';
import { FilterResult, filterIncoming, filterOutgoing, type FilterFrame } from './rules-engine.js';
import { sendFilterCopies } from './filter-copies.js';
import { multicastGroupForFrame } from './multicast-group-for-frame.js';
import type { Sender } from './sender.js';
import type { InboundPacket, VerbContext } from './verb-table.js';
import type { VirtualFrame } from './virtual-network.js';
import { isNeighborSolicitation, ndpAnswer, ndpPrefixes, type NdpPrefix } from './ndp-emulation.js';
import { transientBytes } from '../util/byte-pool.js';

/** Why a frame from the TAP was not sent (null from sendFrame = sent, delivered or answered). */
export type FrameRefusal =
  /** The network is not joined. */
  | 'unknown_network'
  /** No config held yet. */
  | 'no_config'
  /** Bridged in (source MAC not ours) while we are not an active bridge. */
  | 'bad_source_mac'
  /** A broadcast other than an ARP request on a network without ENABLE_BROADCAST. */
  | 'broadcast_disabled'
  /** Multicast (ARP included) on a network whose multicast limit is 0. */
  | 'multicast_disabled'
  /** Multicast while no multicaster is attached (counted as the drop `no_multicast`). */
  | 'no_multicast'
  /** A MAC that is neither a member's nor reachable through an active bridge. */
  | 'no_route'
  /** The outbound rules refused it (counted as `filtered`). */
  | 'filtered'
  /** The outbound rules sent it elsewhere (REDIRECT): the original is not sent. */
  | 'redirected';

/**
 * What the switch hands multicast to (the Multicaster, 04 §8.5). `srcMacIfBridged` is the
 * frame's source MAC when it was bridged in, else 0. The switch has already run the
 * destination-less outbound filter (and sent its copies); the per-recipient "no tee" passes
 * are the multicaster's.
 */
export interface SwitchMulticast {
  send(now: number, network: Network, group: MulticastGroup, srcMacIfBridged: number, etherType: number, data: Uint8Array): void;
  /** A group a bridged-in host sent to (04 §7.2 step 3.4): remember it as "behind us". */
  learnBridgedGroup?(now: number, network: Network, group: MulticastGroup): void;
}

/** ZT_MAX_BRIDGE_SPAM: at most this many bridges get a frame for an unknown MAC. */
export const MAX_BRIDGE_SPAM = 32;

const TWO_40 = 0x10000000000;
const BROADCAST_MAC = 0xffffffffffff;
const ETHERTYPE_IPV6 = 0x86dd;

function isMulticastMac(mac: number): boolean {
  return (Math.floor(mac / TWO_40) & 1) === 1;
}

/** What the switch reads from one config, worked out once per installed config. */
interface SwitchConfig {
  mac: number;
  firstOctet: number;
  isBridge: boolean;
  /** Active bridges in specialist order (1.14.1's activeBridges()). */
  bridges: Address[];
  bridgeSet: Set<Address>;
  multicastLimit: number;
  broadcast: boolean;
  /** Null when NDP emulation is off. */
  ndp: NdpPrefix[] | null;
}

function deriveSwitchConfig(c: NetworkConfig, self: Address): SwitchConfig {
  const bridges: Address[] = [];
  for (const s of c.specialists) if ((s & SPECIALIST_ACTIVE_BRIDGE) !== 0n) bridges.push(Number(s & 0xffffffffffn));
  const bridgeSet = new Set(bridges);
  return {
    mac: macForMember(c.networkId, self),
    firstOctet: firstOctetForNetwork(c.networkId),
    isBridge: bridgeSet.has(self),
    bridges,
    bridgeSet,
    multicastLimit: c.multicastLimit,
    broadcast: isBroadcastEnabled(c),
    ndp: (c.flags & NETCONF_FLAG_ENABLE_IPV6_NDP_EMULATION) !== 0n ? ndpPrefixes(c.networkId, c.staticIps) : null,
  };
}

/**
 * Node::shouldUsePathForZeroTierTraffic's network part (04 §7.7): does a static IP's subnet
 * of this config contain `remote`? IPv4 is the usual prefix test; IPv6 compares
 * `remote AND mask` with the static IP including its host bits, as 1.14.1 does, so only a
 * static IP without host bits below its prefix (a /128, or a bare network) excludes anything.
 */
export function staticIpsContain(c: NetworkConfig, remote: InetAddress): boolean {
  for (const s of c.staticIps) {
    if (!s || s.family !== remote.family) continue;
    const bits = s.port;
    if (s.family === 4) {
      if (bits === 0) return true;
      const n = Math.min(bits, 32);
      const full = n >>> 3;
      let same = true;
      for (let i = 0; i < full && same; i++) same = remote.ip[i] === s.ip[i];
      const rest = n & 7;
      if (same && rest !== 0) {
        const m = (0xff << (8 - rest)) & 0xff;
        same = (remote.ip[full] & m) === (s.ip[full] & m);
      }
      if (same) return true;
    } else {
      let same = true;
      for (let i = 0; i < 16 && same; i++) {
        const left = bits - 8 * i;
        const m = left >= 8 ? 0xff : left <= 0 ? 0 : (0xff << (8 - left)) & 0xff;
        same = (remote.ip[i] & m) === s.ip[i];
      }
      if (same) return true;
    }
  }
  return false;
}

export class Switch {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;
  private readonly networks: Networks;
  private readonly result = new FilterResult();
  private readonly frame: FilterFrame = { ztSource: 0, ztDest: 0, macSource: 0, macDest: 0, etherType: 0, vlanId: 0, payload: new Uint8Array(0), random: 0 };
  private readonly derived = new WeakMap<NetworkConfig, SwitchConfig>();
  /** The multicaster, once attached (Node.setMulticast); without it multicast is dropped and counted. */
  multicast: SwitchMulticast | null = null;

  constructor(ctx: NodeContext, sender: Sender, networks: Networks) {
    this.ctx = ctx;
    this.sender = sender;
    this.networks = networks;
  }

  /** The bridge a MAC was learned behind on a network, or 0 (04 §7.4). */
  findBridgeTo(network: Network, mac: number): Address {
    return network.bridgeRoutes.find(mac);
  }

  /** Network::learnBridgeRoute: `mac` lives behind `bridge` (also for MULTICAST_FRAME, 04 §7.4). */
  learnBridgeRoute(network: Network, mac: number, bridge: Address): void {
    network.learnBridgeRoute(mac, bridge);
  }

  /** NetworkConfig::permitsBridging: is `address` an active bridge of the network's config? */
  permitsBridging(network: Network, address: Address): boolean {
    const c = network.config;
    return c !== null && this.view(c).bridgeSet.has(address);
  }

  /** A frame from a network's TAP (Switch::onLocalEthernet). Returns null when handled, else why not. */
  send(now: number, nwid: bigint, f: VirtualFrame): FrameRefusal | null {
    const network = this.networks.get(nwid);
    if (!network || network.isDestroyed) return 'unknown_network';
    const config = network.config;
    const rules = network.rules();
    const mctx = network.membershipContext();
    if (!config || !rules || !mctx) return 'no_config';
    const sc = this.view(config);
    const self = this.ctx.address;
    const bridged = f.sourceMac !== sc.mac;
    if (bridged && !sc.isBridge) return 'bad_source_mac';
    const to = f.destMac;
    const data = f.data;

    if (isMulticastMac(to)) {
      const group = multicastGroupForFrame(network.config!, to, f.etherType, data);
      if (!group) {
        this.ctx.report('broadcast_disabled', undefined, 'outbound broadcast');
        return 'broadcast_disabled';
      }
      if (to !== BROADCAST_MAC && sc.ndp && isNeighborSolicitation(f.etherType, data)) {
        const answer = ndpAnswer(nwid, self, sc.ndp, data);
        if (answer) {
          this.ctx.host.deliverFrame?.(nwid, { sourceMac: answer.sourceMac, destMac: f.sourceMac, etherType: ETHERTYPE_IPV6, vlanId: 0, data: answer.data });
          return null;
        }
      }
      if (sc.multicastLimit === 0) {
        this.ctx.report('multicast_disabled', undefined, 'outbound multicast');
        return 'multicast_disabled';
      }
      const mc = this.multicast;
      if (bridged) mc?.learnBridgedGroup?.(now, network, group);
      const verdict = this.outbound(now, network, null, false, 0, f);
      if (verdict) return verdict;
      if (!mc) {
        this.ctx.report('no_multicast', undefined, `multicast to ${to.toString(16).padStart(12, '0')} on ${nwid.toString(16).padStart(16, '0')}`);
        return 'no_multicast';
      }
      mc.send(now, network, group, bridged ? f.sourceMac : 0, f.etherType, data);
      return null;
    }

    if (to === sc.mac) {
      // To ourselves: straight back to the TAP, without rules (as 1.14.1).
      this.ctx.host.deliverFrame?.(nwid, f);
      return null;
    }

    if (Math.floor(to / TWO_40) === sc.firstOctet) {
      // A member's MAC.
      const dest = addressFromMac(to, nwid);
      if (dest === 0 || isReservedAddress(dest)) return 'no_route';
      const verdict = this.outbound(now, network, network.memberships.get(dest) ?? null, false, dest, f);
      if (verdict) return verdict;
      network.pushCredentialsIfNeeded(now, dest);
      if (!bridged) {
        this.sendFrameTo(now, dest, network, f.etherType, data);
      } else {
        this.sender.sendToAddress(now, dest, Verb.EXT_FRAME, encodeExtFrame({ networkId: nwid, flags: 0, to, from: f.sourceMac, etherType: f.etherType, data }));
      }
      return null;
    }

    // A MAC behind some bridge: a destination-less pass first, then one "no tee" pass per bridge.
    const verdict = this.outbound(now, network, null, false, 0, f);
    if (verdict) return verdict;
    const recipients = this.bridgesFor(network, sc, to);
    if (recipients.length === 0) return 'no_route';
    let sent = 0;
    for (const b of recipients) {
      if (this.outbound(now, network, network.memberships.get(b) ?? null, true, b, f) !== null) continue;
      this.sender.sendToAddress(now, b, Verb.EXT_FRAME, encodeExtFrame({ networkId: nwid, flags: 0, to, from: f.sourceMac, etherType: f.etherType, data }));
      sent++;
    }
    return sent > 0 ? null : 'filtered';
  }

  /** FRAME from a peer (IncomingPacket::_doFRAME, 04 §7.3). */
  onFrame(v: VerbContext, rx: InboundPacket): void | 'retry' {
    const msg = decodeFrame(rx.payload);
    const network = this.networks.get(msg.networkId);
    if (!network) {
      this.ctx.report('unknown_network', rx.path.address, 'FRAME');
      return;
    }
    if (!this.gateOpen(v, rx, network, Verb.FRAME)) return 'retry';
    // A FRAME without payload is accepted and ignored.
    if (msg.data.length === 0) return;
    const peer = rx.peer.address;
    const sc = this.view(network.config!);
    const from = macForMember(msg.networkId, peer);
    const accept = this.inbound(rx.now, network, peer, from, sc.mac, msg.etherType, msg.data);
    if (accept === 0) return;
    this.ctx.host.deliverFrame?.(msg.networkId, { sourceMac: from, destMac: sc.mac, etherType: msg.etherType, vlanId: 0, data: msg.data });
  }

  /** EXT_FRAME from a peer (IncomingPacket::_doEXT_FRAME, 04 §7.3). */
  onExtFrame(v: VerbContext, rx: InboundPacket): void | 'retry' {
    const msg = decodeExtFrame(rx.payload);
    const network = this.networks.get(msg.networkId);
    if (!network) {
      this.ctx.report('unknown_network', rx.path.address, 'EXT_FRAME');
      return;
    }
    // An inline COM (deprecated; 1.14.1 never sends one, but takes it) is stored first, as a
    // copy: the packet may be a reused receive buffer.
    if (msg.com) network.addInlineCom(rx.now, msg.com);
    if (!this.gateOpen(v, rx, network, Verb.EXT_FRAME)) return 'retry';
    const sc = this.view(network.config!);
    const peer = rx.peer.address;
    const { from, to } = msg;
    if (from === 0 || from === sc.mac) {
      this.ctx.report('bad_source_mac', rx.path.address, `EXT_FRAME from ${peer.toString(16).padStart(10, '0')} with ${from === 0 ? 'no' : 'our own'} source MAC`);
      return;
    }
    const accept = this.inbound(rx.now, network, peer, from, to, msg.etherType, msg.data);
    if (accept !== 0) {
      if (accept === 1) {
        if (from !== macForMember(msg.networkId, peer)) {
          if (!sc.bridgeSet.has(peer)) {
            this.ctx.report('bridging_not_allowed', rx.path.address, `EXT_FRAME from ${peer.toString(16).padStart(10, '0')}: bridged source MAC from a member that is not an active bridge`);
            return;
          }
          this.learnBridgeRoute(network, from, peer);
        } else if (to !== sc.mac) {
          if (isMulticastMac(to)) {
            if (sc.multicastLimit === 0) {
              this.ctx.report('multicast_disabled', rx.path.address, 'EXT_FRAME');
              return;
            }
          } else if (!sc.isBridge) {
            this.ctx.report('bridging_not_allowed', rx.path.address, 'EXT_FRAME to a foreign MAC and we are not an active bridge');
            return;
          }
        }
      }
      this.ctx.host.deliverFrame?.(msg.networkId, { sourceMac: from, destMac: to, etherType: msg.etherType, vlanId: 0, data: msg.data });
    }
    if ((msg.flags & EXT_FRAME_FLAG_ACK_REQUESTED) !== 0) {
      const ok = encodeOk({ inReVerb: Verb.EXT_FRAME, inRePacketId: packetIdBytes(rx.packet), body: encodeOkExtFrame({ networkId: msg.networkId }) });
      v.sender.reply(rx.now, rx.peer, rx.path, Verb.OK, ok);
    }
  }

  private view(c: NetworkConfig): SwitchConfig {
    let sc = this.derived.get(c);
    if (!sc) this.derived.set(c, (sc = deriveSwitchConfig(c, this.ctx.address)));
    return sc;
  }

  /** The gate (04 §5.7); closed → ERROR(NEED_MEMBERSHIP_CERTIFICATE) and the packet is retried for 5 s. */
  private gateOpen(v: VerbContext, rx: InboundPacket, network: Network, verb: number): boolean {
    const open = network.rules() !== null && network.membershipContext() !== null && network.config !== null && network.gate(rx.peer.identity, rx.now).isOpen;
    if (open) return true;
    const err = encodeError({ inReVerb: verb, inRePacketId: packetIdBytes(rx.packet), code: ErrorCode.NEED_MEMBERSHIP_CERTIFICATE, networkId: network.id });
    v.sender.reply(rx.now, rx.peer, rx.path, Verb.ERROR, err);
    if (!rx.isRetry) this.ctx.report('not_member', rx.path.address, `${verb === Verb.FRAME ? 'FRAME' : 'EXT_FRAME'} on ${network.id.toString(16).padStart(16, '0')}`);
    return false;
  }

  /**
   * Recipients of a frame to a MAC behind a bridge (04 §7.2 step 6): the learned bridge if
   * it is still an active bridge and not us; else every active bridge when at most 32; else
   * 32 drawn as 1.14.1 draws them (cyclic walk, each taken with probability 1/#bridges,
   * duplicates possible).
   */
  private bridgesFor(network: Network, sc: SwitchConfig, mac: number): Address[] {
    const self = this.ctx.address;
    const learned = this.findBridgeTo(network, mac);
    if (learned !== 0 && learned !== self && sc.bridgeSet.has(learned)) return [learned];
    const all = sc.bridges;
    if (all.length <= MAX_BRIDGE_SPAM) return all.filter((b) => b !== self);
    const out: Address[] = [];
    let i = 0;
    while (out.length < MAX_BRIDGE_SPAM) {
      if (i === all.length) i = 0;
      if (this.ctx.randomInt(all.length) === 0) out.push(all[i]);
      i++;
    }
    return out.filter((b) => b !== self);
  }

  /**
   * Network::filterOutgoingPacket and its copies: null when the frame may go to `dest`,
   * else why not (a refusal is counted, a redirect is not).
   */
  private outbound(now: number, network: Network, m: ReturnType<Network['memberships']['get']> | null, noTee: boolean, dest: Address, f: VirtualFrame): FrameRefusal | null {
    const rules = network.rules()!;
    const mctx = network.membershipContext()!;
    const ff = this.fill(this.ctx.address, dest, f.sourceMac, f.destMac, f.etherType, f.data);
    const r = filterOutgoing(rules, m ? remoteCredentials(m, mctx) : null, noTee, ff, this.result);
    this.sendCopies(now, network, r, f.destMac, f.sourceMac, f.etherType, f.data);
    if (r.accept !== 0) return null;
    if (r.redirect !== 0) return 'redirected';
    this.ctx.report('filtered', undefined, noTee ? 'outbound frame (bridge replication)' : 'outbound frame');
    return 'filtered';
  }

  /** Network::filterIncomingPacket and its copies: 0 drop (counted unless redirected), 1 accept, 2 super-accept. */
  private inbound(now: number, network: Network, peer: Address, from: number, to: number, etherType: number, data: Uint8Array): number {
    const rules = network.rules()!;
    const mctx = network.membershipContext()!;
    const m = network.memberships.get(peer);
    const remoteCaps = m ? m.validCapabilities(mctx).sort((a, b) => a.id - b.id).map(capabilityRules) : [];
    const ff = this.fill(peer, this.ctx.address, from, to, etherType, data);
    const r = filterIncoming(rules, m ? remoteCredentials(m, mctx) : null, remoteCaps, ff, this.result);
    this.sendCopies(now, network, r, to, from, etherType, data);
    if (r.accept === 0 && r.redirect === 0) this.ctx.report('filtered', undefined, `inbound frame ethertype ${etherType.toString(16)}`);
    return r.accept;
  }

  /** The copies a filter asked for, in 1.14.1's order: capability TEE, base TEE, redirect. */
  private sendCopies(now: number, network: Network, r: FilterResult, to: number, from: number, etherType: number, data: Uint8Array): void {
    if (r.capTee === 0 && r.tee === 0 && r.redirect === 0) return;
    sendFilterCopies(now, this.sender, network.id, r, { macDest: to, macSource: from, etherType, payload: data });
  }

  /**
   * FRAME to a member: built once in a buffer with room for the packet header in front and
   * sealed where it lies (no copy of the frame after this one), when a path is known; else
   * through the queue that waits for the peer's identity or a path.
   */
  private sendFrameTo(now: number, dest: Address, network: Network, etherType: number, data: Uint8Array): void {
    const peer = this.ctx.topology.peers.get(dest);
    if (peer) {
      const buf = transientBytes(PACKET_IDX_PAYLOAD + FRAME_HEADER_BYTES + data.length);
      const at = PACKET_IDX_PAYLOAD;
      buf.set(network.idBytes, at);
      buf[at + 8] = etherType >>> 8;
      buf[at + 9] = etherType & 0xff;
      buf.set(data, at + FRAME_HEADER_BYTES);
      if (this.sender.sendSealedInPlace(now, peer, Verb.FRAME, buf)) return;
    }
    this.sender.sendToAddress(now, dest, Verb.FRAME, encodeFrame({ networkId: network.id, etherType, data }));
  }

  private fill(zs: Address, zd: Address, macSource: number, macDest: number, etherType: number, payload: Uint8Array): FilterFrame {
    const ff = this.frame;
    ff.ztSource = zs;
    ff.ztDest = zd;
    ff.macSource = macSource;
    ff.macDest = macDest;
    ff.etherType = etherType;
    ff.vlanId = 0;
    ff.payload = payload;
    ff.random = this.ctx.randomInt(0x100000000);
    return ff;
  }
}

// Unicast Ethernet between members (04 §7.2, §7.3; Switch::onLocalEthernet and
// IncomingPacket::_doFRAME of 1.14.1): a frame to a member's MAC becomes a FRAME to that
// member after the outbound rules, and a FRAME from a member reaches our TAP only when its
// credentials open the network's gate and the inbound rules accept it. Multicast, bridging,
// EXT_FRAME and the rules' TEE/REDIRECT copies are the datapath's (issue #8).
import { ErrorCode, Verb } from '../protocol/constants.js';
import { addressFromMac, macForMember } from '../protocol/member-mac.js';
import { packetIdBytes } from '../protocol/packet.js';
import { decodeFrame, encodeFrame } from '../protocol/verbs/frame.js';
import { encodeError } from '../protocol/verbs/error.js';
import type { NodeContext } from './context.js';
import type { Networks } from './networks.js';
import { remoteCredentials, capabilityRules } from './network-rules.js';
import { FilterResult, filterIncoming, filterOutgoing, type FilterFrame } from './rules-engine.js';
import type { Sender } from './sender.js';
import type { InboundPacket, VerbContext } from './verb-table.js';
import type { VirtualFrame } from './virtual-network.js';

/** Why a frame from the TAP was not sent. */
export type FrameRefusal = 'unknown_network' | 'no_config' | 'not_unicast_member' | 'bad_source_mac' | 'filtered' | 'broadcast_disabled' | 'multicast_disabled';

const MULTICAST_BIT = 0x010000000000;

export class UnicastFrames {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;
  private readonly networks: Networks;
  private readonly result = new FilterResult();
  private readonly frame: FilterFrame = { ztSource: 0, ztDest: 0, macSource: 0, macDest: 0, etherType: 0, vlanId: 0, payload: new Uint8Array(0), random: 0 };

  constructor(ctx: NodeContext, sender: Sender, networks: Networks) {
    this.ctx = ctx;
    this.sender = sender;
    this.networks = networks;
  }

  /** A frame from our TAP for another member. Returns null when sent, else why not (and counts it). */
  send(now: number, nwid: bigint, f: VirtualFrame): FrameRefusal | null {
    const network = this.networks.get(nwid);
    if (!network) return this.refuse('unknown_network');
    const rules = network.rules();
    const mctx = network.membershipContext();
    if (!rules || !mctx) return this.refuse('no_config');
    const self = this.ctx.address;
    if (f.sourceMac !== macForMember(nwid, self)) return this.refuse('bad_source_mac');
    if (Math.floor(f.destMac / MULTICAST_BIT) % 2 === 1) return this.refuse('not_unicast_member');
    const to = addressFromMac(f.destMac, nwid);
    if (to === self || macForMember(nwid, to) !== f.destMac) return this.refuse('not_unicast_member');
    const m = network.memberships.get(to);
    const ff = this.fill(self, to, f);
    const verdict = filterOutgoing(rules, m ? remoteCredentials(m, mctx) : null, false, ff, this.result);
    if (verdict.accept === 0) return this.refuse('filtered');
    network.pushCredentialsIfNeeded(now, to);
    this.sender.sendToAddress(now, to, Verb.FRAME, encodeFrame({ networkId: nwid, etherType: f.etherType, data: f.data }));
    return null;
  }

  /** FRAME from a peer (IncomingPacket::_doFRAME). */
  onFrame(v: VerbContext, rx: InboundPacket): void | 'retry' {
    const msg = decodeFrame(rx.payload);
    const network = this.networks.get(msg.networkId);
    if (!network) {
      this.ctx.report('unknown_network', rx.path.address, 'FRAME');
      return;
    }
    const rules = network.rules();
    const mctx = network.membershipContext();
    const gate = network.gate(rx.peer.identity, rx.now);
    if (!rules || !mctx || !gate.isOpen) {
      // Ask for its credentials (they may be on their way); frames stay refused until they arrive.
      const err = encodeError({ inReVerb: Verb.FRAME, inRePacketId: packetIdBytes(rx.packet), code: ErrorCode.NEED_MEMBERSHIP_CERTIFICATE, networkId: msg.networkId });
      v.sender.reply(rx.now, rx.peer, rx.path, Verb.ERROR, err);
      if (!rx.isRetry) this.ctx.report('not_member', rx.path.address, `FRAME on ${network.id.toString(16).padStart(16, '0')}`);
      return 'retry';
    }
    const peer = rx.peer.address;
    const m = network.memberships.get(peer);
    const remoteCaps = m ? m.validCapabilities(mctx).sort((a, b) => a.id - b.id).map(capabilityRules) : [];
    const self = this.ctx.address;
    const ff = this.fill(peer, self, { sourceMac: macForMember(msg.networkId, peer), destMac: macForMember(msg.networkId, self), etherType: msg.etherType, vlanId: 0, data: msg.data });
    const verdict = filterIncoming(rules, m ? remoteCredentials(m, mctx) : null, remoteCaps, ff, this.result);
    if (verdict.accept === 0) {
      this.ctx.report('filtered', rx.path.address, `FRAME ethertype ${msg.etherType.toString(16)}`);
      return;
    }
    this.ctx.host.deliverFrame?.(msg.networkId, { sourceMac: ff.macSource, destMac: ff.macDest, etherType: msg.etherType, vlanId: 0, data: msg.data });
  }

  private fill(from: number, to: number, f: VirtualFrame): FilterFrame {
    const ff = this.frame;
    ff.ztSource = from;
    ff.ztDest = to;
    ff.macSource = f.sourceMac;
    ff.macDest = f.destMac;
    ff.etherType = f.etherType;
    ff.vlanId = 0;
    ff.payload = f.data;
    ff.random = this.ctx.randomInt(0x100000000);
    return ff;
  }

  private refuse(reason: FrameRefusal): FrameRefusal {
    if (reason === 'filtered') this.ctx.report('filtered', undefined, 'outbound frame');
    return reason;
  }
}

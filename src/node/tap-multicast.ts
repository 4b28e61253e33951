// Multicast and broadcast frames from the TAP (spec 04 §7.2 step 3; the multicast branch of
// 1.14.1's Switch::onLocalEthernet), until the frame switch (switch.ts, issue #8) takes this
// over: group choice (multicast-group-for-frame.ts), multicast limit 0 = drop, bridged
// groups learned, the outbound filter with ztDest 0 and its copies, then Multicaster.send.
// NDP emulation (step 3.2) is the switch's and is not done here.
import { isActiveBridge } from '../protocol/netconf/network-config.js';
import { macForMember } from '../protocol/member-mac.js';
import type { NodeContext } from './context.js';
import { sendFilterCopies } from './filter-copies.js';
import { multicastGroupForFrame } from './multicast-group-for-frame.js';
import type { Networks } from './networks.js';
import { FilterResult, filterOutgoing, type FilterFrame } from './rules-engine.js';
import type { Sender } from './sender.js';
import type { FrameRefusal } from './unicast-frames.js';
import type { VirtualFrame } from './virtual-network.js';

export class TapMulticast {
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

  /** A frame from our TAP to a multicast MAC. Returns null when it was handed to the multicaster. */
  send(now: number, nwid: bigint, f: VirtualFrame): FrameRefusal | null {
    const network = this.networks.get(nwid);
    if (!network) return 'unknown_network';
    const config = network.config;
    const rules = network.rules();
    if (!config || !rules) return 'no_config';
    const self = this.ctx.address;
    const isBridged = f.sourceMac !== macForMember(nwid, self);
    if (isBridged && !isActiveBridge(config, self)) return this.refuse('bad_source_mac', 'bridging_not_allowed');
    const group = multicastGroupForFrame(config, f.destMac, f.etherType, f.data);
    if (!group) return this.refuse('broadcast_disabled', 'broadcast_disabled');
    if (config.multicastLimit === 0) return this.refuse('multicast_disabled', 'multicast_disabled');
    if (isBridged) network.multicast.learnBridged(now, group);
    const ff = this.frame;
    ff.ztSource = self;
    ff.ztDest = 0;
    ff.macSource = f.sourceMac;
    ff.macDest = f.destMac;
    ff.etherType = f.etherType;
    ff.vlanId = 0;
    ff.payload = f.data;
    ff.random = this.ctx.randomInt(0x100000000);
    const r = filterOutgoing(rules, null, false, ff, this.result);
    sendFilterCopies(now, this.sender, nwid, r, ff);
    if (r.accept === 0) return this.refuse('filtered', 'filtered');
    this.networks.multicaster.send(now, network, group, isBridged ? f.sourceMac : 0, f.etherType, f.data);
    return null;
  }

  private refuse(why: FrameRefusal, reason: 'bridging_not_allowed' | 'broadcast_disabled' | 'multicast_disabled' | 'filtered'): FrameRefusal {
    this.ctx.report(reason, undefined, 'multicast frame from the TAP');
    return why;
  }
}

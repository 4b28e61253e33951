// One multicast on its way out (1.14.1 node/OutboundMulticast.*): the MULTICAST_FRAME built
// once, the frame itself for the per-recipient outbound filter, and the recipients it has
// gone to. A queued one (too few members known) keeps going to newly learned members for
// 5 s or until `limit` recipients are recorded (spec 04 §8.5 step 4).
import type { Address } from '../protocol/address.js';
import { MAX_MTU } from '../protocol/netconf/network-config.js';
import { encodeMulticastFrame, type MULTICAST_FRAME } from '../protocol/verbs/multicast-frame.js';
import type { MulticastGroup } from './multicast-group.js';

/** A queued multicast is dropped this long after it was made (ZT_MULTICAST_TRANSMIT_TIMEOUT). */
export const MULTICAST_TRANSMIT_TIMEOUT_MS = 5_000;

export interface OutboundMulticastInit {
  createdMs: number;
  networkId: bigint;
  /** Recipients wanted (the config's multicast limit). */
  limit: number;
  /** Asked of each recipient with the frame; 0 for none. */
  gatherLimit: number;
  /** The bridged source MAC, or 0 when the frame is our own (the MAC is then ours and not sent). */
  bridgedSourceMac: number;
  /** Our member MAC, the source the filter sees when the frame is not bridged. */
  ownMac: number;
  group: MulticastGroup;
  etherType: number;
  data: Uint8Array;
}

export class OutboundMulticast {
  readonly createdMs: number;
  readonly networkId: bigint;
  readonly limit: number;
  readonly sourceMac: number;
  readonly group: MulticastGroup;
  readonly etherType: number;
  /** Our copy of the frame (at most 10 000 bytes, as 1.14.1 truncates). */
  readonly frame: Uint8Array;
  /** The MULTICAST_FRAME payload, shared by every copy sent. */
  readonly payload: Uint8Array;
  readonly alreadySentTo: Address[] = [];

  constructor(o: OutboundMulticastInit) {
    this.createdMs = o.createdMs;
    this.networkId = o.networkId;
    this.limit = o.limit;
    this.sourceMac = o.bridgedSourceMac !== 0 ? o.bridgedSourceMac : o.ownMac;
    this.group = { mac: o.group.mac, adi: o.group.adi };
    this.etherType = o.etherType;
    this.frame = o.data.slice(0, Math.min(o.data.length, MAX_MTU));
    const msg: MULTICAST_FRAME = { networkId: o.networkId, flags: 0, group: this.group, etherType: o.etherType, data: this.frame };
    if (o.gatherLimit !== 0) msg.gatherLimit = o.gatherLimit;
    if (o.bridgedSourceMac !== 0) msg.source = o.bridgedSourceMac;
    this.payload = encodeMulticastFrame(msg);
  }

  isExpired(now: number): boolean {
    return now - this.createdMs >= MULTICAST_TRANSMIT_TIMEOUT_MS;
  }

  get isAtLimit(): boolean {
    return this.alreadySentTo.length >= this.limit;
  }

  logAsSent(to: Address): void {
    this.alreadySentTo.push(to);
  }

  hasSentTo(to: Address): boolean {
    return this.alreadySentTo.includes(to);
  }
}

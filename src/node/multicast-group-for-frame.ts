// The multicast group of a frame from the TAP (spec 04 §7.2 step 3.1, trap 19; 1.14.1
// Switch::onLocalEthernet): (destination MAC, ADI 0), except that an IPv4 ARP request to
// the broadcast MAC goes to (ff:ff:ff:ff:ff:ff, target IPv4) — even with broadcast
// disabled — and any other broadcast is dropped unless the network enables broadcast.
// Kept on its own so that the frame switch (switch.ts) can call it as it is.
import { isBroadcastEnabled, type NetworkConfig } from '../protocol/netconf/network-config.js';
import { addressResolutionGroup, BROADCAST_MAC, type MulticastGroup } from './multicast-group.js';

export const ETHERTYPE_ARP = 0x0806;

/** An IPv4-over-Ethernet ARP request (hardware/protocol types and sizes, opcode 1). */
export function isArpRequest(etherType: number, data: Uint8Array): boolean {
  return etherType === ETHERTYPE_ARP && data.length >= 28 && data[2] === 0x08 && data[3] === 0x00 && data[4] === 6 && data[5] === 4 && data[7] === 0x01;
}

/**
 * The group for a frame to the multicast MAC `destMac`, or null when it must be dropped
 * (a non-ARP broadcast on a network without ENABLE_BROADCAST). The multicast limit (0 =
 * drop) and NDP emulation are checked by the caller, after this.
 */
export function multicastGroupForFrame(config: NetworkConfig, destMac: number, etherType: number, data: Uint8Array): MulticastGroup | null {
  if (destMac !== BROADCAST_MAC) return { mac: destMac, adi: 0 };
  if (isArpRequest(etherType, data)) return addressResolutionGroup(data.subarray(24, 28));
  return isBroadcastEnabled(config) ? { mac: BROADCAST_MAC, adi: 0 } : null;
}

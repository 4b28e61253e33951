// Multicast groups (spec 04 §8.1; 1.14.1 node/MulticastGroup.hpp): a 48-bit Ethernet
// multicast MAC plus a 32-bit ADI ("additional distinguishing information"), ordered by MAC
// then ADI. ARP turns broadcast into a selective multicast by putting the queried IPv4
// address into the ADI of the broadcast group.
import type { MulticastGroup } from '../protocol/verbs/fields.js';

export type { MulticastGroup } from '../protocol/verbs/fields.js';

export const BROADCAST_MAC = 0xffffffffffff;
/** (ff:ff:ff:ff:ff:ff, 0): what non-ARP broadcasts are sent to (Network::BROADCAST). */
export const BROADCAST_GROUP: MulticastGroup = Object.freeze({ mac: BROADCAST_MAC, adi: 0 });

const TWO_40 = 0x10000000000;

/** The group bit: the lowest bit of the MAC's first octet. */
export function isMulticastMac(mac: number): boolean {
  return Math.floor(mac / TWO_40) % 2 === 1;
}

export function compareGroups(a: MulticastGroup, b: MulticastGroup): number {
  return a.mac !== b.mac ? a.mac - b.mac : a.adi - b.adi;
}

export function sameGroup(a: MulticastGroup, b: MulticastGroup): boolean {
  return a.mac === b.mac && a.adi === b.adi;
}

/** A map key for (network, group). */
export function groupKey(nwid: bigint, g: MulticastGroup): string {
  return `${nwid.toString(16)}/${g.mac.toString(16)}/${g.adi.toString(16)}`;
}

/** deriveMulticastGroupForAddressResolution for IPv4 (4 bytes) or IPv6 (16 bytes). */
export function addressResolutionGroup(ip: Uint8Array): MulticastGroup {
  if (ip.length === 4) return { mac: BROADCAST_MAC, adi: ((ip[0] << 24) >>> 0) + ((ip[1] << 16) | (ip[2] << 8) | ip[3]) };
  return { mac: 0x3333ff000000 + ((ip[13] << 16) | (ip[14] << 8) | ip[15]), adi: 0 };
}

/** Sorted, without duplicates (Network::_allMulticastGroups' sort + unique). */
export function sortedUniqueGroups(groups: MulticastGroup[]): MulticastGroup[] {
  const s = [...groups].sort(compareGroups);
  return s.filter((g, i) => i === 0 || !sameGroup(g, s[i - 1]));
}

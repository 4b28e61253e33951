// MACs for the container and pod interfaces ztkube puts on a ZeroTier LAN (Docker endpoints,
// CNI pods). Never a ZeroTier member's MAC: those start with the network's member octet (07 §7.2).
import { hexPad } from '../../util/hex.js';

/**
 * The MAC for an interface with this IPv4 address (02:7a:a.b.c.d, as Docker's own 02:42:…): an
 * address handed out again after a release comes back with the same MAC, so members that still
 * hold an ARP entry for it reach the new owner at once instead of after the entry goes stale
 * (seconds of silence). Addresses are unique on the LAN, so these MACs are too.
 */
export function macForIpv4(address: string, memberOctet: number): string {
  const first = memberOctet === 0x02 ? 0x06 : 0x02;
  return [first, 0x7a, ...address.replace(/\/\d+$/, '').split('.').map(Number)].map((x) => hexPad(x, 2)).join(':');
}

/** A random unicast, locally administered MAC (for interfaces without an IPv4 address). */
export function randomContainerMac(random: (n: number) => Uint8Array, memberOctet: number): string {
  for (;;) {
    const b = random(6);
    b[0] = (b[0] & 0xfc) | 0x02;
    if (b[0] !== memberOctet) return [...b].map((x) => hexPad(x, 2)).join(':');
  }
}

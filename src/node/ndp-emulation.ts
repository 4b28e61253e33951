// IPv6 NDP emulation (spec 04 §7.5, trap 22; Switch::onLocalEthernet of 1.14.1): a
// neighbor solicitation from our TAP for an RFC4193 or 6PLANE address of another member is
// answered locally with a synthesized neighbor advertisement, since the MAC follows from
// the ZeroTier address embedded in the target. Pure; reproduces §12.8 byte for byte.
import type { Address } from '../protocol/address.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { macForMember } from '../protocol/member-mac.js';

/** The NA's Ethernet payload length: IPv6 header (40) + ICMPv6 NA with one option (32). */
export const NDP_ADVERTISEMENT_BYTES = 72;

const ETHERTYPE_IPV6 = 0x86dd;

/** One of our static IPv6 addresses in a shape NDP emulation answers for (config order kept). */
export interface NdpPrefix {
  /** Our address (16 bytes). */
  ip: Uint8Array;
  /** How many leading bytes of a target must equal ours: 11 (RFC4193 /88) or 5 (6PLANE /40). */
  prefixBytes: 11 | 5;
}

/**
 * The static IPs 1.14.1 walks (04 §7.5 step 1): IPv6 with /88 in the RFC4193 form (fd … 99 93),
 * or /40 equal to this network's 6PLANE prefix. Others are skipped.
 */
export function ndpPrefixes(nwid: bigint, staticIps: readonly (InetAddress | null)[]): NdpPrefix[] {
  const h = Number((nwid ^ (nwid >> 32n)) & 0xffffffffn);
  const out: NdpPrefix[] = [];
  for (const a of staticIps) {
    if (!a || a.family !== 6 || a.ip.length !== 16) continue;
    const ip = a.ip;
    if (a.port === 88 && ip[0] === 0xfd && ip[9] === 0x99 && ip[10] === 0x93) {
      out.push({ ip: ip.slice(), prefixBytes: 11 });
    } else if (a.port === 40 && ip[0] === 0xfc && ip[1] === h >>> 24 && ip[2] === ((h >>> 16) & 0xff) && ip[3] === ((h >>> 8) & 0xff) && ip[4] === (h & 0xff)) {
      out.push({ ip: ip.slice(), prefixBytes: 5 });
    }
  }
  return out;
}

/** Is this Ethernet payload (EtherType 0x86dd) an ICMPv6 neighbor solicitation 1.14.1 looks at? */
export function isNeighborSolicitation(etherType: number, p: Uint8Array): boolean {
  return etherType === ETHERTYPE_IPV6 && p.length >= 64 && p[6] === 0x3a && p[40] === 0x87;
}

export interface NdpAnswer {
  /** Source MAC of the advertisement: the member MAC of the address embedded in the target. */
  sourceMac: number;
  /** The 72-byte IPv6 payload. */
  data: Uint8Array;
}

/**
 * The advertisement answering a solicitation `p` (its Ethernet payload), or null when the
 * target is not under one of `prefixes` or embeds our own address (04 §7.5 steps 1–2).
 */
export function ndpAnswer(nwid: bigint, self: Address, prefixes: readonly NdpPrefix[], p: Uint8Array): NdpAnswer | null {
  const T = 48; // the NS target address
  let mine: Uint8Array | null = null;
  let embedded = -1;
  for (const pre of prefixes) {
    let i = 0;
    while (i < pre.prefixBytes && p[T + i] === pre.ip[i]) i++;
    if (i === pre.prefixBytes) {
      mine = pre.ip;
      const o = T + pre.prefixBytes;
      embedded = p[o] * 2 ** 32 + ((p[o + 1] << 24) >>> 0) + ((p[o + 2] << 16) | (p[o + 3] << 8) | p[o + 4]);
      break;
    }
  }
  if (!mine || embedded === 0 || embedded === self) return null;
  const peerMac = macForMember(nwid, embedded);
  const adv = new Uint8Array(NDP_ADVERTISEMENT_BYTES);
  adv.set([0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff], 0);
  adv.set(p.subarray(T, T + 16), 8);
  adv.set(mine, 24);
  adv[40] = 0x88;
  adv[44] = 0x60;
  adv.set(p.subarray(T, T + 16), 48);
  adv[64] = 0x02;
  adv[65] = 0x01;
  const hi = Math.floor(peerMac / 2 ** 32);
  adv[66] = (hi >>> 8) & 0xff;
  adv[67] = hi & 0xff;
  adv[68] = (peerMac >>> 24) & 0xff;
  adv[69] = (peerMac >>> 16) & 0xff;
  adv[70] = (peerMac >>> 8) & 0xff;
  adv[71] = peerMac & 0xff;
  // RFC 4443 checksum over the pseudo-header (source, destination, length 32, next header 58)
  // and the 32 ICMPv6 bytes with the checksum field zero.
  let sum = 0x20 + 0x3a;
  for (let i = 8; i < 40; i += 2) sum += (adv[i] << 8) | adv[i + 1];
  for (let i = 40; i < 72; i += 2) sum += (adv[i] << 8) | adv[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  const ck = ~sum & 0xffff;
  adv[42] = ck >>> 8;
  adv[43] = ck & 0xff;
  return { sourceMac: peerMac, data: adv };
}

// Pod addresses (issue #12): IPv4 from this node's range of a bridge-mode network, IPv6 from
// this node's 6PLANE /80 (07 §7.3). Pure: the addresses taken are passed in (the attachment
// records), so an address is handed out again only once its record is gone (DEL or GC).
import { bigintToIp, ipText, ipToBigint, prefixBounds, prefixInside } from '../docker/ip-arith.js';
import { prefixToString, type IpPrefix } from '../net/ip/prefix.js';
import { sixPlaneIp } from '../protocol/zt-ipv6.js';
import { hexPad } from '../util/hex.js';
import { CNI_CODE, CniError } from './cni-error.js';

const stripBits = (a: string): string => a.replace(/\/\d+$/, '');

/**
 * The lowest address of `range` that is not taken, not the LAN's network or broadcast address
 * and not one of `avoid` (the members' own addresses); answered as `ip/<lan bits>`.
 */
export function allocateIpv4(range: IpPrefix, lan: IpPrefix, taken: readonly string[], avoid: readonly string[]): string {
  if (!prefixInside(range, lan)) throw new CniError(CNI_CODE.invalidConfig, `the pod range ${prefixToString(range)} is outside the network's LAN ${prefixToString(lan)}`);
  const used = new Set([...taken, ...avoid].map(stripBits));
  const r = prefixBounds(range);
  const l = prefixBounds(lan);
  for (let v = r.first; v <= r.last; v++) {
    if (v === l.first || v === l.last) continue;
    const ip = ipText(4, bigintToIp(v, 4));
    if (!used.has(ip)) return `${ip}/${lan.bits}`;
  }
  throw new CniError(CNI_CODE.tryAgainLater, `no free address is left in this node's pod range ${prefixToString(range)}`);
}

/** The lowest address after the member's own ::1 in this node's 6PLANE /80, as `ip/128`. */
export function allocateSixplane(nwid: bigint, member: number, taken: readonly string[]): string {
  const base = ipToBigint(sixPlaneIp(nwid, member)) & ~0xffffffffffffn;
  const used = new Set(taken.map(stripBits));
  for (let i = 2n; i < 0xffffffffffffn; i++) {
    const ip = ipText(6, bigintToIp(base | i, 16));
    if (!used.has(ip)) return `${ip}/128`;
  }
  throw new CniError(CNI_CODE.tryAgainLater, `no free address is left in this node's 6PLANE /80 on ZeroTier network ${hexPad(nwid, 16)}`);
}

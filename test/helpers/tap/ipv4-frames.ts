// Just enough Ethernet/ARP/IPv4/UDP/ICMP to stand in for a host behind a TAP: the netns
// tests, the TAP benchmark and the compliance suite build and recognise frames with it.
// Not a network stack: no options written, no fragments, no IPv6. Pure.
//
//   Ethernet  dst(6) src(6) ethertype(2)                              14 bytes
//   ARP       htype(2)=1 ptype(2)=0x0800 hlen=6 plen=4 op(2)          28 bytes (IPv4 over Ethernet)
//             sha(6) spa(4) tha(6) tpa(4)
//   IPv4      ver/ihl tos totlen(2) id(2) flags/frag(2) ttl proto     20 bytes (ihl 5 when we write)
//             checksum(2) src(4) dst(4)
//   UDP       sport(2) dport(2) len(2) checksum(2)                    8 bytes, checksum over a pseudo header
//   ICMP echo type(8 req / 0 reply) code(0) checksum(2) id(2) seq(2)  then data
import { readMac, writeMac } from '../../../src/protocol/member-mac.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const IP_PROTO_ICMP = 1;
export const IP_PROTO_UDP = 17;
const ETH = 14;
const IP = 20;
const UDP = 8;

export function ipv4FromString(s: string): number {
  const parts = s.split('.').map((p) => Number(p));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`bad IPv4 address ${s}`);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function ipv4ToString(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}
function put32(b: Uint8Array, o: number, v: number): void {
  put16(b, o, v >>> 16);
  put16(b, o + 2, v & 0xffff);
}

/** One's-complement sum of 16-bit words (RFC 1071), not yet inverted. */
function sum16(b: Uint8Array, off: number, len: number, acc = 0): number {
  let i = off;
  for (; i + 1 < off + len; i += 2) acc += (b[i] << 8) | b[i + 1];
  if (i < off + len) acc += b[i] << 8;
  return acc;
}
function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return ~acc & 0xffff;
}

export function inetChecksum(b: Uint8Array, off: number, len: number): number {
  return fold(sum16(b, off, len));
}

export interface UdpFrame {
  dstMac: number;
  srcMac: number;
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

function writeEthernet(out: Uint8Array, dst: number, src: number, type: number): void {
  writeMac(out, 0, dst);
  writeMac(out, 6, src);
  put16(out, 12, type);
}

function writeIpv4Header(out: Uint8Array, totalLen: number, proto: number, src: number, dst: number): void {
  out[ETH] = 0x45;
  out[ETH + 1] = 0;
  put16(out, ETH + 2, totalLen);
  put16(out, ETH + 4, 0);
  put16(out, ETH + 6, 0x4000); // don't fragment
  out[ETH + 8] = 64;
  out[ETH + 9] = proto;
  put16(out, ETH + 10, 0);
  put32(out, ETH + 12, src);
  put32(out, ETH + 16, dst);
  put16(out, ETH + 10, inetChecksum(out, ETH, IP));
}

function udpChecksum(b: Uint8Array, ipOff: number, udpOff: number, udpLen: number): number {
  let acc = sum16(b, ipOff + 12, 8); // source and destination address
  acc += IP_PROTO_UDP + udpLen;
  const c = fold(sum16(b, udpOff, udpLen, acc));
  return c === 0 ? 0xffff : c;
}

/** Bytes writeUdpFrame needs for this payload. */
export function udpFrameBytes(payloadBytes: number): number {
  return ETH + IP + UDP + payloadBytes;
}

/** Writes a complete Ethernet/IPv4/UDP frame into `out`; returns its length. */
export function writeUdpFrame(out: Uint8Array, f: UdpFrame): number {
  const udpLen = UDP + f.payload.length;
  writeEthernet(out, f.dstMac, f.srcMac, ETHERTYPE_IPV4);
  writeIpv4Header(out, IP + udpLen, IP_PROTO_UDP, f.srcIp, f.dstIp);
  const u = ETH + IP;
  put16(out, u, f.srcPort);
  put16(out, u + 2, f.dstPort);
  put16(out, u + 4, udpLen);
  put16(out, u + 6, 0);
  out.set(f.payload, u + UDP);
  put16(out, u + 6, udpChecksum(out, ETH, u, udpLen));
  return u + udpLen;
}

export function buildUdpFrame(f: UdpFrame): Uint8Array {
  const out = new Uint8Array(udpFrameBytes(f.payload.length));
  writeUdpFrame(out, f);
  return out;
}

/** Offset of the IPv4 payload if `frame` is an unfragmented IPv4 packet, else -1. */
function ipv4PayloadOffset(frame: Uint8Array, proto: number): number {
  if (frame.length < ETH + IP || u16(frame, 12) !== ETHERTYPE_IPV4 || frame[ETH] >> 4 !== 4) return -1;
  const ihl = (frame[ETH] & 0x0f) * 4;
  const total = u16(frame, ETH + 2);
  if (ihl < IP || total < ihl || ETH + total > frame.length) return -1;
  if ((u16(frame, ETH + 6) & 0x3fff) !== 0 || frame[ETH + 9] !== proto) return -1; // fragment or other protocol
  return ETH + ihl;
}

/** The UDP fields of a frame, or null if it is not a well-formed IPv4/UDP frame. Views, no copies. */
export function parseUdpFrame(frame: Uint8Array): UdpFrame | null {
  const u = ipv4PayloadOffset(frame, IP_PROTO_UDP);
  if (u < 0 || u + UDP > frame.length) return null;
  const len = u16(frame, u + 4);
  if (len < UDP || u + len > frame.length) return null;
  return {
    dstMac: readMac(frame, 0),
    srcMac: readMac(frame, 6),
    srcIp: u32(frame, ETH + 12),
    dstIp: u32(frame, ETH + 16),
    srcPort: u16(frame, u),
    dstPort: u16(frame, u + 2),
    payload: frame.subarray(u + UDP, u + len),
  };
}

/** ARP request for `ip`: returns the requester's MAC and IP, else null. */
export function parseArpRequestFor(frame: Uint8Array, ip: number): { mac: number; ip: number } | null {
  if (frame.length < ETH + 28 || u16(frame, 12) !== ETHERTYPE_ARP) return null;
  const a = ETH;
  if (u16(frame, a) !== 1 || u16(frame, a + 2) !== ETHERTYPE_IPV4 || frame[a + 4] !== 6 || frame[a + 5] !== 4) return null;
  if (u16(frame, a + 6) !== 1 || u32(frame, a + 24) !== ip) return null;
  return { mac: readMac(frame, a + 8), ip: u32(frame, a + 14) };
}

/** Writes the ARP reply "`ip` is at `mac`" to the requester; returns its length (42). */
export function writeArpReply(out: Uint8Array, mac: number, ip: number, to: { mac: number; ip: number }): number {
  writeEthernet(out, to.mac, mac, ETHERTYPE_ARP);
  const a = ETH;
  put16(out, a, 1);
  put16(out, a + 2, ETHERTYPE_IPV4);
  out[a + 4] = 6;
  out[a + 5] = 4;
  put16(out, a + 6, 2);
  writeMac(out, a + 8, mac);
  put32(out, a + 14, ip);
  writeMac(out, a + 18, to.mac);
  put32(out, a + 24, to.ip);
  return ETH + 28;
}

/** True if `frame` is an ICMP echo request (type 8) addressed to `ip`. */
export function isIcmpEchoRequestTo(frame: Uint8Array, ip: number): boolean {
  const i = ipv4PayloadOffset(frame, IP_PROTO_ICMP);
  return i >= 0 && i + 8 <= ETH + u16(frame, ETH + 2) && frame[i] === 8 && frame[i + 1] === 0 && u32(frame, ETH + 16) === ip;
}

/**
 * The echo reply to an echo request (check with isIcmpEchoRequestTo first): same id,
 * sequence and data, addresses swapped. Written into `out`; returns its length.
 */
export function writeIcmpEchoReply(out: Uint8Array, request: Uint8Array, mac: number): number {
  const ihl = (request[ETH] & 0x0f) * 4;
  const icmpLen = u16(request, ETH + 2) - ihl;
  const src = u32(request, ETH + 16);
  const dst = u32(request, ETH + 12);
  writeEthernet(out, readMac(request, 6), mac, ETHERTYPE_IPV4);
  writeIpv4Header(out, IP + icmpLen, IP_PROTO_ICMP, src, dst);
  const i = ETH + IP;
  out.set(request.subarray(ETH + ihl, ETH + ihl + icmpLen), i);
  out[i] = 0;
  put16(out, i + 2, 0);
  put16(out, i + 2, inetChecksum(out, i, icmpLen));
  return i + icmpLen;
}

// The 14-byte Ethernet header between a TAP and the node (06 §8.4), without allocation:
// parsing fills a reused VirtualFrame; building writes into a reused buffer.
import type { VirtualFrame } from '../../node/virtual-network.js';
import { readMac, writeMac } from '../../protocol/member-mac.js';
import { ETHERNET_HEADER_BYTES } from './tap.js';

/**
 * Fills `out` from the frame at buf[off, off + len): false for a frame of 14 bytes or less
 * (dropped). The length is clamped to MTU + 14; the VLAN id is 0 and an 802.1Q frame keeps
 * ethertype 0x8100 with its tag in the payload, as 1.14.1 does on Linux. `out.data` is a
 * view into `buf`, valid as long as the bytes are.
 */
export function parseTapFrame(out: VirtualFrame, buf: Uint8Array, off: number, len: number, mtu: number): boolean {
  if (len <= ETHERNET_HEADER_BYTES) return false;
  if (len > mtu + ETHERNET_HEADER_BYTES) len = mtu + ETHERNET_HEADER_BYTES;
  out.destMac = readMac(buf, off);
  out.sourceMac = readMac(buf, off + 6);
  out.etherType = (buf[off + 12] << 8) | buf[off + 13];
  out.vlanId = 0;
  out.data = buf.subarray(off + ETHERNET_HEADER_BYTES, off + len);
  return true;
}

/** Writes header + payload of `f` into `into` at `at` (room for 14 + f.data.length) and returns the byte count. */
export function buildTapFrame(into: Uint8Array, f: VirtualFrame, at = 0): number {
  writeMac(into, at, f.destMac);
  writeMac(into, at + 6, f.sourceMac);
  into[at + 12] = (f.etherType >> 8) & 0xff;
  into[at + 13] = f.etherType & 0xff;
  into.set(f.data, at + ETHERNET_HEADER_BYTES);
  return ETHERNET_HEADER_BYTES + f.data.length;
}

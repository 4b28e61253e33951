// Small field codecs shared by several verbs (spec 02 §2): MAC (6 bytes, most significant
// first), multicast group (MAC + ADI u32), in-re packet IDs (8 raw bytes) and lists of
// 5-byte addresses. Numbers stay numbers: a MAC is 48 bits and fits a double exactly.
import type { Address } from '../address.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export const PACKET_ID_BYTES = 8;
export const MAC_BYTES = 6;

/** A multicast group: MAC plus "additional distinguishing information" (04). */
export interface MulticastGroup {
  mac: number;
  adi: number;
}

export function readMac(r: Reader, field: string): number {
  const b = r.bytes(MAC_BYTES, field);
  return ((b[0] << 8) | b[1]) * 0x100000000 + (((b[2] << 24) >>> 0) + ((b[3] << 16) | (b[4] << 8) | b[5]));
}

export function writeMac(w: Writer, mac: number): void {
  w.u16(Math.floor(mac / 0x100000000) & 0xffff).u32(mac >>> 0);
}

export function readMulticastGroup(r: Reader, field: string): MulticastGroup {
  const mac = readMac(r, field + '.mac');
  return { mac, adi: r.u32(field + '.adi') };
}

export function writeMulticastGroup(w: Writer, g: MulticastGroup): void {
  writeMac(w, g.mac);
  w.u32(g.adi);
}

/** The 8 packet-ID bytes as transmitted (a view into the payload). */
export function readPacketId(r: Reader, field: string): Uint8Array {
  return r.bytes(PACKET_ID_BYTES, field);
}

export function writePacketId(w: Writer, id: Uint8Array): void {
  if (id.length !== PACKET_ID_BYTES) throw new RangeError(`packet ID must be 8 bytes, got ${id.length}`);
  w.bytes(id);
}

export function readAddresses(r: Reader, count: number, field: string): Address[] {
  const out: Address[] = [];
  for (let i = 0; i < count; i++) out.push(r.u40(`${field}[${i}]`));
  return out;
}

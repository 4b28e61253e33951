// EXT_FRAME payload (spec 02 §10.8): a frame with explicit MACs (bridging, rule copies).
//
//   offset  size  field
//   0       8     network ID
//   8       1     flags
//   9       var   certificate of membership (com.ts), only if flag 0x01 (deprecated)
//   +0      6     destination MAC
//   +6      6     source MAC
//   +12     2     EtherType
//   +14     …     frame payload
//
// Flags: 0x01 COM attached; 0x10 the sender wants OK(EXT_FRAME); 0x0e a "subtype" for
// rule-generated copies (ignored by receivers). The encoder sets 0x01 from the presence
// of `com` and keeps the other bits of `flags`.
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { comSize, readCom, writeCom, type CertificateOfMembership } from './com.js';
import { readMac, writeMac } from './fields.js';

export const EXT_FRAME_FLAG_COM = 0x01;
export const EXT_FRAME_FLAG_SUBTYPE_MASK = 0x0e;
export const EXT_FRAME_FLAG_ACK_REQUESTED = 0x10;

export interface EXT_FRAME {
  networkId: bigint;
  flags: number;
  com?: CertificateOfMembership;
  to: number;
  from: number;
  etherType: number;
  /** A view into the payload. */
  data: Uint8Array;
}

export function decodeExtFrame(payload: Uint8Array): EXT_FRAME {
  const r = new Reader(payload);
  const networkId = r.u64('EXT_FRAME.networkId');
  const flags = r.u8('EXT_FRAME.flags');
  const com = flags & EXT_FRAME_FLAG_COM ? readCom(r, 'EXT_FRAME.com') : undefined;
  const to = readMac(r, 'EXT_FRAME.to');
  const from = readMac(r, 'EXT_FRAME.from');
  const etherType = r.u16('EXT_FRAME.etherType');
  const msg: EXT_FRAME = { networkId, flags, to, from, etherType, data: r.rest() };
  if (com) msg.com = com;
  return msg;
}

export function encodeExtFrame(msg: EXT_FRAME): Uint8Array {
  const flags = (msg.flags & ~EXT_FRAME_FLAG_COM) | (msg.com ? EXT_FRAME_FLAG_COM : 0);
  const w = new Writer(23 + (msg.com ? comSize(msg.com) : 0) + msg.data.length);
  w.u64(msg.networkId).u8(flags);
  if (msg.com) writeCom(w, msg.com);
  writeMac(w, msg.to);
  writeMac(w, msg.from);
  w.u16(msg.etherType).bytes(msg.data);
  return w.finish();
}

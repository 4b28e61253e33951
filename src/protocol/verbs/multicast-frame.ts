// MULTICAST_FRAME and OK(MULTICAST_FRAME) (spec 02 §10.15, §10.4).
//
// MULTICAST_FRAME:
//   size  field                                  present if
//   8     network ID                             always
//   1     flags                                  always
//   var   certificate of membership (com.ts)     flag 0x01 (deprecated; still parsed)
//   4     gather limit u32                       flag 0x02
//   6     source MAC                             flag 0x04 (else derived from the sender)
//   6     destination multicast MAC              always
//   4     ADI                                    always
//   2     EtherType                              always
//   …     frame payload                          always
// Flag 0x08: "please replicate" (sent to a network's multicast replicator).
//
// OK(MULTICAST_FRAME) body:
//   size      field
//   8         network ID
//   6         multicast MAC
//   4         ADI
//   1         flags: 0x01 a COM follows (deprecated), 0x02 gather results follow
//   var       COM if 0x01
//   4+2+5c    gather results (multicast-gather.ts) if 0x02
//
// Encoders set the presence flags (0x01, 0x02, 0x04) from the optional fields and keep
// the other bits of `flags`.
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { comSize, readCom, writeCom, type CertificateOfMembership } from './com.js';
import { readMac, readMulticastGroup, writeMac, writeMulticastGroup, type MulticastGroup } from './fields.js';
import { readGatherResults, writeGatherResults, type GatherResults } from './multicast-gather.js';

export const MULTICAST_FRAME_FLAG_COM = 0x01;
export const MULTICAST_FRAME_FLAG_GATHER_LIMIT = 0x02;
export const MULTICAST_FRAME_FLAG_SOURCE_MAC = 0x04;
export const MULTICAST_FRAME_FLAG_REPLICATE = 0x08;

export const OK_MULTICAST_FRAME_FLAG_COM = 0x01;
export const OK_MULTICAST_FRAME_FLAG_GATHER_RESULTS = 0x02;

export interface MULTICAST_FRAME {
  networkId: bigint;
  flags: number;
  com?: CertificateOfMembership;
  gatherLimit?: number;
  /** undefined: the receiver derives it from the sender's address and the network ID. */
  source?: number;
  group: MulticastGroup;
  etherType: number;
  /** A view into the payload. */
  data: Uint8Array;
}

export function decodeMulticastFrame(payload: Uint8Array): MULTICAST_FRAME {
  const r = new Reader(payload);
  const networkId = r.u64('MULTICAST_FRAME.networkId');
  const flags = r.u8('MULTICAST_FRAME.flags');
  const com = flags & MULTICAST_FRAME_FLAG_COM ? readCom(r, 'MULTICAST_FRAME.com') : undefined;
  const gatherLimit = flags & MULTICAST_FRAME_FLAG_GATHER_LIMIT ? r.u32('MULTICAST_FRAME.gatherLimit') : undefined;
  const source = flags & MULTICAST_FRAME_FLAG_SOURCE_MAC ? readMac(r, 'MULTICAST_FRAME.source') : undefined;
  const group = readMulticastGroup(r, 'MULTICAST_FRAME.group');
  const etherType = r.u16('MULTICAST_FRAME.etherType');
  const msg: MULTICAST_FRAME = { networkId, flags, group, etherType, data: r.rest() };
  if (com) msg.com = com;
  if (gatherLimit !== undefined) msg.gatherLimit = gatherLimit;
  if (source !== undefined) msg.source = source;
  return msg;
}

export function encodeMulticastFrame(msg: MULTICAST_FRAME): Uint8Array {
  const presence = MULTICAST_FRAME_FLAG_COM | MULTICAST_FRAME_FLAG_GATHER_LIMIT | MULTICAST_FRAME_FLAG_SOURCE_MAC;
  const flags =
    (msg.flags & ~presence) |
    (msg.com ? MULTICAST_FRAME_FLAG_COM : 0) |
    (msg.gatherLimit !== undefined ? MULTICAST_FRAME_FLAG_GATHER_LIMIT : 0) |
    (msg.source !== undefined ? MULTICAST_FRAME_FLAG_SOURCE_MAC : 0);
  const w = new Writer(35 + (msg.com ? comSize(msg.com) : 0) + msg.data.length);
  w.u64(msg.networkId).u8(flags);
  if (msg.com) writeCom(w, msg.com);
  if (msg.gatherLimit !== undefined) w.u32(msg.gatherLimit);
  if (msg.source !== undefined) writeMac(w, msg.source);
  writeMulticastGroup(w, msg.group);
  w.u16(msg.etherType).bytes(msg.data);
  return w.finish();
}

export interface OK_MULTICAST_FRAME {
  networkId: bigint;
  group: MulticastGroup;
  flags: number;
  com?: CertificateOfMembership;
  results?: GatherResults;
}

export function decodeOkMulticastFrame(body: Uint8Array): OK_MULTICAST_FRAME {
  const r = new Reader(body);
  const networkId = r.u64('OK(MULTICAST_FRAME).networkId');
  const group = readMulticastGroup(r, 'OK(MULTICAST_FRAME).group');
  const flags = r.u8('OK(MULTICAST_FRAME).flags');
  const msg: OK_MULTICAST_FRAME = { networkId, group, flags };
  if (flags & OK_MULTICAST_FRAME_FLAG_COM) msg.com = readCom(r, 'OK(MULTICAST_FRAME).com');
  if (flags & OK_MULTICAST_FRAME_FLAG_GATHER_RESULTS) msg.results = readGatherResults(r, 'OK(MULTICAST_FRAME).results');
  return msg;
}

export function encodeOkMulticastFrame(msg: OK_MULTICAST_FRAME): Uint8Array {
  const presence = OK_MULTICAST_FRAME_FLAG_COM | OK_MULTICAST_FRAME_FLAG_GATHER_RESULTS;
  const flags = (msg.flags & ~presence) | (msg.com ? OK_MULTICAST_FRAME_FLAG_COM : 0) | (msg.results ? OK_MULTICAST_FRAME_FLAG_GATHER_RESULTS : 0);
  const w = new Writer(25 + (msg.com ? comSize(msg.com) : 0) + (msg.results ? 6 + 5 * msg.results.members.length : 0));
  w.u64(msg.networkId);
  writeMulticastGroup(w, msg.group);
  w.u8(flags);
  if (msg.com) writeCom(w, msg.com);
  if (msg.results) writeGatherResults(w, msg.results);
  return w.finish();
}

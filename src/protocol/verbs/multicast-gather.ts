// MULTICAST_GATHER and OK(MULTICAST_GATHER) (spec 02 §10.14, §10.4).
//
// MULTICAST_GATHER:
//   offset  size  field
//   0       8     network ID
//   8       1     flags: 0x01 a COM follows
//   9       6     multicast MAC
//   15      4     ADI
//   19      4     maximum number of members wanted u32
//   23      var   certificate of membership (com.ts) if flag 0x01
//
// OK(MULTICAST_GATHER) body:
//   size    field
//   8       network ID
//   6       multicast MAC
//   4       ADI
//   4       total number of members known to the responder u32   } "gather results",
//   2       number c of addresses u16                              } shared with
//   5 × c   member addresses                                       } OK(MULTICAST_FRAME)
//
// 1.14.1 discards an unparseable COM in a MULTICAST_GATHER and still answers the request
// (_doMULTICAST_GATHER catches it), so such a COM decodes as absent here, not as an error.
import type { Address } from '../address.js';
import { DecodeError } from '../../util/errors.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { comSize, readCom, writeCom, type CertificateOfMembership } from './com.js';
import { readAddresses, readMulticastGroup, writeMulticastGroup, type MulticastGroup } from './fields.js';

export const MULTICAST_GATHER_FLAG_COM = 0x01;

export interface MULTICAST_GATHER {
  networkId: bigint;
  /** Raw flags byte; the encoder sets 0x01 from the presence of `com`. */
  flags: number;
  group: MulticastGroup;
  gatherLimit: number;
  /** undefined when flag 0x01 is clear or the COM did not parse. */
  com?: CertificateOfMembership;
}

export function decodeMulticastGather(payload: Uint8Array): MULTICAST_GATHER {
  const r = new Reader(payload);
  const networkId = r.u64('MULTICAST_GATHER.networkId');
  const flags = r.u8('MULTICAST_GATHER.flags');
  const group = readMulticastGroup(r, 'MULTICAST_GATHER.group');
  const gatherLimit = r.u32('MULTICAST_GATHER.gatherLimit');
  const msg: MULTICAST_GATHER = { networkId, flags, group, gatherLimit };
  if (flags & MULTICAST_GATHER_FLAG_COM) {
    try {
      msg.com = readCom(r, 'MULTICAST_GATHER.com');
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      // Discarded like 1.14.1 does; the request itself stays valid.
    }
  }
  return msg;
}

export function encodeMulticastGather(msg: MULTICAST_GATHER): Uint8Array {
  const flags = (msg.flags & ~MULTICAST_GATHER_FLAG_COM) | (msg.com ? MULTICAST_GATHER_FLAG_COM : 0);
  const w = new Writer(23 + (msg.com ? comSize(msg.com) : 0));
  w.u64(msg.networkId).u8(flags);
  writeMulticastGroup(w, msg.group);
  w.u32(msg.gatherLimit);
  if (msg.com) writeCom(w, msg.com);
  return w.finish();
}

// ---- gather results and OK(MULTICAST_GATHER)

export interface GatherResults {
  /** How many members the responder knows in total (it may send fewer). */
  totalKnown: number;
  members: Address[];
}

export function readGatherResults(r: Reader, field: string): GatherResults {
  const totalKnown = r.u32(field + '.totalKnown');
  const count = r.u16(field + '.count');
  return { totalKnown, members: readAddresses(r, count, field + '.members') };
}

export function writeGatherResults(w: Writer, g: GatherResults): void {
  if (g.members.length > 0xffff) throw new RangeError('gather results: more than 65535 members');
  w.u32(g.totalKnown).u16(g.members.length);
  for (const a of g.members) w.u40(a);
}

export interface OK_MULTICAST_GATHER {
  networkId: bigint;
  group: MulticastGroup;
  results: GatherResults;
}

export function decodeOkMulticastGather(body: Uint8Array): OK_MULTICAST_GATHER {
  const r = new Reader(body);
  const networkId = r.u64('OK(MULTICAST_GATHER).networkId');
  const group = readMulticastGroup(r, 'OK(MULTICAST_GATHER).group');
  return { networkId, group, results: readGatherResults(r, 'OK(MULTICAST_GATHER).results') };
}

export function encodeOkMulticastGather(msg: OK_MULTICAST_GATHER): Uint8Array {
  const w = new Writer(24 + 5 * msg.results.members.length);
  w.u64(msg.networkId);
  writeMulticastGroup(w, msg.group);
  writeGatherResults(w, msg.results);
  return w.finish();
}

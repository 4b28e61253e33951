// RENDEZVOUS payload (spec 02 §10.6). Its address layout is its own, not InetAddress:
// port first, then a bare length (4 or 16) that does not count the port.
//
//   offset  size  field
//   0       1     flags (0)
//   1       5     address of the peer to contact
//   6       2     port u16
//   8       1     address length: 4 or 16 (anything else is rejected)
//   9       4/16  IP address bytes
//
// A zero port decodes; the handler ignores such a RENDEZVOUS (03 §12).
import { DecodeError } from '../../util/errors.js';
import type { Address } from '../address.js';
import type { InetAddress } from '../inet-address.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface RENDEZVOUS {
  flags: number;
  /** The peer to contact. */
  with: Address;
  /** Where to contact it. */
  at: InetAddress;
}

export function decodeRendezvous(payload: Uint8Array): RENDEZVOUS {
  const r = new Reader(payload);
  const flags = r.u8('RENDEZVOUS.flags');
  const withAddress = r.u40('RENDEZVOUS.with');
  const port = r.u16('RENDEZVOUS.port');
  const lenAt = r.pos;
  const len = r.u8('RENDEZVOUS.addressLength');
  if (len !== 4 && len !== 16) throw new DecodeError('RENDEZVOUS.addressLength', lenAt, 'bad_length');
  const ip = r.bytes(len, 'RENDEZVOUS.ip').slice();
  return { flags, with: withAddress, at: { family: len === 4 ? 4 : 6, ip, port } };
}

export function encodeRendezvous(msg: RENDEZVOUS): Uint8Array {
  const w = new Writer(9 + msg.at.ip.length);
  w.u8(msg.flags).u40(msg.with).u16(msg.at.port).u8(msg.at.ip.length).bytes(msg.at.ip);
  return w.finish();
}

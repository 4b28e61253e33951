// PUSH_DIRECT_PATHS payload (spec 02 §10.16). Its address layout is its own: the length
// byte counts the IP bytes plus the 2-byte port (6 / 18), unlike RENDEZVOUS.
//
//   size  field
//   2     number of records u16
//   var   records:
//           1   flags: 0x01 forget this path, 0x02 cluster redirect
//           2   length e of extension data
//           e   extension data (skipped)
//           1   address type: 4 IPv4, 6 IPv6, other = skip the record
//           1   address length a (6 for IPv4, 18 for IPv6)
//           a   IP bytes then port u16
//
// Records of unknown type are skipped by their length and not returned; extension data is
// dropped. For types 4/6 a length shorter than IP + port is rejected (1.14.1 would read
// the missing bytes from whatever follows); a longer one is skipped past, as 1.14.1 does.
import { DecodeError } from '../../util/errors.js';
import type { InetAddress } from '../inet-address.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const PUSH_DIRECT_PATHS_FLAG_FORGET_PATH = 0x01;
export const PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT = 0x02;

export interface DirectPath {
  flags: number;
  address: InetAddress;
}

export interface PUSH_DIRECT_PATHS {
  paths: DirectPath[];
}

export function decodePushDirectPaths(payload: Uint8Array): PUSH_DIRECT_PATHS {
  const r = new Reader(payload);
  const count = r.u16('PUSH_DIRECT_PATHS.count');
  const paths: DirectPath[] = [];
  for (let i = 0; i < count; i++) {
    const f = `PUSH_DIRECT_PATHS.records[${i}]`;
    const flags = r.u8(f + '.flags');
    r.skip(r.u16(f + '.extensionLength'), f + '.extension');
    const type = r.u8(f + '.addressType');
    const lenAt = r.pos;
    const len = r.u8(f + '.addressLength');
    const body = r.bytes(len, f + '.address');
    if (type !== 4 && type !== 6) continue;
    const ipBytes = type === 4 ? 4 : 16;
    if (len < ipBytes + 2) throw new DecodeError(f + '.addressLength', lenAt, 'bad_length');
    const port = (body[ipBytes] << 8) | body[ipBytes + 1];
    paths.push({ flags, address: { family: type === 4 ? 4 : 6, ip: body.slice(0, ipBytes), port } });
  }
  return { paths };
}

export function encodePushDirectPaths(msg: PUSH_DIRECT_PATHS): Uint8Array {
  if (msg.paths.length > 0xffff) throw new RangeError('PUSH_DIRECT_PATHS: too many records');
  const w = new Writer(2 + 24 * msg.paths.length);
  w.u16(msg.paths.length);
  for (const p of msg.paths) {
    const ip = p.address.ip;
    w.u8(p.flags).u16(0).u8(p.address.family).u8(ip.length + 2).bytes(ip).u16(p.address.port);
  }
  return w.finish();
}

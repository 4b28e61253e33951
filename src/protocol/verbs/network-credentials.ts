// NETWORK_CREDENTIALS payload (spec 02 §10.11).
//
//   size  field
//   var   zero or more certificates of membership (com.ts), each starting with 0x01
//   1     0x00, end of the COM list
//   2     number of capabilities u16, then the capabilities       } each section optional:
//   2     number of tags u16, then the tags                       } a packet may end after
//   2     number of revocations u16, then the revocations         } any complete section
//   2     number of certificates of ownership u16, then them      }
//
// The four later kinds are kept as raw slices (views into the payload) whose lengths come
// from credential-lengths.ts. As in 1.14.1 (_doNETWORK_CREDENTIALS), a payload that ends
// inside the COM list without the 0x00 is accepted, and so is an empty payload.
// An absent section decodes to undefined, a present one to an array (possibly empty).
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { comSize, readCom, writeCom, type CertificateOfMembership } from './com.js';
import {
  isExactlyOneCredential,
  readCapabilityBytes,
  readCertificateOfOwnershipBytes,
  readRevocationBytes,
  readTagBytes,
} from './credential-lengths.js';

export interface NETWORK_CREDENTIALS {
  coms: CertificateOfMembership[];
  capabilities?: Uint8Array[];
  tags?: Uint8Array[];
  revocations?: Uint8Array[];
  certificatesOfOwnership?: Uint8Array[];
}

type Scan = (r: Reader, field?: string) => Uint8Array;

const SECTIONS: ReadonlyArray<readonly [keyof Omit<NETWORK_CREDENTIALS, 'coms'>, Scan]> = [
  ['capabilities', readCapabilityBytes],
  ['tags', readTagBytes],
  ['revocations', readRevocationBytes],
  ['certificatesOfOwnership', readCertificateOfOwnershipBytes],
];

export function decodeNetworkCredentials(payload: Uint8Array): NETWORK_CREDENTIALS {
  const r = new Reader(payload);
  const msg: NETWORK_CREDENTIALS = { coms: [] };
  while (r.hasMore() && r.buf[r.pos] !== 0) msg.coms.push(readCom(r, `NETWORK_CREDENTIALS.coms[${msg.coms.length}]`));
  if (r.hasMore()) r.skip(1, 'NETWORK_CREDENTIALS.comListEnd');
  for (const [name, scan] of SECTIONS) {
    if (!r.hasMore()) break;
    const count = r.u16(`NETWORK_CREDENTIALS.${name}.count`);
    const list: Uint8Array[] = [];
    for (let i = 0; i < count; i++) list.push(scan(r, `NETWORK_CREDENTIALS.${name}[${i}]`));
    msg[name] = list;
  }
  return msg;
}

export function encodeNetworkCredentials(msg: NETWORK_CREDENTIALS): Uint8Array {
  let last = -1;
  SECTIONS.forEach(([name], i) => {
    if (msg[name] !== undefined) last = i;
  });
  let size = 1;
  for (const c of msg.coms) size += comSize(c);
  for (let i = 0; i <= last; i++) for (const b of msg[SECTIONS[i][0]] ?? []) size += b.length;
  const w = new Writer(size + 8);
  for (const c of msg.coms) writeCom(w, c);
  w.u8(0);
  for (let i = 0; i <= last; i++) {
    const [name, scan] = SECTIONS[i];
    const list = msg[name] ?? [];
    if (list.length > 0xffff) throw new RangeError(`NETWORK_CREDENTIALS: too many ${name}`);
    w.u16(list.length);
    for (const b of list) {
      if (!isExactlyOneCredential(b, (rd) => scan(rd))) throw new RangeError(`NETWORK_CREDENTIALS: an entry of ${name} is not one well-formed credential`);
      w.bytes(b);
    }
  }
  return w.finish();
}

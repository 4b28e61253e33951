// WHOIS payload (spec 02 §10.5): 5 × k addresses to look up. 1.14.1 sends k = 1.
//
// Like 1.14.1 (_doWHOIS reads while 5 bytes remain), a trailing partial address is
// ignored; an empty WHOIS decodes to an empty list.
import type { Address } from '../address.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { readAddresses } from './fields.js';

export interface WHOIS {
  addresses: Address[];
}

export function decodeWhois(payload: Uint8Array): WHOIS {
  const r = new Reader(payload);
  return { addresses: readAddresses(r, Math.floor(payload.length / 5), 'WHOIS.addresses') };
}

export function encodeWhois(msg: WHOIS): Uint8Array {
  const w = new Writer(5 * msg.addresses.length);
  for (const a of msg.addresses) w.u40(a);
  return w.finish();
}

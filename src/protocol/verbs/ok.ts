// OK payload header and the small in-re bodies (spec 02 §10.4).
//
//   offset  size  field
//   0       1     in-re verb
//   1       8     in-re packet ID (as transmitted, 02 §4)
//   9       …     body, by in-re verb:
//     HELLO                   ok-hello.ts
//     WHOIS                   one or more public identities, 71 bytes each
//     ECHO                    a copy of the ECHO payload (possibly empty)
//     NETWORK_CONFIG_REQUEST  a config chunk (network-config.ts), maybe the legacy short form
//     NETWORK_CONFIG          1.14.1 quirk: sent with in-re verb ECHO; body network ID u64 +
//                             config update ID u64
//     EXT_FRAME               network ID u64 (only when the EXT_FRAME had flag 0x10)
//     MULTICAST_GATHER        multicast-gather.ts
//     MULTICAST_FRAME         multicast-frame.ts
//
// decodeOk splits header and body; the caller picks the body decoder from inReVerb (and,
// for in-re ECHO, from what it sent under that packet ID).
import { Identity } from '../identity.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { Verb } from './codes.js';
import { readPacketId, writePacketId } from './fields.js';

export interface OK {
  inReVerb: number;
  /** 8 bytes, a view into the payload. */
  inRePacketId: Uint8Array;
  /** Everything after the 9-byte header (a view). */
  body: Uint8Array;
}

export const OK_HEADER_BYTES = 9;

export function decodeOk(payload: Uint8Array): OK {
  const r = new Reader(payload);
  const inReVerb = r.u8('OK.inReVerb');
  const inRePacketId = readPacketId(r, 'OK.inRePacketId');
  return { inReVerb, inRePacketId, body: r.rest() };
}

export function encodeOk(msg: OK): Uint8Array {
  const w = new Writer(OK_HEADER_BYTES + msg.body.length);
  w.u8(msg.inReVerb);
  writePacketId(w, msg.inRePacketId);
  w.bytes(msg.body);
  return w.finish();
}

// ---- OK(WHOIS)

export interface OK_WHOIS {
  identities: Identity[];
}

/** All identities in the body; at least one (1.14.1 fails on an empty OK(WHOIS) too). */
export function decodeOkWhois(body: Uint8Array): OK_WHOIS {
  const r = new Reader(body);
  const identities: Identity[] = [];
  do identities.push(Identity.decode(r, `OK(WHOIS).identities[${identities.length}]`));
  while (r.hasMore());
  return { identities };
}

export function encodeOkWhois(msg: OK_WHOIS): Uint8Array {
  if (msg.identities.length === 0) throw new RangeError('OK(WHOIS) needs at least one identity');
  const w = new Writer(71 * msg.identities.length);
  for (const id of msg.identities) id.encode(w, false);
  return w.finish();
}

// ---- OK(ECHO)

export interface OK_ECHO {
  data: Uint8Array;
}

export function decodeOkEcho(body: Uint8Array): OK_ECHO {
  return { data: body };
}

export function encodeOkEcho(msg: OK_ECHO): Uint8Array {
  return msg.data.slice();
}

// ---- OK(NETWORK_CONFIG), carried with in-re verb ECHO

/** The in-re verb 1.14.1 puts on the acknowledgement of a pushed NETWORK_CONFIG. */
export const OK_NETWORK_CONFIG_IN_RE_VERB = Verb.ECHO;

export interface OK_NETWORK_CONFIG {
  networkId: bigint;
  configUpdateId: bigint;
}

export function decodeOkNetworkConfig(body: Uint8Array): OK_NETWORK_CONFIG {
  const r = new Reader(body);
  return { networkId: r.u64('OK(NETWORK_CONFIG).networkId'), configUpdateId: r.u64('OK(NETWORK_CONFIG).configUpdateId') };
}

export function encodeOkNetworkConfig(msg: OK_NETWORK_CONFIG): Uint8Array {
  return new Writer(16).u64(msg.networkId).u64(msg.configUpdateId).finish();
}

// ---- OK(EXT_FRAME)

export interface OK_EXT_FRAME {
  networkId: bigint;
}

export function decodeOkExtFrame(body: Uint8Array): OK_EXT_FRAME {
  return { networkId: new Reader(body).u64('OK(EXT_FRAME).networkId') };
}

export function encodeOkExtFrame(msg: OK_EXT_FRAME): Uint8Array {
  return new Writer(8).u64(msg.networkId).finish();
}

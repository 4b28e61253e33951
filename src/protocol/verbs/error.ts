// ERROR payload (spec 02 §10.3).
//
//   offset  size  field
//   0       1     in-re verb
//   1       8     in-re packet ID (as transmitted)
//   9       1     error code
//   10      …     code-specific payload:
//     OBJ_NOT_FOUND, UNSUPPORTED_OPERATION,
//     NEED_MEMBERSHIP_CERTIFICATE, NETWORK_ACCESS_DENIED   network ID u64
//     UNWANTED_MULTICAST                                  network ID u64, MAC (6), ADI u32
//     NETWORK_AUTHENTICATION_REQUIRED                     network ID u64, then optionally
//                                                         u16 length + Dictionary bytes
//     NONE, INVALID_REQUEST, BAD_PROTOCOL_VERSION,
//     IDENTITY_COLLISION                                  nothing (extra bytes ignored)
//     any other code                                      kept raw in `extra`
//
// NETWORK_AUTHENTICATION_REQUIRED follows 1.14.1 (_doERROR): the dictionary is read only
// when more than 2 bytes follow the network ID. A declared length longer than what follows
// is rejected here (1.14.1 silently ignores such an ERROR instead).
import { DecodeError } from '../../util/errors.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { ErrorCode } from './codes.js';
import { readMulticastGroup, readPacketId, writeMulticastGroup, writePacketId, type MulticastGroup } from './fields.js';

export interface ERROR {
  inReVerb: number;
  /** 8 bytes, a view into the payload. */
  inRePacketId: Uint8Array;
  code: number;
  /** For the codes that carry one (see the table above). */
  networkId?: bigint;
  /** UNWANTED_MULTICAST only. */
  multicastGroup?: MulticastGroup;
  /** NETWORK_AUTHENTICATION_REQUIRED: the Dictionary bytes, when present (a view). */
  authInfo?: Uint8Array;
  /** Unknown codes: everything after the code byte (a view). */
  extra?: Uint8Array;
}

function codeHasNetworkId(code: number): boolean {
  return (
    code === ErrorCode.OBJ_NOT_FOUND ||
    code === ErrorCode.UNSUPPORTED_OPERATION ||
    code === ErrorCode.NEED_MEMBERSHIP_CERTIFICATE ||
    code === ErrorCode.NETWORK_ACCESS_DENIED ||
    code === ErrorCode.UNWANTED_MULTICAST ||
    code === ErrorCode.NETWORK_AUTHENTICATION_REQUIRED
  );
}

function isKnownCode(code: number): boolean {
  return code >= ErrorCode.NONE && code <= ErrorCode.NETWORK_AUTHENTICATION_REQUIRED;
}

export function decodeError(payload: Uint8Array): ERROR {
  const r = new Reader(payload);
  const inReVerb = r.u8('ERROR.inReVerb');
  const inRePacketId = readPacketId(r, 'ERROR.inRePacketId');
  const code = r.u8('ERROR.code');
  const msg: ERROR = { inReVerb, inRePacketId, code };
  if (!isKnownCode(code)) {
    msg.extra = r.rest();
    return msg;
  }
  if (codeHasNetworkId(code)) msg.networkId = r.u64('ERROR.networkId');
  if (code === ErrorCode.UNWANTED_MULTICAST) msg.multicastGroup = readMulticastGroup(r, 'ERROR.multicastGroup');
  if (code === ErrorCode.NETWORK_AUTHENTICATION_REQUIRED && r.remaining > 2) {
    const lenAt = r.pos;
    const n = r.u16('ERROR.authInfo.length');
    if (n > r.remaining) throw new DecodeError('ERROR.authInfo', lenAt, 'bad_length');
    msg.authInfo = r.bytes(n, 'ERROR.authInfo');
  }
  return msg;
}

export function encodeError(msg: ERROR): Uint8Array {
  const w = new Writer(32 + (msg.authInfo?.length ?? 0) + (msg.extra?.length ?? 0));
  w.u8(msg.inReVerb);
  writePacketId(w, msg.inRePacketId);
  w.u8(msg.code);
  if (!isKnownCode(msg.code)) {
    if (msg.extra) w.bytes(msg.extra);
    return w.finish();
  }
  if (codeHasNetworkId(msg.code)) {
    if (msg.networkId === undefined) throw new RangeError(`ERROR code ${msg.code} needs a network ID`);
    w.u64(msg.networkId);
  }
  if (msg.code === ErrorCode.UNWANTED_MULTICAST) {
    if (!msg.multicastGroup) throw new RangeError('ERROR UNWANTED_MULTICAST needs a multicast group');
    writeMulticastGroup(w, msg.multicastGroup);
  }
  // An empty dictionary is left out: "0000" alone would read back as absent anyway.
  if (msg.code === ErrorCode.NETWORK_AUTHENTICATION_REQUIRED && msg.authInfo && msg.authInfo.length > 0) {
    if (msg.authInfo.length > 0xffff) throw new RangeError('ERROR authInfo longer than 65535 bytes');
    w.u16(msg.authInfo.length).bytes(msg.authInfo);
  }
  return w.finish();
}

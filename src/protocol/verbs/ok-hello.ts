// OK(HELLO) body, after the OK's 9-byte in-re header (spec 02 §10.4; worlds: 03 §8.1).
//
//   offset  size      field
//   0       8         timestamp copied from the HELLO
//   8       1         responder protocol version
//   9       1         software major
//   10      1         software minor
//   11      2         software revision
//   13      1/7/19    the HELLO's source address as the responder saw it, InetAddress; optional
//   +0      2         length L of the world updates                          } optional
//   +2      L         zero or more serialized worlds, concatenated           }
//
// Optional fields are read only if present (older responders), as 1.14.1 does. The world
// section is kept as opaque bytes; the World codec splits it. A declared length L longer
// than the bytes that follow is rejected.
import { DecodeError } from '../../util/errors.js';
import { inetAddressSize, readInetAddress, writeInetAddress, type InetAddress } from '../inet-address.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface OK_HELLO {
  timestamp: bigint;
  protocolVersion: number;
  versionMajor: number;
  versionMinor: number;
  versionRevision: number;
  /** undefined: absent; null: nil. */
  surfaceAddress?: InetAddress | null;
  /** Serialized worlds (a view); undefined when the section is absent, empty when L = 0. */
  worldUpdates?: Uint8Array;
}

export function decodeOkHello(body: Uint8Array): OK_HELLO {
  const r = new Reader(body);
  const msg: OK_HELLO = {
    timestamp: r.u64('OK(HELLO).timestamp'),
    protocolVersion: r.u8('OK(HELLO).protocolVersion'),
    versionMajor: r.u8('OK(HELLO).versionMajor'),
    versionMinor: r.u8('OK(HELLO).versionMinor'),
    versionRevision: r.u16('OK(HELLO).versionRevision'),
  };
  if (r.hasMore()) msg.surfaceAddress = readInetAddress(r, 'OK(HELLO).surfaceAddress');
  if (r.remaining >= 2) {
    const lenAt = r.pos;
    const n = r.u16('OK(HELLO).worldUpdates.length');
    if (n > r.remaining) throw new DecodeError('OK(HELLO).worldUpdates', lenAt, 'truncated');
    msg.worldUpdates = r.bytes(n, 'OK(HELLO).worldUpdates');
  }
  return msg;
}

export function encodeOkHello(msg: OK_HELLO): Uint8Array {
  const hasWorlds = msg.worldUpdates !== undefined;
  const hasSurface = msg.surfaceAddress !== undefined || hasWorlds;
  const w = new Writer(13 + (hasSurface ? inetAddressSize(msg.surfaceAddress ?? null) : 0) + (hasWorlds ? 2 + msg.worldUpdates!.length : 0));
  w.u64(msg.timestamp).u8(msg.protocolVersion).u8(msg.versionMajor).u8(msg.versionMinor).u16(msg.versionRevision);
  if (hasSurface) writeInetAddress(w, msg.surfaceAddress ?? null);
  if (msg.worldUpdates !== undefined) {
    if (msg.worldUpdates.length > 0xffff) throw new RangeError('OK(HELLO): world updates longer than 65535 bytes');
    w.u16(msg.worldUpdates.length).bytes(msg.worldUpdates);
  }
  return w.finish();
}

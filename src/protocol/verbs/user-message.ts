// USER_MESSAGE payload (spec 02 §10.17).
//
//   size  field
//   8     message type ID u64 (IDs ≤ 65 535 are reserved for ZeroTier)
//   …     message data
//
// Shorter than 8 bytes is an error here; 1.14.1 ignores such a message, which is what a
// dropped packet amounts to.
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface USER_MESSAGE {
  typeId: bigint;
  /** A view into the payload. */
  data: Uint8Array;
}

export function decodeUserMessage(payload: Uint8Array): USER_MESSAGE {
  const r = new Reader(payload);
  const typeId = r.u64('USER_MESSAGE.typeId');
  return { typeId, data: r.rest() };
}

export function encodeUserMessage(msg: USER_MESSAGE): Uint8Array {
  return new Writer(8 + msg.data.length).u64(msg.typeId).bytes(msg.data).finish();
}

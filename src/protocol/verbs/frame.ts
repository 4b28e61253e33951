// FRAME payload (spec 02 §10.7): a unicast Ethernet payload whose MACs are implied by the
// two ZeroTier addresses and the network ID (04).
//
//   offset  size  field
//   0       8     network ID
//   8       2     EtherType
//   10      …     frame payload (no Ethernet header; may be empty)
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface FRAME {
  networkId: bigint;
  etherType: number;
  /** A view into the payload. */
  data: Uint8Array;
}

export const FRAME_HEADER_BYTES = 10;

export function decodeFrame(payload: Uint8Array): FRAME {
  const r = new Reader(payload);
  const networkId = r.u64('FRAME.networkId');
  const etherType = r.u16('FRAME.etherType');
  return { networkId, etherType, data: r.rest() };
}

export function encodeFrame(msg: FRAME): Uint8Array {
  return new Writer(FRAME_HEADER_BYTES + msg.data.length).u64(msg.networkId).u16(msg.etherType).bytes(msg.data).finish();
}

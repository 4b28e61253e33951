// The multipath (bonding) verbs (spec 02 §10.19): ACK, QOS_MEASUREMENT and
// PATH_NEGOTIATION_REQUEST. All sent in suite 0, only between peers with bonds.
//
// ACK (0x12):                      u32 byte count (big-endian). 1.14.1 never sends it.
// QOS_MEASUREMENT (0x13):          records of 10 bytes: the received packet's ID as a
//                                  64-bit number and a u16 holding time in ms, both in the
//                                  SENDER'S HOST BYTE ORDER (little-endian in practice), so
//                                  the 8 ID bytes appear reversed. 9 ≤ payload ≤ 1 400.
// PATH_NEGOTIATION_REQUEST (0x16): i16 "utility", big-endian; exactly 2 bytes.
//
// Stricter than 1.14.1 in one place: a QOS payload that is not a whole number of records
// is rejected (1.14.1 reads the last record partly past the payload; its own sender only
// writes whole records, at most 140).
import { DecodeError } from '../../util/errors.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { PACKET_ID_BYTES } from './fields.js';

// ---- ACK

export interface ACK {
  byteCount: number;
}

export function decodeAck(payload: Uint8Array): ACK {
  if (payload.length !== 4) throw new DecodeError('ACK', 0, 'bad_length');
  return { byteCount: new Reader(payload).u32('ACK.byteCount') };
}

export function encodeAck(msg: ACK): Uint8Array {
  return new Writer(4).u32(msg.byteCount).finish();
}

// ---- QOS_MEASUREMENT

export const QOS_RECORD_BYTES = 10;
export const QOS_MIN_PAYLOAD_BYTES = 9;
export const QOS_MAX_PAYLOAD_BYTES = 1400;
export const QOS_MAX_RECORDS = Math.floor((QOS_MAX_PAYLOAD_BYTES * 8) / (64 + 16));

export interface QosRecord {
  /** The measured packet's ID in transmitted (network) order. */
  packetId: Uint8Array;
  holdingTimeMs: number;
}

export interface QOS_MEASUREMENT {
  records: QosRecord[];
}

export function decodeQosMeasurement(payload: Uint8Array): QOS_MEASUREMENT {
  const n = payload.length;
  if (n < QOS_MIN_PAYLOAD_BYTES || n > QOS_MAX_PAYLOAD_BYTES || n % QOS_RECORD_BYTES !== 0) {
    throw new DecodeError('QOS_MEASUREMENT', 0, 'bad_length');
  }
  const r = new Reader(payload);
  const records: QosRecord[] = [];
  while (r.hasMore()) {
    const f = `QOS_MEASUREMENT.records[${records.length}]`;
    const le = r.bytes(PACKET_ID_BYTES, f + '.packetId');
    const packetId = new Uint8Array(PACKET_ID_BYTES);
    for (let i = 0; i < PACKET_ID_BYTES; i++) packetId[i] = le[PACKET_ID_BYTES - 1 - i];
    const t = r.bytes(2, f + '.holdingTimeMs');
    records.push({ packetId, holdingTimeMs: t[0] | (t[1] << 8) });
  }
  return { records };
}

export function encodeQosMeasurement(msg: QOS_MEASUREMENT): Uint8Array {
  if (msg.records.length === 0 || msg.records.length > QOS_MAX_RECORDS) {
    throw new RangeError(`QOS_MEASUREMENT: 1 to ${QOS_MAX_RECORDS} records, got ${msg.records.length}`);
  }
  const out = new Uint8Array(QOS_RECORD_BYTES * msg.records.length);
  let o = 0;
  for (const rec of msg.records) {
    if (rec.packetId.length !== PACKET_ID_BYTES) throw new RangeError('QOS_MEASUREMENT: packet ID must be 8 bytes');
    for (let i = 0; i < PACKET_ID_BYTES; i++) out[o + i] = rec.packetId[PACKET_ID_BYTES - 1 - i];
    out[o + 8] = rec.holdingTimeMs & 0xff;
    out[o + 9] = (rec.holdingTimeMs >>> 8) & 0xff;
    o += QOS_RECORD_BYTES;
  }
  return out;
}

// ---- PATH_NEGOTIATION_REQUEST

export interface PATH_NEGOTIATION_REQUEST {
  /** Signed 16-bit. */
  utility: number;
}

export function decodePathNegotiationRequest(payload: Uint8Array): PATH_NEGOTIATION_REQUEST {
  if (payload.length !== 2) throw new DecodeError('PATH_NEGOTIATION_REQUEST', 0, 'bad_length');
  const u = new Reader(payload).u16('PATH_NEGOTIATION_REQUEST.utility');
  return { utility: u >= 0x8000 ? u - 0x10000 : u };
}

export function encodePathNegotiationRequest(msg: PATH_NEGOTIATION_REQUEST): Uint8Array {
  if (!Number.isInteger(msg.utility) || msg.utility < -0x8000 || msg.utility > 0x7fff) {
    throw new RangeError(`PATH_NEGOTIATION_REQUEST: utility must be a signed 16-bit integer, got ${msg.utility}`);
  }
  return new Writer(2).u16(msg.utility & 0xffff).finish();
}

// NETWORK_CONFIG_REQUEST and the config chunk that NETWORK_CONFIG and
// OK(NETWORK_CONFIG_REQUEST) carry (spec 02 §10.13).
//
// NETWORK_CONFIG_REQUEST:
//   offset  size  field
//   0       8     network ID
//   8       2     metadata length d
//   10      d     metadata Dictionary
//   10+d    8     revision of the config the requester has (0 if none)    } optional
//   18+d    8     timestamp of that config (0 if none)                     }
//
// Config chunk:
//   offset  size  field                                                  signed
//   0       8     network ID                                             yes
//   8       2     chunk length c                                         yes
//   10      c     dictionary bytes of this chunk                         yes
//   10+c    1     flags: 0x01 fast propagation                           yes
//   11+c    8     config update ID                                       yes
//   19+c    4     total length of the assembled dictionary u32           yes
//   23+c    4     offset of this chunk in the dictionary u32             yes
//   27+c    1     signature type: 1                                      no
//   28+c    2     signature length: 96                                   no
//   30+c    96    controller's signature over bytes 0 … 27+c             no
//
// Legacy short form: the payload ends right after the dictionary bytes (an unsigned,
// complete config; the node accepts it only from the controller). Bytes after the
// signature are ignored, as in 1.14.1 (Network::handleConfigChunk). Range checks on
// offset/total belong to the network layer.
import { DecodeError } from '../../util/errors.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';

// ---- NETWORK_CONFIG_REQUEST

export interface NETWORK_CONFIG_REQUEST {
  networkId: bigint;
  /** Metadata Dictionary bytes (a view). */
  metadata: Uint8Array;
  /** What the requester already has; undefined when the request ends after the dictionary. */
  current?: { revision: bigint; timestamp: bigint };
}

export function decodeNetworkConfigRequest(payload: Uint8Array): NETWORK_CONFIG_REQUEST {
  const r = new Reader(payload);
  const networkId = r.u64('NETWORK_CONFIG_REQUEST.networkId');
  const metadata = r.bytes(r.u16('NETWORK_CONFIG_REQUEST.metadataLength'), 'NETWORK_CONFIG_REQUEST.metadata');
  const msg: NETWORK_CONFIG_REQUEST = { networkId, metadata };
  // 1.14.1 never reads these two fields, so a short remainder is ignored rather than fatal.
  if (r.remaining >= 16) {
    msg.current = { revision: r.u64('NETWORK_CONFIG_REQUEST.revision'), timestamp: r.u64('NETWORK_CONFIG_REQUEST.timestamp') };
  }
  return msg;
}

export function encodeNetworkConfigRequest(msg: NETWORK_CONFIG_REQUEST): Uint8Array {
  if (msg.metadata.length > 0xffff) throw new RangeError('NETWORK_CONFIG_REQUEST: metadata longer than 65535 bytes');
  const w = new Writer(26 + msg.metadata.length);
  w.u64(msg.networkId).u16(msg.metadata.length).bytes(msg.metadata);
  if (msg.current) w.u64(msg.current.revision).u64(msg.current.timestamp);
  return w.finish();
}

// ---- config chunk (NETWORK_CONFIG, OK(NETWORK_CONFIG_REQUEST))

export const CONFIG_CHUNK_FLAG_FAST_PROPAGATE = 0x01;
export const CONFIG_CHUNK_SIGNATURE_TYPE = 1;
export const CONFIG_CHUNK_SIGNATURE_BYTES = 96;
/** Signed bytes = this + chunk length. */
export const CONFIG_CHUNK_SIGNED_OVERHEAD_BYTES = 27;

export interface ConfigChunkSigning {
  flags: number;
  updateId: bigint;
  totalLength: number;
  chunkOffset: number;
  /** 96 bytes (a view when decoded). */
  signature: Uint8Array;
}

export interface NETWORK_CONFIG {
  networkId: bigint;
  /** This chunk's dictionary bytes (a view). */
  data: Uint8Array;
  /** undefined: the legacy short form. */
  signing?: ConfigChunkSigning;
}

export function decodeNetworkConfig(payload: Uint8Array): NETWORK_CONFIG {
  const r = new Reader(payload);
  const networkId = r.u64('NETWORK_CONFIG.networkId');
  const data = r.bytes(r.u16('NETWORK_CONFIG.chunkLength'), 'NETWORK_CONFIG.data');
  if (!r.hasMore()) return { networkId, data };
  const flags = r.u8('NETWORK_CONFIG.flags');
  const updateId = r.u64('NETWORK_CONFIG.updateId');
  const totalLength = r.u32('NETWORK_CONFIG.totalLength');
  const chunkOffset = r.u32('NETWORK_CONFIG.chunkOffset');
  const typeAt = r.pos;
  if (r.u8('NETWORK_CONFIG.signatureType') !== CONFIG_CHUNK_SIGNATURE_TYPE) throw new DecodeError('NETWORK_CONFIG.signatureType', typeAt, 'unsupported_type');
  const lenAt = r.pos;
  if (r.u16('NETWORK_CONFIG.signatureLength') !== CONFIG_CHUNK_SIGNATURE_BYTES) throw new DecodeError('NETWORK_CONFIG.signatureLength', lenAt, 'bad_length');
  const signature = r.bytes(CONFIG_CHUNK_SIGNATURE_BYTES, 'NETWORK_CONFIG.signature');
  return { networkId, data, signing: { flags, updateId, totalLength, chunkOffset, signature } };
}

function writeSignedPart(w: Writer, networkId: bigint, data: Uint8Array, s: Omit<ConfigChunkSigning, 'signature'>): void {
  if (data.length > 0xffff) throw new RangeError('NETWORK_CONFIG: chunk longer than 65535 bytes');
  w.u64(networkId).u16(data.length).bytes(data).u8(s.flags).u64(s.updateId).u32(s.totalLength).u32(s.chunkOffset);
}

/**
 * The bytes the controller signs (and a member verifies): network ID through chunk offset.
 * The signed fields are fixed-width, so re-encoding a decoded chunk gives the same bytes.
 */
export function configChunkSigningInput(networkId: bigint, data: Uint8Array, s: Omit<ConfigChunkSigning, 'signature'>): Uint8Array {
  const w = new Writer(CONFIG_CHUNK_SIGNED_OVERHEAD_BYTES + data.length);
  writeSignedPart(w, networkId, data, s);
  return w.finish();
}

export function encodeNetworkConfig(msg: NETWORK_CONFIG): Uint8Array {
  const w = new Writer(10 + msg.data.length + (msg.signing ? 17 + 3 + CONFIG_CHUNK_SIGNATURE_BYTES : 0));
  if (!msg.signing) {
    if (msg.data.length > 0xffff) throw new RangeError('NETWORK_CONFIG: chunk longer than 65535 bytes');
    return w.u64(msg.networkId).u16(msg.data.length).bytes(msg.data).finish();
  }
  if (msg.signing.signature.length !== CONFIG_CHUNK_SIGNATURE_BYTES) throw new RangeError('NETWORK_CONFIG: signature must be 96 bytes');
  writeSignedPart(w, msg.networkId, msg.data, msg.signing);
  w.u8(CONFIG_CHUNK_SIGNATURE_TYPE).u16(CONFIG_CHUNK_SIGNATURE_BYTES).bytes(msg.signing.signature);
  return w.finish();
}

// Reassembly of a network config from its chunks (spec 04 §3.3, Network::handleConfigChunk).
// Three slots, one per config update ID; duplicates are recognised by an ID derived from the
// chunk's signature; a config is complete when the bytes received add up to its total length
// (1.14.1 counts bytes and does not look for overlaps, and neither do we, so a complete
// config here is complete there).
import type { Address } from '../protocol/address.js';
import type { Identity } from '../protocol/identity.js';
import { NETWORK_CONFIG_DICT_CAPACITY_BYTES } from '../protocol/dictionary.js';
import { verify } from '../crypto/c25519.js';
import { configChunkSigningInput, type NETWORK_CONFIG } from '../protocol/verbs/network-config.js';

export const CONFIG_REASSEMBLY_SLOTS = 3;
export const CONFIG_MAX_CHUNKS = Math.floor(NETWORK_CONFIG_DICT_CAPACITY_BYTES / 1024) + 1;

interface Slot {
  updateId: bigint;
  /** Use counter: the least used slot is recycled (1.14.1's `ts`). */
  uses: number;
  chunkIds: Set<bigint>;
  haveBytes: number;
  data: Uint8Array;
}

export type ChunkResult =
  | { kind: 'complete'; updateId: bigint; dictionary: Uint8Array }
  | { kind: 'incomplete' }
  | { kind: 'duplicate' }
  | { kind: 'rejected'; reason: 'bad_range' | 'bad_signature' | 'unknown_controller' | 'unsigned_from_other' | 'too_many_chunks' };

export interface ChunkOrigin {
  /** Who sent the packet (chunks may be relayed by other members with fast propagation). */
  source: Address;
  controller: Address;
  /** The controller's identity if known; signed chunks cannot be checked without it. */
  controllerIdentity: Identity | undefined;
  /** The packet's ID: the update ID of a legacy unsigned chunk. */
  packetId: bigint;
}

function chunkIdOf(signature: Uint8Array): bigint {
  let id = 0n;
  for (let i = 0; i < 8; i++) id = (id << 8n) | BigInt(signature[i] ^ signature[i + 8]);
  return id;
}

export class ConfigAssembler {
  private readonly slots: Slot[] = [];

  constructor() {
    for (let i = 0; i < CONFIG_REASSEMBLY_SLOTS; i++) this.slots.push({ updateId: 0n, uses: 0, chunkIds: new Set(), haveBytes: 0, data: new Uint8Array(0) });
  }

  accept(chunk: NETWORK_CONFIG, from: ChunkOrigin): ChunkResult {
    let slot: Slot | undefined;
    let updateId: bigint;
    let chunkId: bigint;
    let total: number;
    let offset: number;
    const s = chunk.signing;
    if (s) {
      if (s.chunkOffset + chunk.data.length > s.totalLength || s.totalLength >= NETWORK_CONFIG_DICT_CAPACITY_BYTES) return { kind: 'rejected', reason: 'bad_range' };
      updateId = s.updateId;
      chunkId = chunkIdOf(s.signature);
      total = s.totalLength;
      offset = s.chunkOffset;
      for (const c of this.slots) {
        if (c.updateId === updateId) {
          if (c.chunkIds.has(chunkId)) return { kind: 'duplicate' };
          slot = c;
          break;
        }
      }
      slot ??= this.leastUsed();
      if (!from.controllerIdentity) return { kind: 'rejected', reason: 'unknown_controller' };
      if (!verify(from.controllerIdentity.publicKey, configChunkSigningInput(chunk.networkId, chunk.data, s), s.signature)) {
        return { kind: 'rejected', reason: 'bad_signature' };
      }
    } else {
      // Unsigned configs are trusted only from the controller itself.
      if (from.source !== from.controller) return { kind: 'rejected', reason: 'unsigned_from_other' };
      updateId = chunkId = from.packetId;
      total = chunk.data.length;
      offset = 0;
      if (total >= NETWORK_CONFIG_DICT_CAPACITY_BYTES) return { kind: 'rejected', reason: 'bad_range' };
      slot = this.leastUsed();
    }
    slot.uses++;
    if (slot.updateId !== updateId) {
      slot.updateId = updateId;
      slot.chunkIds = new Set();
      slot.haveBytes = 0;
      slot.data = new Uint8Array(total);
    }
    if (slot.chunkIds.size >= CONFIG_MAX_CHUNKS) return { kind: 'rejected', reason: 'too_many_chunks' };
    slot.chunkIds.add(chunkId);
    if (offset + chunk.data.length > slot.data.length) {
      const grown = new Uint8Array(offset + chunk.data.length);
      grown.set(slot.data);
      slot.data = grown;
    }
    slot.data.set(chunk.data, offset);
    slot.haveBytes += chunk.data.length;
    if (slot.haveBytes !== total) return { kind: 'incomplete' };
    return { kind: 'complete', updateId, dictionary: slot.data.slice(0, total) };
  }

  private leastUsed(): Slot {
    let best = this.slots[0];
    for (const c of this.slots) if (c.uses < best.uses) best = c;
    return best;
  }
}

// Moon objects as the local API shows them (06 §5.9), as 1.14.1's _moonToJson: the world ID
// as 16 hex digits, the 96-byte signature and 64-byte update key in hex, each root's public
// identity and stable endpoints as IP/port. A moon being waited for has a placeholder
// whose signature and key are null.
import { inetAddressToString } from '../../protocol/inet-address.js';
import type { World } from '../../protocol/world.js';
import { hexPad, toHex } from '../../util/hex.js';

export interface MoonJson {
  id: string;
  roots: Array<{ identity: string; stableEndpoints: string[] }>;
  signature: string | null;
  timestamp: bigint | number;
  updatesMustBeSignedBy: string | null;
  waiting: boolean;
}

export function moonToJson(w: World): MoonJson {
  return {
    id: hexPad(w.id, 16),
    roots: w.roots.map((r) => ({ identity: r.identity.toString(false), stableEndpoints: r.stableEndpoints.map(inetAddressToString) })),
    signature: toHex(w.signature),
    timestamp: w.timestamp,
    updatesMustBeSignedBy: toHex(w.updatesMustBeSignedBy),
    waiting: false,
  };
}

/** What POST /moon/ID answers when it starts orbiting a moon it does not hold yet. */
export function waitingMoonJson(worldId: bigint): MoonJson {
  return { id: hexPad(worldId, 16), roots: [], signature: null, timestamp: 0, updatesMustBeSignedBy: null, waiting: true };
}

// MULTICAST_LIKE payload (spec 02 §10.10): 18-byte tuples, several networks may be mixed.
//
//   size  field (repeated)
//   8     network ID
//   6     multicast MAC
//   4     ADI u32
//
// A trailing partial tuple is an error (1.14.1 would act on the whole tuples first, then
// fail on the partial one).
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { readMulticastGroup, writeMulticastGroup, type MulticastGroup } from './fields.js';

export interface MulticastLike {
  networkId: bigint;
  group: MulticastGroup;
}

export interface MULTICAST_LIKE {
  likes: MulticastLike[];
}

export const MULTICAST_LIKE_TUPLE_BYTES = 18;

export function decodeMulticastLike(payload: Uint8Array): MULTICAST_LIKE {
  const r = new Reader(payload);
  const likes: MulticastLike[] = [];
  while (r.hasMore()) {
    const f = `MULTICAST_LIKE.likes[${likes.length}]`;
    const networkId = r.u64(f + '.networkId');
    likes.push({ networkId, group: readMulticastGroup(r, f + '.group') });
  }
  return { likes };
}

export function encodeMulticastLike(msg: MULTICAST_LIKE): Uint8Array {
  const w = new Writer(MULTICAST_LIKE_TUPLE_BYTES * msg.likes.length);
  for (const l of msg.likes) {
    w.u64(l.networkId);
    writeMulticastGroup(w, l.group);
  }
  return w.finish();
}

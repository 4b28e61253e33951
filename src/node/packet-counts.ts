// Packets by verb and ERROR code, both ways, for the service's metrics (06 §5.11: 1.14.1's
// zt_packet and zt_packet_error). Typed arrays indexed by the code itself: a count is one
// increment on the packet path, with no lookup and no allocation.
import { Verb } from '../protocol/constants.js';
import type { Peer } from './peer.js';

/** Verbs are 5 bits (02 §3). */
export const VERB_SLOTS = 32;
/** ERROR codes in use are 0x01…0x0b; anything past the array is not counted. */
export const ERROR_CODE_SLOTS = 16;
/** An ERROR payload: in-re verb (1), in-re packet ID (8), then the code (02 §10.3). */
const ERROR_CODE_OFFSET = 9;

export class PacketCounts {
  readonly verbsIn = new Float64Array(VERB_SLOTS);
  readonly verbsOut = new Float64Array(VERB_SLOTS);
  readonly errorsIn = new Float64Array(ERROR_CODE_SLOTS);
  readonly errorsOut = new Float64Array(ERROR_CODE_SLOTS);

  /** An authenticated packet from `peer` (null: not known yet, a HELLO); `payload` follows the verb byte. */
  received(verb: number, peer: Peer | null, bytes: number, payload: Uint8Array | null): void {
    this.verbsIn[verb & 31]++;
    if (verb === Verb.ERROR && payload && payload.length > ERROR_CODE_OFFSET) this.errorsIn[payload[ERROR_CODE_OFFSET] & 15]++;
    if (peer) {
      peer.packetsInTotal++;
      peer.bytesInTotal += bytes;
    }
  }

  /** A packet built for `peer` (null: to a claimed identity we do not hold); `payload` follows the verb byte. */
  sent(verb: number, peer: Peer | null, bytes: number, payload: Uint8Array | null): void {
    this.verbsOut[verb & 31]++;
    if (verb === Verb.ERROR && payload && payload.length > ERROR_CODE_OFFSET) this.errorsOut[payload[ERROR_CODE_OFFSET] & 15]++;
    if (peer) {
      peer.packetsOutTotal++;
      peer.bytesOutTotal += bytes;
    }
  }
}

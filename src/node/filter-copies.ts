// The copies the rules engine asks for (spec 04 §6.5; the EXT_FRAMEs that 1.14.1's
// Network::filterOutgoingPacket / filterIncomingPacket send): the accepting capability's
// TEE/WATCH, the base table's TEE/WATCH, then the REDIRECT. Each is an EXT_FRAME with the
// result's flags, destination MAC, source MAC, EtherType and the first `length` payload bytes
// (the whole payload for a redirect). The frame switch and the multicast path both use it.
import { Verb } from '../protocol/constants.js';
import { encodeExtFrame } from '../protocol/verbs/ext-frame.js';
import type { FilterFrame, FilterResult } from './rules-engine.js';
import type { Sender } from './sender.js';

export function sendFilterCopies(now: number, sender: Sender, networkId: bigint, r: FilterResult, f: Pick<FilterFrame, 'macDest' | 'macSource' | 'etherType' | 'payload'>): void {
  const copy = (to: number, flags: number, length: number): void => {
    if (to === 0) return;
    const data = f.payload.subarray(0, Math.min(length, f.payload.length));
    sender.sendToAddress(now, to, Verb.EXT_FRAME, encodeExtFrame({ networkId, flags, to: f.macDest, from: f.macSource, etherType: f.etherType, data }));
  };
  copy(r.capTee, r.capTeeFlags, r.capTeeLength);
  copy(r.tee, r.teeFlags, r.teeLength);
  copy(r.redirect, r.redirectFlags, f.payload.length);
}

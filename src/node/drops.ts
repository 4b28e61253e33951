// Why a datagram or packet was dropped: a closed set (STYLE §5) that the service exports as
// ztkube_packets_dropped_total{reason}, plus the counter the node keeps of them.
import type { DecodeError } from '../util/errors.js';

export const DROP_REASONS = [
  'too_short',
  'too_big',
  'truncated',
  'malformed',
  'bad_mac',
  'bad_cipher_suite',
  'unknown_peer',
  'own_address',
  'rate_limited',
  'hop_limit',
  'relay_not_allowed',
  'unexpected_reply',
  'invalid_identity',
  'identity_collision',
  'bad_fragment',
  'decompress_failed',
  'not_upstream',
  'path_not_acceptable',
  'queue_full',
  'expired',
  // VL2 (04): networks, credentials, rules.
  'unknown_network',
  'not_controller',
  'bad_signature',
  'invalid_config',
  'credential_rejected',
  'not_member',
  'filtered',
  // The frame switch (04 §7): a frame from a peer with our own (or no) source MAC, a foreign
  // source MAC from a member that is not an active bridge (or to a foreign MAC while we are
  // not one), multicast on a network whose limit is 0, and multicast with no multicaster.
  'bad_source_mac',
  'bridging_not_allowed',
  'multicast_disabled',
  'no_multicast',
  'broadcast_disabled',
  'internal_error',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

/** A decoder ran out of bytes (truncated) or found bytes it cannot accept (malformed). */
export function dropReasonOfDecodeError(e: DecodeError): DropReason {
  return e.code === 'decode_truncated' ? 'truncated' : 'malformed';
}

export class DropCounter {
  private readonly counts = new Map<DropReason, number>();

  add(reason: DropReason): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  get(reason: DropReason): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Non-zero counts by reason, for status and metrics. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

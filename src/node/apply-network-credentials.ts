// What a received NETWORK_CREDENTIALS does to our membership tables (spec 04 §5.8; 1.14.1
// IncomingPacket::_doNETWORK_CREDENTIALS). Pure: the caller has already decoded the
// payload (verbs/network-credentials.ts), applied the per-peer rate limit
// (CREDENTIALS_RECEIVE_RATE_LIMIT_MS) and finds joined networks for us.
//
// In payload order — COMs, capabilities, tags, revocations, COOs — each credential goes to
// the network named by its own network ID, if joined. The first one deferred for a WHOIS
// abandons the rest: the packet is "not done" and will be decoded again (the sender also
// pushes again). Revocations accepted before that point have already been propagated.
import type { Address } from '../protocol/address.js';
import { comNetworkId } from '../protocol/credentials/membership-certificate.js';
import { decodeCapability } from '../protocol/credentials/capability.js';
import { decodeTag } from '../protocol/credentials/tag.js';
import { decodeCertificateOfOwnership } from '../protocol/credentials/certificate-of-ownership.js';
import { decodeRevocation } from '../protocol/credentials/revocation.js';
import type { IdentityLookup } from '../protocol/credentials/credential.js';
import type { NETWORK_CREDENTIALS } from '../protocol/verbs/network-credentials.js';
import { DecodeError } from '../util/errors.js';
import { buildRevocationPushPayload, type AddCredentialResult, type MembershipContext } from './membership.js';
import type { NetworkMemberships } from './network-memberships.js';

/** A network we have joined and hold a config for. */
export interface JoinedNetwork {
  memberships: NetworkMemberships;
  ctx: MembershipContext;
}

export interface CredentialsOutcome {
  /** False when a credential waits for its signer's WHOIS: keep the packet and retry it. */
  isDone: boolean;
  /** Some credential was accepted, new or redundant (1.14.1 passes this to Peer::received). */
  isTrustEstablished: boolean;
  /**
   * 1.14.1 calls Peer::received only when it reaches the end of the handler, which it does
   * not when the packet stops after the capability, tag or revocation section, nor when
   * deferred.
   */
  isReceivedReported: boolean;
  /** NETWORK_CREDENTIALS payloads to send (fast-propagated revocations). */
  sends: Array<{ to: Address; payload: Uint8Array }>;
  /** Credentials refused: not ours, not verified, stale, or not decodable (the caller counts them). */
  refused: number;
  /** Credentials for networks we have not joined or hold no config for yet (ignored, counted). */
  forUnknownNetworks: number;
}

type Step = { networkId: bigint; add: (n: JoinedNetwork) => AddCredentialResult } | null;

/** A credential our decoder refuses although the length scanner passed it (a COO with > 16 things) counts as rejected. */
function decoded<T>(decode: (b: Uint8Array) => T, bytes: Uint8Array): T | null {
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

export function applyNetworkCredentials(
  msg: NETWORK_CREDENTIALS,
  networkFor: (networkId: bigint) => JoinedNetwork | undefined,
  sentFrom: Address,
  lookup: IdentityLookup,
): CredentialsOutcome {
  const out: CredentialsOutcome = { isDone: true, isTrustEstablished: false, isReceivedReported: false, sends: [], refused: 0, forUnknownNetworks: 0 };
  // Returns false when the packet must be abandoned for a WHOIS.
  const apply = (step: Step): boolean => {
    if (!step) {
      out.refused++;
      return true;
    }
    const net = networkFor(step.networkId);
    if (!net) {
      out.forUnknownNetworks++;
      return true;
    }
    const result = step.add(net);
    if (result === 'deferred_for_whois') return false;
    if (result !== 'rejected') out.isTrustEstablished = true;
    else out.refused++;
    return true;
  };
  const defer = (): CredentialsOutcome => ({ ...out, isDone: false, isReceivedReported: false });

  // A COM without qualifiers is skipped (1.14.1: `if (com)`).
  for (const com of msg.coms) {
    if (com.qualifiers.length === 0) continue;
    if (!apply({ networkId: comNetworkId(com), add: (n) => n.memberships.addCom(n.ctx, com, lookup) })) return defer();
  }
  if (msg.capabilities === undefined) return { ...out, isReceivedReported: true };
  for (const b of msg.capabilities) {
    const cap = decoded(decodeCapability, b);
    if (!apply(cap && { networkId: cap.networkId, add: (n) => n.memberships.addCapability(n.ctx, cap, lookup) })) return defer();
  }
  for (const b of msg.tags ?? []) {
    const tag = decoded(decodeTag, b);
    if (!apply(tag && { networkId: tag.networkId, add: (n) => n.memberships.addTag(n.ctx, tag, lookup) })) return defer();
  }
  for (const b of msg.revocations ?? []) {
    const rev = decoded(decodeRevocation, b);
    const step: Step = rev && {
      networkId: rev.networkId,
      add: (n) => {
        const { result, propagateTo } = n.memberships.addRevocation(n.ctx, rev, sentFrom, lookup);
        if (propagateTo.length > 0) {
          const payload = buildRevocationPushPayload(rev);
          for (const to of propagateTo) out.sends.push({ to, payload });
        }
        return result;
      },
    };
    if (!apply(step)) return defer();
  }
  for (const b of msg.certificatesOfOwnership ?? []) {
    const coo = decoded(decodeCertificateOfOwnership, b);
    if (!apply(coo && { networkId: coo.networkId, add: (n) => n.memberships.addCoo(n.ctx, coo, lookup) })) return defer();
  }
  return { ...out, isReceivedReported: msg.certificatesOfOwnership !== undefined };
}

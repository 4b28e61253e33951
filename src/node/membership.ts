// What we know about one peer on one network (spec 04 §5.7; 1.14.1 node/Membership.*):
// its latest COM, its tags, capabilities and certificates of ownership by ID, the
// revocation thresholds the controller sent about it, and when we last pushed it our own
// credentials and our multicast subscriptions.
//
// Credentials arrive here already routed to their issued-to address (network-memberships.ts
// does that, as Network::addCredential does); a record refuses anything issued to another
// member or for another network, so it cannot be filled wrongly by a direct caller.
// Everything is a pure function of its arguments: the time comes in as nowMs, and the
// signer's identity through an injected lookup (its misses are the WHOIS to send).
import type { Address } from '../protocol/address.js';
import type { Identity } from '../protocol/identity.js';
import { comAgrees, comEquals, comIssuedTo, comNetworkId, comTimestamp, verifyCom, type CertificateOfMembership } from '../protocol/credentials/membership-certificate.js';
import { capabilityIssuedTo, encodeCapability, verifyCapability, type Capability } from '../protocol/credentials/capability.js';
import { encodeTag, verifyTag, type Tag } from '../protocol/credentials/tag.js';
import {
  encodeCertificateOfOwnership,
  owns,
  verifyCertificateOfOwnership,
  type CertificateOfOwnership,
  type OwnedThing,
} from '../protocol/credentials/certificate-of-ownership.js';
import { verifyRevocation, type Revocation } from '../protocol/credentials/revocation.js';
import { CredentialType, type CredentialVerdict, type IdentityLookup } from '../protocol/credentials/credential.js';
import { bytesEqual } from '../util/bytes.js';

export { buildCredentialPushPayloads, buildRevocationPushPayload, type OwnCredentials } from './credential-push.js';

/** Push our credentials again after this long even without a new config (ZT_PEER_ACTIVITY_TIMEOUT). */
export const CREDENTIAL_PUSH_REFRESH_MS = 500_000;
/** At most one push per peer per this long in answer to ERROR(NEED_MEMBERSHIP_CERTIFICATE) (ZT_PEER_CREDENTIALS_REQUEST_RATE_LIMIT). */
export const CREDENTIAL_REQUEST_RATE_LIMIT_MS = 1_000;
/** At most one NETWORK_CREDENTIALS per peer processed per this long (ZT_PEER_CREDENTIALS_RATE_LIMIT; Peer's job). */
export const CREDENTIALS_RECEIVE_RATE_LIMIT_MS = 1_000;
/** Our MULTICAST_LIKEs go to a peer that passes the gate at most this often (ZT_MULTICAST_ANNOUNCE_PERIOD). */
export const MULTICAST_ANNOUNCE_PERIOD_MS = 60_000;
/** A peer whose COM is younger than this counts as recently associated (ZT_PEER_ACTIVITY_TIMEOUT). */
export const RECENT_ASSOCIATION_MS = 500_000;

/** Membership::AddCredentialResult. */
export type AddCredentialResult = 'rejected' | 'accepted_new' | 'accepted_redundant' | 'deferred_for_whois';

/** The parts of our own network config (NetworkConfig in 1.14.1) that membership decisions read. */
export interface MembershipContext {
  networkId: bigint;
  isPublic: boolean;
  /** Our config's `ts` (int64 ms). */
  timestamp: bigint;
  /** Our config's `ctmd`; 0 when the key is absent. */
  credentialTimeMaxDelta: bigint;
  /** Our COM (`C`); null when the config has none. */
  com: CertificateOfMembership | null;
  /**
   * Set when the NDP-emulation flag is on: our own 6PLANE and RFC4193 addresses, each only
   * if it is among our static IPs (Membership::_isV6NDPEmulated).
   */
  ndpEmulation?: { sixPlane: Uint8Array | null; rfc4193: Uint8Array | null } | null;
}

/** Membership::credentialKey: type in the high 32 bits, ID in the low (a safe integer). */
function credentialKey(type: number, id: number): number {
  return type * 0x100000000 + id;
}

function verdictResult(v: CredentialVerdict): AddCredentialResult | null {
  return v === 'invalid' ? 'rejected' : v === 'whois' ? 'deferred_for_whois' : null;
}

interface IdentifiedCredential {
  id: number;
  networkId: bigint;
  timestamp: bigint;
}

export class Membership {
  readonly networkId: bigint;
  readonly address: Address;
  /** The peer's latest valid COM. */
  com: CertificateOfMembership | null = null;
  /** COMs with a timestamp ≤ this are revoked (0 when none was revoked). */
  comRevocationThreshold = 0n;
  lastPushedCredentialsMs = 0;
  lastAnnouncedMulticastMs = 0;
  private readonly revocations = new Map<number, bigint>();
  private readonly tags = new Map<number, Tag>();
  private readonly capabilities = new Map<number, Capability>();
  private readonly coos = new Map<number, CertificateOfOwnership>();

  constructor(networkId: bigint, address: Address) {
    this.networkId = networkId;
    this.address = address;
  }

  /** Membership::addCredential(COM), preceded by Network's network-ID check. */
  addCom(ctx: MembershipContext, com: CertificateOfMembership, lookup: IdentityLookup): AddCredentialResult {
    if (!this.isOurs(ctx, comNetworkId(com), comIssuedTo(com))) return 'rejected';
    const ts = comTimestamp(com);
    if (ts <= this.comRevocationThreshold) return 'rejected';
    if (ts < (this.com ? comTimestamp(this.com) : 0n)) return 'rejected';
    if (this.com && comEquals(this.com, com)) return 'accepted_redundant';
    const failed = verdictResult(verifyCom(com, lookup));
    if (failed) return failed;
    this.com = com;
    return 'accepted_new';
  }

  addTag(ctx: MembershipContext, tag: Tag, lookup: IdentityLookup): AddCredentialResult {
    if (!this.isOurs(ctx, tag.networkId, tag.issuedTo)) return 'rejected';
    return this.addIdentified(this.tags, CredentialType.TAG, tag, encodeTag, () => verifyTag(tag, lookup));
  }

  addCapability(ctx: MembershipContext, cap: Capability, lookup: IdentityLookup): AddCredentialResult {
    if (!this.isOurs(ctx, cap.networkId, capabilityIssuedTo(cap))) return 'rejected';
    return this.addIdentified(this.capabilities, CredentialType.CAPABILITY, cap, encodeCapability, () => verifyCapability(cap, lookup));
  }

  addCoo(ctx: MembershipContext, coo: CertificateOfOwnership, lookup: IdentityLookup): AddCredentialResult {
    if (!this.isOurs(ctx, coo.networkId, coo.issuedTo)) return 'rejected';
    return this.addIdentified(this.coos, CredentialType.COO, coo, encodeCertificateOfOwnership, () => verifyCertificateOfOwnership(coo, lookup));
  }

  /**
   * Membership::addCredential(Revocation). Revoking a capability, tag or COO also *sets*
   * the COM threshold to the same value (1.14.1 quirk, 04 trap 13), which can lower it.
   * Fast propagation to other members is the table's job (network-memberships.ts).
   */
  addRevocation(ctx: MembershipContext, rev: Revocation, lookup: IdentityLookup): AddCredentialResult {
    if (!this.isOurs(ctx, rev.networkId, rev.target)) return 'rejected';
    const failed = verdictResult(verifyRevocation(rev, lookup));
    if (failed) return failed;
    switch (rev.credentialType) {
      case CredentialType.COM:
        if (rev.threshold > this.comRevocationThreshold) {
          this.comRevocationThreshold = rev.threshold;
          return 'accepted_new';
        }
        return 'accepted_redundant';
      case CredentialType.CAPABILITY:
      case CredentialType.TAG:
      case CredentialType.COO: {
        const key = credentialKey(rev.credentialType, rev.credentialId);
        if ((this.revocations.get(key) ?? 0n) < rev.threshold) {
          this.revocations.set(key, rev.threshold);
          this.comRevocationThreshold = rev.threshold;
          return 'accepted_new';
        }
        // 1.14.1 creates the entry (value 0) even when nothing changes.
        if (!this.revocations.has(key)) this.revocations.set(key, 0n);
        return 'accepted_redundant';
      }
      default:
        return 'rejected';
    }
  }

  /** The threshold stored for (type, ID), if any. */
  revocationThreshold(type: number, id: number): bigint | undefined {
    return this.revocations.get(credentialKey(type, id));
  }

  /** Membership::isAllowedOnNetwork: public, or the peer's unrevoked COM agrees with ours given its real identity. */
  isAllowedOnNetwork(ctx: MembershipContext, peerIdentity: Identity): boolean {
    if (ctx.isPublic) return true;
    if (!this.com || !ctx.com) return false;
    return comTimestamp(this.com) > this.comRevocationThreshold && this.comsAgree(ctx.com, this.com, peerIdentity);
  }

  // The gate asks on every frame; the answer only changes with one of its three inputs,
  // each replaced (never changed in place) when a new COM, config or identity arrives.
  private agreedOurs: CertificateOfMembership | null = null;
  private agreedTheirs: CertificateOfMembership | null = null;
  private agreedIdentity: Identity | null = null;
  private agreed = false;

  private comsAgree(ours: CertificateOfMembership, theirs: CertificateOfMembership, identity: Identity): boolean {
    if (ours !== this.agreedOurs || theirs !== this.agreedTheirs || identity !== this.agreedIdentity) {
      this.agreed = comAgrees(ours, theirs, identity);
      this.agreedOurs = ours;
      this.agreedTheirs = theirs;
      this.agreedIdentity = identity;
    }
    return this.agreed;
  }

  /** Membership::multicastLikeGate: true (and remembered) when our LIKEs are due to this peer. */
  multicastLikeGate(nowMs: number): boolean {
    if (nowMs - this.lastAnnouncedMulticastMs >= MULTICAST_ANNOUNCE_PERIOD_MS) {
      this.lastAnnouncedMulticastMs = nowMs;
      return true;
    }
    return false;
  }

  /** Membership::recentlyAssociated: we hold a COM of the peer younger than 500 s. */
  recentlyAssociated(nowMs: number): boolean {
    return this.com !== null && BigInt(Math.floor(nowMs)) - comTimestamp(this.com) < BigInt(RECENT_ASSOCIATION_MS);
  }

  /** Before a FRAME/EXT_FRAME/MULTICAST_FRAME to this peer (Network::pushCredentialsIfNeeded). */
  shouldPushCredentials(nowMs: number, lastConfigUpdateMs: number): boolean {
    return this.lastPushedCredentialsMs < lastConfigUpdateMs || nowMs - this.lastPushedCredentialsMs > CREDENTIAL_PUSH_REFRESH_MS;
  }

  /**
   * On ERROR(NEED_MEMBERSHIP_CERTIFICATE) (Network::peerRequestedCredentials); the caller
   * also requires that we hold a COM, as IncomingPacket does.
   */
  shouldAnswerCredentialRequest(nowMs: number, lastConfigUpdateMs: number): boolean {
    return this.lastPushedCredentialsMs < lastConfigUpdateMs || nowMs - this.lastPushedCredentialsMs > CREDENTIAL_REQUEST_RATE_LIMIT_MS;
  }

  recordCredentialsPushed(nowMs: number): void {
    this.lastPushedCredentialsMs = nowMs;
  }

  /** Membership::getTag: the tag if held and currently valid. */
  tag(id: number, ctx: MembershipContext): Tag | undefined {
    const t = this.tags.get(id);
    return t && this.isTimestampValid(ctx, CredentialType.TAG, t) ? t : undefined;
  }

  /** The value of a currently valid tag, for the rules engine's tag matches. */
  tagValue(id: number, ctx: MembershipContext): number | undefined {
    return this.tag(id, ctx)?.value;
  }

  /** Membership::CapabilityIterator: the currently valid capabilities. */
  validCapabilities(ctx: MembershipContext): Capability[] {
    return [...this.capabilities.values()].filter((c) => this.isTimestampValid(ctx, CredentialType.CAPABILITY, c));
  }

  /** Membership::hasCertificateOfOwnershipFor: a valid COO owns it, or NDP emulation vouches for it. */
  hasCertificateOfOwnershipFor(ctx: MembershipContext, what: OwnedThing): boolean {
    for (const c of this.coos.values()) if (this.isTimestampValid(ctx, CredentialType.COO, c) && owns(c, what)) return true;
    return isV6NdpEmulated(ctx, what);
  }

  /** Stored credentials, whatever their validity now (inspection and tests). */
  storedTags(): Tag[] {
    return [...this.tags.values()];
  }
  storedCapabilities(): Capability[] {
    return [...this.capabilities.values()];
  }
  storedCoos(): CertificateOfOwnership[] {
    return [...this.coos.values()];
  }

  private isOurs(ctx: MembershipContext, networkId: bigint, issuedTo: Address): boolean {
    return networkId === ctx.networkId && networkId === this.networkId && issuedTo === this.address;
  }

  /** _addCredImpl: older than the stored one or revoked → rejected; identical → redundant; else verify. */
  private addIdentified<C extends IdentifiedCredential>(
    store: Map<number, C>,
    type: number,
    cred: C,
    encode: (c: C) => Uint8Array,
    verify: () => CredentialVerdict,
  ): AddCredentialResult {
    const held = store.get(cred.id);
    if (held) {
      if (held.timestamp > cred.timestamp) return 'rejected';
      if (bytesEqual(encode(held), encode(cred))) return 'accepted_redundant';
    }
    const threshold = this.revocations.get(credentialKey(type, cred.id));
    if (threshold !== undefined && threshold >= cred.timestamp) return 'rejected';
    const failed = verdictResult(verify());
    if (failed) return failed;
    store.set(cred.id, cred);
    return 'accepted_new';
  }

  /** _isCredentialTimestampValid: within our ctmd of our config's ts, and not revoked. */
  private isTimestampValid(ctx: MembershipContext, type: number, c: IdentifiedCredential): boolean {
    const d = c.timestamp >= ctx.timestamp ? c.timestamp - ctx.timestamp : ctx.timestamp - c.timestamp;
    if (d > ctx.credentialTimeMaxDelta) return false;
    const threshold = this.revocations.get(credentialKey(type, c.id));
    return threshold === undefined || c.timestamp > threshold;
  }
}

/** Membership::_isV6NDPEmulated: an IPv6 address under our own 6PLANE /40 or RFC4193 /88. */
function isV6NdpEmulated(ctx: MembershipContext, what: OwnedThing): boolean {
  const ndp = ctx.ndpEmulation;
  if (!ndp || 'mac' in what || what.family !== 6) return false;
  const under = (prefix: Uint8Array | null, n: number): boolean => prefix !== null && bytesEqual(prefix.subarray(0, n), what.ip.subarray(0, n));
  return under(ndp.sixPlane, 5) || under(ndp.rfc4193, 11);
}

// One network's membership table (spec 04 §5.7; 1.14.1 Network::_memberships,
// Network::addCredential, Network::gate). Its one job beyond a map: every credential goes
// to the record of its *issued-to* address (revocations: their target), not of the peer
// that sent it (04 trap 15), and a new fast-propagate revocation names who gets a copy.
//
// Like 1.14.1 the record is created before the credential is checked; only a credential for
// another network is refused first. Records are never dropped here; evict() is for peers
// that no longer exist.
import type { Address } from '../protocol/address.js';
import type { Identity } from '../protocol/identity.js';
import { comIssuedTo, comNetworkId, type CertificateOfMembership } from '../protocol/credentials/membership-certificate.js';
import { capabilityIssuedTo, type Capability } from '../protocol/credentials/capability.js';
import type { Tag } from '../protocol/credentials/tag.js';
import type { CertificateOfOwnership } from '../protocol/credentials/certificate-of-ownership.js';
import { isFastPropagate, type Revocation } from '../protocol/credentials/revocation.js';
import type { IdentityLookup } from '../protocol/credentials/credential.js';
import { Membership, type AddCredentialResult, type MembershipContext } from './membership.js';

export interface GateDecision {
  isOpen: boolean;
  /** Open and our MULTICAST_LIKEs to this peer are due (04 §5.7 step 4). */
  shouldAnnounceMulticast: boolean;
}

export class NetworkMemberships {
  readonly networkId: bigint;
  private readonly records = new Map<Address, Membership>();

  constructor(networkId: bigint) {
    this.networkId = networkId;
  }

  get(address: Address): Membership | undefined {
    return this.records.get(address);
  }

  getOrCreate(address: Address): Membership {
    let m = this.records.get(address);
    if (!m) {
      m = new Membership(this.networkId, address);
      this.records.set(address, m);
    }
    return m;
  }

  addresses(): Address[] {
    return [...this.records.keys()];
  }

  get size(): number {
    return this.records.size;
  }

  evict(address: Address): void {
    this.records.delete(address);
  }

  addCom(ctx: MembershipContext, com: CertificateOfMembership, lookup: IdentityLookup): AddCredentialResult {
    if (comNetworkId(com) !== this.networkId) return 'rejected';
    return this.getOrCreate(comIssuedTo(com)).addCom(ctx, com, lookup);
  }

  addCapability(ctx: MembershipContext, cap: Capability, lookup: IdentityLookup): AddCredentialResult {
    if (cap.networkId !== this.networkId) return 'rejected';
    return this.getOrCreate(capabilityIssuedTo(cap)).addCapability(ctx, cap, lookup);
  }

  addTag(ctx: MembershipContext, tag: Tag, lookup: IdentityLookup): AddCredentialResult {
    if (tag.networkId !== this.networkId) return 'rejected';
    return this.getOrCreate(tag.issuedTo).addTag(ctx, tag, lookup);
  }

  addCoo(ctx: MembershipContext, coo: CertificateOfOwnership, lookup: IdentityLookup): AddCredentialResult {
    if (coo.networkId !== this.networkId) return 'rejected';
    return this.getOrCreate(coo.issuedTo).addCoo(ctx, coo, lookup);
  }

  /**
   * Network::addCredential(Revocation). `propagateTo`: when the revocation is new and
   * fast-propagate, every member in the table except the one it came from and its signer
   * (including its target) gets buildRevocationPushPayload(rev).
   */
  addRevocation(ctx: MembershipContext, rev: Revocation, sentFrom: Address, lookup: IdentityLookup): { result: AddCredentialResult; propagateTo: Address[] } {
    if (rev.networkId !== this.networkId) return { result: 'rejected', propagateTo: [] };
    const result = this.getOrCreate(rev.target).addRevocation(ctx, rev, lookup);
    const propagateTo =
      result === 'accepted_new' && isFastPropagate(rev) ? this.addresses().filter((a) => a !== sentFrom && a !== rev.signedBy) : [];
    return { result, propagateTo };
  }

  /**
   * Network::gate for a FRAME, EXT_FRAME, MULTICAST_FRAME, MULTICAST_LIKE, MULTICAST_GATHER
   * or ERROR(UNWANTED_MULTICAST) from `peer`. `ctx` is null when we hold no config.
   */
  gate(ctx: MembershipContext | null, peer: Identity, nowMs: number): GateDecision {
    if (!ctx) return { isOpen: false, shouldAnnounceMulticast: false };
    const m = this.records.get(peer.address);
    if (!ctx.isPublic && !(m && m.isAllowedOnNetwork(ctx, peer))) return { isOpen: false, shouldAnnounceMulticast: false };
    return { isOpen: true, shouldAnnounceMulticast: (m ?? this.getOrCreate(peer.address)).multicastLikeGate(nowMs) };
  }

  /** Network::recentlyAssociatedWith. */
  recentlyAssociatedWith(address: Address, nowMs: number): boolean {
    return this.records.get(address)?.recentlyAssociated(nowMs) ?? false;
  }
}

// A controller, a network and members with real keys, and signed credentials for them.
// Credentials never check an identity's proof of work, so these identities skip it: a
// key pair from a seeded PRNG under a chosen address costs microseconds, not a second.
import { generateC25519KeyPair } from '../../src/crypto/c25519.js';
import type { Address } from '../../src/protocol/address.js';
import { Identity } from '../../src/protocol/identity.js';
import { makeCom, signCom, type CertificateOfMembership } from '../../src/protocol/credentials/membership-certificate.js';
import { signCapability, type Capability } from '../../src/protocol/credentials/capability.js';
import { signTag, type Tag } from '../../src/protocol/credentials/tag.js';
import { ipThing, macThing, signCertificateOfOwnership, type CertificateOfOwnership } from '../../src/protocol/credentials/certificate-of-ownership.js';
import { signRevocation, type Revocation } from '../../src/protocol/credentials/revocation.js';
import { CredentialType, type IdentityLookup } from '../../src/protocol/credentials/credential.js';
import type { MembershipContext } from '../../src/node/membership.js';
import { inet4 } from '../../src/protocol/inet-address.js';
import { Prng } from './prng.js';

/** An identity with a real key pair under `address` (no proof of work). */
export function keyedIdentity(address: Address, seed: number): Identity {
  const rnd = new Prng(seed);
  const { publicKey, privateKey } = generateC25519KeyPair((n) => rnd.bytes(n));
  return new Identity(address, publicKey, privateKey);
}

export const CONTROLLER = keyedIdentity(0x1122334455, 1);
export const NWID = 0x1122334455abcdefn;
export const OTHER_NWID = 0x1122334455000001n;
export const MEMBER_A = keyedIdentity(0xaaaaaaaaaa, 2);
export const MEMBER_B = keyedIdentity(0xbbbbbbbbbb, 3);
/** Claims to be the controller's address but holds other keys. */
export const IMPOSTOR = keyedIdentity(CONTROLLER.address, 4);
export const T0 = 1_796_163_033_628n;
export const MAX_DELTA = 1_800_000n;

/** Knows the controller and both members. */
export const lookupAll: IdentityLookup = (a) => [CONTROLLER, MEMBER_A, MEMBER_B].find((i) => i.address === a)?.toPublic();
/** Knows nobody: every verification asks for a WHOIS. */
export const lookupNone: IdentityLookup = () => undefined;

export function comFor(member: Identity, ts = T0, opts: { nwid?: bigint; maxDelta?: bigint; signer?: Identity } = {}): CertificateOfMembership {
  return signCom(makeCom({ networkId: opts.nwid ?? NWID, timestampMs: ts, maxDeltaMs: opts.maxDelta ?? MAX_DELTA, issuedTo: member }), opts.signer ?? CONTROLLER);
}

export function tagFor(member: Address, id: number, value: number, ts = T0, nwid = NWID, signer = CONTROLLER): Tag {
  return signTag({ networkId: nwid, timestamp: ts, id, value, issuedTo: member, signedBy: 0, signature: null }, signer);
}

/** Raw rules (04 §6.2): MATCH_ETHERTYPE (37) 0x0800, then ACCEPT (1, no data). */
export const SAMPLE_RULES = Uint8Array.of(37, 0x02, 0x08, 0x00, 0x01, 0x00);

export function capabilityFor(member: Address, id: number, ts = T0, nwid = NWID, signer = CONTROLLER): Capability {
  const unsigned: Capability = { networkId: nwid, timestamp: ts, id, ruleCount: 2, rules: SAMPLE_RULES, maxCustodyChainLength: 1, custody: [] };
  return signCapability(unsigned, signer, member);
}

export function cooFor(member: Address, id: number, ts = T0, nwid = NWID, signer = CONTROLLER): CertificateOfOwnership {
  const things = [ipThing(inet4(10, 1, 2, 3, 0)), macThing(0x32aabbccddee)];
  return signCertificateOfOwnership({ networkId: nwid, timestamp: ts, flags: 0n, id, things, issuedTo: member, signedBy: 0, signature: null }, signer);
}

export function revocationFor(
  target: Address,
  credentialType: number,
  threshold: bigint,
  opts: { credentialId?: number; id?: number; fast?: boolean; nwid?: bigint; signer?: Identity } = {},
): Revocation {
  return signRevocation(
    {
      id: opts.id ?? 7,
      networkId: opts.nwid ?? NWID,
      credentialId: opts.credentialId ?? 0,
      threshold,
      flags: opts.fast === false ? 0n : 1n,
      target,
      signedBy: 0,
      credentialType,
      signature: null,
    },
    opts.signer ?? CONTROLLER,
  );
}

/** Our config as member A would hold it. */
export function contextFor(self: Identity, ts = T0, overrides: Partial<MembershipContext> = {}): MembershipContext {
  return { networkId: NWID, isPublic: false, timestamp: ts, credentialTimeMaxDelta: MAX_DELTA, com: comFor(self, ts), ...overrides };
}

export { CredentialType };

// What the rules engine reads from a network (04 §6): our config's base rules, our
// capabilities' tables, our own tags and certificates of ownership, and a peer's credentials
// from its membership. Built once per installed config; the per-peer view per frame.
import type { Address } from '../protocol/address.js';
import type { NetworkConfig } from '../protocol/netconf/network-config.js';
import type { InetAddress } from '../protocol/inet-address.js';
import type { Capability } from '../protocol/credentials/capability.js';
import type { Tag } from '../protocol/credentials/tag.js';
import { owns, type CertificateOfOwnership } from '../protocol/credentials/certificate-of-ownership.js';
import { decodeRules } from '../protocol/rules/codec.js';
import type { Rule } from '../protocol/rules/rule.js';
import { DecodeError } from '../util/errors.js';
import type { Membership, MembershipContext } from './membership.js';
import type { FilterCredentials, NetworkRules } from './rules-engine.js';

function ipAt(bytes: Uint8Array, offset: number, length: number): InetAddress {
  return { family: length === 4 ? 4 : 6, ip: bytes.subarray(offset, offset + length), port: 0 };
}

/** A capability's table; one whose rules do not decode has none (it can then accept nothing). */
export function capabilityRules(c: Capability): Rule[] {
  try {
    return decodeRules(c.rules, c.ruleCount);
  } catch (e) {
    if (e instanceof DecodeError) return [];
    throw e;
  }
}

export function networkRules(config: NetworkConfig, self: Address, own: { capabilities: readonly Capability[]; tags: readonly Tag[]; coos: readonly CertificateOfOwnership[] }): NetworkRules {
  let rules: Rule[] = [];
  try {
    rules = decodeRules(config.rules, config.ruleCount);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
  const tags = new Map(own.tags.map((t) => [t.id, t.value]));
  return {
    networkId: config.networkId,
    self,
    rules,
    capabilities: [...own.capabilities].sort((a, b) => a.id - b.id).map(capabilityRules),
    flags: Number(config.flags & 0xffffffffn),
    local: {
      tagValue: (id) => tags.get(id),
      ownsIp: (bytes, offset, length) => own.coos.some((c) => owns(c, ipAt(bytes, offset, length))),
      ownsMac: (mac) => own.coos.some((c) => owns(c, { mac })),
    },
  };
}

/** A peer's credentials as the rules engine asks for them, judged against our config now. */
export function remoteCredentials(m: Membership, ctx: MembershipContext): FilterCredentials {
  return {
    tagValue: (id) => m.tagValue(id, ctx),
    ownsIp: (bytes, offset, length) => m.hasCertificateOfOwnershipFor(ctx, ipAt(bytes, offset, length)),
    ownsMac: (mac) => m.hasCertificateOfOwnershipFor(ctx, { mac }),
  };
}

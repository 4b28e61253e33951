// The configuration a controller sends an admitted member (spec 05 §2.6, §2.7): network
// settings from the network record, the member's addresses from the admission, and the
// credentials (COM, capabilities, tags, certificate of ownership) issued and signed now.
// Pure: time comes in as nowMs, the signing identity as an argument.
import type { Identity } from '../protocol/identity.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { makeCom, signCom } from '../protocol/credentials/membership-certificate.js';
import { encodeCapability, signCapability } from '../protocol/credentials/capability.js';
import { encodeTag, signTag } from '../protocol/credentials/tag.js';
import { encodeCertificateOfOwnership, ipThing, signCertificateOfOwnership, COO_MAX_THINGS } from '../protocol/credentials/certificate-of-ownership.js';
import {
  blankNetworkConfig,
  DNS_DOMAIN_BYTES,
  MAX_DNS_SERVERS,
  MAX_RULES,
  MAX_SPECIALISTS,
  NAME_MAX_BYTES,
  NETCONF_FLAG_ENABLE_BROADCAST,
  NETCONF_FLAG_ENABLE_IPV6_NDP_EMULATION,
  NETWORK_TYPE_PRIVATE,
  NETWORK_TYPE_PUBLIC,
  SPECIALIST_ACTIVE_BRIDGE,
  type NetworkConfig,
} from '../protocol/netconf/network-config.js';
import { encodeRules, MAX_CAPABILITY_RULES } from '../protocol/rules/codec.js';
import type { Rule } from '../protocol/rules/rule.js';
import { ruleFromJson } from './rules-json.js';
import { asBool, asHex, asInt, asString, asU64, isObject, type Json } from './json-read.js';
import { configRoutes } from './ip-assignment.js';
import { clampMtu, DEFAULT_MULTICAST_LIMIT, type NetworkRecord } from './network-record.js';
import type { MemberRecord } from './member-record.js';
import type { AdmittedMember } from './admission.js';
import { parseZtIp, type ZtIp } from './zt-inet.js';

export const DEFAULT_CREDENTIAL_TIME_MAX_DELTA_MS = 1_800_000;
export const MIN_CREDENTIAL_TIME_MAX_DELTA_MS = 300_000;
export const MAX_CREDENTIAL_TIME_MAX_DELTA_MS = 7_200_000;

export interface BuildInput {
  nwid: bigint;
  network: NetworkRecord;
  admitted: AdmittedMember;
  /** The requester's identity (the COM carries its hash). */
  requester: Identity;
  /** The controller's identity with its secret key: it signs every credential. */
  signer: Identity;
  /**
   * The network's members, or at least every one with `activeBridge` true (the rest are
   * ignored): active bridges become specialists whether authorized or not.
   */
  members: readonly MemberRecord[];
  nowMs: number;
}

const utf8 = new TextEncoder();

function inet(a: ZtIp, port: number): InetAddress {
  return { family: a.family, ip: a.ip, port };
}

/** A UTF-8 string cut to `max` bytes, as strncpy into a C buffer of max + 1 does. */
function cut(text: string, max: number): Uint8Array {
  const b = utf8.encode(text);
  return b.length > max ? b.slice(0, max) : b;
}

/** Rules of a JSON array, in order; those that do not convert are skipped. */
function rulesOf(list: Json | undefined, max: number): Rule[] {
  const out: Rule[] = [];
  if (!Array.isArray(list)) return out;
  for (const j of list) {
    if (out.length >= max) break;
    const r = ruleFromJson(j);
    if (r) out.push(r);
  }
  return out;
}

function credentialTimeMaxDelta(network: NetworkRecord): number {
  const v = network.certificateTimeoutWindowSize;
  const d = typeof v === 'number' ? Math.trunc(v) : DEFAULT_CREDENTIAL_TIME_MAX_DELTA_MS;
  return Math.min(MAX_CREDENTIAL_TIME_MAX_DELTA_MS, Math.max(MIN_CREDENTIAL_TIME_MAX_DELTA_MS, d));
}

function remoteTrace(network: NetworkRecord, member: MemberRecord): { target: number; level: number } {
  const pick = (o: MemberRecord | NetworkRecord): { target: number; level: number } | null =>
    typeof o.remoteTraceTarget === 'string' && o.remoteTraceTarget.length === 10
      ? { target: Number(asHex(o.remoteTraceTarget, 0n) & 0xffffffffffn), level: asInt(o.remoteTraceLevel, 0) }
      : null;
  return pick(member) ?? pick(network) ?? { target: 0, level: 0 };
}

function activeBridges(members: readonly MemberRecord[]): bigint[] {
  const addresses = members
    .filter((m) => asBool(m.activeBridge, false))
    .map((m) => asHex(m.address ?? m.id, 0n) & 0xffffffffffn)
    .filter((a) => a !== 0n)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return addresses.slice(0, MAX_SPECIALISTS).map((a) => a | SPECIALIST_ACTIVE_BRIDGE);
}

function dnsOf(network: NetworkRecord, c: NetworkConfig): void {
  const dns = network.dns;
  if (!isObject(dns)) return;
  const field = new Uint8Array(DNS_DOMAIN_BYTES);
  field.set(cut(asString(dns.domain, ''), DNS_DOMAIN_BYTES - 1));
  const servers: (InetAddress | null)[] = [null, null, null, null];
  if (Array.isArray(dns.servers)) {
    let i = 0;
    for (const s of dns.servers) {
      if (i >= MAX_DNS_SERVERS) break;
      const a = typeof s === 'string' ? parseZtIp(s) : null;
      if (a) servers[i] = inet(a, 0);
      i++;
    }
  }
  c.dns = { domainField: field, servers };
}

export function buildNetworkConfig(input: BuildInput): NetworkConfig {
  const { nwid, network: n, admitted, requester, signer, nowMs } = input;
  const m = admitted.member;
  const now = BigInt(nowMs);
  const c = blankNetworkConfig(nwid, requester.address);
  const ctmd = credentialTimeMaxDelta(n);
  c.type = asBool(n.private, true) ? NETWORK_TYPE_PRIVATE : NETWORK_TYPE_PUBLIC;
  c.timestampMs = now;
  c.credentialTimeMaxDeltaMs = BigInt(ctmd);
  c.revision = asU64(n.revision, 0n);
  const trace = remoteTrace(n, m);
  c.remoteTraceTarget = trace.target;
  c.remoteTraceLevel = trace.level;
  if (asBool(n.enableBroadcast, true)) c.flags |= NETCONF_FLAG_ENABLE_BROADCAST;
  if (admitted.assignment.ndpEmulation) c.flags |= NETCONF_FLAG_ENABLE_IPV6_NDP_EMULATION;
  c.nameBytes = cut(asString(n.name, ''), NAME_MAX_BYTES);
  c.mtu = clampMtu(n.mtu);
  c.multicastLimit = asInt(n.multicastLimit, DEFAULT_MULTICAST_LIMIT) >>> 0;
  c.specialists = activeBridges(input.members);

  const rules = admitted.legacyAllowAll ? rulesOf([{ type: 'ACTION_ACCEPT' }], 1) : rulesOf(n.rules, MAX_RULES);
  c.rules = encodeRules(rules);
  c.ruleCount = rules.length;

  if (!admitted.legacyAllowAll) {
    const capsById = new Map<number, Json>();
    if (Array.isArray(n.capabilities)) for (const cap of n.capabilities) if (isObject(cap)) capsById.set(Number(asU64(cap.id, 0n) & 0xffffffffn), cap);
    for (const id of admitted.capabilityIds) {
      const cap = capsById.get(id);
      if (!isObject(cap)) continue;
      const capRules = rulesOf(cap.rules, MAX_CAPABILITY_RULES);
      const unsigned = { networkId: nwid, timestamp: now, id, ruleCount: capRules.length, rules: encodeRules(capRules), maxCustodyChainLength: 1, custody: [] };
      c.capabilities.push(encodeCapability(signCapability(unsigned, signer, requester.address)));
    }
    for (const [id, value] of admitted.tags) {
      c.tags.push(encodeTag(signTag({ networkId: nwid, timestamp: now, id, value, issuedTo: requester.address, signedBy: 0, signature: null }, signer)));
    }
  }

  c.routes = configRoutes(n).map((r) => ({ target: inet(r.target, r.target.bits), via: r.via ? inet(r.via, 0) : null, flags: 0, metric: 0 }));
  c.staticIps = admitted.assignment.staticIps.map((a) => inet(a, a.bits));
  if (c.staticIps.length > 0) {
    const things = c.staticIps.slice(0, COO_MAX_THINGS).map((a) => ipThing(a!));
    const coo = { networkId: nwid, timestamp: now, flags: 0n, id: 1, things, issuedTo: requester.address, signedBy: 0, signature: null };
    c.certificatesOfOwnership.push(encodeCertificateOfOwnership(signCertificateOfOwnership(coo, signer)));
  }
  c.com = signCom(makeCom({ networkId: nwid, timestampMs: now, maxDeltaMs: ctmd, issuedTo: requester }), signer);
  dnsOf(n, c);
  c.sso.enabled = asBool(n.ssoEnabled, false);
  c.sso.authenticationExpiryMs = BigInt.asUintN(64, BigInt(asInt(m.authenticationExpiryTime, 0)));
  return c;
}


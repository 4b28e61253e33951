// The metadata Dictionary of NETWORK_CONFIG_REQUEST (spec 04 §3.1): what a member tells its
// controller about itself. The keys and their order are 1.14.1's; a 1.14.1 controller reads
// v, pv, majv, minv, revv and revr (revr 0 or absent → a single ACCEPT rule instead of the
// network's rules) and `a` (an authorization token), and ignores the rest.
import { Dictionary, NETWORK_CONFIG_METADATA_DICT_CAPACITY_BYTES } from '../dictionary.js';
import { NETWORK_CONFIG_VERSION, MAX_CAPABILITIES, MAX_RULES, MAX_TAGS } from './network-config.js';

export const RULES_ENGINE_REVISION = 1;
export const VENDOR_ZEROTIER = 1;
export const MAX_CAPABILITY_RULES = 64;

export interface RequestMetadata {
  configVersion: number;
  vendor: number;
  protocolVersion: number;
  major: number;
  minor: number;
  revision: number;
  maxRules: number;
  maxCapabilities: number;
  maxCapabilityRules: number;
  maxTags: number;
  flags: bigint;
  rulesEngineRevision: number;
  /** `<platform>/<arch>`, e.g. linux/x86_64. */
  os: string;
  /** `a`: a join authorization token (never sent by a 1.14.1 member). */
  authToken?: string;
}

export function memberMetadata(version: { protocol: number; major: number; minor: number; revision: number }, os: string): RequestMetadata {
  return {
    configVersion: NETWORK_CONFIG_VERSION,
    vendor: VENDOR_ZEROTIER,
    protocolVersion: version.protocol,
    major: version.major,
    minor: version.minor,
    revision: version.revision,
    maxRules: MAX_RULES,
    maxCapabilities: MAX_CAPABILITIES,
    maxCapabilityRules: MAX_CAPABILITY_RULES,
    maxTags: MAX_TAGS,
    flags: 0n,
    rulesEngineRevision: RULES_ENGINE_REVISION,
    os,
  };
}

export function encodeRequestMetadata(m: RequestMetadata): Uint8Array {
  const d = new Dictionary();
  const u = (k: string, v: number | bigint): void => d.setU64(k, BigInt(v));
  u('v', m.configVersion);
  u('vend', m.vendor);
  u('pv', m.protocolVersion);
  u('majv', m.major);
  u('minv', m.minor);
  u('revv', m.revision);
  u('mr', m.maxRules);
  u('mc', m.maxCapabilities);
  u('mcr', m.maxCapabilityRules);
  u('mt', m.maxTags);
  u('f', m.flags);
  u('revr', m.rulesEngineRevision);
  d.set('o', m.os);
  if (m.authToken !== undefined) d.set('a', m.authToken);
  return d.encode();
}

/** What a controller reads from a request's metadata; absent integers read as 0 (getUI's default). */
export function decodeRequestMetadata(bytes: Uint8Array): RequestMetadata {
  const d = Dictionary.decode(bytes, NETWORK_CONFIG_METADATA_DICT_CAPACITY_BYTES);
  const n = (k: string): number => Number((d.getU64(k) ?? 0n) & 0xffffffffn);
  const m: RequestMetadata = {
    configVersion: n('v'),
    vendor: n('vend'),
    protocolVersion: n('pv'),
    major: n('majv'),
    minor: n('minv'),
    revision: n('revv'),
    maxRules: n('mr'),
    maxCapabilities: n('mc'),
    maxCapabilityRules: n('mcr'),
    maxTags: n('mt'),
    flags: d.getU64('f') ?? 0n,
    rulesEngineRevision: n('revr'),
    os: d.getString('o') ?? '',
  };
  const a = d.getString('a');
  if (a !== undefined) m.authToken = a;
  return m;
}

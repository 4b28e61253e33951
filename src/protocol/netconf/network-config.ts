// A network configuration as a member holds it (spec 04 §4): what NetworkConfig::fromDictionary
// of 1.14.1 keeps from a controller's dictionary, field for field, so that writing it back
// (config-dictionary.ts) gives the bytes 1.14.1 would save. Credentials and rules stay as the
// controller's bytes here; their meaning belongs to src/protocol/credentials and rules.
import type { Address } from '../address.js';
import type { InetAddress } from '../inet-address.js';
import type { CertificateOfMembership } from '../verbs/com.js';

export const NETWORK_CONFIG_VERSION = 7;
/** Configs below this version use legacy keys that 1.14.1 no longer compiles in (04 §4.6). */
export const NETWORK_CONFIG_MIN_VERSION = 6;

export const DEFAULT_MTU = 2800;
export const MIN_MTU = 1280;
export const MAX_MTU = 10000;
export const NAME_MAX_BYTES = 127;

export const MAX_STATIC_IPS = 32;
export const MAX_ROUTES = 128;
export const MAX_RULES = 1024;
export const MAX_CAPABILITIES = 128;
export const MAX_TAGS = 128;
export const MAX_CERTIFICATES_OF_OWNERSHIP = 4;
export const MAX_SPECIALISTS = 256;
export const MAX_DNS_SERVERS = 4;
export const DNS_DOMAIN_BYTES = 128;

/** f (04 §4.2). */
export const NETCONF_FLAG_ENABLE_BROADCAST = 0x02n;
export const NETCONF_FLAG_ENABLE_IPV6_NDP_EMULATION = 0x04n;
export const NETCONF_FLAG_RULES_RESULT_OF_UNSUPPORTED_MATCH = 0x08n;
export const NETCONF_FLAG_DISABLE_COMPRESSION = 0x10n;

/** Role bits of a specialist (04 §4.4). */
export const SPECIALIST_ACTIVE_BRIDGE = 0x0000020000000000n;
export const SPECIALIST_ANCHOR = 0x0000040000000000n;
export const SPECIALIST_MULTICAST_REPLICATOR = 0x0000080000000000n;

export const NETWORK_TYPE_PRIVATE = 0;
export const NETWORK_TYPE_PUBLIC = 1;

/** The credential time max delta 1.14.1 controllers issue (30 min). */
export const DEFAULT_CREDENTIAL_TIME_MAX_DELTA_MS = 1_800_000;

export interface ConfigRoute {
  /** Target network; the port field holds the prefix length. Null: a nil entry kept as sent. */
  target: InetAddress | null;
  /** Gateway or null for a route onto the LAN itself. */
  via: InetAddress | null;
  flags: number;
  metric: number;
}

export interface ConfigDns {
  /** The 128-byte domain field as 1.14.1 keeps it (byte 127 forced to 0, bytes after the text kept). */
  domainField: Uint8Array;
  /** Four entries; nil ones are null. */
  servers: (InetAddress | null)[];
}

/** SSO fields (04 §4.7): ztkube implements no SSO but keeps and re-writes them. */
export interface ConfigSso {
  version: bigint;
  enabled: boolean;
  authenticationUrl: string;
  /** aexpt: a u64 in 1.14.1, written unsigned, read with strtoll. */
  authenticationExpiryMs: bigint;
  issuerUrl: string;
  centralAuthUrl: string;
  nonce: string;
  state: string;
  clientId: string;
  provider: string;
}

export interface NetworkConfig {
  networkId: bigint;
  timestampMs: bigint;
  /** ctmd, signed. */
  credentialTimeMaxDeltaMs: bigint;
  revision: bigint;
  issuedTo: Address;
  remoteTraceTarget: Address;
  remoteTraceLevel: number;
  flags: bigint;
  multicastLimit: number;
  type: number;
  /** The name as the controller's bytes (at most 127, no NUL); networkName() gives the text. */
  nameBytes: Uint8Array;
  mtu: number;
  com: CertificateOfMembership | null;
  /** Serialized capabilities, sorted by ID as 1.14.1 sorts them. */
  capabilities: Uint8Array[];
  /** Serialized tags, sorted by ID. */
  tags: Uint8Array[];
  certificatesOfOwnership: Uint8Array[];
  specialists: bigint[];
  routes: ConfigRoute[];
  /** Static (managed) IPs; the port field holds the prefix length. Null: a nil entry kept as sent. */
  staticIps: (InetAddress | null)[];
  /** The base rules, serialized back to back (04 §6.2); empty = no rules (drop all). */
  rules: Uint8Array;
  ruleCount: number;
  dns: ConfigDns;
  sso: ConfigSso;
}

export function networkName(c: NetworkConfig): string {
  return new TextDecoder().decode(c.nameBytes);
}

export function isPublic(c: NetworkConfig): boolean {
  return c.type === NETWORK_TYPE_PUBLIC;
}

export function isBroadcastEnabled(c: NetworkConfig): boolean {
  return (c.flags & NETCONF_FLAG_ENABLE_BROADCAST) !== 0n;
}

export function specialistsWithRole(c: NetworkConfig, role: bigint): Address[] {
  const out: Address[] = [];
  for (const s of c.specialists) if ((s & role) !== 0n) out.push(Number(s & 0xffffffffffn));
  return out;
}

export function isActiveBridge(c: NetworkConfig, address: Address): boolean {
  for (const s of c.specialists) {
    if ((s & SPECIALIST_ACTIVE_BRIDGE) !== 0n && Number(s & 0xffffffffffn) === address) return true;
  }
  return false;
}

/** A config with 1.14.1's defaults (NetworkConfig's constructor), for a controller to fill in. */
export function blankNetworkConfig(networkId: bigint, issuedTo: Address): NetworkConfig {
  return {
    networkId,
    timestampMs: 0n,
    credentialTimeMaxDeltaMs: 0n,
    revision: 0n,
    issuedTo,
    remoteTraceTarget: 0,
    remoteTraceLevel: 0,
    flags: 0n,
    multicastLimit: 0,
    type: NETWORK_TYPE_PRIVATE,
    nameBytes: new Uint8Array(0),
    mtu: DEFAULT_MTU,
    com: null,
    capabilities: [],
    tags: [],
    certificatesOfOwnership: [],
    specialists: [],
    routes: [],
    staticIps: [],
    rules: new Uint8Array(0),
    ruleCount: 0,
    dns: emptyDns(),
    sso: emptySso(),
  };
}

export function emptySso(): ConfigSso {
  return {
    version: 0n,
    enabled: false,
    authenticationUrl: '',
    authenticationExpiryMs: 0n,
    issuerUrl: '',
    centralAuthUrl: '',
    nonce: '',
    state: '',
    clientId: '',
    provider: '',
  };
}

export function emptyDns(): ConfigDns {
  return { domainField: new Uint8Array(DNS_DOMAIN_BYTES), servers: [null, null, null, null] };
}

/** The search domain as text (up to the first NUL). */
export function dnsDomain(dns: ConfigDns): string {
  const end = dns.domainField.indexOf(0);
  return new TextDecoder().decode(dns.domainField.subarray(0, end < 0 ? DNS_DOMAIN_BYTES - 1 : end));
}

// The network config Dictionary (spec 04 §4) both ways: decodeNetworkConfig reads what
// NetworkConfig::fromDictionary of 1.14.1 keeps, and encodeNetworkConfig writes the keys in
// toDictionary's order, so a controller built on it sends 1.14.1's bytes and a member saves
// what 1.14.1 saves (networks.d/<nwid>.conf). A config that 1.14.1 would refuse throws
// DecodeError; nothing else is thrown for any input.
import { DecodeError } from '../../util/errors.js';
import { Dictionary, NETWORK_CONFIG_DICT_CAPACITY_BYTES } from '../dictionary.js';
import { readInetAddress, writeInetAddress } from '../inet-address.js';
import { Reader } from '../reader.js';
import { comSize, readCom, writeCom } from '../verbs/com.js';
import { readCapabilityBytes, readCertificateOfOwnershipBytes, readTagBytes } from '../verbs/credential-lengths.js';
import { Writer } from '../writer.js';
import {
  DEFAULT_MTU,
  DNS_DOMAIN_BYTES,
  MAX_CAPABILITIES,
  MAX_CERTIFICATES_OF_OWNERSHIP,
  MAX_DNS_SERVERS,
  MAX_MTU,
  MAX_ROUTES,
  MAX_RULES,
  MAX_SPECIALISTS,
  MAX_STATIC_IPS,
  MAX_TAGS,
  MIN_MTU,
  NAME_MAX_BYTES,
  NETWORK_CONFIG_MIN_VERSION,
  NETWORK_CONFIG_VERSION,
  NETWORK_TYPE_PRIVATE,
  emptyDns,
  emptySso,
  type ConfigDns,
  type ConfigRoute,
  type ConfigSso,
  type NetworkConfig,
} from './network-config.js';

const U64_MASK = (1n << 64n) - 1n;
const ADDRESS_MASK = 0xffffffffffn;
/** Text fields of the SSO keys and their C buffer sizes in 1.14.1. */
const SSO_URL_BYTES = 2048;
const SSO_NONCE_BYTES = 128;
const SSO_STATE_BYTES = 256;
const SSO_CLIENT_ID_BYTES = 256;
const SSO_PROVIDER_BYTES = 64;

// ---- reading

/** A value read into a C char buffer of `size` bytes: at most size − 1 bytes, up to the first NUL. */
function cString(d: Dictionary, key: string, size: number): Uint8Array | undefined {
  const v = d.get(key);
  if (v === undefined) return undefined;
  const cut = v.subarray(0, size - 1);
  const nul = cut.indexOf(0);
  return nul < 0 ? cut : cut.subarray(0, nul);
}

/** One char per byte, so the exact bytes survive a round trip. */
function byteString(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function stringBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** C strtoll(s, 0, 16), which getI uses: saturates at the int64 range. */
function signedHex(d: Dictionary, key: string): bigint | undefined {
  const v = cString(d, key, 128);
  if (v === undefined || v.length === 0) return undefined;
  const text = byteString(v).trimStart();
  const m = /^([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]*)/.exec(text);
  if (!m || m[2] === '') return 0n;
  let x = BigInt('0x' + m[2]);
  if (m[1] === '-') {
    if (x > 1n << 63n) x = 1n << 63n;
    return -x;
  }
  return x > (1n << 63n) - 1n ? (1n << 63n) - 1n : x;
}

function u64(d: Dictionary, key: string, dflt: bigint): bigint {
  return d.getU64(key) ?? dflt;
}

/** A u64 converted to a C unsigned int / enum: the low 32 bits. */
function u32(d: Dictionary, key: string, dflt: number): number {
  const v = d.getU64(key);
  return v === undefined ? dflt : Number(v & 0xffffffffn);
}

/** Credentials back to back. Lenient (CAP, TAG): a bad one silently ends the list, as 1.14.1 catches it there; else it invalidates the config. */
function splitCredentials(blob: Uint8Array, scan: (r: Reader, field?: string) => Uint8Array, field: string, isLenient: boolean): Uint8Array[] {
  const out: Uint8Array[] = [];
  const r = new Reader(blob);
  while (r.hasMore()) {
    try {
      out.push(scan(r, `${field}[${out.length}]`).slice());
    } catch (e) {
      if (isLenient && e instanceof DecodeError) break;
      throw e;
    }
  }
  return out;
}

/** Capabilities and tags carry their u32 ID at byte 16 (after network ID and timestamp). */
function credentialId(b: Uint8Array): number {
  return ((b[16] << 24) >>> 0) + ((b[17] << 16) | (b[18] << 8) | b[19]);
}

function byId(a: Uint8Array, b: Uint8Array): number {
  return credentialId(a) - credentialId(b);
}

/** Walks what Capability::deserializeRules consumes (type, length, body) without interpreting it. */
function scanRules(blob: Uint8Array, maxRules: number): { bytes: Uint8Array; count: number } {
  const r = new Reader(blob);
  let count = 0;
  while (count < maxRules && r.hasMore()) {
    r.skip(1, `R[${count}].type`);
    r.skip(r.u8(`R[${count}].length`), `R[${count}]`);
    count++;
  }
  return { bytes: blob.slice(0, r.pos), count };
}

function readRoutes(blob: Uint8Array): ConfigRoute[] {
  const routes: ConfigRoute[] = [];
  const r = new Reader(blob);
  while (r.hasMore() && routes.length < MAX_ROUTES) {
    const f = `RT[${routes.length}]`;
    const target = readInetAddress(r, f + '.target');
    const via = readInetAddress(r, f + '.via');
    routes.push({ target, via, flags: r.u16(f + '.flags'), metric: r.u16(f + '.metric') });
  }
  return routes;
}

function readStaticIps(blob: Uint8Array): NetworkConfig['staticIps'] {
  const ips: NetworkConfig['staticIps'] = [];
  const r = new Reader(blob);
  while (r.hasMore() && ips.length < MAX_STATIC_IPS) ips.push(readInetAddress(r, `I[${ips.length}]`));
  return ips;
}

function readSpecialists(blob: Uint8Array): bigint[] {
  const out: bigint[] = [];
  const r = new Reader(blob);
  while (r.remaining >= 8) {
    const v = r.u64('S');
    if (out.length < MAX_SPECIALISTS) out.push(v);
  }
  return out;
}

function readDns(blob: Uint8Array): ConfigDns {
  const r = new Reader(blob);
  const domainField = r.bytes(DNS_DOMAIN_BYTES, 'DNS.domain').slice();
  domainField[DNS_DOMAIN_BYTES - 1] = 0;
  const servers: ConfigDns['servers'] = [];
  for (let i = 0; i < MAX_DNS_SERVERS; i++) servers.push(readInetAddress(r, `DNS.servers[${i}]`));
  return { domainField, servers };
}

function readSso(d: Dictionary): ConfigSso {
  const sso = emptySso();
  sso.version = u64(d, 'ssov', 0n);
  sso.enabled = d.getBool('ssoe') ?? false;
  if (!sso.enabled) return sso;
  const text = (key: string, size: number): string => byteString(cString(d, key, size) ?? new Uint8Array(0));
  if (sso.version === 0n) {
    sso.authenticationUrl = text('aurl', SSO_URL_BYTES);
    sso.authenticationExpiryMs = BigInt.asUintN(64, signedHex(d, 'aexpt') ?? 0n);
  } else if (sso.version === 1n) {
    sso.authenticationUrl = text('aurl', SSO_URL_BYTES);
    sso.issuerUrl = text('iurl', SSO_URL_BYTES);
    sso.centralAuthUrl = text('ssoce', SSO_URL_BYTES);
    sso.nonce = text('sson', SSO_NONCE_BYTES);
    sso.state = text('ssos', SSO_STATE_BYTES);
    sso.clientId = text('ssocid', SSO_CLIENT_ID_BYTES);
    sso.provider = text('ssop', SSO_PROVIDER_BYTES) || 'default';
  }
  return sso;
}

/**
 * Parses a config dictionary as 1.14.1 does. `bytes` is the reassembled dictionary (a
 * dictionary of 484 520 bytes or more is refused before parsing, 04 §3.3).
 */
export function decodeNetworkConfig(bytes: Uint8Array): NetworkConfig {
  if (bytes.length >= NETWORK_CONFIG_DICT_CAPACITY_BYTES) throw new DecodeError('netconf', NETWORK_CONFIG_DICT_CAPACITY_BYTES, 'too_long');
  const d = Dictionary.decode(bytes, NETWORK_CONFIG_DICT_CAPACITY_BYTES);
  const networkId = u64(d, 'nwid', 0n);
  if (networkId === 0n) throw new DecodeError('netconf.nwid', 0, 'missing');
  const issuedTo = Number(u64(d, 'id', 0n) & ADDRESS_MASK);
  if (issuedTo === 0) throw new DecodeError('netconf.id', 0, 'missing');
  if (u64(d, 'v', 0n) < BigInt(NETWORK_CONFIG_MIN_VERSION)) throw new DecodeError('netconf.v', 0, 'legacy_version');

  let mtu = u32(d, 'mtu', DEFAULT_MTU);
  if (mtu < MIN_MTU) mtu = MIN_MTU;
  else if (mtu > MAX_MTU) mtu = MAX_MTU;

  const blob = (key: string): Uint8Array | undefined => d.get(key);
  const comBytes = blob('C');
  const capBytes = blob('CAP');
  const tagBytes = blob('TAG');
  const cooBytes = blob('COO');
  const rules = blob('R') !== undefined ? scanRules(blob('R')!, MAX_RULES) : { bytes: new Uint8Array(0), count: 0 };
  const dnsBytes = blob('DNS');

  return {
    networkId,
    timestampMs: u64(d, 'ts', 0n),
    credentialTimeMaxDeltaMs: BigInt.asIntN(64, u64(d, 'ctmd', 0n)),
    revision: u64(d, 'r', 0n),
    issuedTo,
    remoteTraceTarget: Number(u64(d, 'tt', 0n) & ADDRESS_MASK),
    remoteTraceLevel: u32(d, 'tl', 0),
    flags: u64(d, 'f', 0n),
    multicastLimit: u32(d, 'ml', 0),
    type: u32(d, 't', NETWORK_TYPE_PRIVATE),
    nameBytes: (cString(d, 'n', NAME_MAX_BYTES + 1) ?? new Uint8Array(0)).slice(),
    mtu,
    // COM::deserialize ignores bytes after the certificate.
    com: comBytes !== undefined ? readCom(new Reader(comBytes), 'C') : null,
    capabilities: capBytes ? splitCredentials(capBytes, readCapabilityBytes, 'CAP', true).slice(0, MAX_CAPABILITIES).sort(byId) : [],
    tags: tagBytes ? splitCredentials(tagBytes, readTagBytes, 'TAG', true).slice(0, MAX_TAGS).sort(byId) : [],
    certificatesOfOwnership: cooBytes ? splitCredentials(cooBytes, readCertificateOfOwnershipBytes, 'COO', false).slice(0, MAX_CERTIFICATES_OF_OWNERSHIP) : [],
    specialists: blob('S') ? readSpecialists(blob('S')!) : [],
    routes: blob('RT') ? readRoutes(blob('RT')!) : [],
    staticIps: blob('I') ? readStaticIps(blob('I')!) : [],
    rules: rules.bytes,
    ruleCount: rules.count,
    dns: dnsBytes ? readDns(dnsBytes) : emptyDns(),
    sso: readSso(d),
  };
}

// ---- writing

function hex16(v: bigint): string {
  return (v & U64_MASK).toString(16).padStart(16, '0');
}

/** Dictionary::add(int64_t): a minus sign and the magnitude's 16 digits when negative. */
function signedHex16(v: bigint): string {
  return v < 0n ? '-' + hex16(-v) : hex16(v);
}

function hex10(a: number): string {
  return a.toString(16).padStart(10, '0');
}

function concat(parts: Uint8Array[]): Uint8Array {
  const w = new Writer(parts.reduce((n, p) => n + p.length, 0) || 1);
  for (const p of parts) w.bytes(p);
  return w.finish();
}

/** toDictionary: the keys in 1.14.1's order, each value as 1.14.1 formats it. */
export function networkConfigDictionary(c: NetworkConfig): Dictionary {
  const d = new Dictionary();
  d.set('v', hex16(BigInt(NETWORK_CONFIG_VERSION)));
  d.set('nwid', hex16(c.networkId));
  d.set('ts', signedHex16(BigInt.asIntN(64, c.timestampMs)));
  d.set('ctmd', signedHex16(c.credentialTimeMaxDeltaMs));
  d.set('r', hex16(c.revision));
  d.set('id', hex10(c.issuedTo));
  d.set('tt', hex10(c.remoteTraceTarget));
  d.set('tl', hex16(BigInt(c.remoteTraceLevel)));
  d.set('f', hex16(c.flags));
  d.set('ml', hex16(BigInt(c.multicastLimit)));
  d.set('t', hex16(BigInt(c.type)));
  d.set('n', c.nameBytes);
  d.set('mtu', hex16(BigInt(c.mtu)));
  if (c.com) {
    const w = new Writer(comSize(c.com));
    writeCom(w, c.com);
    d.set('C', w.finish());
  }
  if (c.capabilities.length) d.set('CAP', concat(c.capabilities));
  if (c.tags.length) d.set('TAG', concat(c.tags));
  if (c.certificatesOfOwnership.length) d.set('COO', concat(c.certificatesOfOwnership));
  if (c.specialists.length) {
    const w = new Writer(8 * c.specialists.length);
    for (const s of c.specialists) w.u64(s);
    d.set('S', w.finish());
  }
  if (c.routes.length) {
    const w = new Writer();
    for (const rt of c.routes) {
      writeInetAddress(w, rt.target);
      writeInetAddress(w, rt.via);
      w.u16(rt.flags).u16(rt.metric);
    }
    d.set('RT', w.finish());
  }
  if (c.staticIps.length) {
    const w = new Writer();
    for (const ip of c.staticIps) writeInetAddress(w, ip);
    d.set('I', w.finish());
  }
  if (c.ruleCount > 0 && c.rules.length > 0) d.set('R', c.rules);
  const dns = new Writer(DNS_DOMAIN_BYTES + 4 * 19);
  dns.bytes(c.dns.domainField);
  for (let i = 0; i < MAX_DNS_SERVERS; i++) writeInetAddress(dns, c.dns.servers[i] ?? null);
  d.set('DNS', dns.finish());
  const sso = c.sso;
  if (sso.version === 0n) {
    d.set('ssov', hex16(0n));
    d.setBool('ssoe', sso.enabled);
    if (sso.enabled) {
      if (sso.authenticationUrl) d.set('aurl', stringBytes(sso.authenticationUrl));
      d.set('aexpt', hex16(sso.authenticationExpiryMs));
    }
  } else if (sso.version === 1n) {
    d.set('ssov', hex16(1n));
    d.setBool('ssoe', sso.enabled);
    d.set('iurl', stringBytes(sso.issuerUrl));
    d.set('ssoce', stringBytes(sso.centralAuthUrl));
    d.set('sson', stringBytes(sso.nonce));
    d.set('ssos', stringBytes(sso.state));
    d.set('ssocid', stringBytes(sso.clientId));
    d.set('ssop', stringBytes(sso.provider));
  }
  return d;
}

/** The dictionary bytes (no trailing NUL), as sent in chunks and saved in networks.d. */
export function encodeNetworkConfig(c: NetworkConfig): Uint8Array {
  const bytes = networkConfigDictionary(c).encode();
  if (bytes.length >= NETWORK_CONFIG_DICT_CAPACITY_BYTES) throw new RangeError(`network config of ${bytes.length} bytes exceeds the dictionary capacity`);
  return bytes;
}

/** 1.14.1 compares held and new configs field by field; equal encodings mean equal fields. */
export function isSameNetworkConfig(a: NetworkConfig, b: NetworkConfig): boolean {
  const x = encodeNetworkConfig(a);
  const y = encodeNetworkConfig(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

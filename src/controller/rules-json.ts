// Rules in the controller's JSON (spec 05 §5.1–§5.2): _parseRule and _renderRule of 1.14.1
// controller/EmbeddedNetworkController.cpp. The controller converts every posted rule and
// re-renders it at once, so these two decide what is stored and what members receive;
// they follow 1.14.1 quirk for quirk, because a different rendering or a different binary
// rule would be visible to API clients and to members:
// * values are coerced, never refused (rules-json-values.ts); addresses are read as hex
//   from "as string" (so the JSON number 1234 means 0x1234);
// * NOT/OR are read for every type but rendered only for matches;
// * ACTION_PRIORITY, INTEGER_RANGE (a defect: its type is never set) and unknown types
//   give null: the rule is dropped;
// * a CHARACTERISTICS mask that is neither a number nor a string makes 1.14.1 throw
//   (HTTP 500 on write): ConfigError here.
import { ConfigError } from '../util/errors.js';
import { parseIp } from '../protocol/inet-address.js';
import * as T from '../protocol/rules/rule.js';
import { characteristicsMask, integerRangeEnd, integerRangeStart, makeRule, type Rule } from '../protocol/rules/rule.js';
import { cString, jsonBool, jsonInt, jsonString, masked, strtoull } from './rules-json-values.js';

/** The `type` names 1.14.1 renders and parses (INTEGER_RANGE is rendered only). */
const NAMES: ReadonlyArray<readonly [number, string]> = [
  [T.RULE_ACTION_DROP, 'ACTION_DROP'],
  [T.RULE_ACTION_ACCEPT, 'ACTION_ACCEPT'],
  [T.RULE_ACTION_TEE, 'ACTION_TEE'],
  [T.RULE_ACTION_WATCH, 'ACTION_WATCH'],
  [T.RULE_ACTION_REDIRECT, 'ACTION_REDIRECT'],
  [T.RULE_ACTION_BREAK, 'ACTION_BREAK'],
  [T.RULE_MATCH_SOURCE_ZEROTIER_ADDRESS, 'MATCH_SOURCE_ZEROTIER_ADDRESS'],
  [T.RULE_MATCH_DEST_ZEROTIER_ADDRESS, 'MATCH_DEST_ZEROTIER_ADDRESS'],
  [T.RULE_MATCH_VLAN_ID, 'MATCH_VLAN_ID'],
  [T.RULE_MATCH_VLAN_PCP, 'MATCH_VLAN_PCP'],
  [T.RULE_MATCH_VLAN_DEI, 'MATCH_VLAN_DEI'],
  [T.RULE_MATCH_MAC_SOURCE, 'MATCH_MAC_SOURCE'],
  [T.RULE_MATCH_MAC_DEST, 'MATCH_MAC_DEST'],
  [T.RULE_MATCH_IPV4_SOURCE, 'MATCH_IPV4_SOURCE'],
  [T.RULE_MATCH_IPV4_DEST, 'MATCH_IPV4_DEST'],
  [T.RULE_MATCH_IPV6_SOURCE, 'MATCH_IPV6_SOURCE'],
  [T.RULE_MATCH_IPV6_DEST, 'MATCH_IPV6_DEST'],
  [T.RULE_MATCH_IP_TOS, 'MATCH_IP_TOS'],
  [T.RULE_MATCH_IP_PROTOCOL, 'MATCH_IP_PROTOCOL'],
  [T.RULE_MATCH_ETHERTYPE, 'MATCH_ETHERTYPE'],
  [T.RULE_MATCH_ICMP, 'MATCH_ICMP'],
  [T.RULE_MATCH_IP_SOURCE_PORT_RANGE, 'MATCH_IP_SOURCE_PORT_RANGE'],
  [T.RULE_MATCH_IP_DEST_PORT_RANGE, 'MATCH_IP_DEST_PORT_RANGE'],
  [T.RULE_MATCH_CHARACTERISTICS, 'MATCH_CHARACTERISTICS'],
  [T.RULE_MATCH_FRAME_SIZE_RANGE, 'MATCH_FRAME_SIZE_RANGE'],
  [T.RULE_MATCH_RANDOM, 'MATCH_RANDOM'],
  [T.RULE_MATCH_TAGS_DIFFERENCE, 'MATCH_TAGS_DIFFERENCE'],
  [T.RULE_MATCH_TAGS_BITWISE_AND, 'MATCH_TAGS_BITWISE_AND'],
  [T.RULE_MATCH_TAGS_BITWISE_OR, 'MATCH_TAGS_BITWISE_OR'],
  [T.RULE_MATCH_TAGS_BITWISE_XOR, 'MATCH_TAGS_BITWISE_XOR'],
  [T.RULE_MATCH_TAGS_EQUAL, 'MATCH_TAGS_EQUAL'],
  [T.RULE_MATCH_TAG_SENDER, 'MATCH_TAG_SENDER'],
  [T.RULE_MATCH_TAG_RECEIVER, 'MATCH_TAG_RECEIVER'],
  [T.RULE_MATCH_INTEGER_RANGE, 'INTEGER_RANGE'],
];
const NAME_OF = new Map(NAMES);
const PARSED = new Map(NAMES.filter(([code]) => code !== T.RULE_MATCH_INTEGER_RANGE).map(([code, name]) => [name, code]));

/** Own key lookup: a missing key reads as null, as nlohmann's operator[] does. */
function field(o: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : null;
}

const hexAddress = (v: unknown): number => masked(strtoull(jsonString(v, '0'), 16), 40);
const int = (v: unknown, bits: number, dfl = 0n): number => masked(jsonInt(v, dfl), bits);

/** Utils::unhex after cleanMac: pairs of characters, a non-hex character counts as 0, an odd last one is dropped. */
function parseMac(text: string): number {
  const b = cString(text).filter((c) => c !== 0x2d && c !== 0x3a);
  const nibble = (c: number): number => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 87 : c >= 0x41 && c <= 0x46 ? c - 55 : 0);
  let mac = 0;
  for (let i = 0; i < 6; i++) {
    const byte = i * 2 + 1 < b.length ? (nibble(b[i * 2]) << 4) | nibble(b[i * 2 + 1]) : 0;
    mac = mac * 256 + byte;
  }
  return mac;
}

/**
 * InetAddress::fromString then the field reads of _parseRule: the text before the first
 * '/' is an IPv6 address if it has a ':', else IPv4 if it has a '.'; bits = the decimal
 * after '/' mod 2^16, then mod 2^8, capped at 32 or 128. An address of the other family
 * reads as all zeros (1.14.1 looks at the wrong sockaddr fields) but keeps its bits; text
 * with neither ':' nor '.', or 64 bytes or more, gives zeros and 0 bits.
 */
function parseRuleIp(text: string, family: 4 | 6): { ip: Uint8Array; bits: number } {
  const size = family === 4 ? 4 : 16;
  const zeros = { ip: new Uint8Array(size), bits: 0 };
  const bytes = cString(text);
  if (bytes.length === 0 || bytes.length >= 64) return zeros;
  const s = new TextDecoder().decode(bytes);
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const textFamily = addrText.includes(':') ? 6 : addrText.includes('.') ? 4 : 0;
  if (textFamily === 0) return zeros;
  const port = slash < 0 ? 0 : Number(strtoull(s.slice(slash + 1), 10) & 0xffffn);
  const bits = Math.min(port & 0xff, family === 4 ? 32 : 128);
  const parsed = textFamily === family ? parseIp(addrText) : null;
  return { ip: parsed && parsed.family === family ? parsed.ip : new Uint8Array(size), bits };
}

/** _parseRule: the rule for a JSON rule object, or null when 1.14.1 drops it. */
export function ruleFromJson(obj: unknown): Rule | null {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return null;
  const o = obj as Record<string, unknown>;
  const type = PARSED.get(jsonString(field(o, 'type'), ''));
  if (type === undefined) return null;
  const rule = makeRule(type, { not: jsonBool(field(o, 'not'), false), or: jsonBool(field(o, 'or'), false) });
  switch (type) {
    case T.RULE_ACTION_DROP:
    case T.RULE_ACTION_ACCEPT:
    case T.RULE_ACTION_BREAK:
      break;
    case T.RULE_ACTION_TEE:
    case T.RULE_ACTION_WATCH:
    case T.RULE_ACTION_REDIRECT:
      rule.address = hexAddress(field(o, 'address'));
      rule.flags = int(field(o, 'flags'), 32);
      // REDIRECT copies the whole frame: 1.14.1 reads no length for it.
      if (type !== T.RULE_ACTION_REDIRECT) rule.length = int(field(o, 'length'), 16);
      break;
    case T.RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
    case T.RULE_MATCH_DEST_ZEROTIER_ADDRESS:
      rule.address = hexAddress(field(o, 'zt'));
      break;
    case T.RULE_MATCH_VLAN_ID:
      rule.value = int(field(o, 'vlanId'), 16);
      break;
    case T.RULE_MATCH_VLAN_PCP:
      rule.value = int(field(o, 'vlanPcp'), 8);
      break;
    case T.RULE_MATCH_VLAN_DEI:
      rule.value = int(field(o, 'vlanDei'), 8);
      break;
    case T.RULE_MATCH_MAC_SOURCE:
    case T.RULE_MATCH_MAC_DEST:
      rule.mac = parseMac(jsonString(field(o, 'mac'), '0'));
      break;
    case T.RULE_MATCH_IPV4_SOURCE:
    case T.RULE_MATCH_IPV4_DEST:
      Object.assign(rule, parseRuleIp(jsonString(field(o, 'ip'), '0.0.0.0'), 4));
      break;
    case T.RULE_MATCH_IPV6_SOURCE:
    case T.RULE_MATCH_IPV6_DEST:
      Object.assign(rule, parseRuleIp(jsonString(field(o, 'ip'), '::0'), 6));
      break;
    case T.RULE_MATCH_IP_TOS:
      rule.mask = int(field(o, 'mask'), 8);
      rule.start = int(field(o, 'start'), 8);
      rule.end = int(field(o, 'end'), 8);
      break;
    case T.RULE_MATCH_IP_PROTOCOL:
      rule.value = int(field(o, 'ipProtocol'), 8);
      break;
    case T.RULE_MATCH_ETHERTYPE:
      rule.value = int(field(o, 'etherType'), 16);
      break;
    case T.RULE_MATCH_ICMP: {
      rule.value = int(field(o, 'icmpType'), 8);
      const code = field(o, 'icmpCode');
      if (code !== null) {
        rule.code = int(code, 8);
        rule.flags = T.RULE_ICMP_FLAG_CHECK_CODE;
      }
      break;
    }
    case T.RULE_MATCH_IP_SOURCE_PORT_RANGE:
    case T.RULE_MATCH_IP_DEST_PORT_RANGE:
    case T.RULE_MATCH_FRAME_SIZE_RANGE:
      rule.start = int(field(o, 'start'), 16);
      rule.end = int(field(o, 'end'), 16, BigInt(rule.start));
      break;
    case T.RULE_MATCH_CHARACTERISTICS:
      if (Object.prototype.hasOwnProperty.call(o, 'mask')) {
        const m = o.mask;
        let mask: bigint;
        if (typeof m === 'number') mask = jsonInt(m, 0n);
        else if (typeof m === 'string') mask = strtoull(m, 16);
        else throw new ConfigError(`rule MATCH_CHARACTERISTICS: "mask" must be a number or a hex string`);
        rule.maskHi = Number(mask >> 32n);
        rule.maskLo = Number(mask & 0xffffffffn);
      }
      break;
    case T.RULE_MATCH_RANDOM:
      rule.value = int(field(o, 'probability'), 32);
      break;
    default:
      // The seven tag matches.
      rule.id = int(field(o, 'id'), 32);
      rule.value = int(field(o, 'value'), 32);
      break;
  }
  return rule;
}

function hex16(v: bigint): string {
  return v.toString(16).padStart(16, '0');
}

function addressText(a: number): string {
  return a.toString(16).padStart(10, '0');
}

function macText(mac: number): string {
  const parts: string[] = [];
  for (let i = 5; i >= 0; i--) parts.push((Math.floor(mac / 2 ** (8 * i)) & 0xff).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** inet_ntop (glibc): RFC 5952 compression, plus ::a.b.c.d and ::ffff:a.b.c.d for embedded IPv4. */
function ipv6Text(ip: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((ip[i] << 8) | ip[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  const v4 = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  if (bestStart === 0 && bestLen === 6) return `::${v4}`;
  if (bestStart === 0 && bestLen === 5 && w[5] === 0xffff) return `::ffff:${v4}`;
  const hexes = w.map((g) => g.toString(16));
  if (bestStart < 0) return hexes.join(':');
  return `${hexes.slice(0, bestStart).join(':')}::${hexes.slice(bestStart + bestLen).join(':')}`;
}

function ipText(rule: Rule, size: 4 | 16): string {
  const ip = new Uint8Array(size);
  ip.set(rule.ip.subarray(0, size));
  return `${size === 4 ? Array.from(ip).join('.') : ipv6Text(ip)}/${rule.bits}`;
}

/**
 * _renderRule: the canonical JSON object of a rule, keys in sorted order (as nlohmann
 * prints them). ACTION_PRIORITY and unassigned types render as {} (1.14.1 never stores them).
 */
export function ruleToJson(rule: Rule): Record<string, unknown> {
  const name = NAME_OF.get(rule.type);
  if (name === undefined) return {};
  const o: Record<string, unknown> = { type: name };
  switch (rule.type) {
    case T.RULE_ACTION_DROP:
    case T.RULE_ACTION_ACCEPT:
    case T.RULE_ACTION_BREAK:
      return o;
    case T.RULE_ACTION_TEE:
    case T.RULE_ACTION_WATCH:
      return sorted({ ...o, address: addressText(rule.address), flags: rule.flags >>> 0, length: rule.length });
    case T.RULE_ACTION_REDIRECT:
      return sorted({ ...o, address: addressText(rule.address), flags: rule.flags >>> 0 });
    case T.RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
    case T.RULE_MATCH_DEST_ZEROTIER_ADDRESS:
      o.zt = addressText(rule.address);
      break;
    case T.RULE_MATCH_VLAN_ID:
      o.vlanId = rule.value;
      break;
    case T.RULE_MATCH_VLAN_PCP:
      o.vlanPcp = rule.value;
      break;
    case T.RULE_MATCH_VLAN_DEI:
      o.vlanDei = rule.value;
      break;
    case T.RULE_MATCH_MAC_SOURCE:
    case T.RULE_MATCH_MAC_DEST:
      o.mac = macText(rule.mac);
      break;
    case T.RULE_MATCH_IPV4_SOURCE:
    case T.RULE_MATCH_IPV4_DEST:
      o.ip = ipText(rule, 4);
      break;
    case T.RULE_MATCH_IPV6_SOURCE:
    case T.RULE_MATCH_IPV6_DEST:
      o.ip = ipText(rule, 16);
      break;
    case T.RULE_MATCH_IP_TOS:
      o.mask = rule.mask;
      o.start = rule.start;
      o.end = rule.end;
      break;
    case T.RULE_MATCH_IP_PROTOCOL:
      o.ipProtocol = rule.value;
      break;
    case T.RULE_MATCH_ETHERTYPE:
      o.etherType = rule.value;
      break;
    case T.RULE_MATCH_ICMP:
      o.icmpType = rule.value;
      o.icmpCode = (rule.flags & T.RULE_ICMP_FLAG_CHECK_CODE) !== 0 ? rule.code : null;
      break;
    case T.RULE_MATCH_IP_SOURCE_PORT_RANGE:
    case T.RULE_MATCH_IP_DEST_PORT_RANGE:
    case T.RULE_MATCH_FRAME_SIZE_RANGE:
      o.start = rule.start;
      o.end = rule.end;
      break;
    case T.RULE_MATCH_CHARACTERISTICS:
      o.mask = hex16(characteristicsMask(rule));
      break;
    case T.RULE_MATCH_RANDOM:
      o.probability = rule.value >>> 0;
      break;
    case T.RULE_MATCH_INTEGER_RANGE:
      o.start = hex16(integerRangeStart(rule));
      o.end = hex16(integerRangeEnd(rule));
      o.idx = rule.index;
      o.little = (rule.format & T.RULE_INTEGER_FORMAT_LITTLE_ENDIAN) !== 0;
      o.bits = (rule.format & 63) + 1;
      break;
    default:
      // The seven tag matches.
      o.id = rule.id >>> 0;
      o.value = rule.value >>> 0;
      break;
  }
  o.not = rule.not;
  o.or = rule.or;
  return sorted(o);
}

/** The same object with its keys inserted in byte order (nlohmann's std::map order). */
function sorted(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/** A JSON rules array as 1.14.1 converts it: each element parsed, the ones it drops left out. */
export function rulesFromJson(list: unknown): Rule[] {
  if (!Array.isArray(list)) return [];
  const out: Rule[] = [];
  for (const item of list) {
    const rule = ruleFromJson(item);
    if (rule) out.push(rule);
  }
  return out;
}

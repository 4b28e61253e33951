// Binary rule encoding (spec 04 §6.2; Capability::serializeRules / deserializeRules in
// 1.14.1 node/Capability.hpp). Each entry is type byte ‖ length L ‖ L value bytes.
//
// Reading follows 1.14.1 exactly, including what it tolerates, because a config or a
// capability that a 1.14.1 member accepts must not be refused here (and the reverse):
// * A known type's value is read from the start of the value, at its own fixed size,
//   whatever L says: a short L makes the value run on into the next entry's bytes, and a
//   long L is skipped over. Only running past the end of the whole input is an error.
// * Unknown type codes are kept as entries (they still count towards the maximum and take
//   part in evaluation: an unknown match yields the network's "unsupported match" flag and
//   an unknown action ends its set); their L bytes are skipped and their value is lost.
// * The upper 24 bits of a TEE/WATCH/REDIRECT target (sent as a u64) are dropped: 1.14.1
//   keeps them in memory but masks them off wherever it uses the address.
// * INTEGER_RANGE keeps only (end − start) mod 2^32, so re-encoding may change the end.
// * In the `R` blob (no count), reading stops after maxRules entries or at the end of the
//   blob, and the last entry's L may point past the end (1.14.1 simply leaves its loop).
//   In a capability's counted list every entry must end inside the input, since 1.14.1
//   goes on to read the custody chain from there.
// Writing emits what 1.14.1 emits: L = 0 and no value for actions other than TEE, WATCH
// and REDIRECT (PRIORITY's QoS bucket is not sent) and for every unknown type.
import { DecodeError } from '../../util/errors.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import {
  RULE_ACTION_REDIRECT,
  RULE_ACTION_TEE,
  RULE_ACTION_WATCH,
  RULE_FLAG_NOT,
  RULE_FLAG_OR,
  RULE_MATCH_CHARACTERISTICS,
  RULE_MATCH_DEST_ZEROTIER_ADDRESS,
  RULE_MATCH_ETHERTYPE,
  RULE_MATCH_FRAME_SIZE_RANGE,
  RULE_MATCH_ICMP,
  RULE_MATCH_INTEGER_RANGE,
  RULE_MATCH_IP_DEST_PORT_RANGE,
  RULE_MATCH_IP_PROTOCOL,
  RULE_MATCH_IP_SOURCE_PORT_RANGE,
  RULE_MATCH_IP_TOS,
  RULE_MATCH_IPV4_DEST,
  RULE_MATCH_IPV4_SOURCE,
  RULE_MATCH_IPV6_DEST,
  RULE_MATCH_IPV6_SOURCE,
  RULE_MATCH_MAC_DEST,
  RULE_MATCH_MAC_SOURCE,
  RULE_MATCH_RANDOM,
  RULE_MATCH_SOURCE_ZEROTIER_ADDRESS,
  RULE_MATCH_TAG_RECEIVER,
  RULE_MATCH_TAG_SENDER,
  RULE_MATCH_TAGS_BITWISE_AND,
  RULE_MATCH_TAGS_BITWISE_OR,
  RULE_MATCH_TAGS_BITWISE_XOR,
  RULE_MATCH_TAGS_DIFFERENCE,
  RULE_MATCH_TAGS_EQUAL,
  RULE_MATCH_VLAN_DEI,
  RULE_MATCH_VLAN_ID,
  RULE_MATCH_VLAN_PCP,
  RULE_TYPE_MAX,
  makeRule,
  ruleTypeByte,
  type Rule,
} from './rule.js';

/** ZT_MAX_NETWORK_RULES: entries read from a config's `R`. */
export const MAX_NETWORK_RULES = 1024;
/** ZT_MAX_CAPABILITY_RULES: a capability with more is malformed. */
export const MAX_CAPABILITY_RULES = 64;

const TWO_32 = 0x100000000;

/** Reads the value of a known type at r.pos (never past r.end); unknown types read nothing. */
function readValue(r: Reader, rule: Rule, field: string): void {
  switch (rule.type) {
    case RULE_ACTION_TEE:
    case RULE_ACTION_WATCH:
    case RULE_ACTION_REDIRECT: {
      const hi = r.u32(field + '.address');
      rule.address = (hi & 0xff) * TWO_32 + r.u32(field + '.address');
      rule.flags = r.u32(field + '.flags');
      rule.length = r.u16(field + '.length');
      return;
    }
    case RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
    case RULE_MATCH_DEST_ZEROTIER_ADDRESS:
      rule.address = r.u40(field + '.address');
      return;
    case RULE_MATCH_VLAN_ID:
    case RULE_MATCH_ETHERTYPE:
      rule.value = r.u16(field + '.value');
      return;
    case RULE_MATCH_VLAN_PCP:
    case RULE_MATCH_VLAN_DEI:
    case RULE_MATCH_IP_PROTOCOL:
      rule.value = r.u8(field + '.value');
      return;
    case RULE_MATCH_MAC_SOURCE:
    case RULE_MATCH_MAC_DEST: {
      const hi = r.u16(field + '.mac');
      rule.mac = hi * TWO_32 + r.u32(field + '.mac');
      return;
    }
    case RULE_MATCH_IPV4_SOURCE:
    case RULE_MATCH_IPV4_DEST:
      rule.ip = r.bytes(4, field + '.ip').slice();
      rule.bits = r.u8(field + '.bits');
      return;
    case RULE_MATCH_IPV6_SOURCE:
    case RULE_MATCH_IPV6_DEST:
      rule.ip = r.bytes(16, field + '.ip').slice();
      rule.bits = r.u8(field + '.bits');
      return;
    case RULE_MATCH_IP_TOS:
      rule.mask = r.u8(field + '.mask');
      rule.start = r.u8(field + '.start');
      rule.end = r.u8(field + '.end');
      return;
    case RULE_MATCH_ICMP:
      rule.value = r.u8(field + '.icmpType');
      rule.code = r.u8(field + '.icmpCode');
      rule.flags = r.u8(field + '.flags');
      return;
    case RULE_MATCH_IP_SOURCE_PORT_RANGE:
    case RULE_MATCH_IP_DEST_PORT_RANGE:
    case RULE_MATCH_FRAME_SIZE_RANGE:
      rule.start = r.u16(field + '.start');
      rule.end = r.u16(field + '.end');
      return;
    case RULE_MATCH_CHARACTERISTICS:
      rule.maskHi = r.u32(field + '.mask');
      rule.maskLo = r.u32(field + '.mask');
      return;
    case RULE_MATCH_RANDOM:
      rule.value = r.u32(field + '.probability');
      return;
    case RULE_MATCH_TAGS_DIFFERENCE:
    case RULE_MATCH_TAGS_BITWISE_AND:
    case RULE_MATCH_TAGS_BITWISE_OR:
    case RULE_MATCH_TAGS_BITWISE_XOR:
    case RULE_MATCH_TAGS_EQUAL:
    case RULE_MATCH_TAG_SENDER:
    case RULE_MATCH_TAG_RECEIVER:
      rule.id = r.u32(field + '.id');
      rule.value = r.u32(field + '.value');
      return;
    case RULE_MATCH_INTEGER_RANGE: {
      rule.startHi = r.u32(field + '.start');
      rule.startLo = r.u32(field + '.start');
      r.u32(field + '.end');
      // (end − start) as a u32 depends on the low words only.
      rule.span = (r.u32(field + '.end') - rule.startLo) >>> 0;
      rule.index = r.u16(field + '.index');
      rule.format = r.u8(field + '.format');
      return;
    }
    default:
      return;
  }
}

function readEntry(r: Reader, field: string, lastMayOverrun: boolean): Rule {
  const typeByte = r.u8(field + '.type');
  const len = r.u8(field + '.length');
  const at = r.pos;
  const rule = makeRule(typeByte & RULE_TYPE_MAX, { not: (typeByte & RULE_FLAG_NOT) !== 0, or: (typeByte & RULE_FLAG_OR) !== 0 });
  readValue(r, rule, field);
  if (at + len > r.end) {
    if (!lastMayOverrun) throw new DecodeError(field + '.value', at, 'bad_length');
    r.pos = r.end;
  } else {
    r.pos = at + len;
  }
  return rule;
}

/** One entry, which must end inside the reader's range. */
export function readRule(r: Reader, field = 'rule'): Rule {
  return readEntry(r, field, false);
}

export function writeRule(w: Writer, rule: Rule): void {
  w.u8(ruleTypeByte(rule));
  switch (rule.type) {
    case RULE_ACTION_TEE:
    case RULE_ACTION_WATCH:
    case RULE_ACTION_REDIRECT:
      w.u8(14).u32(Math.floor(rule.address / TWO_32) & 0xff).u32(rule.address >>> 0).u32(rule.flags >>> 0).u16(rule.length);
      return;
    case RULE_MATCH_SOURCE_ZEROTIER_ADDRESS:
    case RULE_MATCH_DEST_ZEROTIER_ADDRESS:
      w.u8(5).u40(rule.address);
      return;
    case RULE_MATCH_VLAN_ID:
    case RULE_MATCH_ETHERTYPE:
      w.u8(2).u16(rule.value);
      return;
    case RULE_MATCH_VLAN_PCP:
    case RULE_MATCH_VLAN_DEI:
    case RULE_MATCH_IP_PROTOCOL:
      w.u8(1).u8(rule.value);
      return;
    case RULE_MATCH_MAC_SOURCE:
    case RULE_MATCH_MAC_DEST:
      w.u8(6).u16(Math.floor(rule.mac / TWO_32) & 0xffff).u32(rule.mac >>> 0);
      return;
    case RULE_MATCH_IPV4_SOURCE:
    case RULE_MATCH_IPV4_DEST:
      w.u8(5).bytes(fixedIp(rule.ip, 4)).u8(rule.bits);
      return;
    case RULE_MATCH_IPV6_SOURCE:
    case RULE_MATCH_IPV6_DEST:
      w.u8(17).bytes(fixedIp(rule.ip, 16)).u8(rule.bits);
      return;
    case RULE_MATCH_IP_TOS:
      w.u8(3).u8(rule.mask).u8(rule.start).u8(rule.end);
      return;
    case RULE_MATCH_ICMP:
      w.u8(3).u8(rule.value).u8(rule.code).u8(rule.flags);
      return;
    case RULE_MATCH_IP_SOURCE_PORT_RANGE:
    case RULE_MATCH_IP_DEST_PORT_RANGE:
    case RULE_MATCH_FRAME_SIZE_RANGE:
      w.u8(4).u16(rule.start).u16(rule.end);
      return;
    case RULE_MATCH_CHARACTERISTICS:
      w.u8(8).u32(rule.maskHi >>> 0).u32(rule.maskLo >>> 0);
      return;
    case RULE_MATCH_RANDOM:
      w.u8(4).u32(rule.value >>> 0);
      return;
    case RULE_MATCH_TAGS_DIFFERENCE:
    case RULE_MATCH_TAGS_BITWISE_AND:
    case RULE_MATCH_TAGS_BITWISE_OR:
    case RULE_MATCH_TAGS_BITWISE_XOR:
    case RULE_MATCH_TAGS_EQUAL:
    case RULE_MATCH_TAG_SENDER:
    case RULE_MATCH_TAG_RECEIVER:
      w.u8(8).u32(rule.id >>> 0).u32(rule.value >>> 0);
      return;
    case RULE_MATCH_INTEGER_RANGE: {
      const endLo = (rule.startLo >>> 0) + (rule.span >>> 0);
      const endHi = ((rule.startHi >>> 0) + (endLo >= TWO_32 ? 1 : 0)) >>> 0;
      w.u8(19).u32(rule.startHi >>> 0).u32(rule.startLo >>> 0).u32(endHi).u32(endLo >>> 0).u16(rule.index).u8(rule.format);
      return;
    }
    default:
      w.u8(0);
      return;
  }
}

/** The rule's address bytes, zero-filled or cut to the width its type sends (as the C union would). */
function fixedIp(ip: Uint8Array, n: number): Uint8Array {
  if (ip.length === n) return ip;
  const out = new Uint8Array(n);
  out.set(ip.subarray(0, n));
  return out;
}

/** Entries concatenated without a count (a network config's `R`), at most maxRules of them. */
export function decodeRules(bytes: Uint8Array, maxRules: number = MAX_NETWORK_RULES): Rule[] {
  const r = new Reader(bytes);
  const out: Rule[] = [];
  while (out.length < maxRules && r.hasMore()) out.push(readEntry(r, `rules[${out.length}]`, true));
  return out;
}

export function encodeRules(rules: readonly Rule[]): Uint8Array {
  const w = new Writer(rules.length * 8 + 16);
  for (const rule of rules) writeRule(w, rule);
  return w.finish();
}

/** A u16 count then that many entries (a capability's rules); a count above maxRules is malformed. */
export function readRuleList(r: Reader, maxRules: number = MAX_CAPABILITY_RULES, field = 'rules'): Rule[] {
  const countAt = r.pos;
  const count = r.u16(field + '.count');
  if (count > maxRules) throw new DecodeError(field + '.count', countAt, 'too_many');
  const out: Rule[] = [];
  for (let i = 0; i < count; i++) out.push(readEntry(r, `${field}[${i}]`, false));
  return out;
}

export function writeRuleList(w: Writer, rules: readonly Rule[]): void {
  if (rules.length > 0xffff) throw new RangeError(`rule list: ${rules.length} rules do not fit a u16 count`);
  w.u16(rules.length);
  for (const rule of rules) writeRule(w, rule);
}

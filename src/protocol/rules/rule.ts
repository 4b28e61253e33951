// One entry of a VL2 rule table (spec 04 §6.1; ZT_VirtualNetworkRule in 1.14.1's
// include/ZeroTierOne.h). Every Rule has every field, whatever its type: one object shape
// keeps the engine's property loads monomorphic, and numbers instead of bigints or
// sub-objects mean evaluating a rule allocates nothing. The field each type uses is listed
// on the field; the others stay at their zero defaults.

export const RULE_ACTION_DROP = 0;
export const RULE_ACTION_ACCEPT = 1;
export const RULE_ACTION_TEE = 2;
export const RULE_ACTION_WATCH = 3;
export const RULE_ACTION_REDIRECT = 4;
export const RULE_ACTION_BREAK = 5;
export const RULE_ACTION_PRIORITY = 6;
/** Codes up to this one are actions (7–15 are unassigned and do nothing). */
export const RULE_ACTION_MAX = 15;

export const RULE_MATCH_SOURCE_ZEROTIER_ADDRESS = 24;
export const RULE_MATCH_DEST_ZEROTIER_ADDRESS = 25;
export const RULE_MATCH_VLAN_ID = 26;
export const RULE_MATCH_VLAN_PCP = 27;
export const RULE_MATCH_VLAN_DEI = 28;
export const RULE_MATCH_MAC_SOURCE = 29;
export const RULE_MATCH_MAC_DEST = 30;
export const RULE_MATCH_IPV4_SOURCE = 31;
export const RULE_MATCH_IPV4_DEST = 32;
export const RULE_MATCH_IPV6_SOURCE = 33;
export const RULE_MATCH_IPV6_DEST = 34;
export const RULE_MATCH_IP_TOS = 35;
export const RULE_MATCH_IP_PROTOCOL = 36;
export const RULE_MATCH_ETHERTYPE = 37;
export const RULE_MATCH_ICMP = 38;
export const RULE_MATCH_IP_SOURCE_PORT_RANGE = 39;
export const RULE_MATCH_IP_DEST_PORT_RANGE = 40;
export const RULE_MATCH_CHARACTERISTICS = 41;
export const RULE_MATCH_FRAME_SIZE_RANGE = 42;
export const RULE_MATCH_RANDOM = 43;
export const RULE_MATCH_TAGS_DIFFERENCE = 44;
export const RULE_MATCH_TAGS_BITWISE_AND = 45;
export const RULE_MATCH_TAGS_BITWISE_OR = 46;
export const RULE_MATCH_TAGS_BITWISE_XOR = 47;
export const RULE_MATCH_TAGS_EQUAL = 48;
export const RULE_MATCH_TAG_SENDER = 49;
export const RULE_MATCH_TAG_RECEIVER = 50;
export const RULE_MATCH_INTEGER_RANGE = 51;
/** Type codes are 6 bits; 16–23 and 52–63 are unassigned matches. */
export const RULE_TYPE_MAX = 63;

/** Type-byte flags on the wire. */
export const RULE_FLAG_NOT = 0x80;
export const RULE_FLAG_OR = 0x40;

// Packet characteristics (MATCH_CHARACTERISTICS), a u64 split into two u32 words so the
// engine can test them without bigints. `_HI` constants belong to the upper word.
export const CHARACTERISTICS_INBOUND_HI = 0x80000000;
export const CHARACTERISTICS_MULTICAST_HI = 0x40000000;
export const CHARACTERISTICS_BROADCAST_HI = 0x20000000;
export const CHARACTERISTICS_SENDER_IP_AUTHENTICATED_HI = 0x10000000;
export const CHARACTERISTICS_SENDER_MAC_AUTHENTICATED_HI = 0x08000000;
export const CHARACTERISTICS_TCP_FIN = 0x001;
export const CHARACTERISTICS_TCP_SYN = 0x002;
export const CHARACTERISTICS_TCP_RST = 0x004;
export const CHARACTERISTICS_TCP_PSH = 0x008;
export const CHARACTERISTICS_TCP_ACK = 0x010;
export const CHARACTERISTICS_TCP_URG = 0x020;
export const CHARACTERISTICS_TCP_ECE = 0x040;
export const CHARACTERISTICS_TCP_CWR = 0x080;
export const CHARACTERISTICS_TCP_NS = 0x100;
export const CHARACTERISTICS_TCP_RESERVED_2 = 0x200;
export const CHARACTERISTICS_TCP_RESERVED_1 = 0x400;
export const CHARACTERISTICS_TCP_RESERVED_0 = 0x800;

/** ICMP `flags` bit: also compare the code (otherwise only the type). */
export const RULE_ICMP_FLAG_CHECK_CODE = 0x01;
/** INTEGER_RANGE `format` bit: little-endian; the low 6 bits are (bit width − 1). */
export const RULE_INTEGER_FORMAT_LITTLE_ENDIAN = 0x80;

export interface Rule {
  /** Type code 0–63 (no flag bits). */
  type: number;
  /** Inverts a match; kept (and encoded) but without effect on actions, as in 1.14.1. */
  not: boolean;
  /** ORs a match into its set instead of ANDing; kept but without effect on actions. */
  or: boolean;
  /** 40-bit ZeroTier address: SOURCE/DEST_ZEROTIER_ADDRESS, and the target of TEE/WATCH/REDIRECT. */
  address: number;
  /** TEE/WATCH/REDIRECT: u32 sent but unused by 1.14.1. ICMP: RULE_ICMP_FLAG_CHECK_CODE. */
  flags: number;
  /** TEE/WATCH: bytes of the frame to copy (u16, 0 = all). */
  length: number;
  /** MAC_SOURCE/MAC_DEST as a 48-bit number. */
  mac: number;
  /** IPV4_* (4 bytes) and IPV6_* (16 bytes), network order; empty for other types. */
  ip: Uint8Array;
  /** IPV4_* and IPV6_*: prefix length (u8 on the wire, so up to 255). */
  bits: number;
  /**
   * The single number of: VLAN_ID (u16), VLAN_PCP/VLAN_DEI/IP_PROTOCOL (u8), ETHERTYPE
   * (u16), ICMP type (u8), RANDOM probability (u32), and the tag value of TAGS_* and
   * TAG_SENDER/TAG_RECEIVER (u32).
   */
  value: number;
  /** ICMP code (u8), compared only with RULE_ICMP_FLAG_CHECK_CODE. */
  code: number;
  /** IP_TOS mask (u8). */
  mask: number;
  /** Inclusive range: IP_TOS (u8), the two port ranges and FRAME_SIZE_RANGE (u16). */
  start: number;
  end: number;
  /** Tag ID of TAGS_* and TAG_SENDER/TAG_RECEIVER (u32). */
  id: number;
  /** CHARACTERISTICS mask, upper and lower 32 bits. */
  maskHi: number;
  maskLo: number;
  /** INTEGER_RANGE start, upper and lower 32 bits. */
  startHi: number;
  startLo: number;
  /** INTEGER_RANGE end − start as a u32 (1.14.1 keeps only this much of the end). */
  span: number;
  /** INTEGER_RANGE byte index (u16) and format (RULE_INTEGER_FORMAT_*, u8). */
  index: number;
  format: number;
}

const NO_IP = new Uint8Array(0);

/** A rule of `type` with `fields` set and every other field at its default. */
export function makeRule(type: number, fields: Partial<Omit<Rule, 'type'>> = {}): Rule {
  return {
    type,
    not: fields.not ?? false,
    or: fields.or ?? false,
    address: fields.address ?? 0,
    flags: fields.flags ?? 0,
    length: fields.length ?? 0,
    mac: fields.mac ?? 0,
    ip: fields.ip ?? NO_IP,
    bits: fields.bits ?? 0,
    value: fields.value ?? 0,
    code: fields.code ?? 0,
    mask: fields.mask ?? 0,
    start: fields.start ?? 0,
    end: fields.end ?? 0,
    id: fields.id ?? 0,
    maskHi: fields.maskHi ?? 0,
    maskLo: fields.maskLo ?? 0,
    startHi: fields.startHi ?? 0,
    startLo: fields.startLo ?? 0,
    span: fields.span ?? 0,
    index: fields.index ?? 0,
    format: fields.format ?? 0,
  };
}

export function isAction(type: number): boolean {
  return type <= RULE_ACTION_MAX;
}

/** The type byte on the wire: code, OR and NOT. */
export function ruleTypeByte(rule: Rule): number {
  return (rule.type & RULE_TYPE_MAX) | (rule.or ? RULE_FLAG_OR : 0) | (rule.not ? RULE_FLAG_NOT : 0);
}

/** MATCH_CHARACTERISTICS with a u64 mask. */
export function characteristicsRule(mask: bigint, fields: Partial<Omit<Rule, 'type'>> = {}): Rule {
  return makeRule(RULE_MATCH_CHARACTERISTICS, { ...fields, maskHi: Number((mask >> 32n) & 0xffffffffn), maskLo: Number(mask & 0xffffffffn) });
}

export function characteristicsMask(rule: Rule): bigint {
  return (BigInt(rule.maskHi >>> 0) << 32n) | BigInt(rule.maskLo >>> 0);
}

/**
 * MATCH_INTEGER_RANGE from u64 bounds, reduced the way 1.14.1 stores it: the end becomes
 * (end − start) mod 2^32, so only ranges up to 2^32 − 1 wide survive.
 */
export function integerRangeRule(start: bigint, end: bigint, index: number, format: number, fields: Partial<Omit<Rule, 'type'>> = {}): Rule {
  const s = BigInt.asUintN(64, start);
  return makeRule(RULE_MATCH_INTEGER_RANGE, {
    ...fields,
    startHi: Number(s >> 32n),
    startLo: Number(s & 0xffffffffn),
    span: Number(BigInt.asUintN(32, end - s)),
    index: index & 0xffff,
    format: format & 0xff,
  });
}

export function integerRangeStart(rule: Rule): bigint {
  return (BigInt(rule.startHi >>> 0) << 32n) | BigInt(rule.startLo >>> 0);
}

/** start + span mod 2^64: the end 1.14.1 sends and renders. */
export function integerRangeEnd(rule: Rule): bigint {
  return BigInt.asUintN(64, integerRangeStart(rule) + BigInt(rule.span >>> 0));
}

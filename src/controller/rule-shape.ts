// The hook through which the controller normalizes rules on write (spec 05 §5.1): 1.14.1
// converts each posted rule to binary and re-renders it, dropping what does not convert.
// That conversion is rules-json.ts's job (ruleFromJson / ruleToJson); until it is wired in
// with `ruleNormalizerFrom`, `normalizeRuleByShape` keeps a rule whose `type` 1.14.1 knows,
// unchanged, and drops the rest — right about what survives, not about the stored form.
import { cloneJson, type JsonObject } from './json-read.js';

/** Returns the canonical JSON of one rule, or null to drop it (1.14.1 drops silently). */
export type RuleNormalizer = (rule: JsonObject) => JsonObject | null;

/** Every `type` 1.14.1's _parseRule accepts (05 §5.2); INTEGER_RANGE and ACTION_PRIORITY are not among them. */
export const RULE_TYPES: ReadonlySet<string> = new Set([
  'ACTION_DROP', 'ACTION_ACCEPT', 'ACTION_TEE', 'ACTION_WATCH', 'ACTION_REDIRECT', 'ACTION_BREAK',
  'MATCH_SOURCE_ZEROTIER_ADDRESS', 'MATCH_DEST_ZEROTIER_ADDRESS', 'MATCH_VLAN_ID', 'MATCH_VLAN_PCP', 'MATCH_VLAN_DEI',
  'MATCH_MAC_SOURCE', 'MATCH_MAC_DEST', 'MATCH_IPV4_SOURCE', 'MATCH_IPV4_DEST', 'MATCH_IPV6_SOURCE', 'MATCH_IPV6_DEST',
  'MATCH_IP_TOS', 'MATCH_IP_PROTOCOL', 'MATCH_ETHERTYPE', 'MATCH_ICMP', 'MATCH_IP_SOURCE_PORT_RANGE',
  'MATCH_IP_DEST_PORT_RANGE', 'MATCH_CHARACTERISTICS', 'MATCH_FRAME_SIZE_RANGE', 'MATCH_RANDOM',
  'MATCH_TAGS_DIFFERENCE', 'MATCH_TAGS_BITWISE_AND', 'MATCH_TAGS_BITWISE_OR', 'MATCH_TAGS_BITWISE_XOR',
  'MATCH_TAGS_EQUAL', 'MATCH_TAG_SENDER', 'MATCH_TAG_RECEIVER',
]);

/** The stand-in normalizer: known type → kept as posted; anything else → dropped. */
export const normalizeRuleByShape: RuleNormalizer = (rule) =>
  typeof rule.type === 'string' && RULE_TYPES.has(rule.type) ? cloneJson(rule) : null;

/** Builds the real normalizer from rules-json.ts's pair: convert, then re-render (05 §5.1). */
export function ruleNormalizerFrom<R>(fromJson: (obj: JsonObject) => R | null, toJson: (rule: R) => JsonObject): RuleNormalizer {
  return (rule) => {
    const r = fromJson(rule);
    return r === null ? null : toJson(r);
  };
}

// The fixed rule table of an ad-hoc network ff SSSS EEEE 000000 (spec 04 §6.6; built in
// Network::requestConfiguration of 1.14.1): IPv6 only; ICMPv6; UDP or TCP to a destination
// port in [start, end]; TCP that is not a SYN, or is a SYN+ACK (replies to connections
// opened from here); nothing else.
import {
  CHARACTERISTICS_TCP_ACK,
  CHARACTERISTICS_TCP_SYN,
  RULE_ACTION_ACCEPT,
  RULE_ACTION_DROP,
  RULE_MATCH_CHARACTERISTICS,
  RULE_MATCH_ETHERTYPE,
  RULE_MATCH_IP_DEST_PORT_RANGE,
  RULE_MATCH_IP_PROTOCOL,
  makeRule,
  type Rule,
} from './rule.js';

export function adHocRules(startPort: number, endPort: number): Rule[] {
  const accept = (): Rule => makeRule(RULE_ACTION_ACCEPT);
  return [
    makeRule(RULE_MATCH_ETHERTYPE, { value: 0x86dd, not: true }),
    makeRule(RULE_ACTION_DROP),
    makeRule(RULE_MATCH_IP_PROTOCOL, { value: 58 }),
    accept(),
    makeRule(RULE_MATCH_IP_PROTOCOL, { value: 17 }),
    makeRule(RULE_MATCH_IP_PROTOCOL, { value: 6, or: true }),
    makeRule(RULE_MATCH_IP_DEST_PORT_RANGE, { start: startPort & 0xffff, end: endPort & 0xffff }),
    accept(),
    makeRule(RULE_MATCH_CHARACTERISTICS, { maskLo: CHARACTERISTICS_TCP_SYN, not: true }),
    accept(),
    makeRule(RULE_MATCH_CHARACTERISTICS, { maskLo: CHARACTERISTICS_TCP_SYN }),
    makeRule(RULE_MATCH_CHARACTERISTICS, { maskLo: CHARACTERISTICS_TCP_ACK }),
    accept(),
    makeRule(RULE_ACTION_DROP),
  ];
}

// The rules engine against 1.14.1's _doZtFilter / filterOutgoingPacket /
// filterIncomingPacket (spec 04 §6.3–§6.5). Every match type is one table of cases, each
// with its raw result: "yes"/"no" (NOT inverts it) or "forced yes"/"forced no" (NOT does
// not). Each case is run plain, with NOT, ANDed after a true and a false match, and ORed
// after a true and a false match, inbound or outbound as the case says.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../../src/protocol/rules/rule.js';
import { characteristicsRule, integerRangeRule, makeRule, type Rule } from '../../../src/protocol/rules/rule.js';
import { adHocRules } from '../../../src/protocol/rules/ad-hoc.js';
import { decodeRules } from '../../../src/protocol/rules/codec.js';
import { DecodeError } from '../../../src/util/errors.js';
import { Prng } from '../../helpers/prng.js';
import {
  FILTER_ACCEPT,
  FILTER_DROP,
  FILTER_NO_MATCH,
  FILTER_REDIRECT,
  FILTER_SUPER_ACCEPT,
  FilterResult,
  evaluateRules,
  filterIncoming,
  filterOutgoing,
  type FilterCredentials,
  type FilterFrame,
  type NetworkRules,
} from '../../../src/node/rules-engine.js';
import {
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  arp,
  concat,
  credentials,
  extHeader,
  frame,
  icmp,
  ipv4,
  ipv6,
  ndp,
  tcp,
  udp,
  v6,
  type CredSpec,
} from '../../helpers/rules-frames.js';

const SELF = 0x5e1f5e1f5e;
const PEER = 0x1111111111; // default ztSource of frame()
const DEST = 0x2222222222; // default ztDest of frame()
const OTHER = 0x3333333333;

function network(rules: Rule[], opts: { caps?: Rule[][]; local?: CredSpec; flags?: number } = {}): NetworkRules {
  return {
    networkId: 0x55bd869199fbd649n,
    self: SELF,
    rules,
    capabilities: opts.caps ?? [],
    flags: opts.flags ?? 0,
    local: credentials(opts.local),
  };
}

const A = [10, 147, 20, 7];
const B = [10, 147, 20, 99];
const C = [192, 168, 1, 1];
const V6A = v6('fd00:1:2:3::a');
const V6B = v6('fd00:1:2:3::b');
const V6X = v6('fd99::1');

const tcp4 = (dport = 22, flags = TCP_SYN, sport = 40000): Uint8Array => ipv4(6, A, B, tcp(sport, dport, flags));
const udp4 = (dport = 53, sport = 5353): Uint8Array => ipv4(17, A, B, udp(sport, dport));
const icmp4 = (type = 8, code = 0): Uint8Array => ipv4(1, A, B, icmp(type, code));
const tcp6 = (dport = 22, flags = TCP_SYN, sport = 40000): Uint8Array => ipv6(6, V6A, V6B, tcp(sport, dport, flags));
const udp6 = (dport = 53, sport = 5353): Uint8Array => ipv6(17, V6A, V6B, udp(sport, dport));
const icmp6 = (type = 128, code = 0): Uint8Array => ipv6(58, V6A, V6B, icmp(type, code));

const F4 = (payload: Uint8Array, extra: Partial<FilterFrame> = {}): FilterFrame => frame({ payload, etherType: 0x0800, ...extra });
const F6 = (payload: Uint8Array, extra: Partial<FilterFrame> = {}): FilterFrame => frame({ payload, etherType: 0x86dd, ...extra });
const FARP = (payload: Uint8Array = arp(A, B), extra: Partial<FilterFrame> = {}): FilterFrame => frame({ payload, etherType: 0x0806, ...extra });

type Raw = 'yes' | 'no' | 'forced yes' | 'forced no';

interface MatchCase {
  what: string;
  rule: Rule;
  frame: FilterFrame;
  raw: Raw;
  inbound?: boolean;
  /** The other party's credentials (its membership record). */
  remote?: CredSpec | null;
  local?: CredSpec;
  flags?: number;
}

const ip = (...b: number[]): Uint8Array => Uint8Array.from(b);

const CASES: Array<[type: string, cases: MatchCase[]]> = [
  ['SOURCE_ZEROTIER_ADDRESS', [
    { what: 'the sender', rule: makeRule(R.RULE_MATCH_SOURCE_ZEROTIER_ADDRESS, { address: PEER }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'another address', rule: makeRule(R.RULE_MATCH_SOURCE_ZEROTIER_ADDRESS, { address: OTHER }), frame: F4(tcp4()), raw: 'no' },
  ]],
  ['DEST_ZEROTIER_ADDRESS', [
    { what: 'the destination', rule: makeRule(R.RULE_MATCH_DEST_ZEROTIER_ADDRESS, { address: DEST }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'another address', rule: makeRule(R.RULE_MATCH_DEST_ZEROTIER_ADDRESS, { address: OTHER }), frame: F4(tcp4()), raw: 'no' },
    { what: 'destination-less pass (zd 0)', rule: makeRule(R.RULE_MATCH_DEST_ZEROTIER_ADDRESS, { address: DEST }), frame: F4(tcp4(), { ztDest: 0 }), raw: 'no' },
  ]],
  ['VLAN_ID', [
    { what: 'VLAN 0', rule: makeRule(R.RULE_MATCH_VLAN_ID, { value: 0 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'VLAN 5 on an untagged frame', rule: makeRule(R.RULE_MATCH_VLAN_ID, { value: 5 }), frame: F4(tcp4()), raw: 'no' },
  ]],
  ['VLAN_PCP (frame taken as 0)', [
    { what: 'value 0', rule: makeRule(R.RULE_MATCH_VLAN_PCP, { value: 0 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'value 3', rule: makeRule(R.RULE_MATCH_VLAN_PCP, { value: 3 }), frame: F4(tcp4()), raw: 'no' },
  ]],
  ['VLAN_DEI (frame taken as 0)', [
    { what: 'value 0', rule: makeRule(R.RULE_MATCH_VLAN_DEI, { value: 0 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'value 1', rule: makeRule(R.RULE_MATCH_VLAN_DEI, { value: 1 }), frame: F4(tcp4()), raw: 'no' },
  ]],
  ['MAC_SOURCE', [
    { what: 'the source MAC', rule: makeRule(R.RULE_MATCH_MAC_SOURCE, { mac: 0x021111111111 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'another MAC', rule: makeRule(R.RULE_MATCH_MAC_SOURCE, { mac: 0x022222222222 }), frame: F4(tcp4()), raw: 'no' },
  ]],
  ['MAC_DEST', [
    { what: 'the destination MAC', rule: makeRule(R.RULE_MATCH_MAC_DEST, { mac: 0x022222222222 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'broadcast vs unicast', rule: makeRule(R.RULE_MATCH_MAC_DEST, { mac: 0xffffffffffff }), frame: F4(tcp4()), raw: 'no' },
  ]],
  ['IPV4_SOURCE', [
    { what: 'inside the /24', rule: makeRule(R.RULE_MATCH_IPV4_SOURCE, { ip: ip(10, 147, 20, 0), bits: 24 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'host bits of the rule IP are ignored', rule: makeRule(R.RULE_MATCH_IPV4_SOURCE, { ip: ip(10, 147, 20, 200), bits: 24 }), frame: F4(tcp4()), raw: 'yes' },
    { what: '/32 of another host', rule: makeRule(R.RULE_MATCH_IPV4_SOURCE, { ip: ip(10, 147, 20, 99), bits: 32 }), frame: F4(tcp4()), raw: 'no' },
    { what: '/0 matches everything', rule: makeRule(R.RULE_MATCH_IPV4_SOURCE, { ip: ip(1, 2, 3, 4), bits: 0 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'an ARP frame', rule: makeRule(R.RULE_MATCH_IPV4_SOURCE, { ip: ip(10, 147, 20, 7), bits: 32 }), frame: FARP(), raw: 'forced no' },
    { what: 'a 19-byte IPv4 payload', rule: makeRule(R.RULE_MATCH_IPV4_SOURCE, { ip: ip(10, 147, 20, 7), bits: 32 }), frame: F4(tcp4().subarray(0, 19)), raw: 'forced no' },
    { what: 'prefix 40 shifts like x86 (by 24: first byte only)', rule: makeRule(R.RULE_MATCH_IPV4_SOURCE, { ip: ip(10, 0, 0, 0), bits: 40 }), frame: F4(tcp4()), raw: 'yes' },
  ]],
  ['IPV4_DEST', [
    { what: 'the destination', rule: makeRule(R.RULE_MATCH_IPV4_DEST, { ip: ip(10, 147, 20, 99), bits: 32 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'another network', rule: makeRule(R.RULE_MATCH_IPV4_DEST, { ip: ip(192, 168, 0, 0), bits: 16 }), frame: F4(tcp4()), raw: 'no' },
    { what: 'an IPv6 frame', rule: makeRule(R.RULE_MATCH_IPV4_DEST, { ip: ip(0, 0, 0, 0), bits: 0 }), frame: F6(tcp6()), raw: 'forced no' },
  ]],
  ['IPV6_SOURCE', [
    { what: 'inside the /64', rule: makeRule(R.RULE_MATCH_IPV6_SOURCE, { ip: v6('fd00:1:2:3::'), bits: 64 }), frame: F6(tcp6()), raw: 'yes' },
    { what: 'a rule IP with host bits never matches', rule: makeRule(R.RULE_MATCH_IPV6_SOURCE, { ip: v6('fd00:1:2:3::1'), bits: 64 }), frame: F6(tcp6()), raw: 'no' },
    { what: '/0 only matches with the rule IP ::', rule: makeRule(R.RULE_MATCH_IPV6_SOURCE, { ip: v6('::'), bits: 0 }), frame: F6(tcp6()), raw: 'yes' },
    { what: '/0 with a non-zero rule IP', rule: makeRule(R.RULE_MATCH_IPV6_SOURCE, { ip: v6('fd00::'), bits: 0 }), frame: F6(tcp6()), raw: 'no' },
    { what: 'another /128', rule: makeRule(R.RULE_MATCH_IPV6_SOURCE, { ip: V6B, bits: 128 }), frame: F6(tcp6()), raw: 'no' },
    { what: 'an IPv4 frame', rule: makeRule(R.RULE_MATCH_IPV6_SOURCE, { ip: v6('::'), bits: 0 }), frame: F4(tcp4()), raw: 'forced no' },
    { what: 'a 39-byte IPv6 payload', rule: makeRule(R.RULE_MATCH_IPV6_SOURCE, { ip: v6('::'), bits: 0 }), frame: F6(tcp6().subarray(0, 39)), raw: 'forced no' },
  ]],
  ['IPV6_DEST', [
    { what: 'the destination /128', rule: makeRule(R.RULE_MATCH_IPV6_DEST, { ip: V6B, bits: 128 }), frame: F6(tcp6()), raw: 'yes' },
    { what: 'another network', rule: makeRule(R.RULE_MATCH_IPV6_DEST, { ip: v6('fd99::'), bits: 16 }), frame: F6(tcp6()), raw: 'no' },
  ]],
  ['IP_TOS', [
    { what: 'IPv4 TOS in range', rule: makeRule(R.RULE_MATCH_IP_TOS, { mask: 0xfc, start: 0xb8, end: 0xb8 }), frame: F4(ipv4(6, A, B, tcp(1, 2, 0), { tos: 0xb9 })), raw: 'yes' },
    { what: 'IPv4 TOS out of range', rule: makeRule(R.RULE_MATCH_IP_TOS, { mask: 0xff, start: 1, end: 46 }), frame: F4(tcp4()), raw: 'no' },
    { what: 'IPv6 traffic class', rule: makeRule(R.RULE_MATCH_IP_TOS, { mask: 0xff, start: 0x2e, end: 0x2e }), frame: F6(ipv6(6, V6A, V6B, tcp(1, 2, 0), 0x2e)), raw: 'yes' },
    { what: 'ARP', rule: makeRule(R.RULE_MATCH_IP_TOS, { mask: 0, start: 0, end: 255 }), frame: FARP(), raw: 'forced no' },
  ]],
  ['IP_PROTOCOL', [
    { what: 'IPv4 TCP', rule: makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 6 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'IPv4 UDP vs TCP', rule: makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 6 }), frame: F4(udp4()), raw: 'no' },
    { what: 'IPv6 TCP behind hop-by-hop and routing headers', rule: makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 6 }), frame: F6(ipv6(0, V6A, V6B, concat(extHeader(43, 1), extHeader(6), tcp(1, 2, 0)))), raw: 'yes' },
    { what: 'IPv6 fragment header is the result', rule: makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 44 }), frame: F6(ipv6(44, V6A, V6B, concat(extHeader(6), tcp(1, 2, 0)))), raw: 'yes' },
    { what: 'IPv6 extension header cut short', rule: makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 6 }), frame: F6(ipv6(60, V6A, V6B, Uint8Array.of(6, 0, 0, 0))), raw: 'forced no' },
    { what: 'IPv6 extension header longer than the packet', rule: makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 6 }), frame: F6(ipv6(60, V6A, V6B, Uint8Array.of(6, 10, 0, 0, 0, 0, 0, 0))), raw: 'forced no' },
    { what: 'ARP', rule: makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 0 }), frame: FARP(), raw: 'forced no' },
  ]],
  ['ETHERTYPE', [
    { what: 'IPv4', rule: makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0800 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'IPv6 vs ARP', rule: makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x86dd }), frame: FARP(), raw: 'no' },
  ]],
  ['ICMP', [
    { what: 'IPv4 echo request, any code', rule: makeRule(R.RULE_MATCH_ICMP, { value: 8 }), frame: F4(icmp4(8, 0)), raw: 'forced yes' },
    { what: 'IPv4 type and code', rule: makeRule(R.RULE_MATCH_ICMP, { value: 3, code: 1, flags: 1 }), frame: F4(icmp4(3, 1)), raw: 'yes' },
    { what: 'IPv4 right type, other code', rule: makeRule(R.RULE_MATCH_ICMP, { value: 3, code: 1, flags: 1 }), frame: F4(icmp4(3, 3)), raw: 'no' },
    { what: 'IPv4 other type', rule: makeRule(R.RULE_MATCH_ICMP, { value: 0 }), frame: F4(icmp4(8, 0)), raw: 'forced no' },
    { what: 'IPv4 not ICMP', rule: makeRule(R.RULE_MATCH_ICMP, { value: 8 }), frame: F4(tcp4()), raw: 'forced no' },
    { what: 'ICMPv6 echo request', rule: makeRule(R.RULE_MATCH_ICMP, { value: 128 }), frame: F6(icmp6(128, 0)), raw: 'forced yes' },
    { what: 'ICMPv6 behind a destination options header, code checked', rule: makeRule(R.RULE_MATCH_ICMP, { value: 1, code: 4, flags: 1 }), frame: F6(ipv6(60, V6A, V6B, concat(extHeader(58), icmp(1, 4)))), raw: 'yes' },
    { what: 'IPv6 TCP', rule: makeRule(R.RULE_MATCH_ICMP, { value: 128 }), frame: F6(tcp6()), raw: 'forced no' },
    { what: 'ARP', rule: makeRule(R.RULE_MATCH_ICMP, { value: 0 }), frame: FARP(), raw: 'forced no' },
  ]],
  ['IP_SOURCE_PORT_RANGE', [
    { what: 'IPv4 TCP source port', rule: makeRule(R.RULE_MATCH_IP_SOURCE_PORT_RANGE, { start: 30000, end: 50000 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'IPv4 UDP source port outside', rule: makeRule(R.RULE_MATCH_IP_SOURCE_PORT_RANGE, { start: 1, end: 1023 }), frame: F4(udp4()), raw: 'no' },
    { what: 'IPv6 UDP source port', rule: makeRule(R.RULE_MATCH_IP_SOURCE_PORT_RANGE, { start: 5353, end: 5353 }), frame: F6(udp6()), raw: 'yes' },
  ]],
  ['IP_DEST_PORT_RANGE', [
    { what: 'IPv4 TCP port 22', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 22, end: 22 }), frame: F4(tcp4(22)), raw: 'yes' },
    { what: 'IPv4 TCP port 80', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 22, end: 22 }), frame: F4(tcp4(80)), raw: 'no' },
    { what: 'IPv4 SCTP', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 22, end: 22 }), frame: F4(ipv4(0x84, A, B, udp(1, 22))), raw: 'yes' },
    { what: 'IPv4 ICMP has no port: a plain no', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 0, end: 65535 }), frame: F4(icmp4()), raw: 'no' },
    { what: 'IPv4 port 0 counts', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 0, end: 0 }), frame: F4(tcp4(0)), raw: 'yes' },
    { what: 'IPv4 header without 5 bytes after it', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 0, end: 65535 }), frame: F4(ipv4(6, A, B, Uint8Array.of(0, 1, 0, 2))), raw: 'no' },
    { what: 'IPv6 TCP port 22', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 20, end: 23 }), frame: F6(tcp6(22)), raw: 'yes' },
    { what: 'IPv6 port 0 never matches', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 0, end: 0 }), frame: F6(tcp6(0)), raw: 'no' },
    { what: 'IPv6 walk fails', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 0, end: 65535 }), frame: F6(ipv6(0, V6A, V6B, Uint8Array.of(6, 0))), raw: 'forced no' },
    { what: 'ARP', rule: makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 0, end: 65535 }), frame: FARP(), raw: 'forced no' },
  ]],
  ['CHARACTERISTICS', [
    { what: 'TCP SYN on a SYN', rule: characteristicsRule(0x2n), frame: F4(tcp4(22, TCP_SYN)), raw: 'yes' },
    { what: 'TCP ACK on a SYN', rule: characteristicsRule(0x10n), frame: F4(tcp4(22, TCP_SYN)), raw: 'no' },
    { what: 'FIN or PSH on FIN|PSH', rule: characteristicsRule(0x9n), frame: F4(tcp4(22, TCP_FIN | TCP_PSH)), raw: 'yes' },
    { what: 'TCP NS (bit 8, from byte 12)', rule: characteristicsRule(0x100n), frame: F4(ipv4(6, A, B, tcp(1, 2, 0, true))), raw: 'yes' },
    { what: 'TCP flags on IPv6', rule: characteristicsRule(0x12n), frame: F6(tcp6(22, TCP_ACK)), raw: 'yes' },
    { what: 'no TCP flags on UDP', rule: characteristicsRule(0xfffn), frame: F4(udp4()), raw: 'no' },
    { what: 'TCP flags past a cut payload read as 0 (1.14.1 reads beyond it)', rule: characteristicsRule(0xfffn), frame: F4(ipv4(6, A, B, Uint8Array.of(0, 1, 0, 2))), raw: 'no' },
    { what: 'IPv6 TCP header shorter than 15 bytes: no flags', rule: characteristicsRule(0xfffn), frame: F6(ipv6(6, V6A, V6B, tcp(1, 2, TCP_SYN).subarray(0, 14))), raw: 'no' },
    { what: 'INBOUND inbound', rule: characteristicsRule(0x8000000000000000n), frame: F4(udp4()), raw: 'yes', inbound: true },
    { what: 'INBOUND outbound', rule: characteristicsRule(0x8000000000000000n), frame: F4(udp4()), raw: 'no' },
    { what: 'MULTICAST', rule: characteristicsRule(0x4000000000000000n), frame: F4(udp4(), { macDest: 0x01005e000001 }), raw: 'yes' },
    { what: 'MULTICAST on unicast', rule: characteristicsRule(0x4000000000000000n), frame: F4(udp4()), raw: 'no' },
    { what: 'BROADCAST', rule: characteristicsRule(0x2000000000000000n), frame: FARP(arp(A, B), { macDest: 0xffffffffffff }), raw: 'yes' },
    { what: 'SENDER_IP_AUTHENTICATED inbound: the sender owns the IPv4 source', rule: characteristicsRule(0x1000000000000000n), frame: F4(udp4()), raw: 'yes', inbound: true, remote: { ips: ['10.147.20.7'] } },
    { what: 'SENDER_IP_AUTHENTICATED inbound: it does not', rule: characteristicsRule(0x1000000000000000n), frame: F4(udp4()), raw: 'no', inbound: true, remote: { ips: ['10.147.20.99'] } },
    { what: 'SENDER_IP_AUTHENTICATED inbound: our own COO does not count', rule: characteristicsRule(0x1000000000000000n), frame: F4(udp4()), raw: 'no', inbound: true, local: { ips: ['10.147.20.7'] } },
    { what: 'SENDER_IP_AUTHENTICATED outbound: our COO', rule: characteristicsRule(0x1000000000000000n), frame: F4(udp4()), raw: 'yes', local: { ips: ['10.147.20.7'] } },
    { what: 'SENDER_IP_AUTHENTICATED: ARP sender address', rule: characteristicsRule(0x1000000000000000n), frame: FARP(arp(C, A)), raw: 'yes', inbound: true, remote: { ips: ['192.168.1.1'] } },
    { what: 'SENDER_IP_AUTHENTICATED: IPv6 source', rule: characteristicsRule(0x1000000000000000n), frame: F6(udp6()), raw: 'yes', inbound: true, remote: { ips: ['fd00:1:2:3::a'] } },
    { what: 'SENDER_IP_AUTHENTICATED: a neighbor solicitation always', rule: characteristicsRule(0x1000000000000000n), frame: F6(ndp(135, V6X, V6B, V6B)), raw: 'yes', inbound: true, remote: {} },
    { what: 'SENDER_IP_AUTHENTICATED: an advertisement by its target', rule: characteristicsRule(0x1000000000000000n), frame: F6(ndp(136, V6X, V6B, V6A)), raw: 'yes', inbound: true, remote: { ips: ['fd00:1:2:3::a'] } },
    { what: 'SENDER_IP_AUTHENTICATED: an advertisement, source owned but not target', rule: characteristicsRule(0x1000000000000000n), frame: F6(ndp(136, V6A, V6B, V6X)), raw: 'no', inbound: true, remote: { ips: ['fd00:1:2:3::a'] } },
    { what: 'SENDER_MAC_AUTHENTICATED', rule: characteristicsRule(0x0800000000000000n), frame: F4(udp4()), raw: 'yes', inbound: true, remote: { macs: [0x021111111111] } },
    { what: 'SENDER_MAC_AUTHENTICATED without a membership', rule: characteristicsRule(0x0800000000000000n), frame: F4(udp4()), raw: 'no', inbound: true, remote: null },
  ]],
  ['FRAME_SIZE_RANGE', [
    { what: 'payload length in range', rule: makeRule(R.RULE_MATCH_FRAME_SIZE_RANGE, { start: 40, end: 40 }), frame: F4(tcp4()), raw: 'yes' },
    { what: 'payload length outside', rule: makeRule(R.RULE_MATCH_FRAME_SIZE_RANGE, { start: 0, end: 39 }), frame: F4(tcp4()), raw: 'no' },
  ]],
  ['RANDOM', [
    { what: 'probability ffffffff', rule: makeRule(R.RULE_MATCH_RANDOM, { value: 0xffffffff }), frame: F4(tcp4(), { random: 0xffffffff }), raw: 'yes' },
    { what: 'draw equal to the probability', rule: makeRule(R.RULE_MATCH_RANDOM, { value: 0x80000000 }), frame: F4(tcp4(), { random: 0x80000000 }), raw: 'yes' },
    { what: 'draw above the probability', rule: makeRule(R.RULE_MATCH_RANDOM, { value: 0x80000000 }), frame: F4(tcp4(), { random: 0x80000001 }), raw: 'no' },
  ]],
  ['TAGS_DIFFERENCE', [
    { what: '|5 − 7| ≤ 2', rule: makeRule(R.RULE_MATCH_TAGS_DIFFERENCE, { id: 1, value: 2 }), frame: F4(tcp4()), raw: 'yes', local: { tags: { 1: 5 } }, remote: { tags: { 1: 7 } } },
    { what: '|7 − 5| > 1', rule: makeRule(R.RULE_MATCH_TAGS_DIFFERENCE, { id: 1, value: 1 }), frame: F4(tcp4()), raw: 'no', local: { tags: { 1: 7 } }, remote: { tags: { 1: 5 } } },
    { what: 'u32 values', rule: makeRule(R.RULE_MATCH_TAGS_DIFFERENCE, { id: 1, value: 0xfffffffe }), frame: F4(tcp4()), raw: 'yes', local: { tags: { 1: 0xffffffff } }, remote: { tags: { 1: 1 } } },
    { what: 'we have no such tag', rule: makeRule(R.RULE_MATCH_TAGS_DIFFERENCE, { id: 1, value: 100 }), frame: F4(tcp4()), raw: 'forced no', remote: { tags: { 1: 7 } } },
    { what: 'theirs unknown, inbound', rule: makeRule(R.RULE_MATCH_TAGS_DIFFERENCE, { id: 1, value: 100 }), frame: F4(tcp4()), raw: 'forced no', inbound: true, local: { tags: { 1: 5 } }, remote: {} },
    { what: 'theirs unknown, outbound', rule: makeRule(R.RULE_MATCH_TAGS_DIFFERENCE, { id: 1, value: 0 }), frame: F4(tcp4()), raw: 'forced yes', local: { tags: { 1: 5 } }, remote: null },
  ]],
  ['TAGS_BITWISE_AND', [
    { what: '6 & 3 = 2', rule: makeRule(R.RULE_MATCH_TAGS_BITWISE_AND, { id: 9, value: 2 }), frame: F4(tcp4()), raw: 'yes', local: { tags: { 9: 6 } }, remote: { tags: { 9: 3 } } },
    { what: '6 & 3 ≠ 6', rule: makeRule(R.RULE_MATCH_TAGS_BITWISE_AND, { id: 9, value: 6 }), frame: F4(tcp4()), raw: 'no', local: { tags: { 9: 6 } }, remote: { tags: { 9: 3 } } },
    { what: 'high bit', rule: makeRule(R.RULE_MATCH_TAGS_BITWISE_AND, { id: 9, value: 0x80000000 }), frame: F4(tcp4()), raw: 'yes', inbound: true, local: { tags: { 9: 0x80000001 } }, remote: { tags: { 9: 0xf0000000 } } },
  ]],
  ['TAGS_BITWISE_OR', [
    { what: '4 | 1 = 5', rule: makeRule(R.RULE_MATCH_TAGS_BITWISE_OR, { id: 9, value: 5 }), frame: F4(tcp4()), raw: 'yes', local: { tags: { 9: 4 } }, remote: { tags: { 9: 1 } } },
    { what: '4 | 1 ≠ 4', rule: makeRule(R.RULE_MATCH_TAGS_BITWISE_OR, { id: 9, value: 4 }), frame: F4(tcp4()), raw: 'no', local: { tags: { 9: 4 } }, remote: { tags: { 9: 1 } } },
  ]],
  ['TAGS_BITWISE_XOR', [
    { what: '6 ^ 3 = 5', rule: makeRule(R.RULE_MATCH_TAGS_BITWISE_XOR, { id: 9, value: 5 }), frame: F4(tcp4()), raw: 'yes', local: { tags: { 9: 6 } }, remote: { tags: { 9: 3 } } },
    { what: 'equal tags XOR to 0, not 1', rule: makeRule(R.RULE_MATCH_TAGS_BITWISE_XOR, { id: 9, value: 1 }), frame: F4(tcp4()), raw: 'no', local: { tags: { 9: 3 } }, remote: { tags: { 9: 3 } } },
  ]],
  ['TAGS_EQUAL', [
    { what: 'both equal the value', rule: makeRule(R.RULE_MATCH_TAGS_EQUAL, { id: 9, value: 3 }), frame: F4(tcp4()), raw: 'yes', inbound: true, local: { tags: { 9: 3 } }, remote: { tags: { 9: 3 } } },
    { what: 'equal to each other, not the value', rule: makeRule(R.RULE_MATCH_TAGS_EQUAL, { id: 9, value: 4 }), frame: F4(tcp4()), raw: 'no', local: { tags: { 9: 3 } }, remote: { tags: { 9: 3 } } },
    { what: 'only ours equals', rule: makeRule(R.RULE_MATCH_TAGS_EQUAL, { id: 9, value: 3 }), frame: F4(tcp4()), raw: 'no', local: { tags: { 9: 3 } }, remote: { tags: { 9: 4 } } },
  ]],
  ['TAG_SENDER', [
    { what: 'inbound: the sender\'s tag', rule: makeRule(R.RULE_MATCH_TAG_SENDER, { id: 100, value: 7 }), frame: F4(tcp4()), raw: 'yes', inbound: true, remote: { tags: { 100: 7 } } },
    { what: 'inbound: the sender\'s tag differs', rule: makeRule(R.RULE_MATCH_TAG_SENDER, { id: 100, value: 7 }), frame: F4(tcp4()), raw: 'no', inbound: true, remote: { tags: { 100: 5 } }, local: { tags: { 100: 7 } } },
    { what: 'inbound: sender\'s tag unknown', rule: makeRule(R.RULE_MATCH_TAG_SENDER, { id: 100, value: 7 }), frame: F4(tcp4()), raw: 'forced no', inbound: true, remote: {} },
    { what: 'outbound: our own tag', rule: makeRule(R.RULE_MATCH_TAG_SENDER, { id: 100, value: 7 }), frame: F4(tcp4()), raw: 'yes', local: { tags: { 100: 7 } }, remote: { tags: { 100: 1 } } },
    { what: 'outbound: we have no such tag', rule: makeRule(R.RULE_MATCH_TAG_SENDER, { id: 100, value: 7 }), frame: F4(tcp4()), raw: 'forced no', remote: { tags: { 100: 7 } } },
  ]],
  ['TAG_RECEIVER', [
    { what: 'outbound: the receiver\'s tag', rule: makeRule(R.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 6 }), frame: F4(tcp4()), raw: 'yes', remote: { tags: { 2: 6 } } },
    { what: 'outbound: receiver\'s tag differs', rule: makeRule(R.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 6 }), frame: F4(tcp4()), raw: 'no', remote: { tags: { 2: 5 } } },
    { what: 'outbound: receiver unknown', rule: makeRule(R.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 6 }), frame: F4(tcp4(), { ztDest: 0 }), raw: 'forced yes', remote: null },
    { what: 'inbound: our own tag', rule: makeRule(R.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 6 }), frame: F4(tcp4()), raw: 'yes', inbound: true, local: { tags: { 2: 6 } }, remote: {} },
    { what: 'inbound: we have no such tag', rule: makeRule(R.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 6 }), frame: F4(tcp4()), raw: 'forced no', inbound: true, remote: { tags: { 2: 6 } } },
  ]],
  ['INTEGER_RANGE', [
    // Big-endian reads the `bytes` bytes ending at index + 8 (1.14.1's offset): 2 bytes at index + 6.
    { what: 'big-endian 16 bits (the TCP destination port, at 20 + 2 − 6)', rule: integerRangeRule(20n, 25n, 20 + 2 - 6, 15), frame: F4(tcp4(22)), raw: 'yes' },
    { what: 'big-endian 16 bits outside', rule: integerRangeRule(80n, 80n, 20 + 2 - 6, 15), frame: F4(tcp4(22)), raw: 'no' },
    { what: 'big-endian 12 bits keeps the low bits', rule: integerRangeRule(0x016n, 0x016n, 20 + 2 - 6, 11), frame: F4(tcp4(0xf016)), raw: 'yes' },
    { what: 'big-endian 64 bits', rule: integerRangeRule(0x0a931407_0a931463n, 0x0a931407_0a931463n, 12, 63), frame: F4(tcp4()), raw: 'yes' },
    { what: 'little-endian 16 bits', rule: integerRangeRule(0x1600n, 0x1600n, 22, 0x80 | 15), frame: F4(tcp4(22)), raw: 'yes' },
    { what: 'little-endian 12 bits keeps the high bits', rule: integerRangeRule(0x160n, 0x160n, 22, 0x80 | 11), frame: F4(tcp4(22)), raw: 'yes' },
    { what: 'little-endian 64 bits', rule: integerRangeRule(0x6314930a_0714930an, 0x6314930a_0714930an, 12, 0x80 | 63), frame: F4(tcp4()), raw: 'yes' },
    { what: 'past the payload reads as 0', rule: integerRangeRule(0n, 0n, 1000, 7), frame: F4(tcp4()), raw: 'yes' },
    { what: 'past the payload is not 1', rule: integerRangeRule(1n, 1n, 1000, 0x80 | 7), frame: F4(tcp4()), raw: 'no' },
  ]],
  ['unassigned match codes', [
    { what: 'code 20, flag 0x08 clear', rule: makeRule(20), frame: F4(tcp4()), raw: 'no' },
    { what: 'code 20, flag 0x08 set', rule: makeRule(20), frame: F4(tcp4()), raw: 'yes', flags: 0x08 },
    { what: 'code 63, flag 0x08 set', rule: makeRule(63), frame: F4(tcp4()), raw: 'yes', flags: 0x08 },
  ]],
];

const ALWAYS = makeRule(R.RULE_MATCH_FRAME_SIZE_RANGE, { start: 0, end: 65535 });
const NEVER = makeRule(R.RULE_MATCH_FRAME_SIZE_RANGE, { start: 1, end: 0 });
const ACCEPT = makeRule(R.RULE_ACTION_ACCEPT);

function run(c: MatchCase, rules: Rule[]): number {
  const cfg = network(rules, { local: c.local, flags: c.flags });
  const remote = c.remote === null ? null : credentials(c.remote ?? {});
  return evaluateRules(rules, c.inbound ?? false, cfg, remote, c.frame).verdict;
}

const withFlags = (rule: Rule, not: boolean, or: boolean): Rule => ({ ...rule, not, or });

describe('rules engine: every match type', () => {
  for (const [type, cases] of CASES) {
    describe(type, () => {
      for (const c of cases) {
        const m = c.raw === 'yes' || c.raw === 'forced yes';
        const forced = c.raw.startsWith('forced');
        const expectOf = (matched: boolean): number => (matched ? FILTER_ACCEPT : FILTER_NO_MATCH);
        it(`${c.what}: ${c.raw}${c.inbound ? ' (inbound)' : ''}`, () => {
          assert.equal(run(c, [withFlags(c.rule, false, false), ACCEPT]), expectOf(m), 'plain');
          assert.equal(run(c, [withFlags(c.rule, true, false), ACCEPT]), expectOf(forced ? m : !m), 'NOT');
          assert.equal(run(c, [ALWAYS, withFlags(c.rule, false, false), ACCEPT]), expectOf(m), 'true AND it');
          assert.equal(run(c, [NEVER, withFlags(c.rule, false, false), ACCEPT]), FILTER_NO_MATCH, 'false AND it');
          assert.equal(run(c, [NEVER, withFlags(c.rule, false, true), ACCEPT]), expectOf(m), 'false OR it');
          assert.equal(run(c, [ALWAYS, withFlags(c.rule, false, true), ACCEPT]), FILTER_ACCEPT, 'true OR it');
          assert.equal(run(c, [NEVER, withFlags(c.rule, true, true), ACCEPT]), expectOf(forced ? m : !m), 'false OR NOT it');
        });
      }
    });
  }
});

const out = (rules: Rule[], f: FilterFrame, opts: { remote?: FilterCredentials | null; local?: CredSpec } = {}): FilterResult =>
  evaluateRules(rules, false, network(rules, { local: opts.local }), opts.remote ?? null, f);
const inb = (rules: Rule[], f: FilterFrame, opts: { remote?: FilterCredentials | null; local?: CredSpec } = {}): FilterResult =>
  evaluateRules(rules, true, network(rules, { local: opts.local }), opts.remote ?? credentials(), f);

describe('rules engine: one table', () => {
  const f = F4(tcp4());
  const DROP = makeRule(R.RULE_ACTION_DROP);

  it('an action with no match before it always fires; nothing at all is NO_MATCH', () => {
    assert.equal(out([ACCEPT], f).verdict, FILTER_ACCEPT);
    assert.equal(out([DROP, ACCEPT], f).verdict, FILTER_DROP);
    assert.equal(out([], f).verdict, FILTER_NO_MATCH);
  });

  it('a set is a left fold: ((m1 AND m2) OR m3) AND m4', () => {
    const t = ALWAYS;
    const n = NEVER;
    const or = (r: Rule): Rule => ({ ...r, or: true });
    assert.equal(out([t, n, or(t), t, ACCEPT], f).verdict, FILTER_ACCEPT);
    assert.equal(out([t, n, or(t), n, ACCEPT], f).verdict, FILTER_NO_MATCH);
    assert.equal(out([n, n, or(n), or(t), ACCEPT], f).verdict, FILTER_ACCEPT);
  });

  it('a set that did not match skips its action, and the next set starts true', () => {
    assert.equal(out([NEVER, DROP, ACCEPT], f).verdict, FILTER_ACCEPT);
  });

  it('BREAK ends the table with NO_MATCH; PRIORITY accepts; unassigned actions 7–15 do nothing but end their set', () => {
    assert.equal(out([BREAK(), ACCEPT], f).verdict, FILTER_NO_MATCH);
    assert.equal(out([NEVER, BREAK(), ACCEPT], f).verdict, FILTER_ACCEPT);
    assert.equal(out([makeRule(R.RULE_ACTION_PRIORITY), DROP], f).verdict, FILTER_ACCEPT);
    assert.equal(out([makeRule(7), makeRule(15), ACCEPT], f).verdict, FILTER_ACCEPT);
    assert.equal(out([NEVER, makeRule(9), ACCEPT], f).verdict, FILTER_ACCEPT, 'the set ends at the unknown action');
  });

  it('NOT and OR on an action change nothing', () => {
    assert.equal(out([makeRule(R.RULE_ACTION_DROP, { not: true, or: true }), ACCEPT], f).verdict, FILTER_DROP);
  });

  it('an AND after a false set is not evaluated (its skipDrop side effect does not happen)', () => {
    const receiverUnknown = makeRule(R.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 6 });
    assert.equal(out([NEVER, receiverUnknown, ACCEPT, DROP], f).verdict, FILTER_DROP);
    assert.equal(out([ALWAYS, receiverUnknown, ACCEPT, DROP], f).verdict, FILTER_ACCEPT);
  });

  it('skipDrop lets the next DROP reached through, even one of a later, unrelated set, then clears', () => {
    const receiverUnknown = makeRule(R.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 6 });
    assert.equal(out([receiverUnknown, DROP, DROP], f).verdict, FILTER_DROP, 'only one DROP is skipped');
    assert.equal(out([receiverUnknown, DROP, ACCEPT], f).verdict, FILTER_ACCEPT);
    assert.equal(out([receiverUnknown, NEVER, ACCEPT, DROP], f).verdict, FILTER_NO_MATCH, 'a later DROP skipped');
    const local = { tags: { 1: 5 } };
    assert.equal(out([makeRule(R.RULE_MATCH_TAGS_EQUAL, { id: 1, value: 9 }), DROP], f, { local }).verdict, FILTER_NO_MATCH);
  });

  it('TEE/WATCH: remember the target and go on; the copy length is min(length, payload), 0 = all; the last one wins', () => {
    const r1 = out([makeRule(R.RULE_ACTION_TEE, { address: OTHER, length: 10 }), ACCEPT], f);
    assert.deepEqual([r1.verdict, r1.tee, r1.teeLength, r1.teeFlags], [FILTER_ACCEPT, OTHER, 10, 0x02]);
    const r2 = out([makeRule(R.RULE_ACTION_WATCH, { address: OTHER, length: 0 })], f);
    assert.deepEqual([r2.verdict, r2.tee, r2.teeLength, r2.teeFlags], [FILTER_NO_MATCH, OTHER, 40, 0x16]);
    const r3 = out([makeRule(R.RULE_ACTION_TEE, { address: OTHER, length: 5000 })], f);
    assert.equal(r3.teeLength, 40);
    const r4 = out([makeRule(R.RULE_ACTION_WATCH, { address: OTHER }), makeRule(R.RULE_ACTION_TEE, { address: 0x4444444444, length: 1 })], f);
    assert.deepEqual([r4.tee, r4.teeLength, r4.teeFlags], [0x4444444444, 1, 0x02]);
    const r5 = out([NEVER, makeRule(R.RULE_ACTION_TEE, { address: OTHER })], f);
    assert.equal(r5.tee, 0, 'not taken in a set that did not match');
  });

  it('TEE/WATCH/REDIRECT to the sender or the destination is a no-op; to us: inbound super-accept, outbound no-op', () => {
    for (const t of [R.RULE_ACTION_TEE, R.RULE_ACTION_WATCH, R.RULE_ACTION_REDIRECT]) {
      for (const addr of [PEER, DEST]) {
        const r = out([makeRule(t, { address: addr }), DROP], f);
        assert.deepEqual([r.verdict, r.tee, r.redirect], [FILTER_DROP, 0, 0]);
      }
      assert.equal(out([makeRule(t, { address: SELF }), DROP], f).verdict, FILTER_DROP);
      assert.equal(inb([makeRule(t, { address: SELF }), DROP], f).verdict, FILTER_SUPER_ACCEPT);
    }
  });

  it('REDIRECT changes the destination and ends the table', () => {
    const r = out([makeRule(R.RULE_ACTION_REDIRECT, { address: OTHER }), DROP], f);
    assert.deepEqual([r.verdict, r.redirect], [FILTER_REDIRECT, OTHER]);
    const after = out([makeRule(R.RULE_ACTION_REDIRECT, { address: OTHER })], f);
    assert.equal(after.verdict, FILTER_REDIRECT);
  });

  it('inbound, being the target of a skipped TEE/WATCH/REDIRECT makes a later ACCEPT a super-accept', () => {
    for (const t of [R.RULE_ACTION_TEE, R.RULE_ACTION_WATCH, R.RULE_ACTION_REDIRECT]) {
      assert.equal(inb([NEVER, makeRule(t, { address: SELF }), ACCEPT], f).verdict, FILTER_SUPER_ACCEPT);
      assert.equal(out([NEVER, makeRule(t, { address: SELF }), ACCEPT], f).verdict, FILTER_ACCEPT, 'outbound');
      assert.equal(inb([NEVER, makeRule(t, { address: OTHER }), ACCEPT], f).verdict, FILTER_ACCEPT, 'another target');
    }
  });

  it('as a super-accepting target, unknown tags of the other side are let through once', () => {
    const teeToUs = [NEVER, makeRule(R.RULE_ACTION_TEE, { address: SELF })];
    const local = { tags: { 1: 5 } };
    assert.equal(inb([...teeToUs, makeRule(R.RULE_MATCH_TAGS_EQUAL, { id: 1, value: 5 }), ACCEPT], f, { local }).verdict, FILTER_SUPER_ACCEPT);
    assert.equal(inb([makeRule(R.RULE_MATCH_TAGS_EQUAL, { id: 1, value: 5 }), ACCEPT], f, { local }).verdict, FILTER_NO_MATCH);
    assert.equal(inb([...teeToUs, makeRule(R.RULE_MATCH_TAG_SENDER, { id: 1, value: 99 }), DROP, ACCEPT], f).verdict, FILTER_SUPER_ACCEPT);
  });

  it('RANDOM draws again for each RANDOM entry of a frame', () => {
    const half = makeRule(R.RULE_MATCH_RANDOM, { value: 0x7fffffff });
    let both = 0;
    for (let i = 0; i < 200; i++) {
      const fr = F4(tcp4(), { random: (i * 0x01234567) >>> 0 });
      if (out([half, half, ACCEPT], fr).verdict === FILTER_ACCEPT) both++;
    }
    assert.ok(both > 20 && both < 90, `both halves matched ${both} times in 200`);
  });
});

function BREAK(): Rule {
  return makeRule(R.RULE_ACTION_BREAK);
}

describe('rules engine: filterOutgoing (base table, then our capabilities)', () => {
  const f = F4(tcp4(22));
  const DROP = makeRule(R.RULE_ACTION_DROP);
  const sshCap = [makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 6 }), makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 22, end: 22 }), ACCEPT];
  const result = new FilterResult();

  it('no rules at all refuses everything', () => {
    assert.equal(filterOutgoing(network([]), null, false, f, result).accept, 0);
  });

  it('DROP refuses without copies; ACCEPT sends with the base TEE (flags 02) or WATCH (16)', () => {
    const r0 = filterOutgoing(network([makeRule(R.RULE_ACTION_TEE, { address: OTHER }), DROP]), null, false, f, result);
    assert.deepEqual([r0.accept, r0.tee, r0.verdict], [0, 0, FILTER_DROP]);
    const r1 = filterOutgoing(network([makeRule(R.RULE_ACTION_TEE, { address: OTHER, length: 14 }), ACCEPT]), null, false, f, result);
    assert.deepEqual([r1.accept, r1.tee, r1.teeLength, r1.teeFlags, r1.redirect], [1, OTHER, 14, 0x02, 0]);
    const r2 = filterOutgoing(network([makeRule(R.RULE_ACTION_WATCH, { address: OTHER }), ACCEPT]), null, false, f, result);
    assert.deepEqual([r2.accept, r2.tee, r2.teeFlags], [1, OTHER, 0x16]);
  });

  it('"no tee" passes ask for no copies', () => {
    const r = filterOutgoing(network([makeRule(R.RULE_ACTION_TEE, { address: OTHER }), NEVER, DROP], { caps: [[makeRule(R.RULE_ACTION_TEE, { address: 0x4444444444 }), ACCEPT]] }), null, true, f, result);
    assert.deepEqual([r.accept, r.tee, r.capTee], [1, 0, 0]);
  });

  it('a super-accept is just "send" outbound', () => {
    const r = filterOutgoing(network([NEVER, makeRule(R.RULE_ACTION_TEE, { address: SELF }), ACCEPT]), null, false, f, result);
    assert.equal(r.accept, 1);
  });

  it('after NO_MATCH our capabilities run in order; DROP or NO_MATCH in one moves on; the first accepting wins', () => {
    const caps = [[DROP], [NEVER, ACCEPT], sshCap, [ACCEPT]];
    const r = filterOutgoing(network([makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0806 }), ACCEPT], { caps }), null, false, f, result);
    assert.deepEqual([r.verdict, r.accept, r.capability], [FILTER_NO_MATCH, 1, 2]);
    const refused = filterOutgoing(network([], { caps: [sshCap] }), null, false, F4(tcp4(80)), result);
    assert.deepEqual([refused.accept, refused.capability], [0, -1]);
  });

  it('capabilities are not consulted after a base DROP', () => {
    assert.equal(filterOutgoing(network([DROP], { caps: [[ACCEPT]] }), null, false, f, result).accept, 0);
  });

  it("the accepting capability's TEE comes first, then the base table's TEE from before its NO_MATCH", () => {
    const r = filterOutgoing(
      network([makeRule(R.RULE_ACTION_WATCH, { address: OTHER })], { caps: [[makeRule(R.RULE_ACTION_TEE, { address: 0x4444444444, length: 3 }), ACCEPT]] }),
      null, false, f, result,
    );
    assert.deepEqual([r.accept, r.capTee, r.capTeeLength, r.capTeeFlags, r.tee, r.teeFlags], [1, 0x4444444444, 3, 0x02, OTHER, 0x16]);
    const none = filterOutgoing(network([makeRule(R.RULE_ACTION_WATCH, { address: OTHER })], { caps: [[NEVER, ACCEPT]] }), null, false, f, result);
    assert.deepEqual([none.accept, none.tee, none.capTee], [0, 0, 0], 'refused: no copies');
  });

  it('REDIRECT (base or capability) sends the whole frame elsewhere with flags 04 and refuses the original', () => {
    const r = filterOutgoing(network([makeRule(R.RULE_ACTION_REDIRECT, { address: OTHER })]), null, false, f, result);
    assert.deepEqual([r.accept, r.redirect, r.redirectFlags, r.verdict], [0, OTHER, 0x04, FILTER_REDIRECT]);
    const c = filterOutgoing(network([], { caps: [[NEVER, ACCEPT], [makeRule(R.RULE_ACTION_REDIRECT, { address: OTHER })]] }), null, false, f, result);
    assert.deepEqual([c.accept, c.redirect, c.capability], [0, OTHER, 1]);
  });

  it('the destination membership supplies the receiver tag', () => {
    const rules = [makeRule(R.RULE_MATCH_TAG_RECEIVER, { id: 2, value: 6 }), ACCEPT, DROP];
    assert.equal(filterOutgoing(network(rules), credentials({ tags: { 2: 6 } }), false, f, result).accept, 1);
    assert.equal(filterOutgoing(network(rules), credentials({ tags: { 2: 5 } }), false, f, result).accept, 0);
    assert.equal(filterOutgoing(network(rules), null, false, f, result).accept, 1, 'unknown receiver: let through');
  });
});

describe('rules engine: filterIncoming (base table, then the sender\'s capabilities)', () => {
  const f = F4(tcp4(22), { ztDest: SELF });
  const DROP = makeRule(R.RULE_ACTION_DROP);
  const sshCap = [makeRule(R.RULE_MATCH_IP_PROTOCOL, { value: 6 }), makeRule(R.RULE_MATCH_IP_DEST_PORT_RANGE, { start: 22, end: 22 }), ACCEPT];
  const result = new FilterResult();
  const member = credentials();

  it('0 for DROP, 1 for ACCEPT, 2 for SUPER_ACCEPT', () => {
    assert.equal(filterIncoming(network([DROP]), member, [], f, result).accept, 0);
    assert.equal(filterIncoming(network([ACCEPT]), member, [], f, result).accept, 1);
    assert.equal(filterIncoming(network([makeRule(R.RULE_ACTION_TEE, { address: SELF })]), member, [], f, result).accept, 2);
    assert.equal(filterIncoming(network([NEVER, makeRule(R.RULE_ACTION_WATCH, { address: SELF }), ACCEPT]), member, [], f, result).accept, 2);
  });

  it("after NO_MATCH the sender's capabilities decide; ours are not used inbound", () => {
    const cfg = network([makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0806 }), ACCEPT], { caps: [[ACCEPT]] });
    assert.equal(filterIncoming(cfg, member, [], f, result).accept, 0);
    const r = filterIncoming(cfg, member, [[DROP], sshCap], f, result);
    assert.deepEqual([r.accept, r.capability], [1, 1]);
    assert.equal(filterIncoming(cfg, member, [sshCap], F4(tcp4(80)), result).accept, 0);
    assert.equal(filterIncoming(network([DROP]), member, [[ACCEPT]], f, result).accept, 0, 'not after DROP');
    const sup = filterIncoming(cfg, member, [[NEVER, makeRule(R.RULE_ACTION_TEE, { address: SELF }), ACCEPT]], f, result);
    assert.equal(sup.accept, 2);
  });

  it('copies inbound use flags 08 (TEE), 1c (WATCH) and 0a (REDIRECT, then not delivered)', () => {
    const t = filterIncoming(network([makeRule(R.RULE_ACTION_TEE, { address: OTHER }), ACCEPT]), member, [], f, result);
    assert.deepEqual([t.accept, t.tee, t.teeFlags], [1, OTHER, 0x08]);
    const w = filterIncoming(network([makeRule(R.RULE_ACTION_WATCH, { address: OTHER })]), member, [[makeRule(R.RULE_ACTION_WATCH, { address: 0x4444444444 }), ACCEPT]], f, result);
    assert.deepEqual([w.accept, w.capTee, w.capTeeFlags, w.tee, w.teeFlags], [1, 0x4444444444, 0x1c, OTHER, 0x1c]);
    const r = filterIncoming(network([makeRule(R.RULE_ACTION_REDIRECT, { address: OTHER })]), member, [], f, result);
    assert.deepEqual([r.accept, r.redirect, r.redirectFlags], [0, OTHER, 0x0a]);
  });

  it('the result object is reused and reset', () => {
    filterIncoming(network([makeRule(R.RULE_ACTION_TEE, { address: OTHER }), ACCEPT]), member, [], f, result);
    const r = filterIncoming(network([ACCEPT]), member, [], f, result);
    assert.equal(r, result);
    assert.deepEqual([r.tee, r.capTee, r.redirect, r.capability], [0, 0, 0, -1]);
  });
});

describe('rules engine: the captured network (04 §12, vectors/04/controller-network.json)', () => {
  // Base: only IPv4, ARP, IPv6; drop what a member with tag 100 = 7 sends; accept the rest.
  // Capability 1: TCP to port 22.
  const base = [
    makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0800, not: true }),
    makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x0806, not: true }),
    makeRule(R.RULE_MATCH_ETHERTYPE, { value: 0x86dd, not: true }),
    makeRule(R.RULE_ACTION_DROP),
    makeRule(R.RULE_MATCH_TAG_SENDER, { id: 100, value: 7 }),
    makeRule(R.RULE_ACTION_DROP),
    ACCEPT,
  ];
  const result = new FilterResult();

  it('other EtherTypes are dropped both ways', () => {
    const f = frame({ payload: new Uint8Array(60), etherType: 0x88cc });
    assert.equal(filterOutgoing(network(base, { local: { tags: { 100: 5 } } }), null, false, f, result).accept, 0);
    assert.equal(filterIncoming(network(base), credentials({ tags: { 100: 5 } }), [], f, result).accept, 0);
  });

  it('a sender tagged 7 is dropped inbound; tagged 5 or not known yet is accepted', () => {
    const f = F4(icmp4(), { ztDest: SELF });
    assert.equal(filterIncoming(network(base), credentials({ tags: { 100: 7 } }), [], f, result).accept, 0);
    assert.equal(filterIncoming(network(base), credentials({ tags: { 100: 5 } }), [], f, result).accept, 1);
    assert.equal(filterIncoming(network(base), credentials(), [], f, result).accept, 1);
  });

  it('outbound it is our own tag that counts', () => {
    const f = FARP();
    assert.equal(filterOutgoing(network(base, { local: { tags: { 100: 7 } } }), null, false, f, result).accept, 0);
    assert.equal(filterOutgoing(network(base, { local: { tags: { 100: 5 } } }), null, false, f, result).accept, 1);
  });
});

describe('rules engine: the ad-hoc table (04 §6.6)', () => {
  const rules = adHocRules(8000, 8080);
  const result = new FilterResult();
  const send = (fr: FilterFrame): number => filterOutgoing(network(rules), null, false, fr, result).accept;

  it('has 14 entries and only lets the intended IPv6 traffic through', () => {
    assert.equal(rules.length, 14);
    assert.equal(send(F4(udp4(8000))), 0, 'IPv4');
    assert.equal(send(F6(icmp6())), 1, 'ICMPv6');
    assert.equal(send(F6(udp6(8080))), 1, 'UDP in range');
    assert.equal(send(F6(tcp6(8000, TCP_SYN))), 1, 'TCP SYN in range');
    assert.equal(send(F6(tcp6(22, TCP_SYN))), 0, 'TCP SYN out of range');
    assert.equal(send(F6(tcp6(22, TCP_ACK))), 1, 'established TCP');
    assert.equal(send(F6(tcp6(22, TCP_SYN | TCP_ACK))), 1, 'SYN+ACK');
    assert.equal(send(F6(udp6(53))), 1, 'UDP out of range is not a SYN (NOT characteristics matches)');
  });
});

describe('rules engine: hostile tables and frames', () => {
  it('random tables (decoded from random bytes) on random and cut frames never throw, and the result is well formed', () => {
    const rnd = new Prng(777);
    const result = new FilterResult();
    const frames = [tcp4(), udp6(), icmp6(), ipv6(0, V6A, V6B, concat(extHeader(60, 1), extHeader(6), tcp(1, 2, 3))), arp(A, B), ndp(136, V6A, V6B, V6X)];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      let rules: Rule[];
      try {
        rules = decodeRules(rnd.bytes(rnd.int(120)), 1024);
      } catch (e) {
        if (e instanceof DecodeError) continue;
        throw e;
      }
      const base = frames[rnd.int(frames.length)];
      const payload = rnd.int(4) === 0 ? rnd.bytes(rnd.int(100)) : base.subarray(0, rnd.int(base.length + 1));
      const etherType = [0x0800, 0x86dd, 0x0806, rnd.int(0x10000)][rnd.int(4)];
      const fr = frame({ payload, etherType, random: rnd.next() >>> 0, macDest: rnd.int(2) ? 0xffffffffffff : 0x01005e000001 });
      const cfg = network(rules, { caps: [rules], local: { tags: { 1: 1, 2: 2 }, ips: ['10.147.20.7'] }, flags: rnd.int(2) * 8 });
      const remote = credentials({ tags: { 1: 3 }, macs: [0x021111111111] });
      const o = filterOutgoing(cfg, remote, rnd.int(2) === 0, fr, result);
      assert.ok(o.accept === 0 || o.accept === 1);
      const inn = filterIncoming(cfg, remote, [rules], fr, result);
      assert.ok(inn.accept >= 0 && inn.accept <= 2);
      assert.ok(inn.teeLength <= payload.length && inn.capTeeLength <= payload.length);
      if (inn.accept > 0) accepted++;
    }
    assert.ok(accepted > 0);
  });
});

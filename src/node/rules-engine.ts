// The VL2 rules engine (spec 04 §6.3–§6.5): what 1.14.1 does in _doZtFilter,
// Network::filterOutgoingPacket and Network::filterIncomingPacket (node/Network.cpp).
// Pure: no I/O, no clock, no randomness of its own (MATCH_RANDOM draws from the u32 the
// caller passes in the frame). The datapath acts on the FilterResult: it delivers or sends
// the frame when `accept` says so and sends the EXT_FRAME copies named there.
//
// Per frame nothing is allocated: the caller reuses its FilterFrame and FilterResult, and
// the scratch state of one evaluation lives in module variables (evaluation is synchronous,
// so it is never shared between two frames).
import type { Rule } from '../protocol/rules/rule.js';
import {
  CHARACTERISTICS_BROADCAST_HI,
  CHARACTERISTICS_INBOUND_HI,
  CHARACTERISTICS_MULTICAST_HI,
  CHARACTERISTICS_SENDER_IP_AUTHENTICATED_HI,
  CHARACTERISTICS_SENDER_MAC_AUTHENTICATED_HI,
  RULE_ACTION_MAX,
  RULE_ACTION_REDIRECT,
  RULE_ACTION_TEE,
  RULE_ACTION_WATCH,
  RULE_ICMP_FLAG_CHECK_CODE,
  RULE_MATCH_IP_DEST_PORT_RANGE,
  RULE_MATCH_IPV4_SOURCE,
  RULE_MATCH_IPV6_SOURCE,
  RULE_MATCH_TAG_RECEIVER,
  RULE_MATCH_TAG_SENDER,
  RULE_MATCH_TAGS_BITWISE_AND,
  RULE_MATCH_TAGS_BITWISE_OR,
  RULE_MATCH_TAGS_BITWISE_XOR,
  RULE_MATCH_TAGS_DIFFERENCE,
} from '../protocol/rules/rule.js';
import { ipv6Payload, ipv6PayloadPos, ipv6PayloadProtocol } from './rules-ipv6.js';
import { integerRangeMatches, ipv4Contains, ipv6Contains } from './rules-match.js';

/** Verdicts of one table (DOZTFILTER_* in 1.14.1). */
export const FILTER_NO_MATCH = 0;
export const FILTER_DROP = 1;
export const FILTER_REDIRECT = 2;
export const FILTER_ACCEPT = 3;
export const FILTER_SUPER_ACCEPT = 4;

/** EXT_FRAME flags of the copies the filters ask for (spec 04 §6.5). */
export const EXT_FRAME_FLAGS_OUTBOUND_TEE = 0x02;
export const EXT_FRAME_FLAGS_OUTBOUND_WATCH = 0x16;
export const EXT_FRAME_FLAGS_OUTBOUND_REDIRECT = 0x04;
export const EXT_FRAME_FLAGS_INBOUND_TEE = 0x08;
export const EXT_FRAME_FLAGS_INBOUND_WATCH = 0x1c;
export const EXT_FRAME_FLAGS_INBOUND_REDIRECT = 0x0a;

/** ZT_NETWORKCONFIG_FLAG_RULES_RESULT_OF_UNSUPPORTED_MATCH in the config's `f`. */
export const CONFIG_FLAG_UNSUPPORTED_MATCH_RESULT = 0x08;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;
const TWO_40 = 0x10000000000;
const BROADCAST_MAC = 0xffffffffffff;

/**
 * What one party holds, as the engine asks for it. Ours: the tags and certificates of
 * ownership of our config. The other party's: its membership record, answering only with
 * credentials whose timestamps are valid (Membership::getTag, hasCertificateOfOwnershipFor,
 * including the NDP-emulation allowance).
 */
export interface FilterCredentials {
  /** The value of tag `id`, or undefined when there is none. */
  tagValue(id: number): number | undefined;
  /** Owns the IPv4 (length 4) or IPv6 (16) address at bytes[offset …]. */
  ownsIp(bytes: Uint8Array, offset: number, length: number): boolean;
  /** Owns the 48-bit MAC. */
  ownsMac(mac: number): boolean;
}

export interface NetworkRules {
  networkId: bigint;
  /** Our own ZeroTier address. */
  self: number;
  /** The base table (the config's `R`). */
  rules: readonly Rule[];
  /** Our capabilities' tables in ascending capability ID (the config's `C`). */
  capabilities: readonly (readonly Rule[])[];
  /** The config's flags `f`; only CONFIG_FLAG_UNSUPPORTED_MATCH_RESULT matters here. */
  flags: number;
  /** Our tags and certificates of ownership. */
  local: FilterCredentials;
}

/** One frame's inputs; the datapath fills and reuses one object. */
export interface FilterFrame {
  ztSource: number;
  /** 0 for the destination-less first pass over multicast and bridged frames. */
  ztDest: number;
  macSource: number;
  macDest: number;
  etherType: number;
  /** Always 0 in 1.14.1. */
  vlanId: number;
  /** The Ethernet payload (no 14-byte header). */
  payload: Uint8Array;
  /** A fresh random u32 for MATCH_RANDOM. */
  random: number;
}

/**
 * What to do with the frame. Copies are sent in this order, each an EXT_FRAME with the
 * given flags, destination MAC, source MAC, EtherType and the first `length` payload bytes:
 * the accepting capability's TEE/WATCH (capTee), the base table's TEE/WATCH (tee), then
 * the redirected frame (redirect, the whole payload). Address 0 = no such copy. Copies are
 * asked for only when the frame was accepted, a redirected one included (accept is then 0).
 */
export class FilterResult {
  /** Outbound: 0 refuse, 1 send. Inbound: 0 drop, 1 accept, 2 super-accept. 0 after a redirect. */
  accept = 0;
  /** The base table's verdict (FILTER_*). */
  verdict = FILTER_NO_MATCH;
  /** Index of the accepting capability in the list evaluated, or -1. */
  capability = -1;
  capTee = 0;
  capTeeLength = 0;
  capTeeFlags = 0;
  tee = 0;
  teeLength = 0;
  teeFlags = 0;
  redirect = 0;
  redirectFlags = 0;

  reset(): void {
    this.accept = 0;
    this.verdict = FILTER_NO_MATCH;
    this.capability = -1;
    this.capTee = 0;
    this.capTeeLength = 0;
    this.capTeeFlags = 0;
    this.tee = 0;
    this.teeLength = 0;
    this.teeFlags = 0;
    this.redirect = 0;
    this.redirectFlags = 0;
  }
}

// Scratch state of one evaluation (see the header). The numbers live in a Float64Array
// because ZeroTier addresses and u32 values do not fit V8's small integers, and storing
// such a number in a plain module variable allocates a heap number every time.
const S = new Float64Array(6);
const ZD = 0; // the destination, changed by REDIRECT
const CC = 1; // TEE/WATCH target of the table being evaluated (0 = none)
const CC_LENGTH = 2;
const RANDOM_SEED = 3;
const CHAR_HI = 4; // the characteristics word's upper half, -1 until computed in this filter call
const CHAR_LO = 5;
let ccWatch = false;
let randomDraws = 0;
// The two ownership bits: -1 until a rule asks for them in this filter call, then 0 or 1.
let ipAuth = -1;
let macAuth = -1;

/** Whether the next MATCH_RANDOM draw is ≤ probability: the caller's u32 first, then mixes of it (splitmix32-like). */
function randomAtMost(probability: number): boolean {
  const n = randomDraws++;
  const seed = S[RANDOM_SEED];
  if (n === 0) return seed <= probability;
  let x = (seed + Math.imul(n, 0x9e3779b9)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0 <= probability;
}

function startCall(f: FilterFrame): void {
  S[RANDOM_SEED] = f.random >>> 0;
  randomDraws = 0;
  S[CHAR_HI] = -1;
  ipAuth = -1;
  macAuth = -1;
}

/** SENDER_IP_AUTHENTICATED: the frame's source IP is owned by the sender (inbound) or by us (outbound). */
function senderIpAuthenticated(inbound: boolean, cfg: NetworkRules, remote: FilterCredentials | null, f: FilterFrame): boolean {
  const p = f.payload;
  const len = p.length;
  let ipOff = -1;
  let ipLen = 0;
  if (f.etherType === ETHERTYPE_IPV4 && len >= 20) {
    ipOff = 12;
    ipLen = 4;
  } else if (f.etherType === ETHERTYPE_IPV6 && len >= 40) {
    // NDP's own addresses are empty or link-local: a solicitation counts as authenticated,
    // an advertisement is judged by its target address.
    if (len >= 64 && p[6] === 58 && (p[40] === 135 || p[40] === 136)) {
      if (p[40] === 135) return true;
      ipOff = 48;
      ipLen = 16;
    } else {
      ipOff = 8;
      ipLen = 16;
    }
  } else if (f.etherType === ETHERTYPE_ARP && len >= 28) {
    ipOff = 14;
    ipLen = 4;
  }
  const owner = inbound ? remote : cfg.local;
  return owner !== null && ipOff >= 0 && owner.ownsIp(p, ipOff, ipLen);
}

/** SENDER_MAC_AUTHENTICATED: the source MAC is owned likewise. */
function senderMacAuthenticated(inbound: boolean, cfg: NetworkRules, remote: FilterCredentials | null, f: FilterFrame): boolean {
  const owner = inbound ? remote : cfg.local;
  return owner !== null && owner.ownsMac(f.macSource);
}

/**
 * Computes the packet characteristics word into S[CHAR_HI], S[CHAR_LO], all but the two
 * ownership bits: those ask the credentials (and passing the 48-bit MAC boxes it), so each
 * is worked out only when a rule's mask has it (the result is the same, 1.14.1 just
 * computes them eagerly).
 */
function computeCharacteristics(inbound: boolean, f: FilterFrame): void {
  let hi = inbound ? CHARACTERISTICS_INBOUND_HI : 0;
  const macDest = f.macDest;
  if (Math.floor(macDest / TWO_40) & 1) hi |= CHARACTERISTICS_MULTICAST_HI;
  if (macDest === BROADCAST_MAC) hi |= CHARACTERISTICS_BROADCAST_HI;
  const p = f.payload;
  const len = p.length;
  let lo = 0;
  if (f.etherType === ETHERTYPE_IPV4 && len >= 20 && p[9] === 6) {
    // 1.14.1 reads the TCP flags without a length check; bytes past the payload count as 0 here.
    const hl = (p[0] & 15) * 4;
    lo = (hl + 13 < len ? p[hl + 13] : 0) | ((hl + 12 < len ? p[hl + 12] & 0x0f : 0) << 8);
  } else if (f.etherType === ETHERTYPE_IPV6) {
    const w = ipv6Payload(p);
    if (w >= 0 && ipv6PayloadProtocol(w) === 6) {
      const pos = ipv6PayloadPos(w);
      if (len > pos + 14) lo = p[pos + 13] | ((p[pos + 12] & 0x0f) << 8);
    }
  }
  S[CHAR_LO] = lo;
  S[CHAR_HI] = hi >>> 0;
}

/**
 * One table (_doZtFilter). Reads and may change the destination S[ZD]; a TEE/WATCH sets
 * S[CC], S[CC_LENGTH] and ccWatch. The case labels are number literals (named in comments) because V8 turns a switch over
 * dense literal labels into a jump table, where imported constants cost one comparison each.
 */
function evaluateTable(
  rules: readonly Rule[],
  inbound: boolean,
  cfg: NetworkRules,
  remote: FilterCredentials | null,
  f: FilterFrame,
): number {
  let superAccept = false;
  let setMatches = true;
  let skipDrop = false;
  const p = f.payload;
  const len = p.length;
  const et = f.etherType;
  const n = rules.length;
  for (let rn = 0; rn < n; rn++) {
    const rule = rules[rn];
    const rt = rule.type;
    if (rt <= RULE_ACTION_MAX) {
      if (setMatches) {
        switch (rt) {
          case 6 /* ACTION_PRIORITY */:
            return FILTER_ACCEPT;
          case 0 /* ACTION_DROP */:
            if (skipDrop) {
              skipDrop = false;
              continue;
            }
            return FILTER_DROP;
          case 1 /* ACTION_ACCEPT */:
            return superAccept ? FILTER_SUPER_ACCEPT : FILTER_ACCEPT;
          case 2 /* ACTION_TEE */:
          case 3 /* ACTION_WATCH */:
          case 4 /* ACTION_REDIRECT */: {
            const fwd = rule.address;
            if (fwd === f.ztSource) continue;
            if (fwd === cfg.self) {
              if (inbound) return FILTER_SUPER_ACCEPT;
              continue;
            }
            if (fwd === S[ZD]) continue;
            if (rt === RULE_ACTION_REDIRECT) {
              S[ZD] = fwd;
              return FILTER_REDIRECT;
            }
            S[CC] = fwd;
            S[CC_LENGTH] = rule.length !== 0 && rule.length < len ? rule.length : len;
            ccWatch = rt === RULE_ACTION_WATCH;
            continue;
          }
          case 5 /* ACTION_BREAK */:
            return FILTER_NO_MATCH;
          default:
            continue;
        }
      }
      // A set that did not match: its action is skipped, but being the target of a
      // TEE/WATCH/REDIRECT still makes a later ACCEPT of an inbound frame a super-accept.
      if (inbound && (rt === RULE_ACTION_TEE || rt === RULE_ACTION_WATCH || rt === RULE_ACTION_REDIRECT) && rule.address === cfg.self) {
        superAccept = true;
      }
      setMatches = true;
      continue;
    }

    // AND with a false set stays false, so it is not evaluated.
    if (!setMatches && !rule.or) continue;

    // `m` is the raw result; a forced result is written pre-inverted so NOT cannot flip it.
    const not = rule.not;
    const hardYes = !not;
    const hardNo = not;
    let m = false;
    switch (rt) {
      case 24 /* MATCH_SOURCE_ZEROTIER_ADDRESS */:
        m = rule.address === f.ztSource;
        break;
      case 25 /* MATCH_DEST_ZEROTIER_ADDRESS */:
        m = rule.address === S[ZD];
        break;
      case 26 /* MATCH_VLAN_ID */:
        m = rule.value === (f.vlanId & 0xffff);
        break;
      case 27 /* MATCH_VLAN_PCP */:
      case 28 /* MATCH_VLAN_DEI */:
        // Not implemented in 1.14.1: the frame's PCP/DEI is taken as 0.
        m = rule.value === 0;
        break;
      case 29 /* MATCH_MAC_SOURCE */:
        m = rule.mac === f.macSource;
        break;
      case 30 /* MATCH_MAC_DEST */:
        m = rule.mac === f.macDest;
        break;
      case 31 /* MATCH_IPV4_SOURCE */:
      case 32 /* MATCH_IPV4_DEST */:
        m = et === ETHERTYPE_IPV4 && len >= 20 ? ipv4Contains(rule, p, rt === RULE_MATCH_IPV4_SOURCE ? 12 : 16) : hardNo;
        break;
      case 33 /* MATCH_IPV6_SOURCE */:
      case 34 /* MATCH_IPV6_DEST */:
        m = et === ETHERTYPE_IPV6 && len >= 40 ? ipv6Contains(rule, p, rt === RULE_MATCH_IPV6_SOURCE ? 8 : 24) : hardNo;
        break;
      case 35 /* MATCH_IP_TOS */: {
        let tos = -1;
        if (et === ETHERTYPE_IPV4 && len >= 20) tos = p[1] & rule.mask;
        else if (et === ETHERTYPE_IPV6 && len >= 40) tos = (((p[0] << 4) & 0xf0) | (p[1] >> 4)) & rule.mask;
        m = tos >= 0 ? tos >= rule.start && tos <= rule.end : hardNo;
        break;
      }
      case 36 /* MATCH_IP_PROTOCOL */:
        if (et === ETHERTYPE_IPV4 && len >= 20) m = rule.value === p[9];
        else if (et === ETHERTYPE_IPV6) {
          const w = ipv6Payload(p);
          m = w >= 0 ? rule.value === ipv6PayloadProtocol(w) : hardNo;
        } else m = hardNo;
        break;
      case 37 /* MATCH_ETHERTYPE */:
        m = rule.value === et;
        break;
      case 38 /* MATCH_ICMP */: {
        let at = -1;
        if (et === ETHERTYPE_IPV4 && len >= 20) {
          if (p[9] === 1) {
            const ihl = (p[0] & 15) * 4;
            if (len >= ihl + 2) at = ihl;
          }
        } else if (et === ETHERTYPE_IPV6) {
          const w = ipv6Payload(p);
          if (w >= 0 && ipv6PayloadProtocol(w) === 58 && len >= ipv6PayloadPos(w) + 2) at = ipv6PayloadPos(w);
        }
        if (at < 0 || rule.value !== p[at]) m = hardNo;
        else m = (rule.flags & RULE_ICMP_FLAG_CHECK_CODE) !== 0 ? p[at + 1] === rule.code : hardYes;
        break;
      }
      case 39 /* MATCH_IP_SOURCE_PORT_RANGE */:
      case 40 /* MATCH_IP_DEST_PORT_RANGE */: {
        const dest = rt === RULE_MATCH_IP_DEST_PORT_RANGE ? 2 : 0;
        if (et === ETHERTYPE_IPV4 && len >= 20) {
          const hl = (p[0] & 15) * 4;
          const proto = p[9];
          let port = -1;
          if ((proto === 6 || proto === 17 || proto === 0x84 || proto === 0x88) && len > hl + 4) port = (p[hl + dest] << 8) | p[hl + dest + 1];
          // No port is a plain non-match here (not forced), so NOT turns it into a match.
          m = port >= 0 && port >= rule.start && port <= rule.end;
        } else if (et === ETHERTYPE_IPV6) {
          const w = ipv6Payload(p);
          if (w < 0) m = hardNo;
          else {
            const pos = ipv6PayloadPos(w);
            const proto = ipv6PayloadProtocol(w);
            let port = -1;
            if ((proto === 6 || proto === 17 || proto === 0x84 || proto === 0x88) && len > pos + 4) port = (p[pos + dest] << 8) | p[pos + dest + 1];
            // IPv6 needs port > 0: port 0 never matches (unlike IPv4).
            m = port > 0 && port >= rule.start && port <= rule.end;
          }
        } else m = hardNo;
        break;
      }
      case 41 /* MATCH_CHARACTERISTICS */: {
        if (S[CHAR_HI] < 0) computeCharacteristics(inbound, f);
        let hi = S[CHAR_HI];
        if ((rule.maskHi & CHARACTERISTICS_SENDER_IP_AUTHENTICATED_HI) !== 0) {
          if (ipAuth < 0) ipAuth = senderIpAuthenticated(inbound, cfg, remote, f) ? 1 : 0;
          if (ipAuth === 1) hi |= CHARACTERISTICS_SENDER_IP_AUTHENTICATED_HI;
        }
        if ((rule.maskHi & CHARACTERISTICS_SENDER_MAC_AUTHENTICATED_HI) !== 0) {
          if (macAuth < 0) macAuth = senderMacAuthenticated(inbound, cfg, remote, f) ? 1 : 0;
          if (macAuth === 1) hi |= CHARACTERISTICS_SENDER_MAC_AUTHENTICATED_HI;
        }
        m = ((hi & rule.maskHi) | (S[CHAR_LO] & rule.maskLo)) !== 0;
        break;
      }
      case 42 /* MATCH_FRAME_SIZE_RANGE */:
        m = len >= rule.start && len <= rule.end;
        break;
      case 43 /* MATCH_RANDOM */:
        m = randomAtMost(rule.value >>> 0);
        break;
      case 44 /* MATCH_TAGS_DIFFERENCE */:
      case 45 /* MATCH_TAGS_BITWISE_AND */:
      case 46 /* MATCH_TAGS_BITWISE_OR */:
      case 47 /* MATCH_TAGS_BITWISE_XOR */:
      case 48 /* MATCH_TAGS_EQUAL */: {
        const lv = cfg.local.tagValue(rule.id);
        if (lv === undefined) {
          m = hardNo;
          break;
        }
        const rv = remote === null ? undefined : remote.tagValue(rule.id);
        if (rv === undefined) {
          if (inbound && !superAccept) m = hardNo;
          else {
            // Outbound (or as a tee/redirect target) the other side's tags may simply not be
            // known yet; it filters inbound itself, so let this set through once.
            skipDrop = true;
            m = hardYes;
          }
          break;
        }
        const l = lv >>> 0;
        const r = rv >>> 0;
        const v = rule.value >>> 0;
        if (rt === RULE_MATCH_TAGS_DIFFERENCE) m = Math.abs(l - r) <= v;
        else if (rt === RULE_MATCH_TAGS_BITWISE_AND) m = (l & r) >>> 0 === v;
        else if (rt === RULE_MATCH_TAGS_BITWISE_OR) m = (l | r) >>> 0 === v;
        else if (rt === RULE_MATCH_TAGS_BITWISE_XOR) m = (l ^ r) >>> 0 === v;
        else m = l === v && r === v;
        break;
      }
      case 49 /* MATCH_TAG_SENDER */:
      case 50 /* MATCH_TAG_RECEIVER */: {
        if (superAccept) {
          skipDrop = true;
          m = hardYes;
        } else if ((rt === RULE_MATCH_TAG_SENDER) === inbound) {
          // The other party is the one named: the sender inbound, the receiver outbound.
          const r = remote === null ? undefined : remote.tagValue(rule.id);
          if (r !== undefined) m = r >>> 0 === rule.value >>> 0;
          else if (rt === RULE_MATCH_TAG_RECEIVER) {
            skipDrop = true;
            m = hardYes;
          } else m = hardNo;
        } else {
          const l = cfg.local.tagValue(rule.id);
          m = l !== undefined ? l >>> 0 === rule.value >>> 0 : hardNo;
        }
        break;
      }
      case 51 /* MATCH_INTEGER_RANGE */:
        m = integerRangeMatches(rule, p);
        break;
      default:
        m = (cfg.flags & CONFIG_FLAG_UNSUPPORTED_MATCH_RESULT) !== 0;
        break;
    }

    if (rule.or) setMatches = setMatches || m !== not;
    else setMatches = setMatches && m !== not;
  }
  return FILTER_NO_MATCH;
}

function isAccepted(v: number): boolean {
  return v === FILTER_ACCEPT || v === FILTER_SUPER_ACCEPT || v === FILTER_REDIRECT;
}

/**
 * Network::filterOutgoingPacket: may we send this frame from our TAP? `remote` is the
 * destination's membership (null when there is none or ztDest is 0). With `noTee` (the
 * per-recipient passes of a multicast or bridged frame) no TEE/WATCH copies are asked for.
 */
export function filterOutgoing(
  cfg: NetworkRules,
  remote: FilterCredentials | null,
  noTee: boolean,
  f: FilterFrame,
  out: FilterResult = new FilterResult(),
): FilterResult {
  out.reset();
  startCall(f);
  S[ZD] = f.ztDest;
  S[CC] = 0;
  S[CC_LENGTH] = 0;
  ccWatch = false;
  const verdict = evaluateTable(cfg.rules, false, cfg, remote, f);
  out.verdict = verdict;
  if (verdict === FILTER_DROP) return out;
  const baseCc = S[CC];
  const baseCcLength = S[CC_LENGTH];
  const baseCcWatch = ccWatch;
  let accept = 0;
  if (verdict === FILTER_NO_MATCH) {
    const caps = cfg.capabilities;
    for (let c = 0; c < caps.length; c++) {
      S[ZD] = f.ztDest;
      S[CC] = 0;
      S[CC_LENGTH] = 0;
      ccWatch = false;
      if (isAccepted(evaluateTable(caps[c], false, cfg, remote, f))) {
        // On the outbound side a capability's super-accept is a plain accept.
        accept = 1;
        out.capability = c;
        if (!noTee && S[CC] !== 0) {
          out.capTee = S[CC];
          out.capTeeLength = S[CC_LENGTH];
          out.capTeeFlags = ccWatch ? EXT_FRAME_FLAGS_OUTBOUND_WATCH : EXT_FRAME_FLAGS_OUTBOUND_TEE;
        }
        break;
      }
    }
  } else {
    accept = 1;
  }
  if (accept === 0) return out;
  if (!noTee && baseCc !== 0) {
    out.tee = baseCc;
    out.teeLength = baseCcLength;
    out.teeFlags = baseCcWatch ? EXT_FRAME_FLAGS_OUTBOUND_WATCH : EXT_FRAME_FLAGS_OUTBOUND_TEE;
  }
  if (S[ZD] !== f.ztDest && S[ZD] !== 0) {
    out.redirect = S[ZD];
    out.redirectFlags = EXT_FRAME_FLAGS_OUTBOUND_REDIRECT;
    return out;
  }
  out.accept = 1;
  return out;
}

/**
 * Network::filterIncomingPacket: may we take this frame from `f.ztSource` (the sending
 * peer) to `f.ztDest`? `remote` is the sender's membership and `remoteCapabilities` the
 * tables of the capabilities it presented whose timestamps are valid.
 */
export function filterIncoming(
  cfg: NetworkRules,
  remote: FilterCredentials | null,
  remoteCapabilities: readonly (readonly Rule[])[],
  f: FilterFrame,
  out: FilterResult = new FilterResult(),
): FilterResult {
  out.reset();
  startCall(f);
  S[ZD] = f.ztDest;
  S[CC] = 0;
  S[CC_LENGTH] = 0;
  ccWatch = false;
  const verdict = evaluateTable(cfg.rules, true, cfg, remote, f);
  out.verdict = verdict;
  if (verdict === FILTER_DROP) return out;
  const baseCc = S[CC];
  const baseCcLength = S[CC_LENGTH];
  const baseCcWatch = ccWatch;
  let accept = 0;
  if (verdict === FILTER_NO_MATCH) {
    for (let c = 0; c < remoteCapabilities.length; c++) {
      S[ZD] = f.ztDest;
      S[CC] = 0;
      S[CC_LENGTH] = 0;
      ccWatch = false;
      const v = evaluateTable(remoteCapabilities[c], true, cfg, remote, f);
      if (isAccepted(v)) {
        accept = v === FILTER_SUPER_ACCEPT ? 2 : 1;
        out.capability = c;
        if (S[CC] !== 0) {
          out.capTee = S[CC];
          out.capTeeLength = S[CC_LENGTH];
          out.capTeeFlags = ccWatch ? EXT_FRAME_FLAGS_INBOUND_WATCH : EXT_FRAME_FLAGS_INBOUND_TEE;
        }
        break;
      }
    }
  } else {
    accept = verdict === FILTER_SUPER_ACCEPT ? 2 : 1;
  }
  if (accept === 0) return out;
  if (baseCc !== 0) {
    out.tee = baseCc;
    out.teeLength = baseCcLength;
    out.teeFlags = baseCcWatch ? EXT_FRAME_FLAGS_INBOUND_WATCH : EXT_FRAME_FLAGS_INBOUND_TEE;
  }
  if (S[ZD] !== f.ztDest && S[ZD] !== 0) {
    out.redirect = S[ZD];
    out.redirectFlags = EXT_FRAME_FLAGS_INBOUND_REDIRECT;
    return out;
  }
  out.accept = accept;
  return out;
}

/** One table on its own (for tests and tracing): the FILTER_* verdict. */
export function evaluateRules(
  rules: readonly Rule[],
  inbound: boolean,
  cfg: NetworkRules,
  remote: FilterCredentials | null,
  f: FilterFrame,
  out: FilterResult = new FilterResult(),
): FilterResult {
  out.reset();
  startCall(f);
  S[ZD] = f.ztDest;
  S[CC] = 0;
  S[CC_LENGTH] = 0;
  ccWatch = false;
  out.verdict = evaluateTable(rules, inbound, cfg, remote, f);
  out.tee = S[CC];
  out.teeLength = S[CC_LENGTH];
  out.teeFlags = ccWatch ? (inbound ? EXT_FRAME_FLAGS_INBOUND_WATCH : EXT_FRAME_FLAGS_OUTBOUND_WATCH) : S[CC] !== 0 ? (inbound ? EXT_FRAME_FLAGS_INBOUND_TEE : EXT_FRAME_FLAGS_OUTBOUND_TEE) : 0;
  out.redirect = S[ZD] !== f.ztDest ? S[ZD] : 0;
  return out;
}

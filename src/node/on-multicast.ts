// The multicast verbs (spec 04 §8.2, §8.4, §8.6; 1.14.1 IncomingPacket::_doMULTICAST_LIKE,
// _doMULTICAST_GATHER, _doMULTICAST_FRAME, the OK handlers for GATHER and FRAME, and
// ERROR(UNWANTED_MULTICAST) in _doERROR).
import type { Address } from '../protocol/address.js';
import { ErrorCode, Verb } from '../protocol/constants.js';
import { isActiveBridge, specialistsWithRole, SPECIALIST_MULTICAST_REPLICATOR } from '../protocol/netconf/network-config.js';
import { macForMember } from '../protocol/member-mac.js';
import { packetIdBytes } from '../protocol/packet.js';
import { encodeError, type ERROR } from '../protocol/verbs/error.js';
import { decodeMulticastLike, MULTICAST_LIKE_TUPLE_BYTES } from '../protocol/verbs/multicast-like.js';
import { decodeMulticastGather, decodeOkMulticastGather, encodeOkMulticastGather } from '../protocol/verbs/multicast-gather.js';
import { decodeMulticastFrame, decodeOkMulticastFrame, encodeOkMulticastFrame, MULTICAST_FRAME_FLAG_REPLICATE, OK_MULTICAST_FRAME_FLAG_GATHER_RESULTS } from '../protocol/verbs/multicast-frame.js';
import { encodeOk } from '../protocol/verbs/ok.js';
import { MAX_MTU } from '../protocol/netconf/network-config.js';
import { sendFilterCopies } from './filter-copies.js';
import { isMulticastMac } from './multicast-group.js';
import { OK_MULTICAST_FRAME_HEADER_BYTES, OK_MULTICAST_GATHER_HEADER_BYTES } from './multicaster.js';
import { capabilityRules, remoteCredentials } from './network-rules.js';
import { FilterResult, filterIncoming, type FilterFrame } from './rules-engine.js';
import type { InboundPacket, OkHandler, VerbContext, VerbHandler, VerbTable } from './verb-table.js';

/** 04 §8.2, trap 24: the gate, else "we are a root" or "our controller configured this peer lately". */
function isFallbackAuthorized(v: VerbContext, nwid: bigint, peer: Address, now: number): boolean {
  return v.node.topology.amRoot || v.networks.controller.isRecentlyAuthorized(nwid, peer, now);
}

export const onMULTICAST_LIKE: VerbHandler = (v, rx) => {
  // Whole tuples are acted on; a trailing partial one is then reported (1.14.1 acts on the
  // tuples before it and fails on it).
  const whole = rx.payload.length - (rx.payload.length % MULTICAST_LIKE_TUPLE_BYTES);
  const { likes } = decodeMulticastLike(rx.payload.subarray(0, whole));
  let isAuthorized = false;
  let lastNwid = 0n;
  for (const like of likes) {
    if (like.networkId !== lastNwid) {
      lastNwid = like.networkId;
      const network = v.networks.get(like.networkId);
      // 1.14.1 keeps the previous value when the network is not joined.
      if (network) isAuthorized = network.gate(rx.peer.identity, rx.now).isOpen;
      if (!isAuthorized) isAuthorized = isFallbackAuthorized(v, like.networkId, rx.peer.address, rx.now);
    }
    if (isAuthorized) v.networks.multicaster.add(rx.now, like.networkId, like.group, rx.peer.address);
  }
  if (whole !== rx.payload.length) v.node.report('truncated', rx.path.address, 'MULTICAST_LIKE: partial tuple');
};

export const onMULTICAST_GATHER: VerbHandler = (v, rx) => {
  const msg = decodeMulticastGather(rx.payload);
  const network = v.networks.get(msg.networkId);
  if (msg.com && network) network.addInlineCom(rx.now, msg.com);
  const isTrusted = network ? network.gate(rx.peer.identity, rx.now).isOpen : false;
  if (msg.gatherLimit === 0 || !(isTrusted || isFallbackAuthorized(v, msg.networkId, rx.peer.address, rx.now))) return;
  const results = v.networks.multicaster.gather(rx.peer.address, msg.networkId, msg.group, msg.gatherLimit, OK_MULTICAST_GATHER_HEADER_BYTES);
  if (results.members.length === 0) return;
  const body = encodeOkMulticastGather({ networkId: msg.networkId, group: msg.group, results });
  v.sender.reply(rx.now, rx.peer, rx.path, Verb.OK, encodeOk({ inReVerb: Verb.MULTICAST_GATHER, inRePacketId: packetIdBytes(rx.packet), body }));
};

const filterResult = new FilterResult();
const filterFrame: FilterFrame = { ztSource: 0, ztDest: 0, macSource: 0, macDest: 0, etherType: 0, vlanId: 0, payload: new Uint8Array(0), random: 0 };

export const onMULTICAST_FRAME: VerbHandler = (v, rx) => {
  const msg = decodeMulticastFrame(rx.payload);
  const network = v.networks.get(msg.networkId);
  if (!network) {
    v.node.report('unknown_network', rx.path.address, 'MULTICAST_FRAME');
    return;
  }
  if (msg.com) network.addInlineCom(rx.now, msg.com);
  const config = network.config;
  const rules = network.rules();
  const mctx = network.membershipContext();
  if (!config || !rules || !mctx || !network.gate(rx.peer.identity, rx.now).isOpen) {
    const err = encodeError({ inReVerb: Verb.MULTICAST_FRAME, inRePacketId: packetIdBytes(rx.packet), code: ErrorCode.NEED_MEMBERSHIP_CERTIFICATE, networkId: msg.networkId });
    v.sender.reply(rx.now, rx.peer, rx.path, Verb.ERROR, err);
    if (!rx.isRetry) v.node.report('not_member', rx.path.address, `MULTICAST_FRAME on ${v.networks.describe(msg.networkId)}`);
    return 'retry';
  }
  if (config.multicastLimit === 0) {
    v.node.report('multicast_disabled', rx.path.address, 'MULTICAST_FRAME');
    return;
  }
  const peer = rx.peer.address;
  const self = v.node.address;
  const peerMac = macForMember(msg.networkId, peer);
  const from = msg.source ?? peerMac;
  if (msg.data.length > 0 && msg.data.length <= MAX_MTU) {
    if (!isMulticastMac(msg.group.mac)) {
      v.node.report('malformed', rx.path.address, 'MULTICAST_FRAME: destination not multicast');
      return;
    }
    if (from === 0 || isMulticastMac(from) || from === macForMember(msg.networkId, self)) {
      v.node.report('malformed', rx.path.address, 'MULTICAST_FRAME: invalid source MAC');
      return;
    }
    if (msg.flags & MULTICAST_FRAME_FLAG_REPLICATE && specialistsWithRole(config, SPECIALIST_MULTICAST_REPLICATOR).includes(self)) {
      v.networks.multicaster.send(rx.now, network, msg.group, from, msg.etherType, msg.data, peer);
    }
    if (from !== peerMac) {
      if (!isActiveBridge(config, peer)) {
        v.node.report('bridging_not_allowed', rx.path.address, 'MULTICAST_FRAME from a non-bridge');
        return;
      }
      network.learnBridgeRoute(from, peer);
    }
    const f = filterFrame;
    f.ztSource = peer;
    f.ztDest = self;
    f.macSource = from;
    f.macDest = msg.group.mac;
    f.etherType = msg.etherType;
    f.vlanId = 0;
    f.payload = msg.data;
    f.random = v.node.randomInt(0x100000000);
    const m = network.memberships.get(peer);
    const caps = m ? m.validCapabilities(mctx).sort((a, b) => a.id - b.id).map(capabilityRules) : [];
    const r = filterIncoming(rules, m ? remoteCredentials(m, mctx) : null, caps, f, filterResult);
    sendFilterCopies(rx.now, v.sender, msg.networkId, r, f);
    if (r.accept > 0) v.node.host.deliverFrame?.(msg.networkId, { sourceMac: from, destMac: msg.group.mac, etherType: msg.etherType, vlanId: 0, data: msg.data });
    else v.node.report('filtered', rx.path.address, `MULTICAST_FRAME ethertype ${msg.etherType.toString(16)}`);
  }
  if (msg.gatherLimit) {
    const results = v.networks.multicaster.gather(peer, msg.networkId, msg.group, msg.gatherLimit, OK_MULTICAST_FRAME_HEADER_BYTES);
    if (results.members.length === 0) return;
    const body = encodeOkMulticastFrame({ networkId: msg.networkId, group: msg.group, flags: OK_MULTICAST_FRAME_FLAG_GATHER_RESULTS, results });
    v.sender.reply(rx.now, rx.peer, rx.path, Verb.OK, encodeOk({ inReVerb: Verb.MULTICAST_FRAME, inRePacketId: packetIdBytes(rx.packet), body }));
  }
};

/** OK(MULTICAST_GATHER): the listed members join the group (the network must be joined). */
export const onOkMulticastGather: OkHandler = (v, rx, body) => {
  const ok = decodeOkMulticastGather(body);
  if (!v.networks.get(ok.networkId)) return;
  v.networks.multicaster.addMultiple(rx.now, ok.networkId, ok.group, ok.results.members);
};

/** OK(MULTICAST_FRAME): an inline COM (old peers) is stored; gather results add members. */
export const onOkMulticastFrame: OkHandler = (v, rx, body) => {
  const ok = decodeOkMulticastFrame(body);
  const network = v.networks.get(ok.networkId);
  if (!network) return;
  if (ok.com) network.addInlineCom(rx.now, ok.com);
  if (ok.results) v.networks.multicaster.addMultiple(rx.now, ok.networkId, ok.group, ok.results.members);
};

/** ERROR(UNWANTED_MULTICAST): a peer that passes the gate leaves the group. 1.14.1 never sends it. */
export function onUnwantedMulticast(v: VerbContext, rx: InboundPacket, err: ERROR): void {
  if (err.networkId === undefined || !err.multicastGroup) return;
  const network = v.networks.get(err.networkId);
  if (network && network.gate(rx.peer.identity, rx.now).isOpen) v.networks.multicaster.remove(network.id, err.multicastGroup, rx.peer.address);
}

export function registerMulticastVerbs(table: VerbTable): void {
  table.register(Verb.MULTICAST_LIKE, onMULTICAST_LIKE);
  table.register(Verb.MULTICAST_GATHER, onMULTICAST_GATHER);
  table.register(Verb.MULTICAST_FRAME, onMULTICAST_FRAME);
  table.registerOk(Verb.MULTICAST_GATHER, onOkMulticastGather);
  table.registerOk(Verb.MULTICAST_FRAME, onOkMulticastFrame);
}

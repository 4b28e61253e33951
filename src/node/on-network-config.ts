// VL2 config verbs (spec 04 §3, 05 §1.2): NETWORK_CONFIG_REQUEST for our controller,
// NETWORK_CONFIG pushes and OK(NETWORK_CONFIG_REQUEST) answers for our networks, and the
// controller's ERRORs that set a network's status.
import { ErrorCode, Verb } from '../protocol/constants.js';
import { Dictionary, AUTH_INFO_DICT_CAPACITY_BYTES } from '../protocol/dictionary.js';
import { packetId, packetIdBytes } from '../protocol/packet.js';
import { decodeNetworkConfig as decodeChunk, decodeNetworkConfigRequest } from '../protocol/verbs/network-config.js';
import { encodeError, type ERROR } from '../protocol/verbs/error.js';
import { Writer } from '../protocol/writer.js';
import type { InboundPacket, VerbContext } from './verb-table.js';
import { onNeedMembershipCertificate } from './on-network-credentials.js';
import { onUnwantedMulticast } from './on-multicast.js';

export function onNETWORK_CONFIG_REQUEST(v: VerbContext, rx: InboundPacket): void {
  const req = decodeNetworkConfigRequest(rx.payload);
  const requestPacketId = packetId(rx.packet);
  const isHandled = v.networks.controller.request({
    nwid: req.networkId,
    requestPacketId,
    identity: rx.peer.identity,
    metadata: req.metadata.slice(),
    physicalAddress: rx.hops === 0 ? rx.path.address : null,
    nowMs: rx.now,
  });
  if (!isHandled) {
    const payload = encodeError({ inReVerb: Verb.NETWORK_CONFIG_REQUEST, inRePacketId: packetIdBytes(rx.packet), code: ErrorCode.UNSUPPORTED_OPERATION, networkId: req.networkId });
    v.sender.reply(rx.now, rx.peer, rx.path, Verb.ERROR, payload);
  }
}

/** A pushed chunk: acknowledged with OK(in-re ECHO) when it completed a config (04 §3.3). */
export function onNETWORK_CONFIG(v: VerbContext, rx: InboundPacket): void {
  const chunk = decodeChunk(rx.payload);
  const network = v.networks.get(chunk.networkId);
  if (!network) {
    v.node.report('unknown_network', rx.path.address, `NETWORK_CONFIG for ${v.networks.describe(chunk.networkId)}`);
    return;
  }
  const updateId = network.handleConfigChunk(rx.now, chunk, rx.peer.address, packetId(rx.packet));
  if (updateId === 0n) return;
  const w = new Writer(33);
  w.u8(Verb.ECHO).bytes(packetIdBytes(rx.packet)).u64(network.id).u64(updateId);
  v.sender.reply(rx.now, rx.peer, rx.path, Verb.OK, w.finish());
}

export function onOkNetworkConfigRequest(v: VerbContext, rx: InboundPacket, body: Uint8Array): void {
  const chunk = decodeChunk(body);
  const network = v.networks.controlledBy(chunk.networkId, rx.peer.address);
  if (!network) {
    v.node.report('not_controller', rx.path.address, `OK(NETWORK_CONFIG_REQUEST) for ${v.networks.describe(chunk.networkId)}`);
    return;
  }
  network.handleConfigChunk(rx.now, chunk, rx.peer.address, packetId(rx.packet));
}

/** The ERROR codes a controller answers a config request with (04 §1.4, IncomingPacket::_doERROR). */
export function onNetworkError(v: VerbContext, rx: InboundPacket, err: ERROR): void {
  const nwid = err.networkId;
  if (nwid === undefined) return;
  const network = v.networks.controlledBy(nwid, rx.peer.address);
  // A config-request ERROR that is not from the controller of a network we joined changes nothing; it is counted.
  const refuse = (): void => {
    const reason = v.networks.get(nwid) ? 'not_controller' : 'unknown_network';
    v.node.report(reason, rx.path.address, `ERROR ${err.code} for ${v.networks.describe(nwid)}`);
  };
  switch (err.code) {
    case ErrorCode.OBJ_NOT_FOUND:
    case ErrorCode.UNSUPPORTED_OPERATION:
      if (err.inReVerb !== Verb.NETWORK_CONFIG_REQUEST) return;
      if (network) network.setFailure('not_found');
      else refuse();
      return;
    case ErrorCode.NEED_MEMBERSHIP_CERTIFICATE:
      onNeedMembershipCertificate(v, rx, nwid);
      return;
    case ErrorCode.NETWORK_ACCESS_DENIED:
      if (network) network.setFailure('access_denied');
      else refuse();
      return;
    case ErrorCode.UNWANTED_MULTICAST:
      onUnwantedMulticast(v, rx, err);
      return;
    case ErrorCode.NETWORK_AUTHENTICATION_REQUIRED: {
      if (!network) {
        refuse();
        return;
      }
      if (!err.authInfo) {
        network.setFailure('authentication_required', '');
        return;
      }
      const info = Dictionary.decode(err.authInfo, AUTH_INFO_DICT_CAPACITY_BYTES);
      const version = info.getU64('aV') ?? 0n;
      // Version 0 sets the status only with a URL; version 1 carries OIDC fields ztkube does not use.
      if (version === 0n) {
        const url = info.getString('aU');
        if (url) network.setFailure('authentication_required', url);
      } else if (version === 1n) {
        network.setFailure('authentication_required', info.getString('aCU') ?? '');
      }
      return;
    }
    default:
  }
}

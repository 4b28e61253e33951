// The small VL1 verbs: ECHO (02 §10.9), ERROR (02 §10.3) and USER_MESSAGE (02 §10.17).
import { ErrorCode, Verb } from '../protocol/constants.js';
import { packetIdBytes } from '../protocol/packet.js';
import { encodeOk } from '../protocol/verbs/ok.js';
import { decodeError } from '../protocol/verbs/error.js';
import { decodeUserMessage } from '../protocol/verbs/user-message.js';
import type { InboundPacket, VerbContext } from './verb-table.js';
import { ECHO_ANSWER_INTERVAL_MS } from './constants.js';
import { onNetworkError } from './on-network-config.js';

export function onECHO(v: VerbContext, rx: InboundPacket): void {
  const { now, peer, path } = rx;
  if (now - path.lastEchoAnsweredMs < ECHO_ANSWER_INTERVAL_MS) {
    v.node.report('rate_limited', path.address, 'ECHO');
    return;
  }
  path.lastEchoAnsweredMs = now;
  v.sender.reply(now, peer, path, Verb.OK, encodeOk({ inReVerb: Verb.ECHO, inRePacketId: packetIdBytes(rx.packet), body: rx.payload }));
}

export function onERROR(v: VerbContext, rx: InboundPacket): void {
  const err = decodeError(rx.payload);
  if (err.code === ErrorCode.IDENTITY_COLLISION && err.inReVerb === Verb.HELLO && v.node.topology.isUpstream(rx.peer.address)) {
    v.node.host.event({ type: 'identity_collision' });
  }
  onNetworkError(v, rx, err);
}

export function onUSER_MESSAGE(v: VerbContext, rx: InboundPacket): void {
  const m = decodeUserMessage(rx.payload);
  v.node.host.event({ type: 'user_message', source: rx.peer.address, typeId: m.typeId, data: m.data.slice() });
}

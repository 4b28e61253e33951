// OK processing (02 §10.4, 03 §4.5, §7.4): only replies to packets we sent are accepted,
// then handed to whoever registered for the verb they answer.
import { MIN_PROTOCOL_VERSION } from '../protocol/constants.js';
import { decodeOk, decodeOkWhois } from '../protocol/verbs/ok.js';
import { decodeOkHello } from '../protocol/verbs/ok-hello.js';
import { decodeWorlds } from '../protocol/world.js';
import type { InboundPacket, VerbContext, VerbTable } from './verb-table.js';

export function onOK(v: VerbContext, rx: InboundPacket, table: VerbTable): void | 'not_counted' {
  const ok = decodeOk(rx.payload);
  if (!v.node.expected.isExpected(ok.inRePacketId, rx.now)) {
    v.node.report('unexpected_reply', rx.path.address);
    return 'not_counted';
  }
  // OK(ECHO) and answers nobody registered for still refresh the path through bookkeeping.
  table.getOk(ok.inReVerb)?.(v, rx, ok.body);
}

export function onOkHello(v: VerbContext, rx: InboundPacket, body: Uint8Array): void {
  const { node } = v;
  const { now, peer, path, hops } = rx;
  const ok = decodeOkHello(body);
  if (ok.protocolVersion < MIN_PROTOCOL_VERSION) return;
  if (ok.worldUpdates && ok.worldUpdates.length > 0 && (node.topology.isUpstream(peer.address) || node.topology.isMoonSeed(peer.address))) {
    for (const w of decodeWorlds(ok.worldUpdates)) node.topology.installWorld(w, 'ok_hello', peer.address);
  }
  if (hops === 0) path.addLatencySample(now - Number(ok.timestamp));
  peer.version = { protocol: ok.protocolVersion, major: ok.versionMajor, minor: ok.versionMinor, revision: ok.versionRevision };
  if (ok.surfaceAddress && hops === 0) {
    const reset = node.awareness.iam(now, peer.address, path.socket, path.address, ok.surfaceAddress, node.topology.isUpstream(peer.address));
    if (reset) v.prober.resetPathsOfScope(now, reset.scope, reset.family);
  }
}

export function onOkWhois(v: VerbContext, rx: InboundPacket, body: Uint8Array): void {
  const { node } = v;
  if (!node.topology.isUpstream(rx.peer.address)) {
    node.report('not_upstream', rx.path.address, 'OK(WHOIS) from a non-upstream');
    return;
  }
  const { identities } = decodeOkWhois(body);
  const id = identities[0];
  if (id.address === node.address) return;
  v.sender.whoisAnswered(id.address);
  if (!node.topology.peers.has(id.address)) {
    const peer = node.tryMakePeer(id, rx.path.address, 'OK(WHOIS) identity');
    if (!peer) return;
    node.topology.addPeer(peer);
  }
  node.peerKnown(rx.now, id.address);
}

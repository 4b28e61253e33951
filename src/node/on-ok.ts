// OK processing (02 §10.4, 03 §4.5, §7.4): only replies to packets we sent are accepted.
import { MIN_PROTOCOL_VERSION, PACKET_IDX_PAYLOAD, Verb } from '../protocol/constants.js';
import { decodeOk, decodeOkWhois } from '../protocol/verbs/ok.js';
import { decodeOkHello } from '../protocol/verbs/ok-hello.js';
import { decodeWorlds } from '../protocol/world.js';
import type { Node } from './node.js';
import type { Path } from './path.js';
import type { Peer } from './peer.js';
import { retryQueued } from './background.js';
import { resetPathsOfScope } from './background.js';
import { retryParked } from './receive.js';

/** Returns the in-re verb when the OK was expected and processed, else undefined. */
export function onOK(node: Node, now: number, path: Path, peer: Peer, plain: Uint8Array, hops: number): number | undefined {
  const ok = decodeOk(plain.subarray(PACKET_IDX_PAYLOAD));
  let id = 0n;
  for (const b of ok.inRePacketId) id = (id << 8n) | BigInt(b);
  if (!node.expected.isExpected(id, now)) {
    node.report('unexpected_reply', path.address);
    return undefined;
  }
  switch (ok.inReVerb) {
    case Verb.HELLO:
      onOkHello(node, now, path, peer, ok.body, hops);
      break;
    case Verb.WHOIS:
      onOkWhois(node, now, peer, ok.body);
      break;
    default:
      // OK(ECHO) refreshes the path through bookkeeping; VL2 replies belong to later layers.
      break;
  }
  return ok.inReVerb;
}

function onOkHello(node: Node, now: number, path: Path, peer: Peer, body: Uint8Array, hops: number): void {
  const ok = decodeOkHello(body);
  if (ok.protocolVersion < MIN_PROTOCOL_VERSION) return;
  if (ok.worldUpdates && ok.worldUpdates.length > 0 && (node.topology.isUpstream(peer.address) || node.topology.isMoonSeed(peer.address))) {
    for (const w of decodeWorlds(ok.worldUpdates)) node.topology.installWorld(w, 'ok_hello', peer.address);
  }
  if (hops === 0) path.addLatencySample(now - Number(ok.timestamp));
  peer.version = { protocol: ok.protocolVersion, major: ok.versionMajor, minor: ok.versionMinor, revision: ok.versionRevision };
  if (ok.surfaceAddress && hops === 0) {
    const reset = node.awareness.iam(now, peer.address, path.socket, path.address, ok.surfaceAddress, node.topology.isUpstream(peer.address));
    if (reset) resetPathsOfScope(node, now, reset.scope, reset.family);
  }
}

function onOkWhois(node: Node, now: number, peer: Peer, body: Uint8Array): void {
  if (!node.topology.isUpstream(peer.address)) {
    node.report('not_upstream', undefined, 'OK(WHOIS) from a non-upstream');
    return;
  }
  const { identities } = decodeOkWhois(body);
  const id = identities[0];
  if (id.address === node.address) return;
  node.whoisRequests.delete(id.address);
  if (!node.topology.peers.has(id.address)) {
    try {
      node.topology.addPeer(node.topology.makePeer(id));
    } catch {
      node.report('invalid_identity', undefined, 'OK(WHOIS) identity refused by key agreement'); // low-order key
      return;
    }
  }
  retryQueued(node, now, id.address);
  retryParked(node, now, id.address);
}

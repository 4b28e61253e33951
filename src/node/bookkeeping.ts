// Peer bookkeeping after every authenticated packet (03 §5.3): activity times, path
// refresh, learning a path from a direct OK, confirming HELLOs, pushing our addresses.
import { Verb } from '../protocol/constants.js';
import { encodePushDirectPaths, type DirectPath } from '../protocol/verbs/push-direct-paths.js';
import { ALL_SOCKETS } from './host.js';
import type { Node } from './node.js';
import type { Path } from './path.js';
import type { Peer } from './peer.js';
import { sendHello, sendDirect } from './send.js';
import {
  CONFIRM_HELLO_INTERVAL_MS,
  DIRECT_PATH_PUSH_INTERVAL_MS,
  DIRECT_PATH_PUSH_INTERVAL_RELAYED_MS,
  PUSH_DIRECT_PATHS_MAX_PACKET_BYTES,
} from './constants.js';

const NONTRIVIAL_VERBS = new Set<number>([Verb.FRAME, Verb.EXT_FRAME, Verb.NETWORK_CONFIG_REQUEST, Verb.NETWORK_CONFIG, Verb.MULTICAST_FRAME]);

export function received(node: Node, now: number, peer: Peer, path: Path, hops: number, verb: number, inReVerb: number | undefined, isTrustEstablishing: boolean): void {
  peer.lastReceive = now;
  // 1.14.1 notices it is online only at the next 5 s ping check; saying so at the first
  // packet from an upstream changes nothing on the wire and tells users sooner.
  if (!node.isOnline && (node.topology.isUpstream(peer.address) || node.topology.isMoonSeed(peer.address))) node.setOnline(true);
  if (NONTRIVIAL_VERBS.has(verb)) peer.lastNontrivialReceive = now;
  if (isTrustEstablishing) {
    peer.lastTrustEstablishedReceive = now;
    path.lastTrustEstablished = now;
  }
  if (hops === 0) {
    const entry = peer.entryFor(path);
    if (entry) {
      entry.lr = now;
    } else if (!peer.hasAliveSibling(path, now) && node.isPathAcceptable(peer.address, path.socket, path.address)) {
      if (verb === Verb.OK) {
        peer.learnPath(path, now);
        node.host.event({ type: 'peer_direct', address: peer.address, path: path.address });
      } else if (now - path.lastConfirmHello >= CONFIRM_HELLO_INTERVAL_MS) {
        path.lastConfirmHello = now;
        sendHello(node, now, peer, ALL_SOCKETS, path.address);
      }
    }
  }
  if (peer.isTrustEstablished(now)) maybePushDirectPaths(node, now, peer, path, hops);
  void inReVerb;
}

/** PUSH_DIRECT_PATHS to a peer we share a network with (03 §12.2). */
function maybePushDirectPaths(node: Node, now: number, peer: Peer, path: Path, hops: number): void {
  const interval = hops === 0 ? DIRECT_PATH_PUSH_INTERVAL_MS : DIRECT_PATH_PUSH_INTERVAL_RELAYED_MS;
  if (now - peer.lastPushDirectPathsSent < interval) return;
  peer.lastPushDirectPathsSent = now;
  const addrs = [...(node.host.localAddresses?.() ?? []), ...node.awareness.surfaceAddresses()];
  let batch: DirectPath[] = [];
  let size = 2;
  const flush = (): void => {
    if (batch.length === 0) return;
    sendDirect(node, now, peer, path.socket, path.address, Verb.PUSH_DIRECT_PATHS, encodePushDirectPaths({ paths: batch }));
    batch = [];
    size = 2;
  };
  for (const a of addrs) {
    batch.push({ flags: 0, address: a });
    size += 5 + (a.family === 4 ? 6 : 18);
    if (size >= PUSH_DIRECT_PATHS_MAX_PACKET_BYTES) flush();
  }
  flush();
}

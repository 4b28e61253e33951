// Peer bookkeeping after every authenticated packet (03 §5.3): activity times, path
// refresh, learning a path from a direct OK, confirming HELLOs, pushing our addresses.
import { Verb } from '../protocol/constants.js';
import { encodePushDirectPaths, type DirectPath } from '../protocol/verbs/push-direct-paths.js';
import { ALL_SOCKETS } from './host.js';
import type { NodeContext } from './context.js';
import type { Path } from './path.js';
import type { Peer } from './peer.js';
import type { Sender } from './sender.js';
import {
  CONFIRM_HELLO_INTERVAL_MS,
  DIRECT_PATH_PUSH_INTERVAL_MS,
  DIRECT_PATH_PUSH_INTERVAL_RELAYED_MS,
  PUSH_DIRECT_PATHS_MAX_PACKET_BYTES,
} from './constants.js';

const NONTRIVIAL_VERBS = new Set<number>([Verb.FRAME, Verb.EXT_FRAME, Verb.NETWORK_CONFIG_REQUEST, Verb.NETWORK_CONFIG, Verb.MULTICAST_FRAME]);

export interface ReceivedPacket {
  verb: number;
  hops: number;
  /** The packet proves the peer shares a network with us (VL2 sets it; 03 §5.3). */
  isTrustEstablishing?: boolean;
}

export class Bookkeeping {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;

  constructor(ctx: NodeContext, sender: Sender) {
    this.ctx = ctx;
    this.sender = sender;
  }

  received(now: number, peer: Peer, path: Path, rx: ReceivedPacket): void {
    const ctx = this.ctx;
    peer.lastReceiveMs = now;
    // 1.14.1 notices it is online only at the next 5 s ping check; saying so at the first
    // packet from an upstream changes nothing on the wire and tells users sooner.
    if (!ctx.isOnline && (ctx.topology.isUpstream(peer.address) || ctx.topology.isMoonSeed(peer.address))) ctx.setOnline(true);
    if (NONTRIVIAL_VERBS.has(rx.verb)) peer.lastNontrivialReceiveMs = now;
    if (rx.isTrustEstablishing) {
      peer.lastTrustEstablishedReceiveMs = now;
      path.lastTrustEstablishedMs = now;
    }
    if (rx.hops === 0) {
      const entry = peer.entryFor(path);
      if (entry) {
        entry.lastReceiveMs = now;
      } else if (!peer.hasAliveSibling(path, now) && ctx.isPathAcceptable(peer.address, path.socket, path.address)) {
        if (rx.verb === Verb.OK) {
          peer.learnPath(path, now);
          ctx.trace('path_learned', peer.address, path.address);
          ctx.host.event({ type: 'peer_direct', address: peer.address, path: path.address });
        } else if (now - path.lastConfirmHelloMs >= CONFIRM_HELLO_INTERVAL_MS) {
          path.lastConfirmHelloMs = now;
          this.sender.sendHello(now, peer, ALL_SOCKETS, path.address);
        }
      }
    }
    if (peer.isTrustEstablished(now)) this.maybePushDirectPaths(now, peer, path, rx.hops);
  }

  /** PUSH_DIRECT_PATHS to a peer we share a network with (03 §12.2). */
  private maybePushDirectPaths(now: number, peer: Peer, path: Path, hops: number): void {
    const interval = hops === 0 ? DIRECT_PATH_PUSH_INTERVAL_MS : DIRECT_PATH_PUSH_INTERVAL_RELAYED_MS;
    if (now - peer.lastPushDirectPathsSentMs < interval) return;
    peer.lastPushDirectPathsSentMs = now;
    const addrs = [...(this.ctx.host.localAddresses?.() ?? []), ...this.ctx.awareness.surfaceAddresses()];
    let batch: DirectPath[] = [];
    let size = 2;
    const flush = (): void => {
      if (batch.length === 0) return;
      this.sender.reply(now, peer, path, Verb.PUSH_DIRECT_PATHS, encodePushDirectPaths({ paths: batch }));
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
}

// Path probes (03 §4.6): an empty ECHO where the peer understands it, else a full HELLO;
// the probes a RENDEZVOUS schedules after its NAT-opening junk; and re-probing every path
// of a scope when our external address of that scope changed (03 §13 step 2).
import { Verb } from '../protocol/constants.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { ALL_SOCKETS, type SocketId } from './host.js';
import type { NodeContext } from './context.js';
import type { Peer } from './peer.js';
import type { Sender } from './sender.js';
import { DEFERRED_PROBES_MAX } from './constants.js';

interface DeferredProbe {
  atMs: number;
  peer: number;
  socket: SocketId;
  to: InetAddress;
}

export class Prober {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;
  private deferred: DeferredProbe[] = [];

  constructor(ctx: NodeContext, sender: Sender) {
    this.ctx = ctx;
    this.sender = sender;
  }

  probe(now: number, peer: Peer, socket: SocketId, to: InetAddress): void {
    if (peer.probesWithHello()) this.sender.sendHello(now, peer, ALL_SOCKETS, to);
    else this.sender.sendDirect(now, peer, socket, to, Verb.ECHO, new Uint8Array(0), { isExpectingReply: true });
  }

  /** Probes `to` for `peer` at `atMs` (the oldest waiting probe gives way when too many wait). */
  probeLater(atMs: number, peer: number, socket: SocketId, to: InetAddress): void {
    if (this.deferred.length >= DEFERRED_PROBES_MAX) this.deferred.shift();
    this.deferred.push({ atMs, peer, socket, to });
  }

  /** Sends the probes whose time has come. */
  runDue(now: number): void {
    if (this.deferred.length === 0) return;
    const due = this.deferred.filter((p) => p.atMs <= now);
    this.deferred = this.deferred.filter((p) => p.atMs > now);
    for (const p of due) {
      const peer = this.ctx.topology.peers.get(p.peer);
      if (peer) this.probe(now, peer, p.socket, p.to);
    }
  }

  /** When the next deferred probe is due (Infinity when none waits). */
  nextDueMs(): number {
    let next = Infinity;
    for (const p of this.deferred) next = Math.min(next, p.atMs);
    return next;
  }

  /** 03 §13 step 2: our address of this scope changed; probe those paths and stop using them until they speak. */
  resetPathsOfScope(now: number, scope: number, family: 4 | 6): void {
    this.ctx.trace('surface_changed', undefined, undefined, `scope ${scope} IPv${family}`);
    for (const peer of this.ctx.topology.peers.values()) {
      for (const e of peer.paths) {
        if (e.path.scope !== scope || e.path.address.family !== family) continue;
        this.probe(now, peer, e.path.socket, e.path.address);
        e.lastReceiveMs = 0;
      }
    }
  }
}

// Relaying heads and fragments addressed to others (03 §11) and introducing the two ends
// to each other with RENDEZVOUS (03 §12.1, sending side).
import { RELAY_MAX_HOPS, Verb } from '../protocol/constants.js';
import { fragmentDestination, fragmentHops, incrementFragmentHops } from '../protocol/fragment.js';
import { incrementHops, packetDestination, packetHops, packetSource } from '../protocol/packet.js';
import { IpScope } from '../protocol/ip-scope.js';
import { encodeRendezvous } from '../protocol/verbs/rendezvous.js';
import type { NodeContext } from './context.js';
import type { Path } from './path.js';
import type { Peer, PeerPath } from './peer.js';
import type { Sender } from './sender.js';
import { MIN_UNITE_INTERVAL_MS } from './constants.js';

export class Relay {
  private readonly ctx: NodeContext;
  private readonly sender: Sender;
  /** Unordered address pair → last RENDEZVOUS introduction (03 §11). */
  private readonly lastUnite = new Map<string, number>();

  constructor(ctx: NodeContext, sender: Sender) {
    this.ctx = ctx;
    this.sender = sender;
  }

  /** A packet head for someone else (`data` is the caller's; relayed as a copy). */
  relayHead(now: number, path: Path, data: Uint8Array): void {
    const ctx = this.ctx;
    if (!this.mayRelay(now, path)) return;
    if (packetHops(data) >= RELAY_MAX_HOPS) {
      ctx.report('hop_limit', path.address);
      return;
    }
    const out = data.slice();
    incrementHops(out);
    const source = packetSource(data);
    const dest = ctx.topology.peers.get(packetDestination(data));
    const direct = dest?.bestPath(now);
    if (dest && direct) {
      this.sender.emit(now, direct.path.socket, direct.path.address, out);
      const key = source < dest.address ? `${source}:${dest.address}` : `${dest.address}:${source}`;
      const last = this.lastUnite.get(key);
      if (last === undefined || now - last >= MIN_UNITE_INTERVAL_MS) {
        this.lastUnite.set(key, now);
        this.unite(now, source, dest.address);
      }
      return;
    }
    const up = ctx.topology.bestUpstream(now);
    const via = up && up.address !== source ? up.bestPathIncludingExpired(now) : null;
    if (up && via) {
      this.sender.emit(now, via.path.socket, via.path.address, out);
      // 1.14.1 introduces the upstream and the source here, without the 30 s limit.
      this.unite(now, source, up.address);
      return;
    }
    ctx.report('unknown_peer', path.address, 'no route for relayed packet');
  }

  /** A fragment for someone else (`data` is the caller's; relayed as a copy). */
  relayFragment(now: number, path: Path, data: Uint8Array): void {
    const ctx = this.ctx;
    if (!this.mayRelay(now, path)) return;
    if (fragmentHops(data) >= RELAY_MAX_HOPS) {
      ctx.report('hop_limit', path.address);
      return;
    }
    const out = data.slice();
    incrementFragmentHops(out);
    const dest = ctx.topology.peers.get(fragmentDestination(data));
    const target = dest?.bestPath(now) ?? ctx.topology.bestUpstream(now)?.bestPathIncludingExpired(now) ?? null;
    if (!target) {
      ctx.report('unknown_peer', path.address, 'no route for relayed fragment');
      return;
    }
    this.sender.emit(now, target.path.socket, target.path.address, out);
  }

  /** Forgets introductions older than the minimum interval (housekeeping). */
  clean(now: number): void {
    for (const [k, t] of this.lastUnite) if (now - t >= MIN_UNITE_INTERVAL_MS) this.lastUnite.delete(k);
  }

  private mayRelay(now: number, path: Path): boolean {
    if (this.ctx.topology.amRoot || path.isTrustEstablished(now)) return true;
    this.ctx.report('relay_not_allowed', path.address);
    return false;
  }

  /** Tells A where B is and B where A is, on paths of the best common scope (03 §12.1). */
  private unite(now: number, a: number, b: number): void {
    const ctx = this.ctx;
    const pa = ctx.topology.peers.get(a);
    const pb = ctx.topology.peers.get(b);
    if (!pa || !pb) return;
    for (let scope: number = IpScope.PRIVATE; scope >= IpScope.NONE; scope--) {
      for (const family of [6, 4] as const) {
        const ea = bestOfScope(pa, now, scope, family);
        const eb = bestOfScope(pb, now, scope, family);
        if (!ea || !eb) continue;
        const toA = (): void => this.sender.sendDirect(now, pa, ea.path.socket, ea.path.address, Verb.RENDEZVOUS, encodeRendezvous({ flags: 0, with: b, at: eb.path.address }));
        const toB = (): void => this.sender.sendDirect(now, pb, eb.path.socket, eb.path.address, Verb.RENDEZVOUS, encodeRendezvous({ flags: 0, with: a, at: ea.path.address }));
        ctx.trace('rendezvous_sent', a, ea.path.address, `with ${b.toString(16).padStart(10, '0')}`);
        if (ctx.randomInt(2) === 0) {
          toA();
          toB();
        } else {
          toB();
          toA();
        }
        return;
      }
    }
  }
}

function bestOfScope(p: Peer, now: number, scope: number, family: 4 | 6): PeerPath | null {
  let best: PeerPath | null = null;
  let bestQ = Infinity;
  for (const e of p.paths) {
    if (e.path.scope !== scope || e.path.address.family !== family) continue;
    const q = e.path.quality(now) / e.priority;
    if (q <= bestQ) {
      bestQ = q;
      best = e;
    }
  }
  return best;
}

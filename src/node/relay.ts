// Relaying heads and fragments addressed to others (03 §11) and introducing the two ends
// to each other with RENDEZVOUS (03 §12.1, sending side).
import { RELAY_MAX_HOPS, Verb } from '../protocol/constants.js';
import { fragmentDestination, fragmentHops, incrementFragmentHops } from '../protocol/fragment.js';
import { incrementHops, packetDestination, packetHops, packetSource } from '../protocol/packet.js';
import { encodeRendezvous } from '../protocol/verbs/rendezvous.js';
import type { Node } from './node.js';
import type { Path } from './path.js';
import type { Peer, PeerPath } from './peer.js';
import { IpScope } from './ip-scope.js';
import { emit, sendDirect } from './send.js';
import { MIN_UNITE_INTERVAL_MS } from './constants.js';

function mayRelay(node: Node, now: number, path: Path): boolean {
  if (node.topology.amRoot || path.isTrustEstablished(now)) return true;
  node.report('relay_not_allowed', path.address);
  return false;
}

export function relayHead(node: Node, now: number, path: Path, data: Uint8Array): void {
  if (!mayRelay(node, now, path)) return;
  if (packetHops(data) >= RELAY_MAX_HOPS) {
    node.report('hop_limit', path.address);
    return;
  }
  const out = data.slice();
  incrementHops(out);
  const source = packetSource(data);
  const dest = node.topology.peers.get(packetDestination(data));
  const direct = dest?.bestPath(now);
  if (dest && direct) {
    emit(node, now, direct.path.socket, direct.path.address, out);
    const key = source < dest.address ? `${source}:${dest.address}` : `${dest.address}:${source}`;
    const last = node.lastUnite.get(key);
    if (last === undefined || now - last >= MIN_UNITE_INTERVAL_MS) {
      node.lastUnite.set(key, now);
      unite(node, now, source, dest.address);
    }
    return;
  }
  const up = node.topology.bestUpstream(now);
  const via = up && up.address !== source ? up.bestPath(now, true) : null;
  if (up && via) {
    emit(node, now, via.path.socket, via.path.address, out);
    // 1.14.1 introduces the upstream and the source here, without the 30 s limit.
    unite(node, now, source, up.address);
    return;
  }
  node.report('unknown_peer', path.address, 'no route for relayed packet');
}

export function relayFragment(node: Node, now: number, path: Path, data: Uint8Array): void {
  if (!mayRelay(node, now, path)) return;
  if (fragmentHops(data) >= RELAY_MAX_HOPS) {
    node.report('hop_limit', path.address);
    return;
  }
  const out = data.slice();
  incrementFragmentHops(out);
  const dest = node.topology.peers.get(fragmentDestination(data));
  const target = dest?.bestPath(now) ?? node.topology.bestUpstream(now)?.bestPath(now, true) ?? null;
  if (!target) {
    node.report('unknown_peer', path.address, 'no route for relayed fragment');
    return;
  }
  emit(node, now, target.path.socket, target.path.address, out);
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

/** Tells A where B is and B where A is, on paths of the best common scope (03 §12.1). */
export function unite(node: Node, now: number, a: number, b: number): void {
  const pa = node.topology.peers.get(a);
  const pb = node.topology.peers.get(b);
  if (!pa || !pb) return;
  for (let scope: number = IpScope.PRIVATE; scope >= IpScope.NONE; scope--) {
    for (const family of [6, 4] as const) {
      const ea = bestOfScope(pa, now, scope, family);
      const eb = bestOfScope(pb, now, scope, family);
      if (!ea || !eb) continue;
      const toA = (): void => sendDirect(node, now, pa, ea.path.socket, ea.path.address, Verb.RENDEZVOUS, encodeRendezvous({ flags: 0, with: b, at: eb.path.address }));
      const toB = (): void => sendDirect(node, now, pb, eb.path.socket, eb.path.address, Verb.RENDEZVOUS, encodeRendezvous({ flags: 0, with: a, at: ea.path.address }));
      if (node.randomInt(2) === 0) {
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

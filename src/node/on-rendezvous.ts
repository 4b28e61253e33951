// RENDEZVOUS from an upstream (03 §12.1, receiving side): open our NAT toward the other
// peer's address, then probe it.
import { decodeRendezvous } from '../protocol/verbs/rendezvous.js';
import type { InboundPacket, VerbContext } from './verb-table.js';
import { NAT_JUNK_BYTES, NAT_JUNK_TTL, RENDEZVOUS_PROBE_DELAY_MS } from './constants.js';

export function onRENDEZVOUS(v: VerbContext, rx: InboundPacket): void {
  const { node } = v;
  const { now, peer, path } = rx;
  if (!node.topology.isUpstream(peer.address)) {
    node.report('not_upstream', path.address, 'RENDEZVOUS');
    return;
  }
  const rv = decodeRendezvous(rx.payload);
  const target = node.topology.peers.get(rv.with);
  if (!target) return; // 1.14.1 wastes introductions to peers it does not know yet (03 §12.1)
  if (rv.at.port === 0 || !node.isPathAcceptable(target.address, path.socket, rv.at)) {
    node.report('path_not_acceptable', path.address, 'RENDEZVOUS target');
    return;
  }
  node.trace('rendezvous_received', target.address, rv.at);
  // Junk with TTL 2 opens our NAT toward the target without reaching it. The probe waits a
  // little (1.14.1 sends it at once): the far side got its RENDEZVOUS at about the same
  // time, and its own junk must leave its NAT before our probe arrives there, or a Linux
  // NAT files our probe as a connection to itself and remaps the peer's outgoing port
  // (seen with nftables masquerade on both sides; docs/nat-traversal.md).
  v.sender.emit(now, path.socket, rv.at, node.randomBytes(NAT_JUNK_BYTES), NAT_JUNK_TTL);
  v.prober.probeLater(now + RENDEZVOUS_PROBE_DELAY_MS, target.address, path.socket, rv.at);
}

// PUSH_DIRECT_PATHS (03 §12.2, §12.3): a peer tells us where else it can be reached; we
// probe what is new and acceptable, at most 8 per scope and family, and stop listening
// to a peer that pushes too often.
import { inetAddressEquals, type InetAddress } from '../protocol/inet-address.js';
import { ipScope } from '../protocol/ip-scope.js';
import { decodePushDirectPaths, PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT, PUSH_DIRECT_PATHS_FLAG_FORGET_PATH } from '../protocol/verbs/push-direct-paths.js';
import { ALL_SOCKETS } from './host.js';
import { Peer } from './peer.js';
import type { InboundPacket, VerbContext } from './verb-table.js';
import { PUSH_DIRECT_PATHS_CUTOFF_LIMIT, PUSH_DIRECT_PATHS_CUTOFF_TIME_MS, PUSH_DIRECT_PATHS_MAX_PER_SCOPE_AND_FAMILY } from './constants.js';

export function onPUSH_DIRECT_PATHS(v: VerbContext, rx: InboundPacket): void {
  const { node } = v;
  const { now, peer } = rx;
  if (now - peer.lastPushDirectPathsReceivedMs <= PUSH_DIRECT_PATHS_CUTOFF_TIME_MS) peer.pushDirectPathsReceivedCount++;
  else peer.pushDirectPathsReceivedCount = 0;
  peer.lastPushDirectPathsReceivedMs = now;
  if (peer.pushDirectPathsReceivedCount >= PUSH_DIRECT_PATHS_CUTOFF_LIMIT) {
    node.report('rate_limited', rx.path.address, 'PUSH_DIRECT_PATHS');
    return;
  }
  const perBucket = new Map<string, number>();
  for (const rec of decodePushDirectPaths(rx.payload).paths) {
    if (rec.flags & PUSH_DIRECT_PATHS_FLAG_FORGET_PATH) continue;
    const a = rec.address;
    const isRedirect = (rec.flags & PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT) !== 0;
    if (!isRedirect && hasLivePathTo(peer, a, now)) continue;
    if (!node.isPathAcceptable(peer.address, ALL_SOCKETS, a)) continue;
    if (isRedirect) {
      // Legacy cluster redirect (03 §12.3): probe with a full HELLO; the answer teaches it.
      v.sender.sendHello(now, peer, ALL_SOCKETS, a);
      continue;
    }
    const bucket = `${ipScope(a)}/${a.family}`;
    const n = perBucket.get(bucket) ?? 0;
    if (n >= PUSH_DIRECT_PATHS_MAX_PER_SCOPE_AND_FAMILY) continue;
    perBucket.set(bucket, n + 1);
    v.prober.probe(now, peer, ALL_SOCKETS, a);
  }
}

function hasLivePathTo(peer: Peer, a: InetAddress, now: number): boolean {
  return peer.paths.some((e) => !Peer.isExpired(e, now) && inetAddressEquals(e.path.address, a));
}

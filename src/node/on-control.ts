// The remaining VL1 verbs: WHOIS answers (03 §7.4), RENDEZVOUS (03 §12.1), ECHO (02 §10.9),
// ERROR (02 §10.3), PUSH_DIRECT_PATHS (03 §12.2) and USER_MESSAGE (02 §10.17).
import { ErrorCode, PACKET_IDX_PAYLOAD, Verb } from '../protocol/constants.js';
import { packetIdBytes } from '../protocol/packet.js';
import type { InetAddress } from '../protocol/inet-address.js';
import type { Identity } from '../protocol/identity.js';
import { decodeWhois } from '../protocol/verbs/whois.js';
import { encodeOk } from '../protocol/verbs/ok.js';
import { encodeOkWhois } from '../protocol/verbs/ok.js';
import { decodeRendezvous } from '../protocol/verbs/rendezvous.js';
import { decodeError } from '../protocol/verbs/error.js';
import { decodePushDirectPaths, PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT, PUSH_DIRECT_PATHS_FLAG_FORGET_PATH } from '../protocol/verbs/push-direct-paths.js';
import { decodeUserMessage } from '../protocol/verbs/user-message.js';
import { ALL_SOCKETS, type SocketId } from './host.js';
import type { Node } from './node.js';
import type { Path } from './path.js';
import { Peer } from './peer.js';
import { ipScope } from './ip-scope.js';
import { emit, requestWhois, sendDirect, sendHello } from './send.js';
import {
  ECHO_ANSWER_INTERVAL_MS,
  NAT_JUNK_BYTES,
  NAT_JUNK_TTL,
  PUSH_DIRECT_PATHS_CUTOFF_LIMIT,
  PUSH_DIRECT_PATHS_CUTOFF_TIME_MS,
  PUSH_DIRECT_PATHS_MAX_PER_SCOPE_AND_FAMILY,
  RENDEZVOUS_PROBE_DELAY_MS,
  DEFERRED_PROBES_MAX,
  WHOIS_ANSWER_INTERVAL_MS,
} from './constants.js';

export function onWHOIS(node: Node, now: number, path: Path, peer: Peer, plain: Uint8Array): void {
  if (!node.topology.amRoot) {
    if (now - peer.lastWhoisAnswered < WHOIS_ANSWER_INTERVAL_MS) {
      node.report('rate_limited', path.address, 'WHOIS');
      return;
    }
    peer.lastWhoisAnswered = now;
  }
  const found: Identity[] = [];
  for (const a of decodeWhois(plain.subarray(PACKET_IDX_PAYLOAD)).addresses) {
    if (a === node.address) found.push(node.identity.toPublic());
    else {
      const p = node.topology.peers.get(a);
      if (p) found.push(p.identity);
      else requestWhois(node, now, a);
    }
  }
  if (found.length === 0) return;
  // De-armoring leaves bytes 0–7 as transmitted, which is the ID replies must carry (02 §4).
  const inRePacketId = packetIdBytes(plain);
  sendDirect(node, now, peer, path.socket, path.address, Verb.OK, encodeOk({ inReVerb: Verb.WHOIS, inRePacketId, body: encodeOkWhois({ identities: found }) }));
}

export function onRENDEZVOUS(node: Node, now: number, path: Path, peer: Peer, payload: Uint8Array): void {
  if (!node.topology.isUpstream(peer.address)) {
    node.report('not_upstream', path.address, 'RENDEZVOUS');
    return;
  }
  const rv = decodeRendezvous(payload);
  const target = node.topology.peers.get(rv.with);
  if (!target) return; // 1.14.1 wastes introductions to peers it does not know yet (03 §12.1)
  if (rv.at.port === 0 || !node.isPathAcceptable(target.address, path.socket, rv.at)) {
    node.report('path_not_acceptable', path.address, 'RENDEZVOUS target');
    return;
  }
  // Junk with TTL 2 opens our NAT toward the target without reaching it. The probe waits a
  // little (1.14.1 sends it at once): the far side got its RENDEZVOUS at about the same
  // time, and its own junk must leave its NAT before our probe arrives there, or a Linux
  // NAT files our probe as a connection to itself and remaps the peer's outgoing port
  // (seen with nftables masquerade on both sides; docs/nat-traversal.md).
  emit(node, now, path.socket, rv.at, node.randomBytes(NAT_JUNK_BYTES), NAT_JUNK_TTL);
  if (node.deferredProbes.length >= DEFERRED_PROBES_MAX) node.deferredProbes.shift();
  node.deferredProbes.push({ atMs: now + RENDEZVOUS_PROBE_DELAY_MS, peer: target.address, socket: path.socket, to: rv.at });
}

/** Sends the probes of RENDEZVOUS whose delay has passed. */
export function runDeferredProbes(node: Node, now: number): void {
  if (node.deferredProbes.length === 0) return;
  const due = node.deferredProbes.filter((p) => p.atMs <= now);
  node.deferredProbes = node.deferredProbes.filter((p) => p.atMs > now);
  for (const p of due) {
    const peer = node.topology.peers.get(p.peer);
    if (peer) probe(node, now, peer, p.socket, p.to);
  }
}

/** Path probe (03 §4.6): empty ECHO where the peer understands it, else a full HELLO from all sockets. */
function probe(node: Node, now: number, peer: Peer, socket: SocketId, to: InetAddress): void {
  if (peer.probesWithHello()) sendHello(node, now, peer, ALL_SOCKETS, to);
  else sendDirect(node, now, peer, socket, to, Verb.ECHO, new Uint8Array(0), true);
}

export function onECHO(node: Node, now: number, path: Path, peer: Peer, plain: Uint8Array): void {
  if (now - path.lastEchoAnswered < ECHO_ANSWER_INTERVAL_MS) {
    node.report('rate_limited', path.address, 'ECHO');
    return;
  }
  path.lastEchoAnswered = now;
  const body = plain.subarray(PACKET_IDX_PAYLOAD);
  sendDirect(node, now, peer, path.socket, path.address, Verb.OK, encodeOk({ inReVerb: Verb.ECHO, inRePacketId: packetIdBytes(plain), body }));
}

export function onERROR(node: Node, _now: number, peer: Peer, payload: Uint8Array): void {
  const err = decodeError(payload);
  if (err.code === ErrorCode.IDENTITY_COLLISION && err.inReVerb === Verb.HELLO && node.topology.isUpstream(peer.address)) {
    node.host.event({ type: 'identity_collision' });
  }
  // Network-related codes are handled by the VL2 layer (later issue).
}

export function onPUSH_DIRECT_PATHS(node: Node, now: number, peer: Peer, payload: Uint8Array): void {
  if (now - peer.lastPushDirectPathsReceived <= PUSH_DIRECT_PATHS_CUTOFF_TIME_MS) peer.pushDirectPathsReceivedCount++;
  else peer.pushDirectPathsReceivedCount = 0;
  peer.lastPushDirectPathsReceived = now;
  if (peer.pushDirectPathsReceivedCount >= PUSH_DIRECT_PATHS_CUTOFF_LIMIT) {
    node.report('rate_limited', undefined, 'PUSH_DIRECT_PATHS');
    return;
  }
  const perBucket = new Map<string, number>();
  for (const rec of decodePushDirectPaths(payload).paths) {
    if (rec.flags & PUSH_DIRECT_PATHS_FLAG_FORGET_PATH) continue;
    const a = rec.address;
    const isRedirect = (rec.flags & PUSH_DIRECT_PATHS_FLAG_CLUSTER_REDIRECT) !== 0;
    if (!isRedirect && peer.paths.some((e) => !Peer.isExpired(e, now) && sameEndpoint(e.path.address, a))) continue;
    if (!node.isPathAcceptable(peer.address, ALL_SOCKETS, a)) continue;
    if (isRedirect) {
      // Legacy cluster redirect (03 §12.3): probe with a full HELLO; the answer teaches it.
      sendHello(node, now, peer, ALL_SOCKETS, a);
      continue;
    }
    const bucket = `${ipScope(a)}/${a.family}`;
    const n = perBucket.get(bucket) ?? 0;
    if (n >= PUSH_DIRECT_PATHS_MAX_PER_SCOPE_AND_FAMILY) continue;
    perBucket.set(bucket, n + 1);
    probe(node, now, peer, ALL_SOCKETS, a);
  }
}

function sameEndpoint(a: InetAddress, b: InetAddress): boolean {
  if (a.family !== b.family || a.port !== b.port) return false;
  for (let i = 0; i < a.ip.length; i++) if (a.ip[i] !== b.ip[i]) return false;
  return true;
}

export function onUSER_MESSAGE(node: Node, peer: Peer, payload: Uint8Array): void {
  const m = decodeUserMessage(payload);
  node.host.event({ type: 'user_message', source: peer.address, typeId: m.typeId, data: m.data.slice() });
}

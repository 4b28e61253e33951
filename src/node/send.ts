// Sending (03 §7, §4.1/4.2): the normal send path with path choice, relaying through the
// best upstream, the TX queue and WHOIS; direct sends straight onto one path; HELLOs.
import { armor, armorTrustedPath, chooseSuite, helloTailCrypt } from '../protocol/armor.js';
import { compressPacket } from '../protocol/compression.js';
import { PACKET_IDX_FLAGS, PACKET_IDX_PAYLOAD, PROTOCOL_VERSION, Verb, FLAG_FRAGMENTED } from '../protocol/constants.js';
import { fragmentCount, fragmentPacket } from '../protocol/fragment.js';
import { buildPacket, packetId } from '../protocol/packet.js';
import type { InetAddress } from '../protocol/inet-address.js';
import { encodeHello, encodeHelloTail, helloTailOffset } from '../protocol/verbs/hello.js';
import { encodeWhois } from '../protocol/verbs/whois.js';
import { ALL_SOCKETS, type SocketId } from './host.js';
import type { Node } from './node.js';
import type { Path } from './path.js';
import type { Peer } from './peer.js';
import { PATH_HINT_INTERVAL_MS, SOFTWARE_VERSION, TX_QUEUE_SIZE, WHOIS_RETRY_DELAY_MS } from './constants.js';

export interface QueuedPacket {
  dest: number;
  verb: number;
  payload: Uint8Array;
  createdMs: number;
}

export interface ParkedPacket {
  /** The complete packet as received (still armored). */
  packet: Uint8Array;
  path: Path;
  hops: number;
  source: number;
  createdMs: number;
}

/** Verbs 1.14.1 compresses when worthwhile (02 §6). */
const COMPRESSED_VERBS = new Set<number>([
  Verb.NETWORK_CONFIG_REQUEST,
  Verb.NETWORK_CONFIG,
  Verb.NETWORK_CREDENTIALS,
  Verb.MULTICAST_LIKE,
  Verb.MULTICAST_FRAME,
  Verb.PUSH_DIRECT_PATHS,
  Verb.USER_MESSAGE,
  Verb.REMOTE_TRACE,
]);

/** Emits a datagram on a path, keeping its last-out time (03 §5.1). */
export function emit(node: Node, now: number, socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): void {
  if (node.host.send(socket, to, data, ttl)) {
    node.sentTotal++;
    if (socket === ALL_SOCKETS) {
      for (const p of node.paths.values()) if (p.address.port === to.port && sameAddress(p.address, to)) p.lastOut = now;
    } else {
      node.getPath(socket, to).lastOut = now;
    }
  }
}

function sameAddress(a: InetAddress, b: InetAddress): boolean {
  if (a.family !== b.family || a.port !== b.port) return false;
  for (let i = 0; i < a.ip.length; i++) if (a.ip[i] !== b.ip[i]) return false;
  return true;
}

/**
 * Builds, compresses (where 1.14.1 does), flags, armors and registers a packet for `peer`.
 * A non-zero trustedPathId sends it in suite 2, unencrypted (03 §14). Unlike 1.14.1, such
 * packets are registered for replies too, so an OK to a WHOIS over a trusted path counts.
 */
function seal(node: Node, now: number, peer: Peer, verb: number, payload: Uint8Array, mtu: number | null, isExpectingReply: boolean, trustedPathId = 0n): Uint8Array {
  let pkt = buildPacket({ id8: node.randomBytes(8), dest: peer.address, source: node.address, verb, payload });
  if (COMPRESSED_VERBS.has(verb)) pkt = compressPacket(pkt);
  if (mtu !== null && fragmentCount(pkt.length, mtu) > 1) pkt[PACKET_IDX_FLAGS] |= FLAG_FRAGMENTED;
  if (trustedPathId !== 0n) armorTrustedPath(pkt, trustedPathId);
  else armor(pkt, peer.keys, chooseSuite(verb, peer.version.protocol || undefined));
  // The ID that replies carry is the transmitted one (suite 3 rewrites it, 02 §4).
  if (isExpectingReply) node.expected.expect(packetId(pkt), now);
  return pkt;
}

/** Sends straight onto one path without fragmentation (replies, probes; 02 §1). */
export function sendDirect(node: Node, now: number, peer: Peer, socket: SocketId, to: InetAddress, verb: number, payload: Uint8Array, isExpectingReply = false): void {
  emit(node, now, socket, to, seal(node, now, peer, verb, payload, null, isExpectingReply));
}

/**
 * Sends over a chosen path (03 §7.1 last paragraph): the MTU and trusted-path setting of its
 * remote address apply, and the packet is fragmented at that MTU.
 */
function sendViaPath(node: Node, now: number, peer: Peer, path: Path, verb: number, payload: Uint8Array): boolean {
  const mtu = node.physical.mtuFor(path.address);
  const pkt = seal(node, now, peer, verb, payload, mtu, true, node.physical.trustedPathIdFor(path.address));
  let pieces: Uint8Array[];
  try {
    pieces = fragmentPacket(pkt, mtu);
  } catch (e) {
    node.report('too_big', path.address, (e as Error).message);
    return false;
  }
  for (const d of pieces) emit(node, now, path.socket, path.address, d);
  return true;
}

/**
 * The normal send path (03 §7.1): best direct path, else through the best upstream, else an
 * expired path, else the TX queue. Returns true if something was sent now.
 */
export function sendToPeer(node: Node, now: number, peer: Peer, verb: number, payload: Uint8Array, createdMs = now): boolean {
  const direct = peer.bestPath(now);
  if (direct) return sendViaPath(node, now, peer, direct.path, verb, payload);
  tryPathHint(node, now, peer);
  const up = node.topology.bestUpstream(now);
  if (up && up !== peer) {
    const via = up.bestPath(now);
    if (via) return sendViaPath(node, now, peer, via.path, verb, payload);
  }
  const expired = peer.bestPath(now, true);
  if (expired) return sendViaPath(node, now, peer, expired.path, verb, payload);
  enqueue(node, { dest: peer.address, verb, payload, createdMs });
  return false;
}

/** Sends to an address, waiting for a WHOIS if the identity is not known (03 §7.1 step 1). */
export function sendToPeerAddress(node: Node, now: number, dest: number, verb: number, payload: Uint8Array): void {
  if (dest === node.address) return;
  const peer = findPeer(node, now, dest);
  if (peer) {
    sendToPeer(node, now, peer, verb, payload);
    return;
  }
  enqueue(node, { dest, verb, payload, createdMs: now });
  requestWhois(node, now, dest);
}

function enqueue(node: Node, q: QueuedPacket): void {
  if (node.txQueue.length >= TX_QUEUE_SIZE) {
    node.txQueue.shift();
    node.report('queue_full');
  }
  node.txQueue.push(q);
}

/** A peer in memory, or restored from the cache (03 §3.2 item 4, §3.4). */
export function findPeer(node: Node, now: number, address: number): Peer | undefined {
  const p = node.topology.peers.get(address);
  if (p) return p;
  const cached = node.peerCache.get(address);
  if (!cached) return undefined;
  node.peerCache.delete(address);
  const peer = node.topology.addPeer(node.topology.makePeer(cached.identity));
  peer.version = { ...cached.version };
  // Paths are not restored; HELLOs to the stored addresses re-learn them.
  for (const a of cached.addresses) sendHello(node, now, peer, ALL_SOCKETS, a);
  return peer;
}

/** Asks the best upstream for an identity, at most every 500 ms per address (03 §7.3). */
export function requestWhois(node: Node, now: number, address: number): void {
  if (address === node.address) return;
  const last = node.whoisRequests.get(address);
  if (last !== undefined && now - last < WHOIS_RETRY_DELAY_MS) return;
  const up = node.topology.bestUpstream(now);
  if (!up) return;
  node.whoisRequests.set(address, now);
  sendToPeer(node, now, up, Verb.WHOIS, encodeWhois({ addresses: [address] }));
}

/**
 * A full HELLO to one physical address (03 §4.2), from `socket` (ALL_SOCKETS = every bound
 * socket). To relay a HELLO through a root, pass the root's address as `to`: the packet is
 * addressed to `peer`, and its destination field names the root, as 1.14.1 does.
 */
export function sendHello(node: Node, now: number, peer: Peer, socket: SocketId, to: InetAddress): void {
  const planet = node.topology.planet;
  const hello = {
    protocolVersion: PROTOCOL_VERSION,
    versionMajor: SOFTWARE_VERSION.major,
    versionMinor: SOFTWARE_VERSION.minor,
    versionRevision: SOFTWARE_VERSION.revision,
    timestamp: BigInt(now),
    identity: node.identity.toPublic(),
    destination: to,
    planet: { worldId: planet?.id ?? 0n, timestamp: planet?.timestamp ?? 0n },
    tail: encodeHelloTail(node.topology.helloMoons()),
  };
  const pkt = buildPacket({ id8: node.randomBytes(8), dest: peer.address, source: node.address, verb: Verb.HELLO, payload: encodeHello(hello) });
  helloTailCrypt(pkt, PACKET_IDX_PAYLOAD + helloTailOffset(hello), peer.keys.salsaKey);
  armor(pkt, peer.keys, 0);
  node.expected.expect(packetId(pkt), now);
  emit(node, now, socket, to, pkt);
}

/** Static/memorized path hint when a packet must be relayed (03 §12.4). */
function tryPathHint(node: Node, now: number, peer: Peer): void {
  if (!node.host.pathHint || now - peer.lastPathHint < PATH_HINT_INTERVAL_MS) return;
  peer.lastPathHint = now;
  const hint = node.host.pathHint(peer.address);
  if (hint) sendHello(node, now, peer, ALL_SOCKETS, hint);
}

// The receive pipeline (02 §12): classify, relay or reassemble, authenticate, decompress,
// dispatch. Anything malformed throws DecodeError, which Node.onDatagram turns into a drop.
import { classifyDatagram, beaconAddress } from '../protocol/datagram.js';
import { dearmor, trustedPathId } from '../protocol/armor.js';
import { decompressPacket } from '../protocol/compression.js';
import { CipherSuite, PACKET_IDX_VERB, VERB_MASK, Verb } from '../protocol/constants.js';
import { fragmentDestination } from '../protocol/fragment.js';
import { cipherSuiteOf, isFragmented, packetDestination, packetHops, packetPayload, packetSource } from '../protocol/packet.js';
import type { InetAddress } from '../protocol/inet-address.js';
import type { SocketId } from './host.js';
import type { Node } from './node.js';
import type { Path } from './path.js';
import { findPeer, requestWhois, sendDirect } from './send.js';
import { relayFragment, relayHead } from './relay.js';
import { onHELLO } from './on-hello.js';
import { onOK } from './on-ok.js';
import { onECHO, onERROR, onPUSH_DIRECT_PATHS, onRENDEZVOUS, onUSER_MESSAGE, onWHOIS } from './on-control.js';
import { received } from './bookkeeping.js';
import { BEACON_NOP_INTERVAL_MS, QUEUE_TIMEOUT_MS, RX_PARKED_MAX_PACKETS } from './constants.js';

export function onDatagram(node: Node, now: number, socket: SocketId, from: InetAddress, data: Uint8Array): void {
  node.receivedTotal++;
  const path = node.getPath(socket, from);
  path.lastIn = now;
  switch (classifyDatagram(data)) {
    case 'beacon':
      onBeacon(node, now, path, data);
      return;
    case 'fragment': {
      if (fragmentDestination(data) !== node.address) {
        relayFragment(node, now, path, data);
        return;
      }
      const whole = node.reassembler.addFragment(now, data);
      if (node.reassembler.lastDropReason) node.report('bad_fragment', from, node.reassembler.lastDropReason);
      if (whole) onPacket(node, now, path, whole);
      return;
    }
    case 'packet': {
      if (packetSource(data) === node.address) {
        node.report('own_address', from);
        return;
      }
      if (packetDestination(data) !== node.address) {
        relayHead(node, now, path, data);
        return;
      }
      if (isFragmented(data)) {
        const whole = node.reassembler.addHead(now, data);
        if (node.reassembler.lastDropReason) node.report('bad_fragment', from, node.reassembler.lastDropReason);
        if (whole) onPacket(node, now, path, whole);
        return;
      }
      // Our own copy: de-armoring works in place and parked packets outlive the call.
      onPacket(node, now, path, data.slice());
      return;
    }
    case 'too_big':
      node.report('too_big', from);
      return;
    case 'ignore':
      // Mostly the 4-byte NAT-opening junk of 03 §12.1, which 1.14.1 ignores without a word.
      node.ignoredTotal++;
      return;
  }
}

/** A complete packet addressed to us (`pkt` is owned by the node). */
export function onPacket(node: Node, now: number, path: Path, pkt: Uint8Array): void {
  const source = packetSource(pkt);
  const hops = packetHops(pkt);
  const suite = cipherSuiteOf(pkt);
  if (suite === CipherSuite.C25519_POLY1305_NONE && (pkt[PACKET_IDX_VERB] & VERB_MASK) === Verb.HELLO) {
    onHELLO(node, now, path, pkt, hops);
    return;
  }
  const peer = findPeer(node, now, source);
  if (!peer) {
    park(node, now, path, pkt, hops, source);
    requestWhois(node, now, source);
    return;
  }
  if (suite === CipherSuite.NO_CRYPTO_TRUSTED_PATH) {
    // Authentic only from inside a physical network configured with the same ID (02 §5.4).
    const id = trustedPathId(pkt);
    if (id === 0n || node.physical.trustedPathIdFor(path.address) !== id) {
      node.report('bad_cipher_suite', path.address, 'trusted path ID not configured for this address');
      return;
    }
    if ((pkt[PACKET_IDX_VERB] & VERB_MASK) === Verb.HELLO) {
      onHELLO(node, now, path, pkt, hops, true);
      return;
    }
  } else if (!dearmor(pkt, peer.keys)) {
    node.report('bad_mac', path.address);
    return;
  }
  let plain: Uint8Array;
  try {
    plain = decompressPacket(pkt);
  } catch (e) {
    node.report('decompress_failed', path.address, (e as Error).message);
    return;
  }
  const verb = plain[PACKET_IDX_VERB] & VERB_MASK;
  const payload = packetPayload(plain);
  let inReVerb: number | undefined;
  switch (verb) {
    case Verb.OK:
      inReVerb = onOK(node, now, path, peer, plain, hops);
      if (inReVerb === undefined) return; // not a reply we expected: no bookkeeping either
      break;
    case Verb.ERROR:
      onERROR(node, now, peer, payload);
      break;
    case Verb.WHOIS:
      onWHOIS(node, now, path, peer, plain);
      break;
    case Verb.RENDEZVOUS:
      onRENDEZVOUS(node, now, path, peer, payload);
      break;
    case Verb.ECHO:
      onECHO(node, now, path, peer, plain);
      break;
    case Verb.PUSH_DIRECT_PATHS:
      onPUSH_DIRECT_PATHS(node, now, peer, payload);
      break;
    case Verb.USER_MESSAGE:
      onUSER_MESSAGE(node, peer, payload);
      break;
    default:
      // NOP, bonding verbs, VL2 verbs (handled by later layers) and unassigned codes still
      // count as traffic (02 §10.1).
      break;
  }
  received(node, now, peer, path, hops, verb, inReVerb, false);
}

function park(node: Node, now: number, path: Path, packet: Uint8Array, hops: number, source: number): void {
  if (node.rxParked.length >= RX_PARKED_MAX_PACKETS) {
    node.rxParked.shift();
    node.report('queue_full', path.address, 'receive queue');
  }
  node.rxParked.push({ packet, path, hops, source, createdMs: now });
}

/** Retries parked packets whose source is now known; drops the stale (03 §7.5). */
export function retryParked(node: Node, now: number, onlySource?: number): void {
  const keep = [];
  const ready = [];
  for (const p of node.rxParked) {
    if (now - p.createdMs >= QUEUE_TIMEOUT_MS) {
      node.report('expired', p.path.address, 'waited too long for WHOIS');
      continue;
    }
    if ((onlySource === undefined || p.source === onlySource) && node.topology.peers.has(p.source)) ready.push(p);
    else keep.push(p);
  }
  node.rxParked = keep;
  for (const p of ready) onPacket(node, now, p.path, p.packet);
}

/** Legacy 13-byte LAN beacon (02 §11): answer a known peer with a NOP, 1 per 2.5 s overall. */
function onBeacon(node: Node, now: number, path: Path, data: Uint8Array): void {
  const addr = beaconAddress(data);
  if (addr === node.address) return;
  const peer = node.topology.peers.get(addr);
  if (!peer || now - node.lastBeaconNop < BEACON_NOP_INTERVAL_MS) return;
  if (!node.isPathAcceptable(addr, path.socket, path.address)) return;
  node.lastBeaconNop = now;
  sendDirect(node, now, peer, path.socket, path.address, Verb.NOP, new Uint8Array(0));
}

// HELLO processing (03 §3.2, §3.3, §4.3) and building OK(HELLO) (03 §4.4). HELLO comes
// before the verb table: it is the one verb that may introduce an identity we do not know.
import { armor, dearmor, helloTailCrypt } from '../protocol/armor.js';
import { ErrorCode, MIN_PROTOCOL_VERSION, PACKET_IDX_PAYLOAD, PACKET_IDX_VERB, PROTOCOL_VERSION, VERB_FLAG_COMPRESSED, Verb } from '../protocol/constants.js';
import { buildPacket, packetIdBytes, packetSource } from '../protocol/packet.js';
import { decodeHello, decodeHelloTail, type HelloMoon } from '../protocol/verbs/hello.js';
import { encodeOk } from '../protocol/verbs/ok.js';
import { encodeOkHello } from '../protocol/verbs/ok-hello.js';
import { encodeError } from '../protocol/verbs/error.js';
import { encodeWorld, type World } from '../protocol/world.js';
import { concatBytes } from '../util/bytes.js';
import { validateIdentity } from '../protocol/identity-crypto.js';
import type { Identity } from '../protocol/identity.js';
import type { NodeContext } from './context.js';
import type { Bookkeeping } from './bookkeeping.js';
import type { Path } from './path.js';
import type { VerbContext } from './verb-table.js';
import { SOFTWARE_VERSION } from './constants.js';

export interface HelloArrival {
  now: number;
  path: Path;
  /** The whole packet as received, still armored (the node's own copy). */
  packet: Uint8Array;
  hops: number;
  /** Arrived in suite 2 over a trusted path, already checked: there is no MAC to verify (03 §4.3). */
  isTrusted: boolean;
}

export function onHELLO(v: VerbContext, bookkeeping: Bookkeeping, rx: HelloArrival): void {
  const { node } = v;
  const { now, path, packet: pkt, hops, isTrusted } = rx;
  if ((pkt[PACKET_IDX_VERB] & VERB_FLAG_COMPRESSED) !== 0) {
    node.report('malformed', path.address, 'compressed HELLO');
    return;
  }
  const hello = decodeHello(pkt.subarray(PACKET_IDX_PAYLOAD));
  const source = packetSource(pkt);
  if (hello.protocolVersion < MIN_PROTOCOL_VERSION) {
    node.report('malformed', path.address, `HELLO protocol version ${hello.protocolVersion}`);
    return;
  }
  if (hello.identity.address !== source) {
    node.report('malformed', path.address, 'HELLO identity does not match its source');
    return;
  }
  let peer = node.topology.peers.get(source);
  if (peer && !peer.identity.equals(hello.identity)) {
    if (isTrusted) node.report('identity_collision', path.address, 'over a trusted path');
    else answerCollision(v, rx, hello.identity);
    return;
  }
  if (peer) {
    if (!isTrusted && !dearmor(pkt, peer.keys)) {
      node.report('bad_mac', path.address, 'HELLO');
      return;
    }
  } else {
    if (isTrusted) return; // the receiver parks suite-2 packets from unknown sources for a WHOIS
    if (!node.identityGate.tryPass(path.address, now)) {
      node.report('rate_limited', path.address, 'identity verification');
      return;
    }
    const candidate = node.tryMakePeer(hello.identity, path.address, 'HELLO');
    if (!candidate) return;
    if (!dearmor(pkt, candidate.keys)) {
      node.report('bad_mac', path.address, 'HELLO from a new identity');
      return;
    }
    if (!validateIdentity(hello.identity)) {
      node.report('invalid_identity', path.address);
      return;
    }
    node.peerCache.forget(source);
    peer = node.topology.addPeer(candidate);
  }

  // The tail is decrypted only after the MAC has verified (02 §10.2).
  let moons: HelloMoon[] = [];
  if (hello.tail) {
    const tailAt = PACKET_IDX_PAYLOAD + hello.tailOffset;
    helloTailCrypt(pkt, tailAt, peer.keys.salsaKey);
    moons = decodeHelloTail(pkt.subarray(tailAt));
  }
  if (hello.destination && hops === 0) {
    const reset = node.awareness.iam(now, peer.address, path.socket, path.address, hello.destination, node.topology.isUpstream(peer.address));
    if (reset) v.prober.resetPathsOfScope(now, reset.scope, reset.family);
  }

  // OK(HELLO) goes straight back over the receiving path, armored with the version we knew
  // before this HELLO (so the first answer to a new peer is suite 1, 03 §4.3).
  const surface = hello.protocolVersion < 5 ? { ...path.address, port: 0 } : path.address;
  const body = encodeOkHello({
    timestamp: hello.timestamp,
    protocolVersion: PROTOCOL_VERSION,
    versionMajor: SOFTWARE_VERSION.major,
    versionMinor: SOFTWARE_VERSION.minor,
    versionRevision: SOFTWARE_VERSION.revision,
    surfaceAddress: surface,
    worldUpdates: worldUpdatesFor(node, hello.planet, moons),
  });
  v.sender.reply(now, peer, path, Verb.OK, encodeOk({ inReVerb: Verb.HELLO, inRePacketId: packetIdBytes(pkt), body }));
  peer.version = { protocol: hello.protocolVersion, major: hello.versionMajor, minor: hello.versionMinor, revision: hello.versionRevision };
  bookkeeping.received(now, peer, path, { verb: Verb.HELLO, hops });
}

/** Worlds the HELLO's sender lacks: our planet if theirs is older, moons they list that we hold newer. */
function worldUpdatesFor(node: NodeContext, planet: { worldId: bigint; timestamp: bigint } | undefined, moons: HelloMoon[]): Uint8Array {
  const out: World[] = [];
  const mine = node.topology.planet;
  if (planet && mine && planet.worldId !== 0n && planet.worldId === mine.id && planet.timestamp < mine.timestamp) out.push(mine);
  for (const m of moons) {
    const held = node.topology.moons.get(m.worldId);
    if (held && held.timestamp > m.timestamp) out.push(held);
  }
  return concatBytes(...out.map(encodeWorld));
}

/**
 * A HELLO from a known address with another identity (03 §3.3): if it authenticates under
 * the new identity's key, tell the sender its address is taken, in suite 1 with that key.
 */
function answerCollision(v: VerbContext, rx: HelloArrival, claimed: Identity): void {
  const { node } = v;
  const { now, path, packet: pkt } = rx;
  if (!node.identityGate.tryPass(path.address, now)) {
    node.report('rate_limited', path.address, 'identity collision check');
    return;
  }
  const impostor = node.tryMakePeer(claimed, path.address, 'colliding HELLO');
  if (!impostor) return;
  if (!dearmor(pkt, impostor.keys)) {
    node.report('bad_mac', path.address, 'colliding HELLO');
    return;
  }
  node.report('identity_collision', path.address);
  const payload = encodeError({ inReVerb: Verb.HELLO, inRePacketId: packetIdBytes(pkt), code: ErrorCode.IDENTITY_COLLISION });
  const err = buildPacket({ id8: node.randomBytes(8), dest: claimed.address, source: node.address, verb: Verb.ERROR, payload });
  armor(err, impostor.keys, 1);
  node.packets.sent(Verb.ERROR, null, err.length, payload);
  v.sender.emit(now, path.socket, path.address, err);
}

// Shared by the node and frame benchmarks: a planet of our own, peers brought into a node the
// way the protocol does (no back door), and a host that records the last datagram per address.
import { Node } from '../../src/node/node.js';
import type { NodeHost } from '../../src/node/host.js';
import { Identity } from '../../src/protocol/identity.js';
import { agree, generateC25519KeyPair } from '../../src/crypto/c25519.js';
import { secureRandomBytes, secureRandomFill } from '../../src/crypto/random.js';
import { inetAddressToString, parseInetAddress, type InetAddress } from '../../src/protocol/inet-address.js';
import { encodeWorld, signWorld, WorldType } from '../../src/protocol/world.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { armor } from '../../src/protocol/armor.js';
import { buildPacket, packetIdBytes } from '../../src/protocol/packet.js';
import { encodeOk } from '../../src/protocol/verbs/ok.js';
import { encodeOkHello } from '../../src/protocol/verbs/ok-hello.js';
import { Verb } from '../../src/protocol/constants.js';

export function planetFor(root: Identity, endpoint: string): Uint8Array {
  const key = generateC25519KeyPair(secureRandomBytes);
  return encodeWorld(
    signWorld(
      { type: WorldType.PLANET, id: 0x1234n, timestamp: 1n, updatesMustBeSignedBy: key.publicKey, roots: [{ identity: root.toPublic(), stableEndpoints: [parseInetAddress(endpoint)!] }] },
      key.publicKey,
      key.privateKey,
    ),
  );
}

/**
 * Brings peers into a node the way the protocol does, with no back door: each is restored
 * from a cached record, speaks once (an authenticated NOP), and answers the node's
 * confirming HELLO with an OK, which teaches the node a direct path (03 §5.3), then sends a
 * frame so that it counts as active.
 */
export function connectPeers(node: Node, sent: Map<string, Uint8Array>, self: Identity, peers: Array<{ id: Identity; at: InetAddress }>, now: number): void {
  for (const { id, at } of peers) {
    const keys = derivePeerKeys(agree(id.privateKey!, self.publicKey));
    const nop = buildPacket({ id8: secureRandomBytes(8), dest: self.address, source: id.address, verb: Verb.NOP });
    armor(nop, keys, 1);
    node.onDatagram(now, 1, at, nop);
    const hello = sent.get(inetAddressToString(at));
    if (!hello) throw new Error(`bench: no HELLO went to ${inetAddressToString(at)}`);
    const body = encodeOkHello({ timestamp: BigInt(now), protocolVersion: 12, versionMajor: 1, versionMinor: 14, versionRevision: 1 });
    const ok = buildPacket({ id8: secureRandomBytes(8), dest: self.address, source: id.address, verb: Verb.OK, payload: encodeOk({ inReVerb: Verb.HELLO, inRePacketId: packetIdBytes(hello), body }) });
    armor(ok, keys, 1);
    node.onDatagram(now, 1, at, ok);
    if (!node.getPeer(id.address)?.bestPath(now)) throw new Error('bench: peer did not get a direct path');
    // A FRAME-verb packet makes the peer "active" (03 §6.3: keepalives go to active peers only).
    const frame = buildPacket({ id8: secureRandomBytes(8), dest: self.address, source: id.address, verb: Verb.FRAME, payload: new Uint8Array(32) });
    armor(frame, keys, 1);
    node.onDatagram(now, 1, at, frame);
  }
}

/** A host that keeps the last datagram sent to each address (the bench reads packet IDs from it). */
export function lastSentHost(onEvent: NodeHost['event'] = () => undefined): { host: NodeHost; sent: Map<string, Uint8Array>; stopRecording(): void } {
  const sent = new Map<string, Uint8Array>();
  let isRecording = true;
  const host: NodeHost = {
    // Recording costs a string per datagram: it stops before anything is measured.
    send: (_s, to, d) => {
      if (isRecording) sent.set(inetAddressToString(to), d);
      return true;
    },
    putState: () => undefined,
    event: onEvent,
    random: secureRandomFill,
  };
  return { host, sent, stopRecording: () => ((isRecording = false), sent.clear()) };
}


// One node with a recording host, and a forge for packets from identities we hold the
// secrets of: enough to drive every receive path with exact bytes.
import { agree } from '../../src/crypto/c25519.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { armor, helloTailCrypt, type ArmorSuite } from '../../src/protocol/armor.js';
import { PACKET_IDX_FLAGS, PACKET_IDX_PAYLOAD, Verb } from '../../src/protocol/constants.js';
import type { Identity } from '../../src/protocol/identity.js';
import { parseInetAddress, type InetAddress } from '../../src/protocol/inet-address.js';
import { buildPacket } from '../../src/protocol/packet.js';
import { encodeHello, encodeHelloTail, helloTailOffset, type HELLO } from '../../src/protocol/verbs/hello.js';
import { encodeWorld, signWorld, WorldType } from '../../src/protocol/world.js';
import { generateC25519KeyPair } from '../../src/crypto/c25519.js';
import type { DropReason, NodeEvent, NodeHost, SocketId, StateKind } from '../../src/node/host.js';
import { Node } from '../../src/node/node.js';
import { Prng } from './prng.js';

export interface Sent {
  socket: SocketId;
  to: InetAddress;
  data: Uint8Array;
  ttl?: number;
}

/** What the recording host saw that breaks the core's contracts: a bug, never network input. */
export class ContractViolation extends Error {}

export class RecordingHost implements NodeHost {
  sent: Sent[] = [];
  events: NodeEvent[] = [];
  state = new Map<string, Uint8Array | null>();
  private rnd = new Prng(77);
  /** Copies taken at send time: the node must never touch a datagram it handed over (host.ts). */
  private readonly handedOver = new WeakMap<Sent, Uint8Array>();
  send(socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): boolean {
    const s: Sent = { socket, to, data, ttl };
    this.handedOver.set(s, data.slice());
    this.sent.push(s);
    return true;
  }
  putState(kind: StateKind, id: string, data: Uint8Array | null): void {
    this.state.set(`${kind}/${id}`, data);
  }
  /** An internal_error drop is a bug in the core: it fails the test at once (STYLE §5). */
  event(e: NodeEvent): void {
    this.events.push(e);
    if (e.type === 'drop' && e.reason === 'internal_error') throw new ContractViolation(`internal error in the node: ${e.detail ?? ''}`);
  }
  random(into: Uint8Array): void {
    into.set(this.rnd.bytes(into.length));
  }
  drops(reason: DropReason): number {
    return this.events.filter((e) => e.type === 'drop' && e.reason === reason).length;
  }
  /** The datagrams sent since the last take(), checked to be as they were handed over. */
  take(): Sent[] {
    const s = this.sent;
    this.sent = [];
    for (const x of s) {
      const copy = this.handedOver.get(x)!;
      if (copy.length !== x.data.length || copy.some((b, i) => b !== x.data[i])) throw new ContractViolation('the node changed a datagram after handing it to send()');
    }
    return s;
  }
}

export const ROOT_ADDR = parseInetAddress('203.0.113.1/9993')!;

/** A node whose planet names `root` at 203.0.113.1/9993. */
export function makeNode(self: Identity, root: Identity, nowMs = 1_000_000): { node: Node; host: RecordingHost } {
  const key = generateC25519KeyPair(() => new Uint8Array(64).fill(9));
  const planet = signWorld(
    { type: WorldType.PLANET, id: 0x77n, timestamp: 1n, updatesMustBeSignedBy: key.publicKey, roots: [{ identity: root.toPublic(), stableEndpoints: [ROOT_ADDR] }] },
    key.publicKey,
    key.privateKey,
  );
  const host = new RecordingHost();
  const node = new Node(host, self, { planet: encodeWorld(planet) }, nowMs, { defaultPlanet: null });
  return { node, host };
}

let idCounter = 1;

/** An armored packet from `from` to `to` (both identities; `from` with its secret). */
export function forge(from: Identity, to: Identity, verb: number, payload: Uint8Array, opts: { suite?: ArmorSuite; hops?: number; id8?: Uint8Array } = {}): Uint8Array {
  const id8 = opts.id8 ?? Uint8Array.from([0xab, 0, 0, 0, 0, 0, (idCounter >> 8) & 0xff, idCounter++ & 0xff]);
  const pkt = buildPacket({ id8, dest: to.address, source: from.address, verb, payload });
  armor(pkt, derivePeerKeys(agree(from.privateKey!, to.publicKey)), opts.suite ?? 1);
  if (opts.hops) pkt[PACKET_IDX_FLAGS] = (pkt[PACKET_IDX_FLAGS] & 0xf8) | opts.hops;
  return pkt;
}

/** A complete, valid HELLO from `from` to `to` (suite 0, tail encrypted). */
export function forgeHello(from: Identity, to: Identity, nowMs: number, dest: InetAddress | null, over: Partial<HELLO> = {}): Uint8Array {
  const hello: HELLO = {
    protocolVersion: 12,
    versionMajor: 1,
    versionMinor: 14,
    versionRevision: 1,
    timestamp: BigInt(nowMs),
    identity: from.toPublic(),
    destination: dest,
    planet: { worldId: 0x77n, timestamp: 1n },
    tail: encodeHelloTail([]),
    ...over,
  };
  const pkt = buildPacket({ id8: Uint8Array.from([0xcd, 0, 0, 0, 0, 0, (idCounter >> 8) & 0xff, idCounter++ & 0xf8]), dest: to.address, source: from.address, verb: Verb.HELLO, payload: encodeHello(hello) });
  const keys = derivePeerKeys(agree(from.privateKey!, to.publicKey));
  if (hello.tail) helloTailCrypt(pkt, PACKET_IDX_PAYLOAD + helloTailOffset(hello), keys.salsaKey);
  armor(pkt, keys, 0);
  return pkt;
}

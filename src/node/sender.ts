// Sending (03 §7, §4.1/4.2): the normal send path with path choice, relaying through the
// best upstream, the TX queue and WHOIS; direct sends onto one path; HELLOs; frames sealed
// in place. Every datagram leaves through emit(), which hands it to the host for good.
import { armor, armorTrustedPath, chooseSuite, helloTailCrypt } from '../protocol/armor.js';
import { compressPacket } from '../protocol/compression.js';
import { FLAG_FRAGMENTED, PACKET_IDX_FLAGS, PACKET_IDX_PAYLOAD, PROTOCOL_VERSION, Verb } from '../protocol/constants.js';
import { fragmentCount, fragmentPacket } from '../protocol/fragment.js';
import { buildPacket, writeHeader } from '../protocol/packet.js';
import { inetAddressEquals, type InetAddress } from '../protocol/inet-address.js';
import { addressToString } from '../protocol/address.js';
import { encodeHello, encodeHelloTail, helloTailOffset } from '../protocol/verbs/hello.js';
import { encodeWhois } from '../protocol/verbs/whois.js';
import { ALL_SOCKETS, type SocketId } from './host.js';
import type { NodeContext } from './context.js';
import type { Path } from './path.js';
import type { Peer } from './peer.js';
import {
  PATH_HINT_INTERVAL_MS,
  QUEUE_TIMEOUT_MS,
  SOFTWARE_VERSION,
  TX_QUEUE_SIZE,
  WHOIS_RETRY_DELAY_MS,
  WHOIS_STALE_MS,
} from './constants.js';

interface QueuedPacket {
  dest: number;
  verb: number;
  payload: Uint8Array;
  createdMs: number;
  /** Never compressed (a network's DISABLE_COMPRESSION for its MULTICAST_FRAMEs, 04 §4.2). */
  isUncompressed?: boolean;
}

export interface DirectSendOptions {
  /** Remember the packet ID so that an OK to it is accepted (02 §4). */
  isExpectingReply?: boolean;
  /** IP TTL for NAT-opening junk only (03 §12.1). */
  ttl?: number;
  /** Never compressed, even for a verb 1.14.1 compresses. */
  isUncompressed?: boolean;
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

export class Sender {
  private readonly ctx: NodeContext;
  private txQueue: QueuedPacket[] = [];
  /** Address → last WHOIS sent for it (03 §7.3). */
  private readonly whoisSent = new Map<number, number>();
  private readonly packetId8 = new Uint8Array(8);

  constructor(ctx: NodeContext) {
    this.ctx = ctx;
  }

  get hasQueued(): boolean {
    return this.txQueue.length > 0;
  }

  /** Hands a datagram to the host (which owns it from now on) and keeps the paths' last-out times (03 §5.1). */
  emit(now: number, socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): void {
    const ctx = this.ctx;
    if (!ctx.host.send(socket, to, data, ttl)) return;
    ctx.traffic.sentTotal++;
    if (socket === ALL_SOCKETS) {
      // The port test first: this runs over every path for each HELLO sent from all sockets.
      for (const p of ctx.paths.values()) if (p.address.port === to.port && inetAddressEquals(p.address, to)) p.lastOutMs = now;
    } else {
      ctx.paths.get(socket, to).lastOutMs = now;
    }
  }

  /** Sends straight onto one path without fragmentation (replies, probes; 02 §1). */
  sendDirect(now: number, peer: Peer, socket: SocketId, to: InetAddress, verb: number, payload: Uint8Array, opts: DirectSendOptions = {}): void {
    this.emit(now, socket, to, this.seal(now, peer, verb, payload, opts.isExpectingReply ?? false, opts.isUncompressed ?? false), opts.ttl);
  }

  /** Answers over the path a packet arrived on. */
  reply(now: number, peer: Peer, path: Path, verb: number, payload: Uint8Array): void {
    this.sendDirect(now, peer, path.socket, path.address, verb, payload);
  }

  /**
   * The normal send path (03 §7.1): best direct path, else through the best upstream, else an
   * expired path, else the TX queue. Returns true if something was sent now.
   */
  sendToPeer(now: number, peer: Peer, verb: number, payload: Uint8Array, createdMs = now, isUncompressed = false): boolean {
    const path = this.choosePath(now, peer);
    if (path) return this.sendViaPath(now, peer, path, verb, payload, isUncompressed);
    this.enqueue({ dest: peer.address, verb, payload, createdMs, isUncompressed });
    return false;
  }

  /** Sends to an address, waiting for a WHOIS if the identity is not known (03 §7.1 step 1). */
  sendToAddress(now: number, dest: number, verb: number, payload: Uint8Array, isUncompressed = false): void {
    if (dest === this.ctx.address) return;
    const peer = this.findPeer(now, dest);
    if (peer) {
      this.sendToPeer(now, peer, verb, payload, now, isUncompressed);
      return;
    }
    this.enqueue({ dest, verb, payload, createdMs: now, isUncompressed });
    this.requestWhois(now, dest);
  }

  /**
   * Seals a packet whose payload the caller built at PACKET_IDX_PAYLOAD of `buf` (the bytes
   * before it are headroom for the header, STYLE §4) and sends it to `peer` without copying
   * the payload: for FRAME and EXT_FRAME, which 1.14.1 never compresses. `buf` belongs to the
   * host afterwards. Returns false when there is no path yet (the frame is dropped, as
   * 1.14.1 drops frames to peers it cannot reach; it does not queue them).
   */
  sendSealedInPlace(now: number, peer: Peer, verb: number, buf: Uint8Array): boolean {
    const path = this.choosePath(now, peer);
    if (!path) return false;
    const ctx = this.ctx;
    writeHeader(buf, { id8: this.nextPacketId(), dest: peer.address, source: ctx.address, verb });
    ctx.packets.sent(verb, peer, buf.length, null);
    return this.armorAndEmit(now, peer, path, buf, verb);
  }

  /** A fresh random packet ID in a scratch array that writeHeader/buildPacket copy (one per packet, no allocation). */
  private nextPacketId(): Uint8Array {
    this.ctx.fillRandom(this.packetId8);
    return this.packetId8;
  }

  /** A peer in memory, or restored from the cache (03 §3.2 item 4, §3.4). */
  findPeer(now: number, address: number): Peer | undefined {
    const ctx = this.ctx;
    const known = ctx.topology.peers.get(address);
    if (known) return known;
    const cached = ctx.peerCache.take(address);
    if (!cached) return undefined;
    const peer = ctx.topology.addPeer(ctx.topology.makePeer(cached.identity));
    peer.version = { ...cached.version };
    ctx.trace('peer_restored', address);
    // Paths are not restored; HELLOs to the stored addresses re-learn them.
    for (const a of cached.addresses) this.sendHello(now, peer, ALL_SOCKETS, a);
    return peer;
  }

  /** Asks the best upstream for an identity, at most every 500 ms per address (03 §7.3). */
  requestWhois(now: number, address: number): void {
    const ctx = this.ctx;
    if (address === ctx.address) return;
    const last = this.whoisSent.get(address);
    if (last !== undefined && now - last < WHOIS_RETRY_DELAY_MS) return;
    const up = ctx.topology.bestUpstream(now);
    if (!up) return;
    this.whoisSent.set(address, now);
    ctx.trace('whois_sent', address);
    this.sendToPeer(now, up, Verb.WHOIS, encodeWhois({ addresses: [address] }));
  }

  /** The identity arrived: a later WHOIS for it may go at once. */
  whoisAnswered(address: number): void {
    this.whoisSent.delete(address);
  }

  /**
   * A full HELLO to one physical address (03 §4.2), from `socket` (ALL_SOCKETS = every bound
   * socket). To relay a HELLO through a root, pass the root's address as `to`: the packet is
   * addressed to `peer`, and its destination field names the root, as 1.14.1 does.
   */
  sendHello(now: number, peer: Peer, socket: SocketId, to: InetAddress): void {
    const ctx = this.ctx;
    const planet = ctx.topology.planet;
    const hello = {
      protocolVersion: PROTOCOL_VERSION,
      versionMajor: SOFTWARE_VERSION.major,
      versionMinor: SOFTWARE_VERSION.minor,
      versionRevision: SOFTWARE_VERSION.revision,
      timestamp: BigInt(now),
      identity: ctx.identity.toPublic(),
      destination: to,
      planet: { worldId: planet?.id ?? 0n, timestamp: planet?.timestamp ?? 0n },
      tail: encodeHelloTail(ctx.topology.helloMoons()),
    };
    const pkt = buildPacket({ id8: this.nextPacketId(), dest: peer.address, source: ctx.address, verb: Verb.HELLO, payload: encodeHello(hello) });
    helloTailCrypt(pkt, PACKET_IDX_PAYLOAD + helloTailOffset(hello), peer.keys.salsaKey);
    ctx.packets.sent(Verb.HELLO, peer, pkt.length, null);
    armor(pkt, peer.keys, 0);
    ctx.expected.expectPacket(pkt, now);
    this.emit(now, socket, to, pkt);
  }

  /** Retries queued packets (all, or those for one address that just became known) (03 §7.2). */
  retryQueued(now: number, onlyDest?: number): void {
    const pending = this.txQueue;
    this.txQueue = [];
    for (const q of pending) {
      if (now - q.createdMs >= QUEUE_TIMEOUT_MS) {
        this.ctx.report('expired', undefined, `queued packet for ${addressToString(q.dest)}`);
        continue;
      }
      if (onlyDest !== undefined && q.dest !== onlyDest) {
        this.txQueue.push(q);
        continue;
      }
      const peer = this.findPeer(now, q.dest);
      if (peer) {
        // sendToPeer re-queues it (keeping its age) if there is still no way to send.
        this.sendToPeer(now, peer, q.verb, q.payload, q.createdMs, q.isUncompressed ?? false);
      } else {
        this.txQueue.push(q);
        this.requestWhois(now, q.dest);
      }
    }
  }

  /** Forgets WHOIS times old enough that a new request may go (03 §7.3). */
  expireWhois(now: number): void {
    for (const [a, t] of this.whoisSent) if (now - t >= WHOIS_STALE_MS) this.whoisSent.delete(a);
  }

  /** 03 §7.1: a direct path, else the best upstream's, else an expired one; tries a path hint on the way. */
  private choosePath(now: number, peer: Peer): Path | null {
    const direct = peer.bestPath(now);
    if (direct) return direct.path;
    this.tryPathHint(now, peer);
    const up = this.ctx.topology.bestUpstream(now);
    if (up && up !== peer) {
      const via = up.bestPath(now);
      if (via) return via.path;
    }
    return peer.bestPathIncludingExpired(now)?.path ?? null;
  }

  /** A new packet for `peer`, compressed where 1.14.1 compresses that verb (02 §6). */
  private build(peer: Peer, verb: number, payload: Uint8Array, isUncompressed = false): Uint8Array {
    const pkt = buildPacket({ id8: this.nextPacketId(), dest: peer.address, source: this.ctx.address, verb, payload });
    this.ctx.packets.sent(verb, peer, pkt.length, payload);
    return COMPRESSED_VERBS.has(verb) && !isUncompressed ? compressPacket(pkt) : pkt;
  }

  /**
   * Builds, compresses (where 1.14.1 does) and armors a packet for one datagram (no
   * fragmentation), registering its ID when a reply is expected.
   */
  private seal(now: number, peer: Peer, verb: number, payload: Uint8Array, isExpectingReply: boolean, isUncompressed: boolean): Uint8Array {
    const pkt = this.build(peer, verb, payload, isUncompressed);
    armor(pkt, peer.keys, chooseSuite(verb, peer.version.protocol || undefined));
    // The ID that replies carry is the transmitted one (suite 3 rewrites it, 02 §4).
    if (isExpectingReply) this.ctx.expected.expectPacket(pkt, now);
    return pkt;
  }

  /**
   * Sends over a chosen path (03 §7.1 last paragraph): the MTU and trusted-path setting of its
   * remote address apply, and the packet is fragmented at that MTU.
   */
  private sendViaPath(now: number, peer: Peer, path: Path, verb: number, payload: Uint8Array, isUncompressed = false): boolean {
    return this.armorAndEmit(now, peer, path, this.build(peer, verb, payload, isUncompressed), verb);
  }

  /**
   * Flags, armors, registers for a reply and emits a built packet in pieces of the path's
   * MTU. A trusted path sends it in suite 2, unencrypted (03 §14); unlike 1.14.1, such packets
   * are registered for replies too, so an OK to a WHOIS over a trusted path counts.
   */
  private armorAndEmit(now: number, peer: Peer, path: Path, pkt: Uint8Array, verb: number): boolean {
    const ctx = this.ctx;
    const mtu = ctx.physical.mtuFor(path.address);
    const trustedPathId = ctx.physical.trustedPathIdFor(path.address);
    if (fragmentCount(pkt.length, mtu) > 1) pkt[PACKET_IDX_FLAGS] |= FLAG_FRAGMENTED;
    if (trustedPathId !== 0n) armorTrustedPath(pkt, trustedPathId);
    else armor(pkt, peer.keys, chooseSuite(verb, peer.version.protocol || undefined));
    // The ID that replies carry is the transmitted one (suite 3 rewrites it, 02 §4).
    ctx.expected.expectPacket(pkt, now);
    let pieces: Uint8Array[];
    try {
      pieces = fragmentPacket(pkt, mtu);
    } catch (e) {
      ctx.report('too_big', path.address, (e as Error).message);
      return false;
    }
    for (const d of pieces) this.emit(now, path.socket, path.address, d);
    return true;
  }

  private enqueue(q: QueuedPacket): void {
    if (this.txQueue.length >= TX_QUEUE_SIZE) {
      this.txQueue.shift();
      this.ctx.report('queue_full');
    }
    this.txQueue.push(q);
  }

  /** Static/memorized path hint when a packet must be relayed (03 §12.4). */
  private tryPathHint(now: number, peer: Peer): void {
    const host = this.ctx.host;
    if (!host.pathHint || now - peer.lastPathHintMs < PATH_HINT_INTERVAL_MS) return;
    peer.lastPathHintMs = now;
    const hint = host.pathHint(peer.address);
    if (hint) this.sendHello(now, peer, ALL_SOCKETS, hint);
  }
}

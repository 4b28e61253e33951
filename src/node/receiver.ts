// The receive pipeline (02 §12): classify, relay or reassemble, authenticate, decompress,
// dispatch through the verb table. Anything malformed throws DecodeError, which the node
// turns into a drop at its edge.
import { beaconAddress, classifyDatagram } from '../protocol/datagram.js';
import { dearmor, trustedPathId } from '../protocol/armor.js';
import { decompressPacket } from '../protocol/compression.js';
import { EXT_FRAME_FLAG_COM } from '../protocol/verbs/ext-frame.js';
import { CipherSuite, MAX_PACKET_BYTES, PACKET_IDX_PAYLOAD, PACKET_IDX_VERB, REASSEMBLY_SLOTS, REASSEMBLY_TIMEOUT_MS, VERB_MASK, Verb } from '../protocol/constants.js';
import { fragmentDestination } from '../protocol/fragment.js';
import { cipherSuiteOf, isFragmented, packetDestination, packetHops, packetPayload, packetSource } from '../protocol/packet.js';
import { Reassembler } from '../protocol/reassembler.js';
import type { InetAddress } from '../protocol/inet-address.js';
import type { SocketId } from './host.js';
import type { Bookkeeping } from './bookkeeping.js';
import type { Path } from './path.js';
import type { Relay } from './relay.js';
import type { InboundPacket, VerbContext, VerbTable } from './verb-table.js';
import { onHELLO } from './on-hello.js';
import { BEACON_NOP_INTERVAL_MS, QUEUE_TIMEOUT_MS, RX_PARKED_MAX_PACKETS } from './constants.js';

interface ParkedPacket {
  /** The complete packet as received (still armored). */
  packet: Uint8Array;
  path: Path;
  hops: number;
  source: number;
  createdMs: number;
}

/** A decoded packet its handler asked to see again (a frame refused until credentials arrive). */
interface RetriedPacket {
  rx: InboundPacket;
  createdMs: number;
}

export interface ReceiverParts {
  verbs: VerbContext;
  table: VerbTable;
  bookkeeping: Bookkeeping;
  relay: Relay;
}

export class Receiver {
  private readonly v: VerbContext;
  private readonly table: VerbTable;
  private readonly bookkeeping: Bookkeeping;
  private readonly relay: Relay;
  // A packet addressed to us is handled before the next datagram arrives (the host calls in
  // one at a time, never from inside a handler), so one buffer holds it: reassembled there,
  // or copied there whole. onPacket copies again what must outlive the call. No allocation
  // per packet, which at line rate kept V8's external-memory accounting forcing major GCs.
  private readonly assembled = new Uint8Array(MAX_PACKET_BYTES);
  private readonly single = new Uint8Array(MAX_PACKET_BYTES);
  private readonly reassembler = new Reassembler({ maxEntries: REASSEMBLY_SLOTS, timeoutMs: REASSEMBLY_TIMEOUT_MS, assembleInto: this.assembled });
  /** Packets from sources whose identity a WHOIS is fetching (03 §7.5). */
  private parked: ParkedPacket[] = [];
  private retried: RetriedPacket[] = [];
  private lastBeaconNopMs = -Infinity;

  constructor(parts: ReceiverParts) {
    this.v = parts.verbs;
    this.table = parts.table;
    this.bookkeeping = parts.bookkeeping;
    this.relay = parts.relay;
  }

  /** Parked packets or partial reassemblies need the 500 ms timer. */
  get hasPending(): boolean {
    return this.parked.length > 0 || this.retried.length > 0 || this.reassembler.size > 0;
  }

  /** One datagram; `data` is the caller's during the call only. */
  onDatagram(now: number, socket: SocketId, from: InetAddress, data: Uint8Array): void {
    const node = this.v.node;
    node.traffic.receivedTotal++;
    const path = node.paths.get(socket, from);
    path.lastInMs = now;
    switch (classifyDatagram(data)) {
      case 'beacon':
        this.onBeacon(now, path, data);
        return;
      case 'fragment': {
        if (fragmentDestination(data) !== node.address) {
          this.relay.relayFragment(now, path, data);
          return;
        }
        const whole = this.reassembler.addFragment(now, data);
        if (this.reassembler.lastDropReason) node.report('bad_fragment', from, this.reassembler.lastDropReason);
        if (whole) this.onPacket(now, path, whole);
        return;
      }
      case 'packet': {
        if (packetSource(data) === node.address) {
          node.report('own_address', from);
          return;
        }
        if (packetDestination(data) !== node.address) {
          this.relay.relayHead(now, path, data);
          return;
        }
        if (isFragmented(data)) {
          const whole = this.reassembler.addHead(now, data);
          if (this.reassembler.lastDropReason) node.report('bad_fragment', from, this.reassembler.lastDropReason);
          if (whole) this.onPacket(now, path, whole);
          return;
        }
        // Our own copy, since de-armoring works in place: in the one packet buffer.
        if (data.length > this.single.length) {
          node.report('too_big', from);
          return;
        }
        this.single.set(data);
        this.onPacket(now, path, this.single.subarray(0, data.length));
        return;
      }
      case 'too_big':
        node.report('too_big', from);
        return;
      case 'ignore':
        // Mostly the 4-byte NAT-opening junk of 03 §12.1, which 1.14.1 ignores without a word.
        node.traffic.ignoredTotal++;
        return;
    }
  }

  /** Retries parked packets whose source is now known (all, or one source's); drops the stale (03 §7.5). */
  retryParked(now: number, onlySource?: number): void {
    if (this.parked.length === 0) return;
    const node = this.v.node;
    const keep = [];
    const ready = [];
    for (const p of this.parked) {
      if (now - p.createdMs >= QUEUE_TIMEOUT_MS) {
        node.report('expired', p.path.address, 'waited too long for WHOIS');
        continue;
      }
      if ((onlySource === undefined || p.source === onlySource) && node.topology.peers.has(p.source)) ready.push(p);
      else keep.push(p);
    }
    this.parked = keep;
    for (const p of ready) this.onPacket(now, p.path, p.packet);
  }

  /** Hands packets whose handler asked for a retry over again; gives up after 5 s (03 §7.5). */
  retryRefused(now: number): void {
    if (this.retried.length === 0) return;
    const pending = this.retried;
    this.retried = [];
    for (const p of pending) {
      if (now - p.createdMs >= QUEUE_TIMEOUT_MS) continue;
      this.dispatch({ ...p.rx, now, isRetry: true }, p.createdMs);
    }
  }

  /** Drops partial reassemblies that timed out. */
  expireFragments(now: number): void {
    this.reassembler.expire(now);
  }

  /**
   * A complete packet addressed to us: the node's own during this call only (a reused
   * buffer). Frames, whose handlers keep nothing of the packet, use it as it is; every other
   * verb (handlers may keep views into their payload), a parked or a retried packet gets a
   * copy of its own.
   */
  private onPacket(now: number, path: Path, pkt: Uint8Array): void {
    const { node, sender } = this.v;
    const source = packetSource(pkt);
    const hops = packetHops(pkt);
    const suite = cipherSuiteOf(pkt);
    if (suite === CipherSuite.C25519_POLY1305_NONE && (pkt[PACKET_IDX_VERB] & VERB_MASK) === Verb.HELLO) {
      node.packets.received(Verb.HELLO, null, pkt.length, null);
      onHELLO(this.v, this.bookkeeping, { now, path, packet: pkt.slice(), hops, isTrusted: false });
      return;
    }
    const peer = sender.findPeer(now, source);
    if (!peer) {
      this.park({ packet: pkt.slice(), path, hops, source, createdMs: now }); // kept: a copy of its own
      sender.requestWhois(now, source);
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
        node.packets.received(Verb.HELLO, peer, pkt.length, null);
        onHELLO(this.v, this.bookkeeping, { now, path, packet: pkt.slice(), hops, isTrusted: true });
        return;
      }
    } else if (!dearmor(pkt, peer.keys)) {
      peer.invalidPacketsInTotal++;
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
    if (plain === pkt && !keepsNothing(verb, plain)) plain = plain.slice();
    const payload = packetPayload(plain);
    node.packets.received(verb, peer, plain.length, payload);
    this.dispatch({ now, peer, path, hops, verb, packet: plain, payload }, now);
  }

  private dispatch(rx: InboundPacket, createdMs: number): void {
    // Verbs nobody registered for (NOP, bonding, VL2 verbs without a network layer,
    // unassigned codes) still count as traffic (02 §10.1).
    const outcome = this.table.get(rx.verb)?.(this.v, rx);
    if (outcome === 'not_counted') return;
    if (outcome === 'retry') {
      if (this.retried.length >= RX_PARKED_MAX_PACKETS) this.retried.shift();
      // Kept for seconds: out of the pool, into a copy of its own (payload at the same place).
      const packet = rx.packet.slice();
      this.retried.push({ rx: { ...rx, packet, payload: packet.subarray(rx.payload.byteOffset - rx.packet.byteOffset) }, createdMs });
      return;
    }
    this.bookkeeping.received(rx.now, rx.peer, rx.path, { verb: rx.verb, hops: rx.hops });
  }

  private park(p: ParkedPacket): void {
    if (this.parked.length >= RX_PARKED_MAX_PACKETS) {
      this.parked.shift();
      this.v.node.report('queue_full', p.path.address, 'receive queue');
    }
    this.parked.push(p);
  }

  /** Legacy 13-byte LAN beacon (02 §11): answer a known peer with a NOP, 1 per 2.5 s overall. */
  private onBeacon(now: number, path: Path, data: Uint8Array): void {
    const { node, sender } = this.v;
    const addr = beaconAddress(data);
    if (addr === node.address) return;
    const peer = node.topology.peers.get(addr);
    if (!peer || now - this.lastBeaconNopMs < BEACON_NOP_INTERVAL_MS) return;
    if (!node.isPathAcceptable(addr, path.socket, path.address)) return;
    this.lastBeaconNopMs = now;
    sender.reply(now, peer, path, Verb.NOP, new Uint8Array(0));
  }
}

/** FRAME, and EXT_FRAME without a certificate attached: handlers keep no view of the packet. */
function keepsNothing(verb: number, plain: Uint8Array): boolean {
  if (verb === Verb.FRAME) return true;
  // EXT_FRAME's flags follow the network ID, right after the 28-byte header.
  return verb === Verb.EXT_FRAME && plain.length > PACKET_IDX_PAYLOAD + 8 && (plain[PACKET_IDX_PAYLOAD + 8] & EXT_FRAME_FLAG_COM) === 0;
}

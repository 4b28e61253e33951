// One node-side TCP connection to a relay (06 §9): connects, says HELLO, frames packets
// out with their destination and hands packets in with their source. Whatever the relay
// sends that is not the framing closes the connection (counted); nothing here throws into
// the caller. Which relay, when to open and when to close is tcp-fallback.ts's business.
import net from 'node:net';
import { ipToString, type InetAddress } from '../protocol/inet-address.js';
import { decodeRelayPayload, encodeHello, encodeIpv4Record, ipv4RecordSize, RelayRecordDecoder } from '../protocol/tcp-relay-framing.js';
import { ZtkubeError } from '../util/errors.js';

/** 1.14.1 queues at most this much for the relay; later packets are dropped until it drains. */
export const TUNNEL_QUEUE_MAX_BYTES = 64 * 1024;
/** Our choice: a relay that does not accept within this is given up (the kernel would wait ~2 min). */
export const TUNNEL_CONNECT_TIMEOUT_MS = 10_000;
/** The version our HELLO announces: the 1.14.1 we are compatible with. */
const HELLO = encodeHello(1, 14, 1);

export type TunnelCloseReason = 'closed by relay' | 'connect failed' | 'connect timeout' | 'protocol error' | 'socket error' | 'replaced' | 'udp works again' | 'stopped';

export interface TcpRelayTunnelOptions {
  relay: InetAddress;
  /** A packet from the relay, with its original source; `packet` is the callee's only during the call. */
  onPacket(from: InetAddress, packet: Uint8Array): void;
  onOpen(tunnel: TcpRelayTunnel): void;
  /** Called once, however the connection ended (also when it never opened). */
  onClose(tunnel: TcpRelayTunnel, reason: TunnelCloseReason, error?: string): void;
}

export interface TunnelCounters {
  sentTotal: number;
  receivedTotal: number;
  /** Packets not queued because TUNNEL_QUEUE_MAX_BYTES were waiting. */
  droppedQueueFullTotal: number;
  /** Packets from the relay without a source address (the 0x00 form). */
  droppedNoSourceTotal: number;
}

export class TcpRelayTunnel {
  readonly relay: InetAddress;
  readonly counters: TunnelCounters = { sentTotal: 0, receivedTotal: 0, droppedQueueFullTotal: 0, droppedNoSourceTotal: 0 };
  private readonly opts: TcpRelayTunnelOptions;
  private readonly socket: net.Socket;
  private readonly decoder = new RelayRecordDecoder();
  private isOpenNow = false;
  private isClosed = false;
  private connectTimer: NodeJS.Timeout | null;

  /** Starts connecting; onOpen or onClose follows. */
  constructor(opts: TcpRelayTunnelOptions) {
    this.opts = opts;
    this.relay = opts.relay;
    this.socket = net.connect({ host: ipToString(opts.relay), port: opts.relay.port, noDelay: true });
    this.connectTimer = setTimeout(() => this.close('connect timeout'), TUNNEL_CONNECT_TIMEOUT_MS);
    this.socket.once('connect', () => {
      this.clearConnectTimer();
      this.isOpenNow = true;
      this.socket.write(HELLO);
      this.opts.onOpen(this);
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e) => {
      // A reset is how a relay usually hangs up (tcp-proxy closes with data unread).
      const isReset = (e as NodeJS.ErrnoException).code === 'ECONNRESET' || (e as NodeJS.ErrnoException).code === 'EPIPE';
      this.close(!this.isOpenNow ? 'connect failed' : isReset ? 'closed by relay' : 'socket error', e.message);
    });
    this.socket.on('close', () => this.close(this.isOpenNow ? 'closed by relay' : 'connect failed'));
  }

  get isOpen(): boolean {
    return this.isOpenNow && !this.isClosed;
  }

  /** Queues one packet for `to` (IPv4); false when not open or the queue is full. `packet` is copied. */
  send(to: InetAddress, packet: Uint8Array): boolean {
    if (!this.isOpen) return false;
    if (this.socket.writableLength >= TUNNEL_QUEUE_MAX_BYTES) {
      this.counters.droppedQueueFullTotal++;
      return false;
    }
    const record = Buffer.allocUnsafe(ipv4RecordSize(packet.length));
    encodeIpv4Record(to, packet, record, 0);
    this.socket.write(record);
    this.counters.sentTotal++;
    return true;
  }

  /** Ends the connection (idempotent); onClose reports `reason`. */
  close(reason: TunnelCloseReason, error?: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.clearConnectTimer();
    this.socket.destroy();
    this.opts.onClose(this, reason, error);
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed) return;
    try {
      this.decoder.push(chunk, (payload) => {
        const p = decodeRelayPayload(payload);
        if (p === null || p.kind === 'hello') return; // a relay never sends HELLO; 1.14.1 ignores one
        if (p.from === null) {
          this.counters.droppedNoSourceTotal++;
          return;
        }
        this.counters.receivedTotal++;
        this.opts.onPacket(p.from, p.packet);
      });
    } catch (e) {
      // Framing errors are the relay's; anything else is a bug in onPacket, still contained here.
      this.close('protocol error', e instanceof ZtkubeError ? e.message : `unexpected: ${(e as Error).message}`);
    }
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }
}

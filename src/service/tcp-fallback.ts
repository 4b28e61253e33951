// The TCP fallback of the daemon's UDP edge (06 §9.1): every send and every received
// datagram passes here. TcpFallbackPolicy decides; this class owns the tunnel to the relay,
// applies the safety policy to the relay address, logs the tunnel's life and runs the
// main-loop check (close when UDP works again, sleep/wake detection, 06 §11.2). The whole
// sequence, and where ztkube differs from 1.14.1 on purpose: docs/tcp-fallback.md.
import type winston from 'winston';
import { inetAddressToString, type InetAddress } from '../protocol/inet-address.js';
import type { SocketId } from '../util/socket-id.js';
import { TcpRelayTunnel, type TunnelCloseReason } from '../net/tcp-relay-tunnel.js';
import { CONNECT_TUNNEL, SEND_TUNNEL, SEND_UDP, SLEEP_DETECT_LATE_MS, TcpFallbackPolicy } from './tcp-fallback-policy.js';
import type { Clock } from './clock.js';

/** 1.14.1's default relay: ZeroTier's anycast relay. */
export const DEFAULT_TCP_FALLBACK_RELAY = '204.80.128.1/443';
/** How often the main-loop check runs (1.14.1's loop wakes at least every 0.5-1 s). */
export const TCP_FALLBACK_CHECK_INTERVAL_MS = 1_000;

export interface TcpFallbackOptions {
  isAllowed: boolean;
  isForced: boolean;
  relay: InetAddress;
  clock: Clock;
  log: winston.Logger;
  /** The real UDP send (the binder). */
  sendUdp(socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): boolean;
  /** A packet that came through the tunnel, from its original source (socket -1, as 1.14.1). */
  onTunnelPacket(from: InetAddress, packet: Uint8Array): void;
  /** The safety policy's destination check; a refused relay is never connected. */
  isDestinationAllowed?(to: InetAddress): boolean;
  /** Opens the connection (tests may substitute). */
  openTunnel?(relay: InetAddress, handlers: Pick<ConstructorParameters<typeof TcpRelayTunnel>[0], 'onPacket' | 'onOpen' | 'onClose'>): TcpRelayTunnel;
}

export class TcpFallback {
  /** ZeroTier packet bytes through the tunnels, both ways (zt_data protocol="tcp"); kept across tunnels. */
  readonly bytes = { bytesInTotal: 0, bytesOutTotal: 0 };
  private readonly opts: TcpFallbackOptions;
  private readonly policy: TcpFallbackPolicy;
  private readonly log: winston.Logger;
  private relay: InetAddress;
  private tunnel: TcpRelayTunnel | null = null;
  /** At most one connect in flight (1.14.1 starts one per qualifying send until one connects). */
  private connecting: TcpRelayTunnel | null = null;
  private isRelayRefusalLogged = false;
  private timer: unknown = null;
  private nextCheckMs = 0;

  constructor(opts: TcpFallbackOptions) {
    this.opts = opts;
    this.relay = opts.relay;
    this.log = opts.log;
    this.policy = new TcpFallbackPolicy({ isAllowed: opts.isAllowed, isForced: opts.isForced }, opts.clock.now());
  }

  /** True while a tunnel is connected (GET /status tcpFallbackActive, `info` TUNNELED). */
  get isActive(): boolean {
    return this.tunnel !== null;
  }

  get isForced(): boolean {
    return this.policy.isForced;
  }

  get isAllowed(): boolean {
    return this.policy.isAllowed;
  }

  /** Starts the main-loop check; the start time counts as a restart. */
  start(): void {
    const now = this.opts.clock.now();
    this.policy.restarted(now);
    this.nextCheckMs = now + TCP_FALLBACK_CHECK_INTERVAL_MS;
    this.arm();
  }

  private arm(): void {
    this.timer = this.opts.clock.setTimer(() => {
      this.check();
      if (this.timer !== null) this.arm();
    }, TCP_FALLBACK_CHECK_INTERVAL_MS);
  }

  /** New settings (local.conf reload); a new relay address is used from the next connect. */
  configure(s: { isAllowed: boolean; isForced: boolean; relay: InetAddress }): void {
    this.policy.configure({ isAllowed: s.isAllowed, isForced: s.isForced });
    if (inetAddressToString(s.relay) !== inetAddressToString(this.relay)) this.isRelayRefusalLogged = false;
    this.relay = s.relay;
  }

  /** The engine's send: UDP, the tunnel, or both, as the policy says. */
  send(socket: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): boolean {
    const d = this.policy.decideSend(this.opts.clock.now(), to, data.length, this.tunnel !== null);
    let isTunnelled = false;
    if (d & SEND_TUNNEL) {
      isTunnelled = this.tunnel?.send(to, data) ?? false;
      if (isTunnelled) this.bytes.bytesOutTotal += data.length; // the tunnel copied it; UDP may own it next
    }
    else if (d & CONNECT_TUNNEL) this.connect();
    if (d & SEND_UDP) return this.opts.sendUdp(socket, to, data, ttl);
    return isTunnelled;
  }

  /** A UDP datagram arrived; false when it must not reach the node (forced relay). */
  onUdpDatagram(from: InetAddress, data: Uint8Array): boolean {
    return this.policy.onUdpReceived(this.opts.clock.now(), from, data.length);
  }

  /** One main-loop iteration: a late one means sleep/wake; UDP that works again closes the tunnel. */
  check(): void {
    const now = this.opts.clock.now();
    if (now - this.nextCheckMs > SLEEP_DETECT_LATE_MS) {
      this.policy.restarted(now);
      this.log.info('clock jump or sleep detected: tcp fallback held back for 60 s', { lateMs: now - this.nextCheckMs });
    }
    this.nextCheckMs = now + TCP_FALLBACK_CHECK_INTERVAL_MS;
    if (this.tunnel && this.policy.shouldCloseTunnel(now)) this.tunnel.close('udp works again');
  }

  stop(): void {
    if (this.timer !== null) this.opts.clock.clearTimer(this.timer);
    this.timer = null;
    this.connecting?.close('stopped');
    this.tunnel?.close('stopped');
  }

  private connect(): void {
    if (this.connecting) return;
    const relay = this.relay;
    if (this.opts.isDestinationAllowed && !this.opts.isDestinationAllowed(relay)) {
      if (!this.isRelayRefusalLogged) {
        this.isRelayRefusalLogged = true;
        this.log.warn('tcp relay refused by the safety policy: not connecting', { relay: inetAddressToString(relay) });
      }
      return;
    }
    this.log.debug('tcp relay connecting', { relay: inetAddressToString(relay) });
    const open = this.opts.openTunnel ?? ((r, h) => new TcpRelayTunnel({ relay: r, ...h }));
    this.connecting = open(relay, {
      onPacket: (from, packet) => {
        this.bytes.bytesInTotal += packet.length;
        this.opts.onTunnelPacket(from, packet);
      },
      onOpen: (t) => this.onOpen(t),
      onClose: (t, reason, error) => this.onClose(t, reason, error),
    });
  }

  private onOpen(t: TcpRelayTunnel): void {
    if (this.connecting === t) this.connecting = null;
    const old = this.tunnel;
    this.tunnel = t; // a new tunnel replaces the old one
    old?.close('replaced');
    this.log.warn('tcp relay tunnel open: udp seems blocked, packets go through the relay', { relay: inetAddressToString(t.relay) });
  }

  private onClose(t: TcpRelayTunnel, reason: TunnelCloseReason, error?: string): void {
    if (this.connecting === t) {
      this.connecting = null;
      this.log.info('tcp relay connect failed', { relay: inetAddressToString(t.relay), reason, ...(error ? { error } : {}) });
      return;
    }
    if (this.tunnel === t) this.tunnel = null;
    const { sentTotal, receivedTotal, droppedQueueFullTotal, droppedNoSourceTotal } = t.counters;
    this.log.info('tcp relay tunnel closed', { relay: inetAddressToString(t.relay), reason, ...(error ? { error } : {}), sentTotal, receivedTotal, droppedQueueFullTotal, droppedNoSourceTotal });
  }
}

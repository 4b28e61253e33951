// When a node tunnels through a TCP relay (06 §9.1), as 1.14.1's service decides it in its
// UDP send callback and its main loop. Pure: the caller passes the time, this class keeps
// three timestamps and answers with flags; the sockets are in tcp-fallback.ts.
//
//   a send to a GLOBAL IPv4 address, >= 16 bytes ("qualifying"):
//     forced, or no such UDP received for 60 s and no (re)start for 60 s:
//       tunnel open: tunnel it
//       else, forced or the previous qualifying send was 2.5-60 s ago: connect
//   UDP is sent as well unless forced (a forced node sends nothing over UDP at all)
//   close the tunnel when not forced and global UDP came in within the last 30 s
import type { InetAddress } from '../protocol/inet-address.js';
import { ipScope, IpScope } from '../protocol/ip-scope.js';

/** ZT_TCP_FALLBACK_AFTER: no global UDP for this long, and no (re)start, before the relay is used. */
export const TCP_FALLBACK_AFTER_MS = 60_000;
/** Half ZT_PING_CHECK_INTERVAL: the shortest gap between two sends that may start a connect. */
export const TCP_FALLBACK_MIN_SEND_GAP_MS = 2_500;
/** Direct global UDP this recent closes the tunnel (half of TCP_FALLBACK_AFTER_MS). */
export const TCP_FALLBACK_CLOSE_AFTER_UDP_MS = TCP_FALLBACK_AFTER_MS / 2;
/** A main-loop iteration this late means the host slept: counts as a restart. */
export const SLEEP_DETECT_LATE_MS = 10_000;
/** Datagrams shorter than this neither count as received nor go through the tunnel. */
const MIN_PACKET_BYTES = 16;

/** The decision for one send, as bit flags (no object per packet). */
export const SEND_UDP = 1;
export const SEND_TUNNEL = 2;
export const CONNECT_TUNNEL = 4;

export interface TcpFallbackSettings {
  /** allowTcpFallbackRelay (default true). */
  isAllowed: boolean;
  /** forceTcpRelay (default false): only the relay, no UDP in or out. */
  isForced: boolean;
}

export class TcpFallbackPolicy {
  private settings: TcpFallbackSettings;
  private lastGlobalRxMs = 0;
  private lastGlobalV4TxMs = 0;
  private lastRestartMs: number;

  constructor(settings: TcpFallbackSettings, startMs: number) {
    this.settings = { ...settings };
    this.lastRestartMs = startMs;
  }

  /** New settings (a local.conf reload): they apply from the next send. */
  configure(settings: TcpFallbackSettings): void {
    this.settings = { ...settings };
  }

  get isAllowed(): boolean {
    return this.settings.isAllowed;
  }

  /** 1.14.1 applies forceTcpRelay even without allowTcpFallbackRelay: then nothing gets out at all. */
  get isForced(): boolean {
    return this.settings.isForced;
  }

  /** A sleep/wake (or a start): no fallback for the next 60 s. */
  restarted(nowMs: number): void {
    this.lastRestartMs = nowMs;
  }

  /**
   * A UDP datagram arrived; false when it must be ignored (forced relay). Packets that came
   * through the tunnel are not UDP and never come here.
   */
  onUdpReceived(nowMs: number, from: InetAddress, bytes: number): boolean {
    if (this.isForced) return false;
    if (bytes >= MIN_PACKET_BYTES && ipScope(from) === IpScope.GLOBAL) this.lastGlobalRxMs = nowMs;
    return true;
  }

  /** What to do with one outgoing packet: SEND_UDP | SEND_TUNNEL | CONNECT_TUNNEL flags. */
  decideSend(nowMs: number, to: InetAddress, bytes: number, isTunnelOpen: boolean): number {
    if (!this.settings.isAllowed) return this.settings.isForced ? 0 : SEND_UDP;
    const isForced = this.settings.isForced;
    let out = isForced ? 0 : SEND_UDP;
    if (to.family === 4 && bytes >= MIN_PACKET_BYTES && ipScope(to) === IpScope.GLOBAL) {
      if (isForced || (nowMs - this.lastGlobalRxMs > TCP_FALLBACK_AFTER_MS && nowMs - this.lastRestartMs > TCP_FALLBACK_AFTER_MS)) {
        if (isTunnelOpen) out |= SEND_TUNNEL;
        else {
          const gap = nowMs - this.lastGlobalV4TxMs;
          if (isForced || (gap < TCP_FALLBACK_AFTER_MS && gap > TCP_FALLBACK_MIN_SEND_GAP_MS)) out |= CONNECT_TUNNEL;
        }
      }
      this.lastGlobalV4TxMs = nowMs;
    }
    return out;
  }

  /** Checked at every main-loop iteration: direct UDP works again, so the tunnel goes. */
  shouldCloseTunnel(nowMs: number): boolean {
    return !this.isForced && nowMs - this.lastGlobalRxMs < TCP_FALLBACK_CLOSE_AFTER_UDP_MS;
  }
}

// A tiny virtual host behind a TAP, for tests and the benchmark: it owns one IPv4 address
// and MAC, answers ARP requests for the address, ICMP echo requests to it, and echoes UDP
// datagrams sent to it (ports swapped) except to the discard port 9, which it only counts.
// Pure: a frame in, the reply written into a caller's buffer out.
import {
  IP_PROTO_UDP,
  isIcmpEchoRequestTo,
  parseArpRequestFor,
  parseUdpFrame,
  writeArpReply,
  writeIcmpEchoReply,
  writeUdpFrame,
} from './ipv4-frames.js';

/** UDP port whose datagrams are counted and not answered (RFC 863 "discard"). */
export const DISCARD_PORT = 9;

export interface EchoCounts {
  arp: number;
  icmp: number;
  udpEchoed: number;
  udpDiscarded: number;
  other: number;
}

export class EchoResponder {
  readonly counts: EchoCounts = { arp: 0, icmp: 0, udpEchoed: 0, udpDiscarded: 0, other: 0 };

  constructor(
    readonly ip: number,
    readonly mac: number,
  ) {}

  /** Writes the answer to `frame` into `out` (at least frame.length + 42 bytes); returns its length, 0 for none. */
  answer(frame: Uint8Array, out: Uint8Array): number {
    const asker = parseArpRequestFor(frame, this.ip);
    if (asker) {
      this.counts.arp++;
      return writeArpReply(out, this.mac, this.ip, asker);
    }
    if (isIcmpEchoRequestTo(frame, this.ip)) {
      this.counts.icmp++;
      return writeIcmpEchoReply(out, frame, this.mac);
    }
    if (frame.length > 23 && frame[23] === IP_PROTO_UDP) {
      const u = parseUdpFrame(frame);
      if (u && u.dstIp === this.ip) {
        if (u.dstPort === DISCARD_PORT) {
          this.counts.udpDiscarded++;
          return 0;
        }
        this.counts.udpEchoed++;
        return writeUdpFrame(out, {
          dstMac: u.srcMac,
          srcMac: this.mac,
          srcIp: this.ip,
          dstIp: u.srcIp,
          srcPort: u.dstPort,
          dstPort: u.srcPort,
          payload: u.payload,
        });
      }
    }
    this.counts.other++;
    return 0;
  }
}

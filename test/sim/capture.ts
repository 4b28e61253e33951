// Packet capture of the simulated internet: one record per datagram, written when it is
// delivered or dropped. Tests assert on these ("the path is direct": datagrams from leaf a
// to leaf b are delivered and never touch the root) and compare formatted logs to prove a
// run is deterministic.
import type { SocketId } from '../../src/node/host.js';
import { endpointKey } from './endpoint.js';
import type { InetAddress } from './endpoint.js';
import type { GatewayDropReason } from './nat.js';

/** Why the simulated network lost a datagram (distinct from the node's own DropReason). */
export type NetDropReason =
  | GatewayDropReason
  | 'loss' //               a lossy link dropped it (seeded)
  | 'ttl_expired' //        IP TTL ran out at a router (03 §12.1 TTL-2 junk)
  | 'no_route' //           nobody has that address in the sender's reach
  | 'no_hairpin' //         an inside host sent to its own NAT's public IP, hairpinning off
  | 'host_offline' //       sender or receiver is offline/detached
  | 'port_unreachable' //   the address exists but no socket is bound to that port
  | 'too_big'; //           larger than a UDP datagram can be

/** Where a datagram was seen: the endpoints as they looked inside one site. */
export interface WireHop {
  readonly site: string;
  readonly atMs: number;
  readonly src: InetAddress;
  readonly dst: InetAddress;
}

export interface CaptureRecord {
  /** Send order, from 1. */
  readonly seq: number;
  readonly sentMs: number;
  /** When it was delivered or dropped. */
  atMs: number;
  readonly fromHost: string;
  readonly fromSocket: SocketId;
  /** Source and destination as the sender's socket saw them. */
  readonly src: InetAddress;
  readonly dst: InetAddress;
  /** IP TTL the datagram was sent with. */
  readonly ttl: number;
  /** The payload exactly as sent (the capture's own copy). */
  readonly data: Uint8Array;
  outcome: 'in_flight' | 'delivered' | 'dropped';
  reason?: NetDropReason;
  /** Site, gateway, link or host name where it was dropped. */
  where?: string;
  toHost?: string;
  toSocket?: SocketId;
  /** The source address the receiver saw (after every NAT). */
  seenFrom?: InetAddress;
  /** Each site the datagram was routed through, in order. */
  readonly trace: WireHop[];
}

export type CaptureListener = (r: CaptureRecord) => void;

/** FNV-1a of the payload, for compact logs. */
function digest(data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of data) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** One line per record; equal logs mean equal runs. */
export function formatRecord(r: CaptureRecord): string {
  const head = `${r.atMs} #${r.seq} ${r.fromHost}/${r.fromSocket} ${endpointKey(r.src)} > ${endpointKey(r.dst)} len=${r.data.length} ttl=${r.ttl} h=${digest(r.data)}`;
  const via = r.trace.map((h) => `${h.site}:${endpointKey(h.src)}>${endpointKey(h.dst)}`).join(' ');
  const end =
    r.outcome === 'delivered'
      ? `delivered ${r.toHost}/${r.toSocket} from ${endpointKey(r.seenFrom!)}`
      : `${r.outcome} ${r.reason ?? ''} at ${r.where ?? '?'}`;
  return `${head} [${via}] ${end}`;
}

/** How a datagram looked inside `site` (e.g. 'internet'), or null if it never got there. */
export function seenIn(r: CaptureRecord, site: string): WireHop | null {
  return r.trace.find((h) => h.site === site) ?? null;
}

export interface CaptureFilter {
  fromHost?: string;
  toHost?: string;
  outcome?: CaptureRecord['outcome'];
  reason?: NetDropReason;
  /** Only datagrams of exactly this many bytes. */
  bytes?: number;
  sinceMs?: number;
}

export function filterCapture(records: readonly CaptureRecord[], f: CaptureFilter): CaptureRecord[] {
  return records.filter(
    (r) =>
      (f.fromHost === undefined || r.fromHost === f.fromHost) &&
      (f.toHost === undefined || r.toHost === f.toHost) &&
      (f.outcome === undefined || r.outcome === f.outcome) &&
      (f.reason === undefined || r.reason === f.reason) &&
      (f.bytes === undefined || r.data.length === f.bytes) &&
      (f.sinceMs === undefined || r.sentMs >= f.sinceMs),
  );
}

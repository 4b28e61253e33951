// Toy "nodes" for the sim's own tests: just enough behaviour to observe the network.
// PING datagrams (first byte 0x01) are answered with PONG (0x02, same tail) from the socket
// they arrived on; everything received is recorded.
import type { SocketId } from '../../src/node/host.js';
import { endpointKey } from './endpoint.js';
import type { InetAddress } from './endpoint.js';
import type { SimHost, SimNode } from './sim-host.js';

export const PING = 0x01;
export const PONG = 0x02;
/** A deadline far away: the toy has no background work. */
export const IDLE_MS = 1e12;

export interface Received {
  readonly atMs: number;
  readonly socket: SocketId;
  /** "ip/port" as the node saw it. */
  readonly from: string;
  readonly data: Uint8Array;
}

export class ToyNode implements SimNode {
  readonly received: Received[] = [];
  ticks: number[] = [];

  constructor(readonly host: SimHost) {}

  onDatagram(nowMs: number, socket: SocketId, from: InetAddress, data: Uint8Array): void {
    this.received.push({ atMs: nowMs, socket, from: endpointKey(from), data: data.slice() });
    if (data[0] === PING) {
      const reply = data.slice();
      reply[0] = PONG;
      this.host.send(socket, from, reply);
    }
  }

  tick(nowMs: number): number {
    this.ticks.push(nowMs);
    return nowMs + IDLE_MS;
  }

  /** Datagrams received from "ip/port" (or from any port of an IP when given only "ip"). */
  from(who: string): Received[] {
    return this.received.filter((r) => r.from === who || r.from.startsWith(who + '/'));
  }

  pongs(): Received[] {
    return this.received.filter((r) => r.data[0] === PONG);
  }
}

export function ping(tag = 0): Uint8Array {
  return Uint8Array.of(PING, tag);
}

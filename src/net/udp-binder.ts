// The UDP edge (06 §4): binds every eligible local address × every port, hands received
// datagrams to a callback with the receiving socket's id, and sends from one socket or, for
// ALL_SOCKETS (or a stale id), from every bound socket of the destination's family.
import dgram from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { ALL_SOCKETS, type SocketId } from '../node/host.js';
import { ipScope, IpScope } from '../node/ip-scope.js';
import { inetAddressToString, ipToString, parseIp, type InetAddress } from '../protocol/inet-address.js';

export interface BoundSocket {
  id: SocketId;
  local: InetAddress;
  socket: dgram.Socket;
}

export interface UdpBinderOptions {
  ports: number[];
  /** Exact IPs to bind (local.conf settings.bind, or --bind); otherwise interfaces are enumerated. */
  bind?: string[];
  /** Interface name prefixes never bound (06 §4.2 plus interfacePrefixBlacklist). */
  interfacePrefixBlacklist?: string[];
  onDatagram(socket: SocketId, from: InetAddress, data: Uint8Array): void;
  /** When set, datagrams to other destinations are refused (the test-safety net, see daemon.ts). */
  isDestinationAllowed?(to: InetAddress): boolean;
  onError?(e: Error, where: string): void;
}

const DEFAULT_BLACKLIST = ['lo', 'zt', 'tun', 'tap'];
const SOCKET_BUFFER_BYTES = 1 << 20;

/** Local addresses the binder would bind now (06 §4.2 rules). */
export function eligibleAddresses(opts: Pick<UdpBinderOptions, 'bind' | 'interfacePrefixBlacklist'>): string[] {
  if (opts.bind && opts.bind.length > 0) return [...opts.bind];
  const prefixes = [...DEFAULT_BLACKLIST, ...(opts.interfacePrefixBlacklist ?? [])];
  const out: string[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (prefixes.some((p) => name.startsWith(p))) continue;
    for (const a of addrs ?? []) {
      const ip = parseIp(a.address);
      if (!ip) continue;
      const s = ipScope({ ...ip, port: 0 });
      if (s === IpScope.PRIVATE || s === IpScope.PSEUDOPRIVATE || s === IpScope.SHARED || s === IpScope.GLOBAL) out.push(a.address);
    }
  }
  return out;
}

export class UdpBinder {
  private readonly opts: UdpBinderOptions;
  private readonly sockets = new Map<string, BoundSocket>();
  private nextId = 1;

  constructor(opts: UdpBinderOptions) {
    this.opts = opts;
  }

  bound(): BoundSocket[] {
    return [...this.sockets.values()];
  }

  /** Binds what is eligible and not bound yet; closes what vanished. Resolves when binds settle. */
  async refresh(): Promise<void> {
    const wanted = new Map<string, InetAddress>();
    for (const ipText of eligibleAddresses(this.opts)) {
      const ip = parseIp(ipText);
      if (!ip) continue;
      for (const port of this.opts.ports) {
        const local: InetAddress = { ...ip, port };
        wanted.set(inetAddressToString(local), local);
      }
    }
    for (const [k, b] of this.sockets) {
      if (!wanted.has(k)) {
        this.sockets.delete(k);
        b.socket.close();
      }
    }
    const pending: Array<Promise<void>> = [];
    for (const [k, local] of wanted) if (!this.sockets.has(k)) pending.push(this.bindOne(k, local));
    await Promise.all(pending);
  }

  private bindOne(key: string, local: InetAddress): Promise<void> {
    return new Promise((resolve) => {
      const socket = dgram.createSocket(local.family === 4 ? { type: 'udp4', reuseAddr: false } : { type: 'udp6', ipv6Only: true, reuseAddr: false });
      const id = this.nextId++;
      socket.on('message', (msg, rinfo) => {
        const ip = parseIp(rinfo.address.replace(/%.*$/, ''));
        if (!ip) return;
        this.opts.onDatagram(id, { ...ip, port: rinfo.port }, new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
      });
      socket.once('error', (e) => {
        this.opts.onError?.(e, `bind ${key}`);
        socket.close();
        resolve();
      });
      socket.bind({ address: ipToString(local), port: local.port, exclusive: true }, () => {
        socket.removeAllListeners('error');
        socket.on('error', (e) => this.opts.onError?.(e, `socket ${key}`));
        try {
          socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
          socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
        } catch (e) {
          this.opts.onError?.(e as Error, `buffer size ${key}`); // kernel limits; smaller buffers still work
        }
        this.sockets.set(key, { id, local, socket });
        resolve();
      });
    });
  }

  /** Sends a datagram; returns false when no bound socket fits. `data` is copied, so the caller may reuse it. */
  send(socketId: SocketId, to: InetAddress, data: Uint8Array, ttl?: number): boolean {
    if (this.opts.isDestinationAllowed && !this.opts.isDestinationAllowed(to)) return false;
    const targets: BoundSocket[] = [];
    if (socketId !== ALL_SOCKETS) {
      for (const b of this.sockets.values()) if (b.id === socketId) targets.push(b);
    }
    if (targets.length === 0) for (const b of this.sockets.values()) if (b.local.family === to.family) targets.push(b);
    if (targets.length === 0) return false;
    const host = ipToString(to);
    const buf = Buffer.from(data); // the node may reuse its buffer after send() returns
    for (const b of targets) {
      if (ttl !== undefined && to.family === 4) {
        b.socket.setTTL(ttl);
        b.socket.send(buf, to.port, host, () => b.socket.setTTL(255)); // 06 §4.4: back to 255 after a low-TTL probe
      } else {
        b.socket.send(buf, to.port, host);
      }
    }
    return true;
  }

  close(): void {
    for (const b of this.sockets.values()) b.socket.close();
    this.sockets.clear();
  }
}

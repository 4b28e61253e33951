// The UDP edge (06 §4): binds every eligible local address × every port, hands received
// datagrams to a callback with the receiving socket's id, and sends from one socket or, for
// ALL_SOCKETS (or a stale id), from every bound socket of the destination's family. A primary
// port taken by another socket is a PortInUseError, as zerotier-one fails start-up on it.
import dgram from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { ALL_SOCKETS, type SocketId } from '../util/socket-id.js';
import { ipScope, IpScope } from '../protocol/ip-scope.js';
import { inetAddressToString, ipToString, parseIp, type InetAddress } from '../protocol/inet-address.js';
import { errnoCode, PortInUseError } from '../util/errors.js';
import { loadUdpAddon } from './udp/native-udp.js';
import { cidrContains } from '../node/physical.js';
import type { IpPrefix } from './ip/prefix.js';
import { NativeUdpEndpoint } from './udp/native-endpoint.js';

/** The slice of dgram.Socket the binder uses (tests substitute a fake). */
export type UdpSocketLike = Pick<dgram.Socket, 'send' | 'setTTL' | 'bind' | 'close' | 'on' | 'once' | 'removeAllListeners' | 'setRecvBufferSize' | 'setSendBufferSize'>;

interface QueuedSend {
  buf: Buffer;
  port: number;
  host: string;
  ttl?: number;
}

export interface BoundSocket {
  id: SocketId;
  local: InetAddress;
  /** The dgram socket; with nativeUdp a stand-in whose send is never used (see `native`). */
  socket: UdpSocketLike;
  /** With nativeUdp: the native socket that does the I/O (batched, udp/native-endpoint.ts). */
  native?: NativeUdpEndpoint;
  /** Sends handed to the socket whose callbacks have not run yet. */
  inFlight: number;
  /** Sends held back while a low-TTL send is pending (see send()). */
  held: QueuedSend[];
  isLowTtlPending: boolean;
  onSent: () => void;
}

export interface UdpBinderOptions {
  /** ports[0] is the primary port: refresh() rejects when another socket holds it. */
  ports: number[];
  /** Exact IPs to bind (local.conf settings.bind, or --bind); otherwise interfaces are enumerated. */
  bind?: string[];
  /** Interface name prefixes never bound (06 §4.2 plus interfacePrefixBlacklist). */
  interfacePrefixBlacklist?: string[];
  /** local.conf physical networks with blacklist: true; their local addresses are never bound (06 §3.3). */
  physicalBlacklist?: IpPrefix[];
  onDatagram(socket: SocketId, from: InetAddress, data: Uint8Array): void;
  /** Creates the sockets (default dgram.createSocket; tests pass a fake). */
  createSocket?(family: 4 | 6): UdpSocketLike;
  /** When set, datagrams to other destinations are refused (the test-safety net, see daemon.ts). */
  isDestinationAllowed?(to: InetAddress): boolean;
  onError?(e: Error, where: string): void;
  /**
   * Use the native batched sockets (native/src/udp_socket.cc: recvmmsg, corked sendmmsg)
   * instead of node:dgram; same ports, addresses, errors and TTL behaviour. Needs the
   * ztkube_udp addon (loading throws otherwise). Ignored when createSocket is given.
   */
  nativeUdp?: boolean;
}

const DEFAULT_BLACKLIST = ['lo', 'zt', 'tun', 'tap'];
const SOCKET_BUFFER_BYTES = 1 << 20;

/** What decides which local addresses are bound; local.conf may change it at a reload. */
export type BinderPolicy = Pick<UdpBinderOptions, 'bind' | 'interfacePrefixBlacklist' | 'physicalBlacklist'>;

/** Local addresses the binder would bind now (06 §4.2 rules). */
export function eligibleAddresses(opts: BinderPolicy): string[] {
  if (opts.bind && opts.bind.length > 0) return [...opts.bind];
  const prefixes = [...DEFAULT_BLACKLIST, ...(opts.interfacePrefixBlacklist ?? [])];
  const blacklist = opts.physicalBlacklist ?? [];
  const out: string[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (prefixes.some((p) => name.startsWith(p))) continue;
    for (const a of addrs ?? []) {
      const ip = parseIp(a.address);
      if (!ip) continue;
      if (blacklist.some((n) => cidrContains(n, n.bits, { ...ip, port: 0 }))) continue;
      const s = ipScope({ ...ip, port: 0 });
      if (s === IpScope.PRIVATE || s === IpScope.PSEUDOPRIVATE || s === IpScope.SHARED || s === IpScope.GLOBAL) out.push(a.address);
    }
  }
  return out;
}

export class UdpBinder {
  private readonly opts: UdpBinderOptions;
  private policy: BinderPolicy;
  private readonly sockets = new Map<string, BoundSocket>();
  private nextId = 1;

  constructor(opts: UdpBinderOptions) {
    this.opts = opts;
    this.policy = { bind: opts.bind, interfacePrefixBlacklist: opts.interfacePrefixBlacklist, physicalBlacklist: opts.physicalBlacklist };
  }

  /** New binding rules (a local.conf reload); they take effect at the next refresh(). */
  setPolicy(policy: BinderPolicy): void {
    this.policy = { ...policy };
  }

  bound(): BoundSocket[] {
    return [...this.sockets.values()];
  }

  /**
   * Binds what is eligible and not bound yet; closes what vanished. Settles when every bind
   * has. Rejects with PortInUseError when the primary port (ports[0]) is taken on an address
   * (the other binds stay: the caller decides, and close() releases them); any other bind
   * failure goes to onError and the rest carry on.
   */
  async refresh(): Promise<void> {
    const wanted = new Map<string, InetAddress>();
    for (const ipText of eligibleAddresses(this.policy)) {
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
    const pending: Array<Promise<PortInUseError | null>> = [];
    for (const [k, local] of wanted) if (!this.sockets.has(k)) pending.push(this.bindOne(k, local));
    const busy = (await Promise.all(pending)).find((e) => e !== null);
    if (busy) throw busy;
  }

  /** Resolves with a PortInUseError when the primary port is taken there, otherwise null. */
  private bindOne(key: string, local: InetAddress): Promise<PortInUseError | null> {
    if (this.opts.nativeUdp && !this.opts.createSocket) return Promise.resolve(this.bindNative(key, local));
    return new Promise((resolve) => {
      const socket: UdpSocketLike = this.opts.createSocket
        ? this.opts.createSocket(local.family)
        : dgram.createSocket(local.family === 4 ? { type: 'udp4', reuseAddr: false } : { type: 'udp6', ipv6Only: true, reuseAddr: false });
      const id = this.nextId++;
      socket.on('message', (msg, rinfo) => {
        const ip = parseIp(rinfo.address.replace(/%.*$/, ''));
        if (!ip) return;
        this.opts.onDatagram(id, { ...ip, port: rinfo.port }, new Uint8Array(msg.buffer, msg.byteOffset, msg.length));
      });
      socket.once('error', (e) => {
        socket.close();
        if (errnoCode(e) === 'EADDRINUSE' && local.port === this.opts.ports[0]) {
          resolve(new PortInUseError(local.port, ipToString(local), { cause: e }));
          return;
        }
        this.opts.onError?.(e, `bind ${key}`);
        resolve(null);
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
        const b: BoundSocket = { id, local, socket, inFlight: 0, held: [], isLowTtlPending: false, onSent: () => undefined };
        b.onSent = () => {
          b.inFlight--;
          if (b.held.length > 0) this.pump(b);
        };
        this.sockets.set(key, b);
        resolve(null);
      });
    });
  }

  private bindNative(key: string, local: InetAddress): PortInUseError | null {
    const id = this.nextId++;
    let native: NativeUdpEndpoint;
    try {
      native = new NativeUdpEndpoint(
        loadUdpAddon(),
        local.family,
        ipToString(local),
        local.port,
        (from, data) => this.opts.onDatagram(id, from, data),
        (e) => this.opts.onError?.(e, `socket ${key}`),
      );
    } catch (e) {
      if (errnoCode(e) === 'EADDRINUSE' && local.port === this.opts.ports[0]) return new PortInUseError(local.port, ipToString(local), { cause: e });
      this.opts.onError?.(e as Error, `bind ${key}`);
      return null;
    }
    try {
      native.setBufferSizes();
    } catch (e) {
      this.opts.onError?.(e as Error, `buffer size ${key}`); // kernel limits; smaller buffers still work
    }
    native.startReading();
    const socket = { close: () => native.close() } as unknown as UdpSocketLike;
    this.sockets.set(key, { id, local, socket, native, inFlight: 0, held: [], isLowTtlPending: false, onSent: () => undefined });
    return null;
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
    const lowTtl = ttl !== undefined && to.family === 4 ? ttl : undefined; // IPv4 only, as 1.14.1
    if (targets[0].native) {
      // native sockets copy at once (corked: one sendmmsg per synchronous run), TTL inline
      for (const b of targets) b.native?.send(to, data, lowTtl);
      return true;
    }
    const host = ipToString(to);
    const buf = Buffer.from(data); // the node may reuse its buffer after send() returns
    for (const b of targets) {
      if (lowTtl === undefined && b.held.length === 0 && !b.isLowTtlPending) {
        b.inFlight++;
        b.socket.send(buf, to.port, host, b.onSent);
      } else {
        b.held.push({ buf, port: to.port, host, ttl: lowTtl });
        this.pump(b);
      }
    }
    return true;
  }

  /**
   * IP_TTL is a socket option, and dgram sends leave on a later tick: a low TTL set for one
   * datagram would also hit its neighbours. So a low-TTL send waits until everything before
   * it has left, goes alone, and the TTL is back at 255 before anything after it is sent
   * (06 §4.4; 1.14.1 does set/send/reset synchronously).
   */
  private pump(b: BoundSocket): void {
    while (b.held.length > 0 && !b.isLowTtlPending) {
      const it = b.held[0];
      if (it.ttl === undefined) {
        b.held.shift();
        b.inFlight++;
        b.socket.send(it.buf, it.port, it.host, b.onSent);
        continue;
      }
      if (b.inFlight > 0) return; // onSent calls back here when they are out
      b.held.shift();
      b.isLowTtlPending = true;
      b.socket.setTTL(it.ttl);
      b.inFlight++;
      b.socket.send(it.buf, it.port, it.host, () => {
        b.inFlight--;
        try {
          b.socket.setTTL(255);
        } catch (e) {
          this.opts.onError?.(e as Error, 'reset TTL'); // the socket closed meanwhile
        }
        b.isLowTtlPending = false;
        this.pump(b);
      });
    }
  }

  close(): void {
    for (const b of this.sockets.values()) b.socket.close();
    this.sockets.clear();
  }
}

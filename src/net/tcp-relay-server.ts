// The TCP relay (06 §9.3), what 1.14.1's tcp-proxy does: nodes whose UDP is blocked connect
// over TCP; each client gets its own UDP socket, its framed packets leave from that socket
// for the address they name, and UDP answers to that socket go back to it framed with
// their source. The relay never decrypts anything: it only moves datagrams.
//
//   node ──TCP 443── relay ──UDP from 0.0.0.0:<1024…>── root / peers
//
// Per client: a HELLO (L = 4) marks a "new" client, whose records carry an address. An old
// client (no HELLO) has every record sent to 127.0.0.1:9993, as tcp-proxy does.
import net from 'node:net';
import dgram from 'node:dgram';
import type winston from 'winston';
import { inetAddressToString, ipToString, parseIp, type InetAddress } from '../protocol/inet-address.js';
import { encodeIpv4Record, IPV4_PREFIX_BYTES, ipv4RecordSize, RECORD_HEADER_BYTES, RelayRecordDecoder, writeRecordHeader } from '../protocol/tcp-relay-framing.js';
import { errnoCode, ZtkubeError } from '../util/errors.js';

/** tcp-proxy closes a client after this long without a byte either way. */
export const RELAY_IDLE_TIMEOUT_MS = 300_000;
/** ...checked this often. */
export const RELAY_HOUSEKEEPING_INTERVAL_MS = 120_000;
/** tcp-proxy's per-client write buffer: UDP answers that do not fit are dropped. */
export const RELAY_WRITE_BUFFER_BYTES = 128 * 1024;
/** UDP datagrams relayed to a client: at least a ZeroTier header, less than 2048 bytes. */
const MIN_PACKET_BYTES = 16;
const MAX_UDP_IN_BYTES = 2048;
/** Destinations at or below this port are never relayed to (tcp-proxy's abuse rule). */
const MAX_PRIVILEGED_PORT = 1024;
const FIRST_UDP_PORT = 1024;
const LAST_UDP_PORT = 0xfffe;
const OLD_CLIENT_DESTINATION: InetAddress = { family: 4, ip: Uint8Array.of(127, 0, 0, 1), port: 9993 };
/** Refused destinations logged, at most (a hostile client must not fill the memory). */
const MAX_REFUSALS_LOGGED = 64;

export interface TcpRelayServerOptions {
  /** Where to listen (tcp-proxy: 0.0.0.0:443). */
  listen: InetAddress;
  log: winston.Logger;
  /** The safety policy: datagrams to other destinations are dropped (logged once each). */
  isDestinationAllowed?(to: InetAddress): boolean;
  nowMs?(): number;
}

export interface RelayCounters {
  clientsTotal: number;
  forwardedTotal: number;
  returnedTotal: number;
  droppedWriteBufferFullTotal: number;
  droppedRefusedTotal: number;
  protocolErrorsTotal: number;
}

interface Client {
  id: number;
  tcp: net.Socket;
  udp: dgram.Socket | null;
  decoder: RelayRecordDecoder;
  isNewVersion: boolean;
  lastActivityMs: number;
  isClosed: boolean;
}

export class TcpRelayServer {
  readonly counters: RelayCounters = { clientsTotal: 0, forwardedTotal: 0, returnedTotal: 0, droppedWriteBufferFullTotal: 0, droppedRefusedTotal: 0, protocolErrorsTotal: 0 };
  private readonly opts: TcpRelayServerOptions;
  private readonly server: net.Server;
  private readonly clients = new Set<Client>();
  private readonly refusalsLogged = new Set<string>();
  private udpPortCounter = FIRST_UDP_PORT - 1;
  private nextClientId = 1;
  private housekeeping: NodeJS.Timeout | null = null;

  constructor(opts: TcpRelayServerOptions) {
    this.opts = opts;
    // Paused until the client's UDP socket is bound, so no record arrives before it can leave.
    this.server = net.createServer({ pauseOnConnect: true, noDelay: true }, (s) => this.accept(s));
  }

  /** Listens; rejects with one sentence when the address is taken or not allowed. */
  async start(): Promise<void> {
    const { listen } = this.opts;
    const where = `${ipToString(listen)} port ${listen.port}`;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (e) => {
        const code = errnoCode(e);
        if (code === 'EADDRINUSE') reject(new ZtkubeError('port_in_use', `TCP ${where} is already in use (EADDRINUSE): stop what listens there or give another --listen`, { cause: e }));
        else if (code === 'EACCES') reject(new ZtkubeError('permission_denied', `listening on TCP ${where} needs root or CAP_NET_BIND_SERVICE (EACCES): run it so or give --listen a port above 1023`, { cause: e }));
        else if (code === 'EADDRNOTAVAIL') reject(new ZtkubeError('address_not_available', `cannot listen on TCP ${where}: no local interface has that address (EADDRNOTAVAIL)`, { cause: e }));
        else reject(new ZtkubeError('listen_failed', `cannot listen on TCP ${where}: ${(e as Error).message}`, { cause: e }));
      });
      this.server.listen({ host: ipToString(listen), port: listen.port, exclusive: true }, () => resolve());
    });
    this.server.on('error', (e) => this.opts.log.error('relay listener error', { error: e.message }));
    this.housekeeping = setInterval(() => this.closeIdle(), RELAY_HOUSEKEEPING_INTERVAL_MS);
    this.opts.log.info('tcp relay listening', { listen: inetAddressToString(this.address()) });
  }

  /** The bound address (the port is known after start even when 0 was asked). */
  address(): InetAddress {
    const a = this.server.address();
    if (a === null || typeof a === 'string') return this.opts.listen;
    const ip = parseIp(a.address);
    return ip ? { ...ip, port: a.port } : this.opts.listen;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async stop(): Promise<void> {
    if (this.housekeeping) clearInterval(this.housekeeping);
    this.housekeeping = null;
    for (const c of [...this.clients]) this.closeClient(c, 'relay stopping');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private now(): number {
    return this.opts.nowMs?.() ?? Date.now();
  }

  private accept(tcp: net.Socket): void {
    const c: Client = { id: this.nextClientId++, tcp, udp: null, decoder: new RelayRecordDecoder(), isNewVersion: false, lastActivityMs: this.now(), isClosed: false };
    this.clients.add(c);
    this.counters.clientsTotal++;
    const peer = `${tcp.remoteAddress}:${tcp.remotePort}`;
    tcp.on('error', (e) => this.closeClient(c, `tcp error: ${e.message}`));
    tcp.on('close', () => this.closeClient(c, 'client closed'));
    tcp.on('data', (chunk: Buffer) => this.onTcpData(c, chunk));
    this.bindUdp(c)
      .then((udp) => {
        if (c.isClosed) {
          udp.close();
          return;
        }
        c.udp = udp;
        this.opts.log.info('relay client connected', { client: c.id, from: peer, udpPort: udp.address().port });
        tcp.resume();
      })
      .catch((e: Error) => {
        this.opts.log.warn('relay client rejected: no UDP port free', { from: peer, error: e.message });
        this.closeClient(c, 'no UDP port');
      });
  }

  /** A UDP socket on 0.0.0.0 at the next free port of the counter (1024…65534, wrapping). */
  private async bindUdp(c: Client): Promise<dgram.Socket> {
    for (let i = 0; i < LAST_UDP_PORT - FIRST_UDP_PORT + 1; i++) {
      this.udpPortCounter = this.udpPortCounter >= LAST_UDP_PORT ? FIRST_UDP_PORT : this.udpPortCounter + 1;
      const udp = dgram.createSocket({ type: 'udp4', reuseAddr: false });
      const bound = await new Promise<boolean>((resolve) => {
        udp.once('error', () => resolve(false));
        udp.bind({ address: '0.0.0.0', port: this.udpPortCounter, exclusive: true }, () => resolve(true));
      });
      if (bound) {
        udp.removeAllListeners('error');
        udp.on('error', (e) => this.opts.log.debug('relay udp error', { client: c.id, error: e.message }));
        udp.on('message', (msg, rinfo) => this.onUdp(c, msg, rinfo));
        return udp;
      }
      udp.close();
    }
    throw new Error('every UDP port from 1024 to 65534 is taken');
  }

  private onTcpData(c: Client, chunk: Buffer): void {
    if (c.isClosed) return;
    c.lastActivityMs = this.now();
    try {
      c.decoder.push(chunk, (payload) => this.onRecord(c, payload));
    } catch (e) {
      this.counters.protocolErrorsTotal++;
      this.closeClient(c, `protocol error: ${(e as Error).message}`);
    }
  }

  private onRecord(c: Client, payload: Uint8Array): void {
    if (payload.length === 4) {
      c.isNewVersion = true; // a HELLO: this client names destinations
      return;
    }
    if (payload.length < IPV4_PREFIX_BYTES) return;
    let to: InetAddress;
    let packet: Uint8Array;
    if (!c.isNewVersion) {
      to = OLD_CLIENT_DESTINATION;
      packet = payload;
    } else if (payload[0] === 4) {
      to = { family: 4, ip: payload.slice(1, 5), port: (payload[5] << 8) | payload[6] };
      packet = payload.subarray(IPV4_PREFIX_BYTES);
    } else {
      return; // tcp-proxy only relays IPv4 destinations
    }
    if (to.port <= MAX_PRIVILEGED_PORT || packet.length < MIN_PACKET_BYTES || !c.udp) return;
    if (this.opts.isDestinationAllowed && !this.opts.isDestinationAllowed(to)) {
      this.counters.droppedRefusedTotal++;
      const key = inetAddressToString(to);
      if (this.refusalsLogged.size < MAX_REFUSALS_LOGGED && !this.refusalsLogged.has(key)) {
        this.refusalsLogged.add(key);
        this.opts.log.warn('relay destination refused by the safety policy', { client: c.id, to: key });
      }
      return;
    }
    c.udp.send(Buffer.from(packet), to.port, ipToString(to));
    this.counters.forwardedTotal++;
  }

  private onUdp(c: Client, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (c.isClosed || rinfo.family !== 'IPv4' || msg.length < MIN_PACKET_BYTES || msg.length >= MAX_UDP_IN_BYTES) return;
    c.lastActivityMs = this.now();
    const size = c.isNewVersion ? ipv4RecordSize(msg.length) : RECORD_HEADER_BYTES + msg.length;
    if (c.tcp.writableLength + size > RELAY_WRITE_BUFFER_BYTES) {
      this.counters.droppedWriteBufferFullTotal++;
      return;
    }
    const ip = parseIp(rinfo.address);
    if (!ip) return;
    const record = Buffer.allocUnsafe(size);
    if (c.isNewVersion) encodeIpv4Record({ ...ip, port: rinfo.port }, msg, record, 0);
    else {
      record.set(msg, writeRecordHeader(msg.length, record, 0));
    }
    c.tcp.write(record);
    this.counters.returnedTotal++;
  }

  /** Closes the clients idle for RELAY_IDLE_TIMEOUT_MS (run every RELAY_HOUSEKEEPING_INTERVAL_MS). */
  closeIdle(): void {
    const now = this.now();
    for (const c of [...this.clients]) if (now - c.lastActivityMs >= RELAY_IDLE_TIMEOUT_MS) this.closeClient(c, 'idle');
  }

  private closeClient(c: Client, reason: string): void {
    if (c.isClosed) return;
    c.isClosed = true;
    this.clients.delete(c);
    c.tcp.destroy();
    c.udp?.close();
    this.opts.log.info('relay client closed', { client: c.id, reason });
  }
}

// The node's tunnel and `ztkube tcp-relay`'s server over real loopback sockets (06 §9): a
// packet goes out framed, leaves the relay as UDP from the client's own port, and the answer
// comes back with its source; the relay's forwarding rules; hostile streams close the
// connection on either side without an exception reaching the caller.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import winston from 'winston';
import Transport from 'winston-transport';
import { TcpRelayServer } from '../../../src/net/tcp-relay-server.js';
import { TcpRelayTunnel, type TunnelCloseReason } from '../../../src/net/tcp-relay-tunnel.js';
import { encodeHello, encodeIpv4Record, ipv4RecordSize, RelayRecordDecoder } from '../../../src/protocol/tcp-relay-framing.js';
import { inet4, inetAddressToString, type InetAddress } from '../../../src/protocol/inet-address.js';
import { waitFor } from '../../helpers/netns.js';

class Capture extends Transport {
  lines: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push(info);
    next();
  }
}
const cap = new Capture();
const log = winston.createLogger({ level: 'debug', levels: { error: 0, warn: 1, info: 2, debug: 3 }, transports: [cap] });
const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const LOOPBACK = (port: number): InetAddress => inet4(127, 0, 0, 1, port);
const packetOf = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

async function relay(opts: Partial<ConstructorParameters<typeof TcpRelayServer>[0]> = {}): Promise<TcpRelayServer> {
  const r = new TcpRelayServer({ listen: LOOPBACK(0), log, ...opts });
  await r.start();
  cleanups.push(() => r.stop());
  return r;
}

async function udpPeer(): Promise<{ socket: dgram.Socket; addr: InetAddress; got: Array<{ data: Buffer; from: string }> }> {
  const socket = dgram.createSocket('udp4');
  const got: Array<{ data: Buffer; from: string }> = [];
  socket.on('message', (data, r) => got.push({ data, from: `${r.address}/${r.port}` }));
  await new Promise<void>((res) => socket.bind(0, '127.0.0.1', () => res()));
  cleanups.push(() => socket.close());
  return { socket, addr: LOOPBACK(socket.address().port), got };
}

function tunnel(to: InetAddress): { t: TcpRelayTunnel; packets: Array<{ from: string; data: string }>; closed: TunnelCloseReason[]; opened: Promise<void> } {
  const packets: Array<{ from: string; data: string }> = [];
  const closed: TunnelCloseReason[] = [];
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const t = new TcpRelayTunnel({
    relay: to,
    onPacket: (from, p) => packets.push({ from: inetAddressToString(from), data: Buffer.from(p).toString('hex') }),
    onOpen: () => open(),
    onClose: (_t, reason) => closed.push(reason),
  });
  cleanups.push(() => t.close('stopped'));
  return { t, packets, closed, opened };
}

test('a packet goes through the relay as UDP and the answer comes back with its source', async () => {
  const r = await relay();
  const peer = await udpPeer();
  const n = tunnel(r.address());
  await n.opened;
  assert.equal(n.t.send(peer.addr, packetOf(40, 1)), true);
  const first = await waitFor('the peer to receive the relayed packet', () => peer.got[0], 5_000, 20);
  assert.deepEqual([...first.data], [...packetOf(40, 1)]);
  assert.match(first.from, /^127\.0\.0\.1\/\d+$/);
  assert.ok(Number(first.from.split('/')[1]) >= 1024, 'the relay sends from its counter ports (1024 and up)');
  peer.socket.send(packetOf(30, 2), Number(first.from.split('/')[1]), '127.0.0.1');
  const back = await waitFor('the answer through the tunnel', () => n.packets[0], 5_000, 20);
  assert.deepEqual(back, { from: inetAddressToString(peer.addr), data: Buffer.from(packetOf(30, 2)).toString('hex') });
  // The same client keeps its UDP port: a second packet leaves from the same one.
  n.t.send(peer.addr, packetOf(20, 3));
  const second = await waitFor('the second packet', () => peer.got[1], 5_000, 20);
  assert.equal(second.from, first.from);
  assert.equal(r.counters.forwardedTotal, 2);
  assert.equal(r.counters.returnedTotal, 1);
});

test('the relay drops what tcp-proxy drops: ports up to 1024, packets under 16 bytes, refused destinations', async () => {
  const peer = await udpPeer();
  const r = await relay({ isDestinationAllowed: (to) => to.port === peer.addr.port });
  const other = await udpPeer();
  const n = tunnel(r.address());
  await n.opened;
  n.t.send(inet4(127, 0, 0, 1, 1024), packetOf(40, 1));
  n.t.send(peer.addr, packetOf(15, 1));
  n.t.send(other.addr, packetOf(40, 1));
  n.t.send(other.addr, packetOf(40, 1));
  n.t.send(peer.addr, packetOf(16, 9));
  const got = await waitFor('the one allowed packet', () => peer.got[0], 5_000, 20);
  assert.equal(got.data.length, 16);
  assert.equal(other.got.length, 0);
  assert.equal(r.counters.droppedRefusedTotal, 2);
  const refusals = cap.lines.filter((l) => l.message === 'relay destination refused by the safety policy' && l.to === inetAddressToString(other.addr));
  assert.equal(refusals.length, 1, 'a refused destination is logged once');
});

test('a client that does not speak the framing is disconnected and counted', async () => {
  const r = await relay();
  const s = net.connect(r.address().port, '127.0.0.1');
  cleanups.push(() => s.destroy());
  const closed = new Promise<void>((res) => s.on('close', () => res()));
  s.on('error', () => undefined); // the reset is the expected end
  s.write('GET / HTTP/1.1\r\n\r\n');
  await closed;
  assert.equal(r.counters.protocolErrorsTotal, 1);
  await waitFor('the relay to forget the client', () => r.clientCount === 0, 2_000, 20);
});

test('the relay closes clients idle for 300 s', async () => {
  let now = 1_000_000;
  const r = await relay({ nowMs: () => now });
  const n = tunnel(r.address());
  await n.opened;
  await waitFor('the relay to have the client', () => r.clientCount === 1, 2_000, 20);
  now += 299_000;
  r.closeIdle();
  assert.equal(r.clientCount, 1);
  now += 1_000;
  r.closeIdle();
  assert.equal(r.clientCount, 0);
  await waitFor('the node to see the close', () => n.closed[0], 2_000, 20);
  assert.deepEqual(n.closed, ['closed by relay']);
});

test('the node sends HELLO first and closes on a relay that sends garbage or an unknown address type', async () => {
  for (const reply of [Uint8Array.of(0x16, 3, 1, 0, 5, 1, 2, 3, 4, 5), Uint8Array.of(0x17, 3, 3, 0, 3, 9, 1, 2)]) {
    const first: Buffer[] = [];
    const server = net.createServer((s) => {
      s.once('data', (d) => {
        first.push(d);
        s.write(reply);
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    cleanups.push(() => new Promise((res) => server.close(res)));
    const n = tunnel(LOOPBACK((server.address() as net.AddressInfo).port));
    await n.opened;
    await waitFor('the tunnel to close', () => n.closed[0], 5_000, 20);
    assert.deepEqual(n.closed, ['protocol error']);
    assert.equal(first[0].subarray(0, 9).toString('hex'), Buffer.from(encodeHello(1, 14, 1)).toString('hex'));
    assert.equal(n.t.isOpen, false);
    assert.equal(n.t.send(LOOPBACK(9993), packetOf(20, 1)), false);
  }
});

test('a packet without a source (the 0x00 form) is dropped and counted; IPv6 sources are accepted', async () => {
  const server = net.createServer((s) => {
    s.once('data', () => {
      s.write(Uint8Array.of(0x17, 3, 3, 0, 17, 0, ...packetOf(16, 1)));
      s.write(Uint8Array.of(0x17, 3, 3, 0, 35, 6, ...new Array(15).fill(0), 1, 0x27, 0x09, ...packetOf(16, 2)));
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  cleanups.push(() => new Promise((res) => server.close(res)));
  const n = tunnel(LOOPBACK((server.address() as net.AddressInfo).port));
  await n.opened;
  n.t.send(LOOPBACK(9993), packetOf(20, 1));
  await waitFor('the IPv6-sourced packet', () => n.packets[0], 5_000, 20);
  assert.equal(n.packets[0].from, '::1/9993');
  assert.equal(n.t.counters.droppedNoSourceTotal, 1);
});

test('a relay that stops reading: at most 64 KiB wait in the node, later packets are dropped and counted', async () => {
  const accepted: net.Socket[] = [];
  const server = net.createServer((s) => {
    s.pause(); // never reads: the kernel buffers fill, then the node's queue
    s.on('error', () => undefined);
    accepted.push(s);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  cleanups.push(() => new Promise((res) => server.close(res)));
  cleanups.push(() => accepted.forEach((s) => s.destroy())); // a paused socket never sees the close
  const n = tunnel(LOOPBACK((server.address() as net.AddressInfo).port));
  await n.opened;
  let queued = 0;
  for (let i = 0; i < 20_000 && n.t.counters.droppedQueueFullTotal === 0; i++) if (n.t.send(LOOPBACK(9993), packetOf(1400, 1))) queued++;
  assert.ok(n.t.counters.droppedQueueFullTotal > 0, `the queue filled after ${queued} packets`);
  assert.equal(n.t.send(LOOPBACK(9993), packetOf(1400, 1)), false, 'still full: dropped');
  assert.equal(n.t.counters.sentTotal, queued);
});

test('a relay that does not answer is a failed connect', async () => {
  const server = net.createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((res) => server.close(res));
  const n = tunnel(LOOPBACK(port));
  await waitFor('the close', () => n.closed[0], 5_000, 20);
  assert.deepEqual(n.closed, ['connect failed']);
});

test('records the node writes decode to destination and packet', () => {
  const to = inet4(192, 88, 99, 1, 9993);
  const buf = new Uint8Array(ipv4RecordSize(20));
  encodeIpv4Record(to, packetOf(20, 4), buf, 0);
  const got: string[] = [];
  new RelayRecordDecoder().push(buf, (p) => got.push(Buffer.from(p).toString('hex')));
  assert.deepEqual(got, ['04' + 'c0586301' + '2709' + '04'.repeat(20)]);
});

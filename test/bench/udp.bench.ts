// UDP over loopback on one Node thread (issue #8): node:dgram (what src/net/udp-binder.ts
// uses) against the native batched socket (src/net/udp/native-udp.ts: recvmmsg into a slab,
// sendmmsg), single sends and batches of 64. Sender and receiver share this thread, so "CPU
// per datagram" is send + receive, kernel included (process.cpuUsage). 1400-byte datagrams:
// a 2800-byte frame is two of them. Prints; asserts nothing. Loopback drops what the
// receiver cannot keep up with, so received/s is the figure that counts.
import dgram from 'node:dgram';
import { setImmediate as tick } from 'node:timers/promises';
import { findUdpAddon, loadUdpAddon, UDP_ADDR_BYTES, encodeUdpAddress } from '../../src/net/udp/native-udp.js';
import { UdpBinder } from '../../src/net/udp-binder.js';
import { ALL_SOCKETS } from '../../src/util/socket-id.js';

const BYTES = 1400;
const BURST = 64;
const DURATION_MS = Number(process.env.ZTKUBE_BENCH_UDP_MS ?? '1500');
const BUF = 4 << 20;

interface Result {
  sent: number;
  received: number;
  seconds: number;
  cpuUs: number;
}

function report(name: string, r: Result): void {
  console.log(
    `bench udp ${name}: ${(r.received / r.seconds).toFixed(0)} datagrams/s received (${(r.sent / r.seconds).toFixed(0)} sent), ` +
      `${(r.cpuUs / Math.max(1, r.received)).toFixed(2)} us CPU per received datagram (${(r.cpuUs / Math.max(1, r.sent)).toFixed(2)} per sent)`,
  );
}

/** Runs bursts until DURATION_MS has passed; `burst` sends BURST datagrams, returns how many left. */
async function drive(burst: () => number, received: () => number, settle: () => Promise<void>): Promise<Result> {
  for (let i = 0; i < 20; i++) {
    burst();
    await tick();
  }
  await settle();
  const r0 = received();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let sent = 0;
  const end = t0 + BigInt(DURATION_MS) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    sent += burst();
    await tick(); // the poll phase runs: the receiver reads, send callbacks run
  }
  await settle();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { sent, received: received() - r0, seconds, cpuUs: c.user + c.system };
}

async function withDgram(): Promise<Result> {
  const rx = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  const tx = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  await new Promise<void>((resolve) => rx.bind({ address: '127.0.0.1', port: 0, exclusive: true }, resolve));
  await new Promise<void>((resolve) => tx.bind({ address: '127.0.0.1', port: 0, exclusive: true }, resolve));
  for (const s of [rx, tx]) {
    s.setRecvBufferSize(BUF);
    s.setSendBufferSize(BUF);
  }
  let received = 0;
  let inFlight = 0;
  // as the binder does: a Uint8Array view of each message, handed on
  let sink = 0;
  rx.on('message', (msg, rinfo) => {
    received++;
    sink += new Uint8Array(msg.buffer, msg.byteOffset, msg.length)[0] + rinfo.port;
  });
  const port = rx.address().port;
  const data = Buffer.alloc(BYTES, 7);
  const done = (): void => void inFlight--;
  const r = await drive(
    () => {
      if (inFlight > 4 * BURST) return 0;
      for (let i = 0; i < BURST; i++) {
        inFlight++;
        tx.send(Buffer.from(data), port, '127.0.0.1', done); // the binder copies each datagram
      }
      return BURST;
    },
    () => received,
    async () => {
      for (let i = 0; i < 50 && inFlight > 0; i++) await tick();
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
  );
  rx.close();
  tx.close();
  return sink >= 0 ? r : r;
}

async function withNative(batched: boolean): Promise<Result> {
  const u = loadUdpAddon();
  const slot = 2048;
  const slab = new ArrayBuffer(BURST * slot);
  const lengths = new Uint32Array(BURST);
  const addrs = new Uint8Array(BURST * UDP_ADDR_BYTES);
  let received = 0;
  let sink = 0;
  const view = new Uint8Array(slab);
  const rx = u.open(4, '127.0.0.1', 0, BURST, slot, slab, lengths, addrs, (count) => {
    received += count;
    for (let i = 0; i < count; i++) sink += view[i * slot] + addrs[i * UDP_ADDR_BYTES + 3];
  });
  const tx = u.open(4, '127.0.0.1', 0, 1, 64, new ArrayBuffer(64), new Uint32Array(1), new Uint8Array(UDP_ADDR_BYTES), () => undefined);
  u.setBufferSizes(rx, BUF, BUF);
  u.setBufferSizes(tx, BUF, BUF);
  u.setReading(rx, true);
  const out = new Uint8Array(BURST * BYTES).fill(7);
  const offsets = new Uint32Array(BURST), lens = new Uint32Array(BURST).fill(BYTES);
  const dests = new Uint8Array(BURST * UDP_ADDR_BYTES);
  const to = { family: 4 as const, ip: Uint8Array.of(127, 0, 0, 1), port: rx.port };
  for (let i = 0; i < BURST; i++) {
    offsets[i] = i * BYTES;
    encodeUdpAddress(to, dests, i * UDP_ADDR_BYTES);
  }
  const one = dests.subarray(0, UDP_ADDR_BYTES);
  const r = await drive(
    () => {
      if (batched) return u.sendBatch(tx, out, offsets, lens, dests, BURST);
      let n = 0;
      for (let i = 0; i < BURST; i++) if (u.send(tx, out.subarray(i * BYTES, (i + 1) * BYTES), one)) n++;
      return n;
    },
    () => received,
    () => new Promise((resolve) => setTimeout(resolve, 20)),
  );
  u.close(rx);
  u.close(tx);
  return sink >= 0 ? r : r;
}

/** Through UdpBinder (what the daemon uses): binder → binder, dgram or nativeUdp. */
async function withBinder(nativeUdp: boolean): Promise<Result> {
  let received = 0;
  let sink = 0;
  const rx = new UdpBinder({ ports: [0], bind: ['127.0.0.1'], nativeUdp, onDatagram: (_s, from, data) => { received++; sink += data[0] + from.port; } });
  const tx = new UdpBinder({ ports: [0], bind: ['127.0.0.1'], nativeUdp, onDatagram: () => undefined });
  await rx.refresh();
  await tx.refresh();
  const b = rx.bound()[0];
  const port = b.native ? b.native.handle.port : (b.socket as unknown as dgram.Socket).address().port;
  const to = { family: 4 as const, ip: Uint8Array.of(127, 0, 0, 1), port };
  const data = new Uint8Array(BYTES).fill(7);
  const txb = tx.bound()[0];
  const r = await drive(
    () => {
      if (txb.inFlight > 4 * BURST) return 0;
      for (let i = 0; i < BURST; i++) tx.send(ALL_SOCKETS, to, data);
      return BURST;
    },
    () => received,
    async () => {
      for (let i = 0; i < 50 && txb.inFlight > 0; i++) await tick();
      await new Promise((resolve) => setTimeout(resolve, 20));
    },
  );
  rx.close();
  tx.close();
  return sink >= 0 ? r : r;
}

export async function run(): Promise<void> {
  report(`dgram send+receive ${BYTES}B`, await withDgram());
  if (!findUdpAddon()) {
    console.log('bench udp native: skipped (addon not built)');
    return;
  }
  report(`native single send + batched receive ${BYTES}B`, await withNative(false));
  report(`native sendmmsg ${BURST} + batched receive ${BYTES}B`, await withNative(true));
  report(`UdpBinder dgram → UdpBinder dgram ${BYTES}B`, await withBinder(false));
  report(`UdpBinder nativeUdp → UdpBinder nativeUdp ${BYTES}B (corked sendmmsg, recvmmsg)`, await withBinder(true));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}

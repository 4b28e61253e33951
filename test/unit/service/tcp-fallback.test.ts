// The daemon's fallback edge with a made-up clock and tunnel: what reaches UDP and the
// tunnel, one connect at a time, a new tunnel replacing the old, closing once UDP is back,
// and the safety policy keeping the daemon away from a relay it may not reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import winston from 'winston';
import Transport from 'winston-transport';
import { TcpFallback } from '../../../src/service/tcp-fallback.js';
import type { TcpRelayTunnel, TunnelCloseReason } from '../../../src/net/tcp-relay-tunnel.js';
import { inet4, parseInetAddress, type InetAddress } from '../../../src/protocol/inet-address.js';
import type { Clock } from '../../../src/service/clock.js';
import { isTestDestination } from '../../../src/service/safety.js';

class Capture extends Transport {
  lines: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, next: () => void): void {
    this.lines.push(info);
    next();
  }
}

class FakeTunnel {
  sent: string[] = [];
  closedWith: TunnelCloseReason | null = null;
  constructor(
    readonly relay: InetAddress,
    readonly h: { onOpen(t: TcpRelayTunnel): void; onClose(t: TcpRelayTunnel, r: TunnelCloseReason): void },
  ) {}
  readonly counters = { sentTotal: 0, receivedTotal: 0, droppedQueueFullTotal: 0, droppedNoSourceTotal: 0 };
  send(to: InetAddress, p: Uint8Array): boolean {
    this.sent.push(`${to.ip.join('.')}:${p.length}`);
    return true;
  }
  open(): void {
    this.h.onOpen(this as unknown as TcpRelayTunnel);
  }
  close(reason: TunnelCloseReason): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    this.h.onClose(this as unknown as TcpRelayTunnel, reason);
  }
}

const ROOT = inet4(192, 88, 99, 1, 9993);
const PUBLIC_RELAY = parseInetAddress('204.80.128.1/443')!;
const LAB_RELAY = parseInetAddress('192.88.99.2/443')!;

function setup(relay: InetAddress, isForced = false) {
  let now = 5_000_000;
  const clock: Clock = { now: () => now, setTimer: () => 1, clearTimer: () => undefined };
  const cap = new Capture();
  const log = winston.createLogger({ level: 'debug', levels: { error: 0, warn: 1, info: 2, debug: 3 }, transports: [cap] });
  const tunnels: FakeTunnel[] = [];
  const udp: string[] = [];
  const fb = new TcpFallback({
    isAllowed: true,
    isForced,
    relay,
    clock,
    log,
    sendUdp: (_s, to, d) => udp.push(`${to.ip.join('.')}:${d.length}`) > 0,
    onTunnelPacket: () => undefined,
    isDestinationAllowed: isTestDestination,
    openTunnel: (r, h) => {
      const t = new FakeTunnel(r, h);
      tunnels.push(t);
      return t as unknown as TcpRelayTunnel;
    },
  });
  fb.start();
  return { fb, tunnels, udp, cap, advance: (ms: number) => (now += ms), now: () => now };
}

const P = new Uint8Array(64);

test('blocked UDP: after 60 s a second send connects, the open tunnel carries packets, UDP keeps going', () => {
  const s = setup(LAB_RELAY);
  s.advance(61_000);
  s.fb.send(1, ROOT, P);
  s.advance(5_000);
  s.fb.send(1, ROOT, P);
  s.fb.send(1, ROOT, P);
  assert.equal(s.tunnels.length, 1, 'one connect in flight at a time');
  assert.equal(s.fb.isActive, false);
  s.tunnels[0].open();
  assert.equal(s.fb.isActive, true);
  s.fb.send(1, ROOT, P);
  assert.deepEqual(s.tunnels[0].sent, ['192.88.99.1:64']);
  assert.equal(s.udp.length, 4, 'every packet also went over UDP');
  assert.deepEqual(s.fb.bytes, { bytesInTotal: 0, bytesOutTotal: 64 }, 'only the tunnelled packet counts as TCP bytes');
  assert.ok(s.cap.lines.some((l) => l.level === 'warn' && String(l.message).startsWith('tcp relay tunnel open')));
});

test('a newly connected tunnel replaces the old; UDP received again closes it at the next check', () => {
  const s = setup(LAB_RELAY, true);
  s.fb.send(1, ROOT, P);
  s.tunnels[0].open();
  s.fb.configure({ isAllowed: true, isForced: false, relay: LAB_RELAY });
  s.advance(61_000);
  s.tunnels[0].close('closed by relay');
  assert.equal(s.fb.isActive, false);
  s.fb.send(1, ROOT, P);
  s.advance(3_000);
  s.fb.send(1, ROOT, P);
  s.tunnels[1].open();
  s.fb.send(1, ROOT, P);
  s.advance(3_000);
  s.fb.send(1, ROOT, P);
  s.fb.send(1, ROOT, P);
  assert.equal(s.tunnels.length, 2);
  assert.equal(s.fb.onUdpDatagram(ROOT, P), true);
  s.fb.check();
  assert.equal(s.tunnels[1].closedWith, 'udp works again');
  assert.equal(s.fb.isActive, false);
  assert.ok(s.cap.lines.some((l) => l.message === 'tcp relay tunnel closed' && l.reason === 'udp works again'));
});

test('forced: no UDP out, UDP in ignored, the tunnel stays with UDP around', () => {
  const s = setup(LAB_RELAY, true);
  s.fb.send(1, ROOT, P);
  assert.equal(s.udp.length, 0);
  s.tunnels[0].open();
  assert.equal(s.fb.onUdpDatagram(ROOT, P), false);
  s.fb.check();
  assert.equal(s.fb.isActive, true);
});

test('under the test policy the public relay is never connected, and the refusal is logged once', () => {
  const s = setup(PUBLIC_RELAY, true);
  for (let i = 0; i < 5; i++) s.fb.send(1, ROOT, P);
  assert.equal(s.tunnels.length, 0);
  assert.equal(s.cap.lines.filter((l) => l.message === 'tcp relay refused by the safety policy: not connecting').length, 1);
});

test('a main-loop check more than 10 s late counts as a restart', () => {
  const s = setup(LAB_RELAY);
  s.advance(100_000); // the host slept: the check comes 99 s late
  s.fb.check();
  s.fb.send(1, ROOT, P);
  s.advance(5_000);
  s.fb.send(1, ROOT, P);
  assert.equal(s.tunnels.length, 0, 'held back for 60 s after the wake');
  s.advance(60_000);
  s.fb.send(1, ROOT, P);
  assert.equal(s.tunnels.length, 0, '60 s since the previous send is too late for the two-send rule');
  s.advance(3_000);
  s.fb.send(1, ROOT, P);
  assert.equal(s.tunnels.length, 1);
});

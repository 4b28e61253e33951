// The binder on the native batched sockets (nativeUdp: true; src/net/udp/native-endpoint.ts):
// the real-socket behaviour of udp-binder.test.ts again — socket ids, the primary port's
// PortInUseError, a busy secondary reported while the primary works — for IPv4 and IPv6,
// plus corked sends (one sendmmsg per synchronous run) arriving complete and in order with
// a low-TTL datagram among them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { UdpBinder } from '../../../src/net/udp-binder.js';
import { ALL_SOCKETS } from '../../../src/node/host.js';
import { inetAddressToString, parseInetAddress } from '../../../src/protocol/inet-address.js';
import { PortInUseError } from '../../../src/util/errors.js';
import { findUdpAddon } from '../../../src/net/udp/native-udp.js';
import { waitFor } from '../../helpers/netns.js';

const skip = findUdpAddon() ? false : 'the UDP addon is not built (run make)';

async function boundSocket(type: 'udp4' | 'udp6', address: string, port = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type, reuseAddr: false, ipv6Only: type === 'udp6' });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind({ address, port, exclusive: true }, () => resolve());
  });
  return s;
}

async function freePort(type: 'udp4' | 'udp6', address: string): Promise<number> {
  const s = await boundSocket(type, address);
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

for (const [type, lo] of [['udp4', '127.0.0.1'], ['udp6', '::1']] as const) {
  const at = (port: number): string => `${lo}/${port}`;
  describe(`UdpBinder with nativeUdp over ${type}`, { skip }, () => {
    it('a datagram goes out and comes back in with its socket id; corked sends arrive in order', async () => {
      const got: Array<{ socket: number; from: string; data: number[] }> = [];
      const binder = new UdpBinder({ ports: [0], bind: [lo], nativeUdp: true, onDatagram: (socket, from, data) => got.push({ socket, from: inetAddressToString(from), data: [...data] }) });
      await binder.refresh();
      assert.equal(binder.bound().length, 1);
      assert.ok(binder.bound()[0].native);
      const peer = await boundSocket(type, lo);
      try {
      const port = peer.address().port;
      const seen: number[] = [];
      let senderPort = 0;
      peer.on('message', (msg, rinfo) => {
        seen.push(msg[0]);
        senderPort = rinfo.port;
        if (msg[0] === 200) peer.send(msg, rinfo.port, rinfo.address);
      });
      // one synchronous run: 100 datagrams, the 50th with TTL 2 (IPv4 only), then the echo trigger
      for (let i = 0; i < 100; i++) assert.ok(binder.send(ALL_SOCKETS, parseInetAddress(at(port))!, Uint8Array.of(i, 1, 2), i === 50 ? 2 : undefined));
      assert.ok(binder.send(ALL_SOCKETS, parseInetAddress(at(port))!, Uint8Array.of(200, 6, 7)));
      await waitFor('the echo', () => got.length > 0, 5_000, 10);
      assert.deepEqual(seen, [...Array.from({ length: 100 }, (_, i) => i), 200], 'all, in order');
      assert.deepEqual(got, [{ socket: binder.bound()[0].id, from: at(port), data: [200, 6, 7] }]);
      assert.ok(senderPort > 0);
      } finally {
        peer.close();
        binder.close();
        binder.close(); // idempotent
      }
    });

    it('a primary port taken by another socket is a PortInUseError; a busy secondary is reported', async () => {
      const other = await boundSocket(type, lo);
      const busyPort = other.address().port;
      const secondary = await freePort(type, lo);
      const errors: Array<[string, string]> = [];
      const binder = new UdpBinder({ ports: [busyPort, secondary], bind: [lo], nativeUdp: true, onDatagram: () => undefined, onError: (e, where) => errors.push([where, (e as NodeJS.ErrnoException).code ?? '']) });
      try {
        await assert.rejects(binder.refresh(), (e: unknown) => {
          assert.ok(e instanceof PortInUseError, String(e));
          assert.equal(e.port, busyPort);
          assert.equal(e.address, lo);
          assert.match(e.message, new RegExp(`^UDP port ${busyPort} is already in use on .*\\(EADDRINUSE\\)`));
          return true;
        });
        assert.equal(errors.length, 0);
        assert.deepEqual(binder.bound().map((b) => b.local.port), [secondary]);
      } finally {
        binder.close();
      }
      const primary = await freePort(type, lo);
      const received: string[] = [];
      const b2 = new UdpBinder({
        ports: [primary, busyPort],
        bind: [lo],
        nativeUdp: true,
        onDatagram: (_s, from, data) => received.push(`${inetAddressToString(from)} ${Buffer.from(data).toString()}`),
        onError: (e, where) => errors.push([where, (e as NodeJS.ErrnoException).code ?? '']),
      });
      try {
        await b2.refresh();
        assert.deepEqual(errors, [[`bind ${at(busyPort)}`, 'EADDRINUSE']]);
        await new Promise<void>((r) => other.send('hello', primary, lo, () => r()));
        await waitFor('the datagram on the primary port', () => received.length > 0, 5_000, 10);
        assert.deepEqual(received, [`${at(busyPort)} hello`]);
      } finally {
        b2.close();
        other.close();
      }
    });
  });
}

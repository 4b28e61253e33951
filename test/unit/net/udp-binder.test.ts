// The UDP edge: which sockets a send uses, and the low-TTL ordering that keeps the junk
// datagram's TTL 2 from leaking onto its neighbours (found against a real 1.14.1 node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { UdpBinder, type UdpSocketLike } from '../../../src/net/udp-binder.js';
import { ALL_SOCKETS } from '../../../src/node/host.js';
import { inetAddressToString, parseInetAddress, parseIp } from '../../../src/protocol/inet-address.js';
import { PortInUseError } from '../../../src/util/errors.js';
import { waitFor } from '../../helpers/netns.js';

class FakeSocket {
  calls: string[] = [];
  callbacks: Array<() => void> = [];
  send(buf: Buffer, port: number, _host: string, cb: () => void): void {
    this.calls.push(`send:${buf[0]}`);
    this.callbacks.push(cb);
  }
  setTTL(ttl: number): number {
    this.calls.push(`ttl:${ttl}`);
    return ttl;
  }
  bind(_o: unknown, cb: () => void): this {
    queueMicrotask(cb);
    return this;
  }
  close(): this {
    return this;
  }
  on(): this {
    return this;
  }
  once(): this {
    return this;
  }
  removeAllListeners(): this {
    return this;
  }
  setRecvBufferSize(): void {}
  setSendBufferSize(): void {}
  /** Completes the oldest pending send, as libuv would on a later tick. */
  complete(): void {
    this.callbacks.shift()!();
  }
}

test('a low-TTL send goes alone: earlier sends first, TTL back to 255 before later ones', async () => {
  const fakes: FakeSocket[] = [];
  const binder = new UdpBinder({
    ports: [9993],
    bind: ['10.0.0.1'],
    onDatagram: () => undefined,
    createSocket: () => {
      const f = new FakeSocket();
      fakes.push(f);
      return f as unknown as UdpSocketLike;
    },
  });
  await binder.refresh();
  const s = fakes[0];
  const to = parseInetAddress('10.0.0.2/9993')!;
  assert.ok(binder.send(ALL_SOCKETS, to, Uint8Array.of(1)));
  assert.ok(binder.send(ALL_SOCKETS, to, Uint8Array.of(2), 2));
  assert.ok(binder.send(ALL_SOCKETS, to, Uint8Array.of(3)));
  assert.deepEqual(s.calls, ['send:1'], 'junk waits for the earlier send to leave');
  s.complete();
  assert.deepEqual(s.calls, ['send:1', 'ttl:2', 'send:2'], 'then goes alone with TTL 2');
  s.complete();
  assert.deepEqual(s.calls, ['send:1', 'ttl:2', 'send:2', 'ttl:255', 'send:3'], 'the probe after it leaves with TTL 255');
  s.complete();
  binder.send(ALL_SOCKETS, to, Uint8Array.of(4));
  assert.equal(s.calls.at(-1), 'send:4', 'back to sending at once');
});

test('sends go to the named socket, or to every socket of the family; a guard can refuse destinations', async () => {
  const fakes: FakeSocket[] = [];
  const binder = new UdpBinder({
    ports: [9993, 20001],
    bind: ['10.0.0.1'],
    onDatagram: () => undefined,
    createSocket: () => {
      const f = new FakeSocket();
      fakes.push(f);
      return f as unknown as UdpSocketLike;
    },
    isDestinationAllowed: (to) => to.ip[0] === 10,
  });
  await binder.refresh();
  assert.equal(binder.bound().length, 2);
  const to = parseInetAddress('10.0.0.2/9993')!;
  binder.send(binder.bound()[1].id, to, Uint8Array.of(7));
  assert.deepEqual(fakes.map((f) => f.calls.length), [0, 1]);
  binder.send(ALL_SOCKETS, to, Uint8Array.of(8));
  assert.deepEqual(fakes.map((f) => f.calls.length), [1, 2]);
  assert.equal(binder.send(ALL_SOCKETS, parseInetAddress('fd00::1/9993')!, Uint8Array.of(9)), false, 'no IPv6 socket');
  assert.equal(binder.send(ALL_SOCKETS, parseInetAddress('8.8.8.8/53')!, Uint8Array.of(9)), false, 'refused by the guard');
  assert.deepEqual(fakes.map((f) => f.calls.length), [1, 2]);
});

test('real sockets on loopback: a datagram goes out and comes back in with its socket id', async () => {
  const got: Array<{ socket: number; data: number[] }> = [];
  const binder = new UdpBinder({ ports: [0], bind: ['127.0.0.1'], onDatagram: (socket, _from, data) => got.push({ socket, data: [...data] }) });
  await binder.refresh();
  const peer = dgram.createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', r));
  const port = (peer.address() as { port: number }).port;
  const echoed = new Promise<void>((resolve) => {
    peer.on('message', (msg, rinfo) => {
      peer.send(msg, rinfo.port, rinfo.address, () => resolve());
    });
  });
  binder.send(ALL_SOCKETS, parseInetAddress(`127.0.0.1/${port}`)!, Uint8Array.of(5, 6, 7), 2);
  await echoed;
  for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(got, [{ socket: binder.bound()[0].id, data: [5, 6, 7] }]);
  peer.close();
  binder.close();
});

/** A real UDP socket bound on loopback (port 0: the kernel picks one). */
async function boundSocket(address = '127.0.0.1', port = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind({ address, port, exclusive: true }, () => resolve());
  });
  return s;
}

async function freePort(): Promise<number> {
  const s = await boundSocket();
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('a primary port taken by another socket is a PortInUseError naming the port (real loopback sockets)', async () => {
  for (const busyOn of ['127.0.0.1', '0.0.0.0']) {
    const other = await boundSocket(busyOn);
    const busyPort = other.address().port;
    const secondary = await freePort();
    const errors: string[] = [];
    const binder = new UdpBinder({ ports: [busyPort, secondary], bind: ['127.0.0.1'], onDatagram: () => undefined, onError: (e) => errors.push(e.message) });
    try {
      await assert.rejects(binder.refresh(), (e: unknown) => {
        assert.ok(e instanceof PortInUseError, String(e));
        assert.equal(e.code, 'port_in_use');
        assert.equal(e.port, busyPort);
        assert.equal(e.address, '127.0.0.1');
        assert.match(e.message, new RegExp(`^UDP port ${busyPort} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)`));
        return true;
      });
      assert.deepEqual(errors, [], 'reported once, as the rejection');
      assert.deepEqual(binder.bound().map((b) => b.local.port), [secondary], 'the secondary bound; close() is the caller’s');
    } finally {
      binder.close();
      other.close();
    }
  }
});

test('a busy secondary port is reported and the primary carries on, receiving datagrams', async () => {
  const other = await boundSocket();
  const busyPort = other.address().port;
  const primary = await freePort();
  const errors: Array<[string, string]> = [];
  const received: string[] = [];
  const binder = new UdpBinder({
    ports: [primary, busyPort],
    bind: ['127.0.0.1'],
    onDatagram: (_s, from, data) => received.push(`${inetAddressToString(from)} ${Buffer.from(data).toString()}`),
    onError: (e, where) => errors.push([where, (e as NodeJS.ErrnoException).code ?? '']),
  });
  try {
    await binder.refresh();
    assert.deepEqual(errors, [[`bind 127.0.0.1/${busyPort}`, 'EADDRINUSE']]);
    assert.deepEqual(binder.bound().map((b) => b.local.port), [primary]);
    await new Promise<void>((r) => other.send('hello', primary, '127.0.0.1', () => r()));
    await waitFor('the datagram on the primary port', () => received.length > 0, 5_000, 10);
    assert.deepEqual(received, [`127.0.0.1/${busyPort} hello`]);
  } finally {
    binder.close();
    other.close();
  }
});

test('interfacePrefixBlacklist and physical blacklists keep addresses from being bound (06 §4.2)', async () => {
  const { eligibleAddresses } = await import('../../../src/net/udp-binder.js');
  const { networkInterfaces } = await import('node:os');
  const all = eligibleAddresses({});
  const names = Object.keys(networkInterfaces());
  assert.deepEqual(eligibleAddresses({ interfacePrefixBlacklist: names.map((n) => n.slice(0, 2)) }), [], 'every interface named by a prefix');
  const hosts = all.map((a) => ({ family: (a.includes(':') ? 6 : 4) as 4 | 6, ip: parseIpOrThrow(a), bits: a.includes(':') ? 128 : 32 }));
  assert.deepEqual(eligibleAddresses({ physicalBlacklist: hosts }), [], 'every address inside a blacklisted network');
  assert.deepEqual(eligibleAddresses({ physicalBlacklist: [{ family: 4, ip: Uint8Array.of(0, 0, 0, 1), bits: 32 }] }), all, 'an unrelated network changes nothing');
  assert.deepEqual(eligibleAddresses({ bind: ['127.0.0.1'], interfacePrefixBlacklist: ['l'] }), ['127.0.0.1'], 'bind is taken as given');
});

function parseIpOrThrow(a: string): Uint8Array {
  const ip = parseIp(a);
  if (!ip) throw new Error(`not an IP: ${a}`);
  return ip.ip;
}

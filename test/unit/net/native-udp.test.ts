// The native batched UDP socket (native/src/udp_socket.cc) on loopback, IPv4 and IPv6:
// bind (port 0 and a taken port → EADDRINUSE), batched receive with source addresses,
// send and sendBatch, TTL, argument errors, idempotent close.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findUdpAddon, loadUdpAddon, encodeUdpAddress, decodeUdpAddress, UDP_ADDR_BYTES, type NativeUdpAddon, type NativeUdpHandle } from '../../../src/net/udp/native-udp.js';
import { inetAddressToString, parseIp } from '../../../src/protocol/inet-address.js';
import { Prng } from '../../helpers/prng.js';

const skip = findUdpAddon() ? false : 'the UDP addon is not built (run make)';
const BATCH = 16;
const SLOT = 2048;

interface Rx {
  h: NativeUdpHandle;
  got: Array<{ from: string; data: Uint8Array }>;
  wait(n: number): Promise<void>;
}

function openRx(u: NativeUdpAddon, family: 4 | 6, address: string, port = 0): Rx {
  const slab = new ArrayBuffer(BATCH * SLOT);
  const lengths = new Uint32Array(BATCH);
  const addrs = new Uint8Array(BATCH * UDP_ADDR_BYTES);
  const got: Rx['got'] = [];
  let waiter: (() => void) | null = null;
  let want = 0;
  const h = u.open(family, address, port, BATCH, SLOT, slab, lengths, addrs, (count, err) => {
    assert.equal(err, null);
    for (let i = 0; i < count; i++) {
      got.push({ from: inetAddressToString(decodeUdpAddress(addrs, i * UDP_ADDR_BYTES)), data: new Uint8Array(slab, i * SLOT, lengths[i]).slice() });
    }
    if (waiter && got.length >= want) waiter();
  });
  u.setReading(h, true);
  return {
    h,
    got,
    wait: (n) => {
      want = n;
      return got.length >= n ? Promise.resolve() : new Promise((resolve) => (waiter = resolve));
    },
  };
}

function dest(address: string, port: number): Uint8Array {
  const out = new Uint8Array(UDP_ADDR_BYTES);
  encodeUdpAddress({ ...parseIp(address)!, port }, out);
  return out;
}

for (const [family, lo] of [[4, '127.0.0.1'], [6, '::1']] as const) {
  describe(`native UDP over IPv${family} loopback`, { skip }, () => {
    it('sendBatch: runs of equal datagrams to one destination (sent with UDP GSO) arrive as the same datagrams, in order', async () => {
      const u = loadUdpAddon();
      let rx: Rx, other: Rx;
      try {
        rx = openRx(u, family, lo);
        other = openRx(u, family, lo);
      } catch (e) {
        if ((e as { code?: string }).code === 'EADDRNOTAVAIL') return; // no IPv6 loopback here
        throw e;
      }
      const tx = u.open(family, lo, 0, 1, 64, new ArrayBuffer(64), new Uint32Array(1), new Uint8Array(UDP_ADDR_BYTES), () => undefined);
      // ZeroTier packet shapes: a 1432-byte head and a shorter fragment, whole 1432s, a run
      // broken by a larger datagram, a run split between two destinations; slots 8 bytes
      // apart, so no run is contiguous in the slab.
      const plan: Array<[number, Rx]> = [[1432, rx], [1432, rx], [900, rx], [1432, rx], [300, rx], [1432, rx], [1432, rx], [1432, rx], [1000, rx], [1200, rx], [1432, rx], [1432, other], [1432, other], [1, rx], [1, rx]];
      const r = new Prng(family + 10);
      const slab = new Uint8Array(plan.length * 1440);
      const offsets = new Uint32Array(plan.length), lengths = new Uint32Array(plan.length), dests = new Uint8Array(plan.length * UDP_ADDR_BYTES);
      const want = new Map<Rx, Uint8Array[]>([[rx, []], [other, []]]);
      plan.forEach(([n, to], i) => {
        offsets[i] = i * 1440 + 8;
        lengths[i] = n;
        const d = r.bytes(n);
        slab.set(d, offsets[i]);
        want.get(to)!.push(d);
        dests.set(dest(lo, to.h.port), i * UDP_ADDR_BYTES);
      });
      try {
        assert.equal(u.sendBatch(tx, slab, offsets, lengths, dests, plan.length), plan.length);
        await rx.wait(want.get(rx)!.length);
        await other.wait(want.get(other)!.length);
        assert.deepEqual(rx.got.map((g) => Buffer.from(g.data)), want.get(rx)!.map((d) => Buffer.from(d)));
        assert.deepEqual(other.got.map((g) => Buffer.from(g.data)), want.get(other)!.map((d) => Buffer.from(d)));
      } finally {
        u.close(tx);
        u.close(rx.h);
        u.close(other.h);
      }
    });

    it('batched send and receive with sources, single sends, TTL', async () => {
      const u = loadUdpAddon();
      let rx: Rx;
      try {
        rx = openRx(u, family, lo);
      } catch (e) {
        if (family === 6 && /EADDRNOTAVAIL|EAFNOSUPPORT/.test(String((e as NodeJS.ErrnoException).code))) return; // no IPv6 here
        throw e;
      }
      const tx = u.open(family, lo, 0, 1, 64, new ArrayBuffer(64), new Uint32Array(1), new Uint8Array(UDP_ADDR_BYTES), () => undefined);
      assert.ok(rx.h.port > 0 && tx.port > 0 && rx.h.port !== tx.port);
      const r = new Prng(family);
      const count = 40;
      const slab = new Uint8Array(count * 1500);
      const offsets = new Uint32Array(count), lengths = new Uint32Array(count), dests = new Uint8Array(count * UDP_ADDR_BYTES);
      const sent: Uint8Array[] = [];
      for (let i = 0; i < count; i++) {
        offsets[i] = i * 1500;
        lengths[i] = 1 + r.int(1400);
        const d = r.bytes(lengths[i]);
        slab.set(d, offsets[i]);
        sent.push(d);
        dests.set(dest(lo, rx.h.port), i * UDP_ADDR_BYTES);
      }
      assert.equal(u.sendBatch(tx, slab, offsets, lengths, dests, count), count);
      u.setTtl(tx, 2);
      assert.equal(u.send(tx, Uint8Array.of(1, 2, 3), dest(lo, rx.h.port)), true);
      u.setTtl(tx, 255);
      await rx.wait(count + 1);
      const from = `${family === 4 ? lo : `[${lo}]`}`;
      for (let i = 0; i < count; i++) {
        assert.deepEqual(rx.got[i].data, sent[i]);
        assert.ok(rx.got[i].from.includes(String(tx.port)) && rx.got[i].from.startsWith(family === 4 ? lo : ''), rx.got[i].from);
      }
      assert.deepEqual(rx.got[count].data, Uint8Array.of(1, 2, 3));
      assert.ok(from);
      // the port is taken: EADDRINUSE from bind, as dgram reports it
      assert.throws(
        () => u.open(family, lo, rx.h.port, 1, 64, new ArrayBuffer(64), new Uint32Array(1), new Uint8Array(UDP_ADDR_BYTES), () => undefined),
        (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE' && e.syscall === 'bind',
      );
      // a datagram to the other family is dropped, not thrown
      assert.equal(u.send(tx, Uint8Array.of(1), dest(family === 4 ? '::1' : '127.0.0.1', rx.h.port)), false);
      u.close(rx.h);
      u.close(rx.h);
      u.close(tx);
      assert.throws(() => u.send(tx, Uint8Array.of(1), dest(lo, 9)), (e: NodeJS.ErrnoException) => e.code === 'EBADF');
    });
  });
}

describe('native UDP argument checks', { skip }, () => {
  it('typed errors before any system call', () => {
    const u = loadUdpAddon();
    const ok = (): [ArrayBuffer, Uint32Array, Uint8Array, () => void] => [new ArrayBuffer(64), new Uint32Array(1), new Uint8Array(20), () => undefined];
    assert.throws(() => u.open(5 as 4, '127.0.0.1', 0, 1, 64, ...ok()), RangeError);
    assert.throws(() => u.open(4, '::1', 0, 1, 64, ...ok()), /not an IPv4 address/);
    assert.throws(() => u.open(4, '127.0.0.1', 70000, 1, 64, ...ok()), RangeError);
    assert.throws(() => u.open(4, '127.0.0.1', 0, 2, 64, ...ok()), /slab must hold/);
    assert.throws(() => u.send({ port: 1 } as NativeUdpHandle, new Uint8Array(1), new Uint8Array(20)), TypeError);
    const h = u.open(4, '127.0.0.1', 0, 1, 64, ...ok());
    assert.throws(() => u.send(h, new Uint8Array(1), new Uint8Array(19)), /dest must hold 20 bytes/);
    assert.throws(() => u.sendBatch(h, new Uint8Array(10), Uint32Array.of(5), Uint32Array.of(6), dest('127.0.0.1', 9), 1), /ends beyond/);
    assert.throws(() => u.sendBatch(h, new Uint8Array(10), Uint32Array.of(0), Uint32Array.of(6), new Uint8Array(20), 1), /family must be 4 or 6/);
    assert.throws(() => u.setTtl(h, 256), RangeError);
    u.close(h);
  });
});

// One bound UDP socket on the native addon (native-udp.ts), as the binder uses it when
// `nativeUdp` is on (udp-binder.ts): datagrams come in a batch per readable wakeup (one
// JS call, recvmmsg) and go out corked, i.e. queued during the current synchronous run and
// written with one sendmmsg in a microtask, so every datagram one TAP batch (or one
// received batch) produces leaves in one system call.
//
// Sends are synchronous copies into the kernel, so a low TTL is set, used and reset
// around one datagram exactly as 1.14.1 does (after the queue is flushed, keeping order).
// A datagram the kernel refuses (queue full, unreachable) is lost, as with dgram.
import type { InetAddress } from '../../protocol/inet-address.js';
import { encodeUdpAddress, UDP_ADDR_BYTES, type NativeUdpAddon, type NativeUdpHandle } from './native-udp.js';

/** Datagrams per read batch and per sendmmsg. */
const BATCH = 64;
/** The largest datagram read (longer ones are dropped): above any ZeroTier datagram. */
const SLOT_BYTES = 16384;
const SEND_SLAB_BYTES = 256 * 1024;
const SOCKET_BUFFER_BYTES = 1 << 20;

export class NativeUdpEndpoint {
  readonly handle: NativeUdpHandle;
  private readonly addon: NativeUdpAddon;
  private readonly slab = new ArrayBuffer(BATCH * SLOT_BYTES);
  private readonly rxView = new Uint8Array(this.slab);
  private readonly rxLengths = new Uint32Array(BATCH);
  private readonly rxAddrs = new Uint8Array(BATCH * UDP_ADDR_BYTES);
  private readonly txSlab = new Uint8Array(SEND_SLAB_BYTES);
  private readonly txOffsets = new Uint32Array(BATCH);
  private readonly txLengths = new Uint32Array(BATCH);
  private readonly txDests = new Uint8Array(BATCH * UDP_ADDR_BYTES);
  private readonly one = new Uint8Array(UDP_ADDR_BYTES);
  private txCount = 0;
  private txBytes = 0;
  private flushQueued = false;
  private isClosed = false;
  private readonly onError: (e: Error) => void;
  // In a microtask there is no caller to throw to: a system error goes to onError.
  private readonly flushNow = (): void => {
    this.flushQueued = false;
    try {
      this.flush();
    } catch (e) {
      this.onError(e as Error);
    }
  };

  /**
   * Binds synchronously (throws the bind error: code EADDRINUSE and so on) and starts
   * reading. `data` handed to onDatagram is a view of the read slab, valid during the call
   * only (the next batch overwrites it): copy what must outlive the call.
   */
  constructor(
    addon: NativeUdpAddon,
    family: 4 | 6,
    address: string,
    port: number,
    onDatagram: (from: InetAddress, data: Uint8Array) => void,
    onError: (e: Error) => void,
  ) {
    this.addon = addon;
    this.onError = onError;
    const view = this.rxView, lengths = this.rxLengths, addrs = this.rxAddrs;
    this.handle = addon.open(family, address, port, BATCH, SLOT_BYTES, this.slab, lengths, addrs, (count, errno) => {
      for (let i = 0; i < count; i++) {
        const a = i * UDP_ADDR_BYTES;
        const fam = addrs[a] === 6 ? 6 : 4;
        const from: InetAddress = { family: fam, ip: addrs.slice(a + 4, a + (fam === 4 ? 8 : 20)), port: (addrs[a + 2] << 8) | addrs[a + 3] };
        const at = i * SLOT_BYTES;
        // A view of the slab, valid during the call only (the node copies what it keeps, node/
        // host.ts): a copy per datagram was an off-heap ArrayBuffer each, whose allocation and
        // sweeping (major GCs driven by external memory) cost more than the node's own work.
        onDatagram(from, view.subarray(at, at + lengths[i]));
      }
      if (errno !== null) onError(Object.assign(new Error(`UDP read stopped: ${errno}`), { code: errno }));
    });
  }

  /** After open; kernel limits may refuse (smaller buffers still work). */
  setBufferSizes(): void {
    this.addon.setBufferSizes(this.handle, SOCKET_BUFFER_BYTES, SOCKET_BUFFER_BYTES);
  }

  startReading(): void {
    this.addon.setReading(this.handle, true);
  }

  /** Queues `data` (copied) for `to`; a low `ttl` (IPv4) flushes and goes alone, now. */
  send(to: InetAddress, data: Uint8Array, ttl?: number): void {
    if (this.isClosed) return;
    if (ttl !== undefined) {
      this.flush();
      encodeUdpAddress(to, this.one);
      this.addon.setTtl(this.handle, ttl);
      try {
        this.addon.send(this.handle, data, this.one);
      } finally {
        this.addon.setTtl(this.handle, 255);
      }
      return;
    }
    if (data.length > SEND_SLAB_BYTES) {
      this.flush();
      encodeUdpAddress(to, this.one);
      this.addon.send(this.handle, data, this.one);
      return;
    }
    if (this.txCount === BATCH || this.txBytes + data.length > SEND_SLAB_BYTES) this.flush();
    const i = this.txCount++;
    this.txOffsets[i] = this.txBytes;
    this.txLengths[i] = data.length;
    this.txSlab.set(data, this.txBytes);
    this.txBytes += data.length;
    encodeUdpAddress(to, this.txDests, i * UDP_ADDR_BYTES);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flushNow);
    }
  }

  /** Writes the queued datagrams with one sendmmsg (what the kernel refuses is lost). */
  flush(): void {
    const n = this.txCount;
    this.txCount = 0;
    this.txBytes = 0;
    if (n === 0 || this.isClosed) return;
    this.addon.sendBatch(this.handle, this.txSlab, this.txOffsets, this.txLengths, this.txDests, n);
  }

  close(): void {
    if (this.isClosed) return;
    this.flush();
    this.isClosed = true;
    this.addon.close(this.handle);
  }
}

// Loads the native batched UDP socket (native/src/udp_socket.cc, addon ztkube_udp) and
// declares its types (issue #8). A prototype beside the binder (src/net/udp-binder.ts, still
// on node:dgram): recvmmsg into a slab with one JS call per batch, sendmmsg of a batch.
// test/bench/udp.bench.ts measures it against dgram; native/README.md has the contract.
//
// Where: $ZTKUBE_UDP_ADDON if set, else native/build/Release/ztkube_udp.node in the first
// ancestor folder of this module that has it.
import { addonRelativePath, findNativeAddon } from '../../util/native-addon.js';
import { createRequire } from 'node:module';
import type { InetAddress } from '../../protocol/inet-address.js';

/** Bytes per address in `addrs` / `dests`: [0] family 4|6, [2..4) port BE, [4..20) IP. */
export const UDP_ADDR_BYTES = 20;

export interface NativeUdpHandle {
  /** The bound port (the kernel's choice when opened with port 0). */
  readonly port: number;
}

/**
 * Argument mistakes throw TypeError/RangeError (code EINVAL) before any system call; system
 * errors throw an Error with `code` (errno name, e.g. EADDRINUSE from bind), `errno`,
 * `syscall`. Sends never throw for a lost datagram: false / a smaller count.
 */
export interface NativeUdpAddon {
  /**
   * Binds a socket (IPV6_V6ONLY for family 6, no SO_REUSEADDR) and prepares batched reads:
   * on each readable wakeup one recvmmsg of up to `batch` datagrams, datagram i at
   * slab[i * slot] (length lengths[i], source in addrs[i * 20 …]), then one onRead(count,
   * null). A datagram longer than `slot` is dropped. errno non-null: reading stopped
   * ("EDETACHED" = a buffer was detached).
   */
  open(
    family: 4 | 6,
    address: string,
    port: number,
    batch: number,
    slot: number,
    slab: ArrayBuffer,
    lengths: Uint32Array,
    addrs: Uint8Array,
    onRead: (count: number, errno: string | null) => void,
  ): NativeUdpHandle;
  setReading(h: NativeUdpHandle, on: boolean): void;
  /** One sendto; false = dropped (queue full, unreachable, wrong family…). */
  send(h: NativeUdpHandle, data: Uint8Array, dest20: Uint8Array): boolean;
  /** sendmmsg of datagram i = slab[offsets[i] … + lengths[i]) to dests[i * 20 …]; returns how many left. */
  sendBatch(h: NativeUdpHandle, slab: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, dests: Uint8Array, count: number): number;
  /** IP_TTL (IPv4) or IPV6_UNICAST_HOPS, synchronously: the next send uses it. */
  setTtl(h: NativeUdpHandle, ttl: number): void;
  setBufferSizes(h: NativeUdpHandle, rcv: number, snd: number): void;
  /** Idempotent. */
  close(h: NativeUdpHandle): void;
}

const ADDON_RELATIVE = addonRelativePath('ztkube_udp.node');
let cached: NativeUdpAddon | undefined;

export function findUdpAddon(): string | null {
  return findNativeAddon('ztkube_udp.node', 'ZTKUBE_UDP_ADDON');
}

export function loadUdpAddon(): NativeUdpAddon {
  if (cached) return cached;
  const path = findUdpAddon();
  if (!path) throw new Error(`UDP addon not built (${ADDON_RELATIVE}); run make`);
  cached = createRequire(import.meta.url)(path) as NativeUdpAddon;
  return cached;
}

/** Writes `a` as a 20-byte address at out[at …]. */
export function encodeUdpAddress(a: InetAddress, out: Uint8Array, at = 0): void {
  out.fill(0, at, at + UDP_ADDR_BYTES);
  out[at] = a.family;
  out[at + 2] = a.port >>> 8;
  out[at + 3] = a.port & 0xff;
  out.set(a.ip, at + 4);
}

/** Reads the 20-byte address at buf[at …]. */
export function decodeUdpAddress(buf: Uint8Array, at = 0): InetAddress {
  const family = buf[at] === 6 ? 6 : 4;
  const port = (buf[at + 2] << 8) | buf[at + 3];
  return { family, ip: buf.slice(at + 4, at + 4 + (family === 4 ? 4 : 16)), port };
}

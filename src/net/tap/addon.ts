// Loads the native TAP addon (native/, built by `make` with node-gyp) and declares its
// functions' types; native/src/binding.cc is the other half of this file. Loaded lazily so
// that importing LinuxTap on a machine without the addon fails only when a TAP is opened.
//
// Where: $ZTKUBE_TAP_ADDON if set, else native/build/Release/ztkube_tap.node in the first
// ancestor folder of this module that has it (dist/src/net/tap/ → the repository root).
import { addonRelativePath, findNativeAddon } from '../../util/native-addon.js';
import { createRequire } from 'node:module';
import { TapError } from './errors.js';

/** The opaque object the addon returns from open(). */
export interface NativeTapHandle {
  readonly name: string;
}

/**
 * The addon's functions. Argument mistakes throw TypeError/RangeError (code EINVAL) before
 * any system call; system errors throw an Error with `code` (errno name), `errno`, `syscall`.
 *
 * The handle functions use the TAP's fd and work wherever the device is. The `…ByName`
 * functions find the interface by name in the calling process's network namespace, so they
 * only work while the device is there: a device moved into another namespace (or one that
 * does not exist) gives code ENODEV, and the message says the device must be in the calling
 * process's network namespace.
 */
export interface NativeTapAddon {
  /**
   * Creates the TAP in the calling process's network namespace and attaches it. onRead(count,
   * errno) runs once per readable wakeup with frame i at slab[i * slotBytes + headroom] and
   * its length in lengths[i]; errno is null, or the errno name of a read error, after which
   * the addon has stopped reading. "EDETACHED" means JS detached (transferred) the slab or
   * the lengths' buffer: the addon checks both before every batch and never writes to them
   * after that. The slab must be a plain (not resizable, not shared) ArrayBuffer of at least
   * batch * slotBytes bytes, lengths a Uint32Array of at least batch entries.
   *
   * offload (default false): IFF_VNET_HDR with checksum and TCP segmentation offload. The
   * kernel then hands the device TCP super-frames of up to 64 KiB and frames with partial
   * checksums; the addon completes the checksums and cuts the super-frames into segments of
   * the kernel's MSS (as its own GSO would, byte for byte), one per slot, so reads still
   * give ordinary frames of at most MTU + 14 bytes. Writes are unaffected.
   */
  open(
    name: string,
    batch: number,
    slotBytes: number,
    headroom: number,
    slab: ArrayBuffer,
    lengths: Uint32Array,
    onRead: (count: number, errno: string | null) => void,
    offload?: boolean,
  ): NativeTapHandle;
  /**
   * Writes count frames, frame i at slab[i * slot] with lengths[i] bytes (each ≤ slot, inside
   * the slab, else RangeError); returns how many the device took. With offload, consecutive
   * TCP segments of one flow (checksums right, each continuing the one before, ACK or a final
   * PSH) go in as one super-frame with a vnet header (gso TCPV4/TCPV6, partial checksum).
   */
  writeFrames(h: NativeTapHandle, slab: Uint8Array, slot: number, lengths: Uint32Array, count: number): number;
  /**
   * What the offload paths did: super-frames read, segments cut from them, frames dropped as
   * malformed; super-frames written and the frames joined into them.
   */
  offloadStats(h: NativeTapHandle): { superFrames: number; segments: number; malformed: number; coalescedWrites: number; coalescedSegments: number };
  /**
   * The offload write path's joins without a device (tests): each output is what one write
   * would hand the kernel, its vnet header first (all zero for a frame written as it is).
   */
  coalesceFrames(frames: readonly Uint8Array[]): Uint8Array[];
  /**
   * The offload read path on one buffer, without a device (tests): a 10-byte virtio_net_hdr
   * (host byte order) and a frame in, the frames a read would deliver out, or null when the
   * read path would drop it as malformed.
   */
  segmentVnetFrame(bytes: Uint8Array): Uint8Array[] | null;
  setReading(h: NativeTapHandle, on: boolean): void;
  /** false: dropped (EAGAIN, ENOBUFS, or EIO because the interface is down). */
  write(h: NativeTapHandle, frame: Uint8Array): boolean;
  /** Writes frames[0 … count), count ≤ frames.length; returns how many the device accepted. */
  writeBatch(h: NativeTapHandle, frames: readonly Uint8Array[], count: number): number;
  /** Idempotent; the interface disappears with the fd. */
  close(h: NativeTapHandle): void;
  /** SIOCSIFMTU on the interface of this name in the calling process's network namespace. */
  setMtuByName(name: string, mtu: number): void;
  /** SIOCSIFHWADDR (6 bytes) by name, in the calling process's network namespace. */
  setMacByName(name: string, mac: Uint8Array): void;
  /** Up sets IFF_UP | IFF_MULTICAST, down clears IFF_UP; by name, in the calling process's namespace. */
  setUpByName(name: string, up: boolean): void;
  /** MTU, flags, ifindex and MAC by name, in the calling process's network namespace. */
  getInfoByName(name: string): { mtu: number; flags: number; index: number; mac: number };
}

const ADDON_RELATIVE = addonRelativePath('ztkube_tap.node');
let cached: NativeTapAddon | undefined;

/** Path of the addon, or null if it has not been built. */
export function findTapAddon(): string | null {
  return findNativeAddon('ztkube_tap.node', 'ZTKUBE_TAP_ADDON');
}

export function loadTapAddon(): NativeTapAddon {
  if (cached) return cached;
  const path = findTapAddon();
  if (!path) throw new TapError('load', '-', 'ENOENT', `addon not built (${ADDON_RELATIVE}); run make`);
  cached = createRequire(import.meta.url)(path) as NativeTapAddon;
  return cached;
}

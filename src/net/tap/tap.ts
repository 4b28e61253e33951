// The Tap interface: one virtual Ethernet port of one network (spec 06 §8.2–8.4, STYLE §4).
// LinuxTap implements it over the native addon, FakeTap in memory; the compliance suite
// (test/unit/net/tap-compliance.test.ts) runs against both.
//
// Contract, in the manner of wireguard-go's tun.Device:
// * Frames are whole Ethernet frames, `dst(6) src(6) ethertype(2) payload`, no preamble,
//   no FCS, no packet-information header. A Tap neither parses nor filters them: the
//   service drops frames of 14 bytes or less and clamps to MTU + 14 (06 §8.4).
// * Reading is push-based and batched. After `onFrames(cb)`, each event-loop wakeup with
//   frames waiting calls `cb` once with up to `batchSize` frames (a burst of N frames
//   arrives in about N / batchSize callbacks). Before the first `onFrames`, and after
//   `onFrames(null)`, the Tap does not read: frames wait in the device queue, whose
//   overflow the device drops (the kernel's txqueuelen; FakeTap's `queueLimit`).
// * Buffer ownership on read: the FrameBatch and the slab it points into belong to the Tap
//   and are reused for the next wakeup. They are valid only until `cb` returns; copy what
//   must be kept. During `cb` the consumer may write anywhere in the slots of the current
//   batch, including the `headroom` bytes in front of each frame, which exist so that a
//   ZeroTier FRAME/EXT_FRAME header can be put in front of the payload without a copy.
// * Buffer ownership on write: `write`/`writeBatch`/`writeFrames` copy the bytes into the device before
//   returning; the caller keeps its buffers.
// * Writes never block and never throw for a lost frame: a frame that is shorter than 14
//   bytes, longer than MTU + 14, refused by a full device queue, or written while the
//   interface is down is dropped and counted in `writeDropsTotal`; `write` then returns
//   false and `writeBatch` returns fewer than it was given. Other device errors throw
//   TapError.
// * `batchSize`, `headroom` and `slotBytes` are fixed when the Tap is opened. The MTU can
//   change (`setMtu`) up to `maxMtu`, the largest frame a slot can hold.
// * `close()` stops reading, releases the device (a LinuxTap's interface disappears, and
//   with it its addresses and routes) and is idempotent. No callback runs after it. Every
//   other method throws TapClosedError after close; the counters and properties stay
//   readable.
// * Errors while reading (the device vanished) stop reading and go to the `onError`
//   callback; with no callback they are thrown as an uncaught exception, as an
//   EventEmitter does with an unhandled 'error'. An exception thrown by the onFrames
//   callback is likewise an uncaught exception, as from any other I/O callback.
// * Network namespace: a Tap's interface is created in the network namespace of the process
//   that opens it and must stay there. `setMtu`, `setUp` and the MAC/MTU/up set-up in open
//   find the interface BY NAME in the calling process's namespace; reads and writes use the
//   device's fd and keep working anywhere. Moving the interface away (`ip link set … netns`)
//   makes those by-name calls throw TapNotInNamespaceError (errno ENODEV). This is why the
//   Kubernetes agent keeps TAPs in the host namespace and moves veths, not TAPs, into pods.
// * One consumer: the node's frame handler. Callbacks run on the event loop, never inside a
//   Tap method call (FakeTap.deliver() being the test's explicit exception).
import { DEFAULT_VIRTUAL_MTU_BYTES, MAX_FRAME_BYTES } from '../../protocol/constants.js';
import type { TapError } from './errors.js';

/** dst(6) + src(6) + ethertype(2). */
export const ETHERNET_HEADER_BYTES = 14;
/** Room for an 802.1Q tag on top of MTU + 14, so a slot holds any frame the kernel sends. */
export const VLAN_TAG_BYTES = 4;
/**
 * Free bytes in front of each frame read. The largest header put in front of a frame's
 * payload is EXT_FRAME's (27 packet header + verb + nwid 8 + flags 1 + to/from 12 +
 * ethertype 2 = 51, without a certificate of membership), and the payload starts 14 bytes
 * into the frame, so 64 leaves room for FRAME and EXT_FRAME alike.
 */
export const TAP_HEADROOM_BYTES = 64;
/** Frames per read callback at most (our choice, as wireguard-go's BatchSize()). */
export const DEFAULT_TAP_BATCH = 64;
/** Linux refuses smaller MTUs on an Ethernet device. */
export const MIN_TAP_MTU = 68;
export { DEFAULT_VIRTUAL_MTU_BYTES as DEFAULT_TAP_MTU, MAX_FRAME_BYTES as DEFAULT_TAP_MAX_MTU };

/** The frames of one read wakeup. Valid only during the onFrames callback. */
export interface FrameBatch {
  /** Number of frames, 1 … batchSize. */
  readonly count: number;
  /** The whole slab; frame i is slab[offset(i), offset(i) + length(i)). */
  readonly slab: Uint8Array;
  /** Free bytes in front of every frame (see TAP_HEADROOM_BYTES). */
  readonly headroom: number;
  /** Bytes per slot: headroom + the largest frame. */
  readonly slotBytes: number;
  offset(i: number): number;
  length(i: number): number;
  /** A view of frame i (one small object per call; hot paths use slab/offset/length). */
  frame(i: number): Uint8Array;
}

export interface TapOptions {
  /**
   * Interface name, 1–15 bytes (ZeroTier's are `zt` + 8 characters, see names.ts). The
   * interface is created under this name in the calling process's network namespace, where
   * later by-name calls (setMtu, setUp) look for it.
   */
  name: string;
  /** Initial MTU; default 2800 (06 §8.2). */
  mtu?: number;
  /** 48-bit MAC; default: whatever the device was given (LinuxTap: random from the kernel). */
  mac?: number;
  /** Bring the interface up after configuring it; default false. */
  up?: boolean;
  /** Frames per read callback at most; default 64. */
  batchSize?: number;
  /** Largest MTU this Tap will accept later; sizes the read slots. Default 10000 (ZT_MAX_MTU). */
  maxMtu?: number;
  /** Free bytes before each frame read; default 64. */
  headroom?: number;
  /**
   * Let the kernel hand the device TCP super-frames and partial checksums (LinuxTap: TAP
   * with IFF_VNET_HDR + TSO), which the Tap cuts into ordinary frames itself; what reaches
   * onFrames is the same either way. Default false; FakeTap ignores it.
   */
  offload?: boolean;
}

export interface Tap {
  readonly name: string;
  readonly mtu: number;
  /** The device's MAC as a 48-bit number. */
  readonly mac: number;
  readonly isUp: boolean;
  readonly closed: boolean;
  readonly batchSize: number;
  readonly headroom: number;
  readonly maxMtu: number;

  /** Frames handed to onFrames callbacks. */
  readonly framesReadTotal: number;
  /** onFrames callbacks made (framesReadTotal / this = frames per wakeup). */
  readonly readCallbacksTotal: number;
  /** Frames the device accepted from write/writeBatch. */
  readonly framesWrittenTotal: number;
  /** Frames given to write/writeBatch that were dropped (see the contract above). */
  readonly writeDropsTotal: number;

  /** Sets (or with null removes) the one read consumer and starts (stops) reading. */
  onFrames(cb: ((batch: FrameBatch) => void) | null): void;
  onError(cb: ((err: TapError) => void) | null): void;
  /** Writes one frame; false if it was dropped. */
  write(frame: Uint8Array): boolean;
  /** Writes frames in order; returns how many the device accepted. */
  writeBatch(frames: readonly Uint8Array[]): number;
  /**
   * Writes count frames in order from one buffer, frame i at slab[i * slotBytes] with
   * lengths[i] bytes (each ≤ slotBytes); returns how many the device accepted. A LinuxTap
   * opened with `offload` hands a run of consecutive TCP segments of one flow to the kernel
   * as one super-frame (GRO done for it: the same bytes, one packet through its stack).
   */
  writeFrames(slab: Uint8Array, slotBytes: number, lengths: Uint32Array, count: number): number;
  /**
   * MIN_TAP_MTU … maxMtu, else RangeError. Finds the device by name in the calling
   * process's network namespace: TapNotInNamespaceError if it is not there.
   */
  setMtu(mtu: number): void;
  /** Brings the interface up or down; by name, like setMtu (TapNotInNamespaceError). */
  setUp(up: boolean): void;
  close(): void;
}

/** True if `frame` may be written to a Tap with this MTU (06 §8.4: payload ≤ MTU). */
export function writableFrame(frame: Uint8Array, mtu: number): boolean {
  return frame.length >= ETHERNET_HEADER_BYTES && frame.length <= mtu + ETHERNET_HEADER_BYTES;
}

/** The options with defaults applied and checked; shared by every implementation. */
export interface ResolvedTapOptions {
  name: string;
  mtu: number;
  mac: number | undefined;
  up: boolean;
  batchSize: number;
  maxMtu: number;
  headroom: number;
  slotBytes: number;
  offload: boolean;
}

export function resolveTapOptions(o: TapOptions): ResolvedTapOptions {
  const maxMtu = o.maxMtu ?? MAX_FRAME_BYTES;
  const headroom = o.headroom ?? TAP_HEADROOM_BYTES;
  const batchSize = o.batchSize ?? DEFAULT_TAP_BATCH;
  const mtu = o.mtu ?? DEFAULT_VIRTUAL_MTU_BYTES;
  checkInt('maxMtu', maxMtu, MIN_TAP_MTU, 65535);
  checkInt('headroom', headroom, 0, 4096);
  checkInt('batchSize', batchSize, 1, 4096);
  checkMtu(mtu, maxMtu);
  if (o.mac !== undefined) checkInt('mac', o.mac, 0, 2 ** 48 - 1);
  // Slots start on 8-byte boundaries so a consumer may lay wider typed views over headers.
  const slotBytes = Math.ceil((headroom + maxMtu + ETHERNET_HEADER_BYTES + VLAN_TAG_BYTES) / 8) * 8;
  return { name: o.name, mtu, mac: o.mac, up: o.up ?? false, batchSize, maxMtu, headroom, slotBytes, offload: o.offload ?? false };
}

export function checkMtu(mtu: number, maxMtu: number): void {
  checkInt('mtu', mtu, MIN_TAP_MTU, maxMtu);
}

function checkInt(what: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${what} must be an integer in ${min}…${max}, got ${v}`);
}

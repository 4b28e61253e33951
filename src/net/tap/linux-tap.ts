// LinuxTap: the Tap interface (tap.ts) over a real Linux TAP device through the native addon
// (spec 06 §8.2–8.4). Opening creates the interface in the calling process's network
// namespace, and it must stay there (see "Network namespace" in tap.ts); closing removes it. Reads arrive in batches, one callback per event-loop wakeup, written
// by the addon straight into this object's slab (STYLE §4).
//
// Set-up order: attach (TUNSETIFF, not persistent) → MAC → MTU → up. ZeroTier 1.14.1 sets
// the MAC, brings the device up, sets the MAC again and then the MTU, with ~100 ms pauses;
// on current kernels a TAP takes a new MAC while up (IFF_LIVE_ADDR_CHANGE), so one pass in
// this order gives the same end state without pauses.
import { existsSync } from 'node:fs';
import { loadTapAddon, type NativeTapAddon, type NativeTapHandle } from './addon.js';
import { TapClosedError, tapErrorFrom, type TapError } from './errors.js';
import { SlabFrameBatch } from './frame-batch.js';
import { writeMac } from '../../protocol/member-mac.js';
import { isValidInterfaceName } from './names.js';
import { checkMtu, ETHERNET_HEADER_BYTES, resolveTapOptions, writableFrame, type FrameBatch, type Tap, type TapOptions } from './tap.js';
import { ConfigError } from '../../util/errors.js';

const IFF_UP = 0x1;

/** True if an interface of this name exists in our namespace (06 §8.1's collision test). */
export function linuxInterfaceExists(name: string): boolean {
  return existsSync(`/proc/sys/net/ipv4/conf/${name}`);
}

export class LinuxTap implements Tap {
  readonly name: string;
  readonly batchSize: number;
  readonly headroom: number;
  readonly maxMtu: number;
  framesReadTotal = 0;
  readCallbacksTotal = 0;
  framesWrittenTotal = 0;
  writeDropsTotal = 0;

  private mtuNow: number;
  private macNow: number;
  private up = false;
  private isClosed = false;
  private frameCb: ((batch: FrameBatch) => void) | null = null;
  private errorCb: ((err: TapError) => void) | null = null;
  private readonly batch: SlabFrameBatch;
  private readonly addon: NativeTapAddon;
  private readonly handle: NativeTapHandle;

  /** Creates and configures the device; throws TapError (errno EBUSY: name taken by another TAP). */
  static open(options: TapOptions): LinuxTap {
    return new LinuxTap(options);
  }

  private constructor(options: TapOptions) {
    const o = resolveTapOptions(options);
    if (!isValidInterfaceName(o.name)) throw new ConfigError(`bad interface name ${JSON.stringify(o.name)}`);
    this.addon = loadTapAddon();
    this.batchSize = o.batchSize;
    this.headroom = o.headroom;
    this.maxMtu = o.maxMtu;
    this.batch = new SlabFrameBatch(o.batchSize, o.slotBytes, o.headroom);
    const b = this.batch;
    try {
      this.handle = this.addon.open(o.name, o.batchSize, o.slotBytes, o.headroom, b.slab.buffer as ArrayBuffer, b.lengths, (n, errno) => this.onRead(n, errno), o.offload);
    } catch (e) {
      throw tapErrorFrom('open', o.name, e);
    }
    this.name = this.handle.name;
    try {
      if (o.mac !== undefined) {
        const mac = new Uint8Array(6);
        writeMac(mac, 0, o.mac);
        this.addon.setMacByName(this.name, mac);
      }
      this.addon.setMtuByName(this.name, o.mtu);
      if (o.up) this.addon.setUpByName(this.name, true);
      const info = this.addon.getInfoByName(this.name);
      this.macNow = info.mac;
      this.mtuNow = info.mtu;
      this.up = (info.flags & IFF_UP) !== 0;
    } catch (e) {
      this.addon.close(this.handle);
      throw tapErrorFrom('configure', this.name, e, true);
    }
  }

  get mtu(): number {
    return this.mtuNow;
  }
  get mac(): number {
    return this.macNow;
  }
  get isUp(): boolean {
    return this.up;
  }
  get closed(): boolean {
    return this.isClosed;
  }

  onFrames(cb: ((batch: FrameBatch) => void) | null): void {
    this.assertOpen('onFrames');
    this.frameCb = cb;
    try {
      this.addon.setReading(this.handle, cb !== null);
    } catch (e) {
      throw tapErrorFrom('poll', this.name, e);
    }
  }

  onError(cb: ((err: TapError) => void) | null): void {
    this.errorCb = cb;
  }

  write(frame: Uint8Array): boolean {
    this.assertOpen('write');
    let ok = writableFrame(frame, this.mtuNow);
    if (ok) {
      try {
        ok = this.addon.write(this.handle, frame);
      } catch (e) {
        throw tapErrorFrom('write', this.name, e);
      }
    }
    if (ok) this.framesWrittenTotal++;
    else this.writeDropsTotal++;
    return ok;
  }

  writeBatch(frames: readonly Uint8Array[]): number {
    this.assertOpen('writeBatch');
    for (const f of frames) {
      // Rare: fall back to one at a time so the bad frame alone is dropped.
      if (!writableFrame(f, this.mtuNow)) return this.writeEach(frames);
    }
    let n: number;
    try {
      n = this.addon.writeBatch(this.handle, frames, frames.length);
    } catch (e) {
      throw tapErrorFrom('write', this.name, e);
    }
    this.framesWrittenTotal += n;
    this.writeDropsTotal += frames.length - n;
    return n;
  }

  writeFrames(slab: Uint8Array, slotBytes: number, lengths: Uint32Array, count: number): number {
    this.assertOpen('writeFrames');
    for (let i = 0; i < count; i++) {
      if (lengths[i] > slotBytes) throw new RangeError(`frame ${i} is ${lengths[i]} bytes, more than a slot of ${slotBytes}`);
      if (lengths[i] < ETHERNET_HEADER_BYTES || lengths[i] > this.mtuNow + ETHERNET_HEADER_BYTES) {
        // Rare: one at a time, so the bad frame alone is dropped.
        let n = 0;
        for (let j = 0; j < count; j++) if (this.write(slab.subarray(j * slotBytes, j * slotBytes + lengths[j]))) n++;
        return n;
      }
    }
    let n: number;
    try {
      n = this.addon.writeFrames(this.handle, slab, slotBytes, lengths, count);
    } catch (e) {
      throw tapErrorFrom('write', this.name, e);
    }
    this.framesWrittenTotal += n;
    this.writeDropsTotal += count - n;
    return n;
  }

  setMtu(mtu: number): void {
    this.assertOpen('setMtu');
    checkMtu(mtu, this.maxMtu);
    try {
      this.addon.setMtuByName(this.name, mtu);
    } catch (e) {
      throw tapErrorFrom('setMtu', this.name, e, true);
    }
    this.mtuNow = mtu;
  }

  setUp(up: boolean): void {
    this.assertOpen('setUp');
    try {
      this.addon.setUpByName(this.name, up);
    } catch (e) {
      throw tapErrorFrom('setUp', this.name, e, true);
    }
    this.up = up;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.frameCb = null;
    this.addon.close(this.handle);
  }

  /** TCP super-frames the kernel handed over and the frames cut from them (offload only). */
  offloadStats(): { superFrames: number; segments: number; malformed: number; coalescedWrites: number; coalescedSegments: number } {
    return this.addon.offloadStats(this.handle);
  }

  private writeEach(frames: readonly Uint8Array[]): number {
    let n = 0;
    for (const f of frames) if (this.write(f)) n++;
    return n;
  }

  private onRead(count: number, errno: string | null): void {
    const cb = this.frameCb;
    if (count > 0 && cb && !this.isClosed) {
      this.framesReadTotal += count;
      this.readCallbacksTotal++;
      this.batch.count = count;
      try {
        cb(this.batch);
      } finally {
        this.batch.count = 0;
      }
    }
    if (errno !== null && !this.isClosed) {
      // EDETACHED is the addon's own name: JS transferred the slab, so it stopped rather than write into it.
      const why = errno === 'EDETACHED' ? 'the read slab was detached (transferred) by JavaScript' : `read ${errno}`;
      const err = tapErrorFrom('read', this.name, { code: errno, message: `${why}; reading stopped` });
      if (this.errorCb) this.errorCb(err);
      else throw err;
    }
  }

  private assertOpen(op: string): void {
    if (this.isClosed) throw new TapClosedError(this.name, op);
  }
}

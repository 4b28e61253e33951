// FakeTap: the Tap interface (tap.ts) in memory, for node/service tests and simulations.
// The test plays "the host's kernel": `inject` puts frames on the device's read queue,
// `written`/`takeWritten` show what the Tap wrote. It keeps the same contract as LinuxTap
// (the compliance suite checks both): batches of at most batchSize per wakeup, views valid
// only during the callback, drops counted instead of thrown, close idempotent.
//
// Wakeups: with `autoDeliver` (default) a wakeup is scheduled with setImmediate when frames
// are queued, like an fd becoming readable; simulations on a virtual clock pass
// `autoDeliver: false` and call `deliver()` themselves.
import { TapClosedError, TapError } from './errors.js';
import { SlabFrameBatch } from './frame-batch.js';
import { checkMtu, resolveTapOptions, writableFrame, type FrameBatch, type Tap, type TapOptions } from './tap.js';

export interface FakeTapOptions extends TapOptions {
  /** Schedule wakeups on the event loop (default true); false: call deliver(). */
  autoDeliver?: boolean;
  /** Read-queue length beyond which injected frames are dropped (the kernel's txqueuelen). */
  queueLimit?: number;
}

/** Locally administered MAC for a fake that was given none. */
const FAKE_DEFAULT_MAC = 0x02_00_00_00_00_01;

export class FakeTap implements Tap {
  readonly name: string;
  readonly batchSize: number;
  readonly headroom: number;
  readonly maxMtu: number;
  readonly mac: number;
  framesReadTotal = 0;
  readCallbacksTotal = 0;
  framesWrittenTotal = 0;
  writeDropsTotal = 0;
  /** Injected frames the queue had no room for, or that came while the Tap was down. */
  injectDropsTotal = 0;
  /** Copies of the frames the Tap accepted for writing, oldest first. */
  readonly written: Uint8Array[] = [];

  private mtuNow: number;
  private up: boolean;
  private isClosed = false;
  private frameCb: ((batch: FrameBatch) => void) | null = null;
  private errorCb: ((err: TapError) => void) | null = null;
  private readonly queue: Uint8Array[] = [];
  private readonly batch: SlabFrameBatch;
  private readonly autoDeliver: boolean;
  private readonly queueLimit: number;
  private scheduled = false;
  private refuseWrites = 0;

  constructor(options: FakeTapOptions) {
    const o = resolveTapOptions(options);
    this.name = o.name;
    this.batchSize = o.batchSize;
    this.headroom = o.headroom;
    this.maxMtu = o.maxMtu;
    this.mtuNow = o.mtu;
    this.mac = o.mac ?? FAKE_DEFAULT_MAC;
    this.up = o.up;
    this.batch = new SlabFrameBatch(o.batchSize, o.slotBytes, o.headroom);
    this.autoDeliver = options.autoDeliver ?? true;
    this.queueLimit = options.queueLimit ?? 1000;
  }

  get mtu(): number {
    return this.mtuNow;
  }
  get isUp(): boolean {
    return this.up;
  }
  get closed(): boolean {
    return this.isClosed;
  }
  /** Frames queued and not yet delivered. */
  get pending(): number {
    return this.queue.length;
  }

  // ---- the test's side ----------------------------------------------------------------

  /**
   * The host sends `frame` out of this interface (a copy is queued). False if dropped: the
   * interface is down (a down interface transmits nothing) or the queue is full. Throws
   * RangeError for a frame no slot could hold.
   */
  inject(frame: Uint8Array): boolean {
    if (frame.length === 0 || frame.length > this.batch.frameCapacity) {
      throw new RangeError(`injected frame of ${frame.length} bytes; a slot holds 1…${this.batch.frameCapacity}`);
    }
    if (this.isClosed || !this.up || this.queue.length >= this.queueLimit) {
      this.injectDropsTotal++;
      return false;
    }
    this.queue.push(frame.slice());
    this.schedule();
    return true;
  }

  /** One wakeup: up to batchSize queued frames to the consumer in one callback. */
  deliver(): number {
    const cb = this.frameCb;
    if (!cb || this.isClosed || this.queue.length === 0) return 0;
    const b = this.batch;
    const n = Math.min(b.batchSize, this.queue.length);
    for (let i = 0; i < n; i++) {
      const f = this.queue.shift()!;
      b.slab.set(f, i * b.slotBytes + b.headroom);
      b.lengths[i] = f.length;
    }
    this.framesReadTotal += n;
    this.readCallbacksTotal++;
    b.count = n;
    try {
      cb(b);
    } finally {
      b.count = 0;
    }
    return n;
  }

  /** The written frames so far, removed from `written`. */
  takeWritten(): Uint8Array[] {
    return this.written.splice(0, this.written.length);
  }

  /** The next `n` writes are refused as by a full device queue (EAGAIN). */
  refuseNextWrites(n: number): void {
    this.refuseWrites = n;
  }

  /** Reports a read failure as LinuxTap does when its device vanishes: reading stops. */
  failReads(errno = 'EBADFD'): void {
    const err = new TapError('read', this.name, errno, `read ${errno}; reading stopped`);
    this.frameCb = null;
    if (this.errorCb) this.errorCb(err);
    else throw err;
  }

  // ---- the Tap interface --------------------------------------------------------------

  onFrames(cb: ((batch: FrameBatch) => void) | null): void {
    this.assertOpen('onFrames');
    this.frameCb = cb;
    this.schedule();
  }

  onError(cb: ((err: TapError) => void) | null): void {
    this.errorCb = cb;
  }

  write(frame: Uint8Array): boolean {
    this.assertOpen('write');
    if (!writableFrame(frame, this.mtuNow) || !this.up || this.refuseWrites > 0) {
      if (this.refuseWrites > 0) this.refuseWrites--;
      this.writeDropsTotal++;
      return false;
    }
    this.written.push(frame.slice());
    this.framesWrittenTotal++;
    return true;
  }

  writeBatch(frames: readonly Uint8Array[]): number {
    this.assertOpen('writeBatch');
    let n = 0;
    for (const f of frames) if (this.write(f)) n++;
    return n;
  }

  writeFrames(slab: Uint8Array, slotBytes: number, lengths: Uint32Array, count: number): number {
    this.assertOpen('writeFrames');
    let n = 0;
    for (let i = 0; i < count; i++) if (this.write(slab.subarray(i * slotBytes, i * slotBytes + lengths[i]))) n++;
    return n;
  }

  setMtu(mtu: number): void {
    this.assertOpen('setMtu');
    checkMtu(mtu, this.maxMtu);
    this.mtuNow = mtu;
  }

  setUp(up: boolean): void {
    this.assertOpen('setUp');
    this.up = up;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.frameCb = null;
    this.queue.length = 0;
  }

  private schedule(): void {
    if (!this.autoDeliver || this.scheduled || !this.frameCb || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.deliver();
      this.schedule(); // level-triggered: more waiting means another wakeup
    });
  }

  private assertOpen(op: string): void {
    if (this.isClosed) throw new TapClosedError(this.name, op);
  }
}

// Growable big-endian writer for encoders that do not know their size up front.
// Encoders that do (the packet hot path) write into caller buffers instead.

export class Writer {
  private buf: Uint8Array;
  pos = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
  }

  private ensure(n: number): number {
    const p = this.pos;
    if (p + n > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < p + n) cap *= 2;
      const nb = new Uint8Array(cap);
      nb.set(this.buf.subarray(0, p));
      this.buf = nb;
    }
    this.pos = p + n;
    return p;
  }

  u8(v: number): this {
    // ensure() first: `this.buf[this.ensure(1)]` would pick the buffer before a growth
    // replaces it and write the byte into the discarded one.
    const p = this.ensure(1);
    this.buf[p] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    const p = this.ensure(2);
    this.buf[p] = (v >>> 8) & 0xff;
    this.buf[p + 1] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    const p = this.ensure(4);
    this.buf[p] = (v >>> 24) & 0xff;
    this.buf[p + 1] = (v >>> 16) & 0xff;
    this.buf[p + 2] = (v >>> 8) & 0xff;
    this.buf[p + 3] = v & 0xff;
    return this;
  }

  /** 40-bit big-endian (a ZeroTier address). */
  u40(v: number): this {
    const p = this.ensure(5);
    this.buf[p] = Math.floor(v / 0x100000000) & 0xff;
    const lo = v >>> 0;
    this.buf[p + 1] = (lo >>> 24) & 0xff;
    this.buf[p + 2] = (lo >>> 16) & 0xff;
    this.buf[p + 3] = (lo >>> 8) & 0xff;
    this.buf[p + 4] = lo & 0xff;
    return this;
  }

  u64(v: bigint): this {
    this.u32(Number((v >> 32n) & 0xffffffffn));
    this.u32(Number(v & 0xffffffffn));
    return this;
  }

  bytes(b: Uint8Array): this {
    const p = this.ensure(b.length);
    this.buf.set(b, p);
    return this;
  }

  /** Patch a u16 at an earlier position (length prefixes). */
  setU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

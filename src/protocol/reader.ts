// The one bounded reader every decoder goes through (STYLE §3). It never reads past
// `end`; a short read throws DecodeError naming the field and its offset.
import { DecodeError } from '../util/errors.js';

export class Reader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  hasMore(): boolean {
    return this.pos < this.end;
  }

  private need(n: number, field: string): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) throw new DecodeError(field, p);
    this.pos = p + n;
    return p;
  }

  u8(field: string): number {
    return this.buf[this.need(1, field)];
  }

  u16(field: string): number {
    const p = this.need(2, field);
    return (this.buf[p] << 8) | this.buf[p + 1];
  }

  u32(field: string): number {
    const p = this.need(4, field);
    const b = this.buf;
    return ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  }

  /** 40-bit big-endian integer (a ZeroTier address) as a safe number. */
  u40(field: string): number {
    const p = this.need(5, field);
    const b = this.buf;
    return b[p] * 0x100000000 + (((b[p + 1] << 24) >>> 0) + ((b[p + 2] << 16) | (b[p + 3] << 8) | b[p + 4]));
  }

  u64(field: string): bigint {
    const hi = this.u32(field);
    const lo = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A view (not a copy) of the next n bytes. The caller must copy if it keeps them past the buffer's life. */
  bytes(n: number, field: string): Uint8Array {
    const p = this.need(n, field);
    return this.buf.subarray(p, p + n);
  }

  skip(n: number, field: string): void {
    this.need(n, field);
  }

  /** Everything left, as a view. */
  rest(): Uint8Array {
    const p = this.pos;
    this.pos = this.end;
    return this.buf.subarray(p, this.end);
  }

  fail(field: string, reason: string): never {
    throw new DecodeError(field, this.pos, reason);
  }
}

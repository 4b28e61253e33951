// Deterministic pseudo-random numbers for simulations: xoshiro128** seeded through
// splitmix32. Not for cryptography (the sim hands these bytes to nodes as "secure" random,
// which is fine because nothing simulated is secret).
//
// One seed per scenario; `fork(label)` derives an independent sub-stream from the seed and
// a label (e.g. "host:a", "net", "nat:office"), never from the parent's current position,
// so adding a host or drawing more numbers in one place does not shift any other stream.

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a string: turns labels and string seeds into numbers. */
function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class SeededRandom {
  /** The 32-bit seed this stream was built from (after hashing a string seed). */
  readonly seed: number;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number | string) {
    this.seed = typeof seed === 'string' ? hashString(seed) : ((seed >>> 0) ^ (Math.floor(seed / 0x100000000) | 0)) >>> 0;
    const st = { s: this.seed };
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** An independent stream named `label`, derived from this stream's seed only. */
  fork(label: string): SeededRandom {
    return new SeededRandom(hashString(label, this.seed ^ 0x811c9dc5));
  }

  /** Next 32-bit unsigned value. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform integer in [0, n), without modulo bias. n must be in 1..2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x100000000) throw new RangeError(`SeededRandom.int: bad bound ${n}`);
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.u32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** True with probability p. p ≤ 0 never draws (so a lossless link leaves the stream alone). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    return this.float() < p;
  }

  /** Fills `into` with random bytes (the NodeHost.random contract). */
  fill(into: Uint8Array): void {
    let i = 0;
    while (i + 4 <= into.length) {
      const x = this.u32();
      into[i++] = x & 0xff;
      into[i++] = (x >>> 8) & 0xff;
      into[i++] = (x >>> 16) & 0xff;
      into[i++] = x >>> 24;
    }
    if (i < into.length) {
      let x = this.u32();
      while (i < into.length) {
        into[i++] = x & 0xff;
        x >>>= 8;
      }
    }
  }
}

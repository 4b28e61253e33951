// The decoder property of STYLE §11: random, truncated and bit-flipped bytes make a decoder
// either succeed or throw DecodeError — never any other exception, never a hang.
import assert from 'node:assert/strict';
import { DecodeError } from '../../src/util/errors.js';
import { Prng } from './prng.js';

export interface FuzzOptions {
  /** Valid encodings to truncate and mutate; random bytes are always tried too. */
  seeds?: Uint8Array[];
  iterations?: number;
  maxRandomBytes?: number;
  seed?: number;
  /** Other error classes the decoder may legitimately throw (rare; say why at the call). */
  allow?: Array<new (...args: never[]) => Error>;
}

export function fuzzDecoder(name: string, decode: (b: Uint8Array) => unknown, opts: FuzzOptions = {}): void {
  const rnd = new Prng(opts.seed ?? 12345);
  const iterations = opts.iterations ?? 2000;
  const maxLen = opts.maxRandomBytes ?? 300;
  const tryOne = (b: Uint8Array, what: string): void => {
    try {
      decode(b);
    } catch (e) {
      if (e instanceof DecodeError) return;
      if (opts.allow?.some((c) => e instanceof c)) return;
      assert.fail(`${name}: ${what} (${b.length} bytes) threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    }
  };
  for (let i = 0; i < iterations; i++) tryOne(rnd.bytes(rnd.int(maxLen + 1)), 'random input');
  for (const s of opts.seeds ?? []) {
    for (let n = 0; n < s.length; n++) tryOne(s.subarray(0, n), `truncated to ${n}`);
    for (let i = 0; i < Math.min(iterations, 20 * s.length); i++) {
      const m = s.slice();
      const k = 1 + rnd.int(3);
      for (let j = 0; j < k; j++) m[rnd.int(m.length || 1)] ^= 1 << rnd.int(8);
      tryOne(m, 'bit-flipped');
      const cut = m.subarray(0, rnd.int(m.length + 1));
      tryOne(cut, 'bit-flipped and truncated');
    }
  }
}

// The credential decoders must consume exactly what the length scanners of
// verbs/credential-lengths.ts skip (so NETWORK_CREDENTIALS stays in step), and fail where
// they fail. Checked over truncated and bit-flipped copies of valid encodings.
import assert from 'node:assert/strict';
import { Reader } from '../../src/protocol/reader.js';
import { DecodeError } from '../../src/util/errors.js';
import { Prng } from './prng.js';

function consumed(read: (r: Reader) => unknown, b: Uint8Array): number | 'error' {
  const r = new Reader(b);
  try {
    read(r);
    return r.pos;
  } catch (e) {
    if (e instanceof DecodeError) return 'error';
    throw e;
  }
}

/**
 * `isDecoderStricter(b)` names inputs the decoder may refuse although the scanner skips
 * them (say why at the call).
 */
export function assertAgreesWithScanner(
  decode: (r: Reader) => unknown,
  scan: (r: Reader) => Uint8Array,
  seeds: Uint8Array[],
  isDecoderStricter: (b: Uint8Array) => boolean = () => false,
): void {
  const rnd = new Prng(777);
  const check = (b: Uint8Array): void => {
    const d = consumed(decode, b);
    const s = consumed(scan, b);
    if (d === 'error' && s !== 'error' && isDecoderStricter(b)) return;
    assert.equal(d, s, `decoder consumed ${d}, scanner ${s}, on ${Buffer.from(b).toString('hex')}`);
  };
  for (const seed of seeds) {
    for (let n = 0; n <= seed.length; n++) check(seed.subarray(0, n));
    for (let i = 0; i < 400; i++) {
      const m = seed.slice();
      m[rnd.int(m.length)] ^= 1 << rnd.int(8);
      check(m);
    }
  }
}

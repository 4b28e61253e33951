// Writer: growth keeps every byte, whichever method triggers it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writer } from '../../../src/protocol/writer.js';
import { toHex } from '../../../src/util/hex.js';

test('a u8 that makes the buffer grow is kept (it once went to the discarded buffer)', () => {
  const w = new Writer(1);
  w.u8(0xaa).u8(0xbb).u8(0xcc).u8(0xdd).u8(0xee);
  assert.equal(toHex(w.finish()), 'aabbccddee');
});

test('every width across growth boundaries', () => {
  for (let initial = 1; initial <= 8; initial++) {
    const w = new Writer(initial);
    w.u8(1).u16(0x0203).u32(0x04050607).u40(0x08090a0b0c).u64(0x0d0e0f1011121314n).bytes(Uint8Array.of(0x15, 0x16)).u8(0x17);
    assert.equal(toHex(w.finish()), '0102030405060708090a0b0c0d0e0f1011121314151617', `initial size ${initial}`);
  }
});

// LZ4 raw block codec (02 §6): hand-built blocks with their expected output, the
// capacity rules of LZ4_decompress_safe 1.7.5, malformed blocks, round trips through our
// compressor, the sender rule, and (when the `lz4` command is installed) a cross-check
// against the reference implementation in both directions.
//
// The hand-built blocks and their outputs were also run through the LZ4 1.7.5 decoder
// embedded in 1.14.1's node/Packet.cpp (compiled outside the repository); it accepts and
// rejects exactly the same ones, except offset 0 (see lz4.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DecodeError } from '../../../src/util/errors.js';
import { hex, toHex } from '../../../src/util/hex.js';
import { lz4Compress, lz4CompressBound, lz4Decompress, maybeCompress } from '../../../src/protocol/lz4.js';
import { assertInSpec } from '../../helpers/shared.js';
import { fuzzDecoder } from '../../helpers/property.js';
import { Prng } from '../../helpers/prng.js';

/** 02 §6 and §8: 10 024 − 28. */
const MAX_PAYLOAD_BYTES = 9996;

function repeat(byte: number, n: number): string {
  return toHex(new Uint8Array(n).fill(byte));
}

function decodesTo(blockHex: string, expectedHex: string, maxOut = MAX_PAYLOAD_BYTES): void {
  assert.equal(toHex(lz4Decompress(hex(blockHex), maxOut)), expectedHex.replace(/\s+/g, ''));
}

function rejects(blockHex: string, reason: string, maxOut = MAX_PAYLOAD_BYTES): void {
  assert.throws(() => lz4Decompress(hex(blockHex), maxOut), (e: unknown) => {
    assert.ok(e instanceof DecodeError, `expected DecodeError, got ${String(e)}`);
    assert.equal(e.field, 'lz4');
    assert.equal(e.code, `decode_${reason}`);
    return true;
  });
}

/** Test inputs of many shapes; every one is deterministic. */
function corpus(): Array<{ name: string; data: Uint8Array }> {
  const rnd = new Prng(2024);
  const text = new TextEncoder().encode(
    'ZeroTier network config: name=office, mtu=2800, multicastLimit=32, rules: accept ipv4 arp ipv6; ' +
    'the quick brown fox jumps over the lazy dog 0123456789 ',
  );
  const out: Array<{ name: string; data: Uint8Array }> = [];
  const sizes = [0, 1, 4, 5, 11, 12, 13, 14, 15, 16, 17, 19, 20, 31, 64, 65, 255, 256, 270, 271, 1000, 1400, 2800, 4096, 9996, 10000];
  for (const n of sizes) {
    out.push({ name: `zeros ${n}`, data: new Uint8Array(n) });
    out.push({ name: `random ${n}`, data: rnd.bytes(n) });
    const t = new Uint8Array(n);
    for (let i = 0; i < n; i++) t[i] = text[i % text.length];
    out.push({ name: `text ${n}`, data: t });
    const p = new Uint8Array(n);
    for (let i = 0; i < n; i++) p[i] = (i % 3 === 0 ? 7 : i % 5) + ((i >> 9) & 1);
    out.push({ name: `pattern ${n}`, data: p });
    // Random bytes with repeats copied from a little earlier: the shape of real payloads.
    const m = rnd.bytes(n);
    for (let i = 8; i < n; i++) if (rnd.int(4) !== 0) m[i] = m[i - 1 - rnd.int(8)];
    out.push({ name: `mixed ${n}`, data: m });
  }
  for (let k = 0; k < 60; k++) {
    const n = rnd.int(10001);
    const d = rnd.bytes(n);
    const period = 1 + rnd.int(300);
    for (let i = period; i < n; i++) if (rnd.int(10) !== 0) d[i] = d[i - period];
    out.push({ name: `periodic ${period} ${n}`, data: d });
  }
  return out;
}

/**
 * Walks a block's sequences and checks the end-of-block rules of the LZ4 block format:
 * the last sequence is literals only and at least 5 long (unless the input is shorter),
 * and no match starts within 12 bytes of the end.
 */
function checkEndOfBlockRules(block: Uint8Array, n: number): void {
  let ip = 0;
  let op = 0;
  for (;;) {
    const token = block[ip++];
    let lit = token >> 4;
    if (lit === 15) { let s; do { s = block[ip++]; lit += s; } while (s === 255); }
    ip += lit;
    op += lit;
    if (ip === block.length) break;
    assert.ok(op <= n - 12, `match starts at ${op}, within 12 bytes of the end (${n})`);
    ip += 2;
    let ml = token & 15;
    if (ml === 15) { let s; do { s = block[ip++]; ml += s; } while (s === 255); }
    op += ml + 4;
    assert.ok(op <= n - 5, `match ends at ${op}, inside the last 5 bytes (${n})`);
  }
  assert.equal(op, n);
}

describe('lz4Decompress: hand-built blocks', () => {
  it('decodes the literal-only block observed as a compressed ECHO (02 §6)', () => {
    assertInSpec('02-packets.md', '50 deadbeef03');
    decodesTo('50 deadbeef03', 'deadbeef03');
  });

  it('copies overlapping matches: offset 1 repeats one byte (run-length)', () => {
    // token 1f: 1 literal, match 15+; "a"; offset 1; extension 0b → 4+15+11 = 30; then "bcdef".
    decodesTo('1f 61 0100 0b 50 6263646566', repeat(0x61, 31) + '6263646566');
  });

  it('copies overlapping matches with offset 2', () => {
    // "ab", then 10 bytes from 2 back, then "cdefg".
    decodesTo('26 6162 0200 50 6364656667', '616261626162616261626162 6364656667');
  });

  it('reads literal lengths with 255 extensions', () => {
    const lits = Uint8Array.from({ length: 535 }, (_, i) => i % 251);
    // 15 + 255 + 255 + 10 = 535
    decodesTo('f0 ff ff 0a' + toHex(lits), toHex(lits));
    // exactly 15 literals still needs one extension byte (0)
    decodesTo('f0 00' + repeat(0x11, 15), repeat(0x11, 15));
  });

  it('reads match lengths with 255 extensions', () => {
    // match 4 + 15 + 255 + 3 = 277, after one literal "x"
    decodesTo('1f 78 0100 ff 03 50 0102030405', repeat(0x78, 278) + '0102030405');
    // match nibble 15 with extension 0: 19 bytes
    decodesTo('1f 78 0100 00 50 0102030405', repeat(0x78, 20) + '0102030405');
  });

  it('decodes the shortest match (nibble 0 = 4 bytes)', () => {
    decodesTo('10 aa 0100 50 01020304ff', repeat(0xaa, 5) + '01020304ff');
  });

  it('accepts an empty last sequence and ignores its match nibble', () => {
    decodesTo('00', '');
    decodesTo('0f', '');
  });
});

describe('lz4Decompress: output capacity (LZ4_decompress_safe rules)', () => {
  it('enforces maxOut: 9 997 literals do not fit 9 996 bytes', () => {
    // 15 + 39 × 255 + 37 = 9 997
    const block = 'f0' + 'ff'.repeat(39) + '25' + repeat(0xab, 9997);
    rejects(block, 'output_overflow', MAX_PAYLOAD_BYTES);
    assert.equal(lz4Decompress(hex(block), 9997).length, 9997);
  });

  it('rejects a match ending within 5 bytes of maxOut, even if the output would fit', () => {
    const block = '16 61 0100 50 6263646566'; // "a" ×11 then "bcdef": 16 bytes
    decodesTo(block, repeat(0x61, 11) + '6263646566', 16);
    rejects(block, 'match_past_output', 15);
  });

  it('treats literals ending within 12 bytes of maxOut as the last sequence', () => {
    const block = '50 0102030405 0100 50 0607080900'; // 14 bytes of output
    decodesTo(block, '0102030405 05050505 0607080900', 17);
    rejects(block, 'last_sequence_not_at_end', 16);
  });

  it('maxOut 0 accepts only the block 00', () => {
    assert.equal(lz4Decompress(hex('00'), 0).length, 0);
    rejects('0f', 'output_overflow', 0);
    rejects('10 aa', 'output_overflow', 0);
  });
});

describe('lz4Decompress: malformed blocks', () => {
  const cases: Array<[string, string, string]> = [
    ['empty input', '', 'empty'],
    ['offset 0', '10 aa 0000 50 01020304ff', 'offset_zero'],
    ['offset before the start of the output', '10 aa 0200 50 01020304ff', 'offset_before_output'],
    ['literals running past the input', '60 0102030405', 'literals_past_input'],
    ['truncated literal length (no extension byte)', 'f0', 'literal_length_truncated'],
    ['truncated literal length (after a 255)', 'f0 ff', 'literal_length_truncated'],
    ['literal extension too long for the input', 'f0 ff ff' + repeat(0, 20), 'literals_past_input'],
    ['match length running into the last 5 bytes', '1f 61 0100 ffffffffffff', 'match_length_truncated'],
    ['block ending right after a match', '14 61 0100', 'last_sequence_not_at_end'],
    ['bytes after the last literals', '50 0102030405 00', 'last_sequence_not_at_end'],
  ];
  for (const [what, block, reason] of cases) it(`rejects ${what}`, () => rejects(block, reason));

  it('rejects a match running past maxOut', () => {
    // offset 1, match 4 + 15 + 255 × 40 bytes into a 9 996-byte buffer
    rejects('1f 61 0100' + 'ff'.repeat(40) + '00 50 0102030405', 'match_past_output');
  });

  it('only ever throws DecodeError (fuzz with valid seeds)', () => {
    const seeds = corpus().filter((c) => c.data.length <= 3000).slice(0, 40).map((c) => lz4Compress(c.data));
    seeds.push(hex('50 deadbeef03'), hex('1f 61 0100 0b 50 6263646566'), hex('1f 78 0100 ff 03 50 0102030405'));
    fuzzDecoder('lz4Decompress', (b) => lz4Decompress(b, MAX_PAYLOAD_BYTES), { seeds, iterations: 1500 });
    fuzzDecoder('lz4Decompress small maxOut', (b) => lz4Decompress(b, 20), { seeds: seeds.slice(0, 10), iterations: 500, seed: 99 });
  });
});

describe('lz4Compress', () => {
  it('round-trips zeros, text, patterns and random data of sizes 0…10000', () => {
    for (const { name, data } of corpus()) {
      const block = lz4Compress(data);
      assert.ok(block.length <= lz4CompressBound(data.length), `${name}: over the bound`);
      // exact capacity works because the end-of-block rules are respected
      assert.deepEqual(lz4Decompress(block, data.length), data, name);
      checkEndOfBlockRules(block, data.length);
    }
  });

  it('writes an empty input as the single token 00', () => {
    assert.equal(toHex(lz4Compress(new Uint8Array(0))), '00');
  });

  it('keeps inputs under 13 bytes as literals', () => {
    assert.equal(toHex(lz4Compress(new Uint8Array(12))), 'c0' + repeat(0, 12));
  });

  it('actually compresses', () => {
    assert.ok(lz4Compress(new Uint8Array(10000)).length < 60);
    const text = corpus().find((c) => c.name === 'text 1400')!.data;
    assert.ok(lz4Compress(text).length < 400);
  });

  it('leaves its inputs untouched and returns fresh buffers', () => {
    const data = corpus().find((c) => c.name === 'mixed 2800')!.data;
    const copy = data.slice();
    const a = lz4Compress(data);
    const b = lz4Compress(data);
    assert.deepEqual(data, copy);
    assert.deepEqual(a, b);
    assert.notEqual(a.buffer, b.buffer);
  });
});

describe('maybeCompress (sender rule, 02 §6)', () => {
  it('never compresses payloads of 64 bytes or less', () => {
    assert.equal(maybeCompress(new Uint8Array(64)), null);
    assert.equal(maybeCompress(new Uint8Array(0)), null);
  });

  it('compresses a compressible 65-byte payload', () => {
    const block = maybeCompress(new Uint8Array(65));
    assert.ok(block !== null && block.length < 65);
    assert.deepEqual(lz4Decompress(block, MAX_PAYLOAD_BYTES), new Uint8Array(65));
  });

  it('returns null unless strictly shorter, and otherwise the same block as lz4Compress', () => {
    for (const { name, data } of corpus()) {
      const full = lz4Compress(data);
      const got = maybeCompress(data);
      if (data.length > 64 && full.length < data.length) assert.deepEqual(got, full, name);
      else assert.equal(got, null, name);
    }
  });
});

// ---- cross-check with the reference implementation (liblz4 via the `lz4` command) ----

const hasLz4Cli = spawnSync('lz4', ['--version']).status === 0;

/** The legacy frame (magic 184c2102, then u32le size + block) needs no checksums. */
function legacyFrame(block: Uint8Array): Uint8Array {
  const f = new Uint8Array(8 + block.length);
  f.set([0x02, 0x21, 0x4c, 0x18, block.length & 0xff, (block.length >> 8) & 0xff, (block.length >> 16) & 0xff, block.length >>> 24]);
  f.set(block, 8);
  return f;
}

function blocksOfLegacyFrame(f: Uint8Array): Uint8Array[] {
  assert.equal(toHex(f.subarray(0, 4)), '02214c18');
  const out: Uint8Array[] = [];
  let p = 4;
  while (p + 4 <= f.length) {
    const n = f[p] | (f[p + 1] << 8) | (f[p + 2] << 16) | (f[p + 3] << 24);
    out.push(f.subarray(p + 4, p + 4 + n));
    p += 4 + n;
  }
  return out;
}

describe('lz4: cross-check with liblz4 (skipped without the lz4 command)', { skip: !hasLz4Cli }, () => {
  const samples = corpus().filter((c) => c.data.length > 0).filter((_, i) => i % 4 === 0);

  it('liblz4 decodes our blocks', () => {
    for (const { name, data } of samples) {
      const r = spawnSync('lz4', ['-d', '-c', '-q'], { input: legacyFrame(lz4Compress(data)) });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.deepEqual(new Uint8Array(r.stdout), data, name);
    }
  });

  it('we decode liblz4 blocks', () => {
    for (const { name, data } of samples) {
      const r = spawnSync('lz4', ['-l', '-c', '-q', '-1'], { input: data });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      const blocks = blocksOfLegacyFrame(new Uint8Array(r.stdout));
      assert.equal(blocks.length, 1);
      assert.deepEqual(lz4Decompress(blocks[0], data.length), data, name);
    }
  });
});

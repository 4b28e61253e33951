// Dictionary (1.14.1 node/Dictionary.hpp; spec 04 not written yet): golden encodings,
// escaping of every byte value, the lenient reading rules, u64 and bool values, and the
// decoder property.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Dictionary,
  NETWORK_CONFIG_METADATA_DICT_CAPACITY_BYTES,
} from '../../../src/protocol/dictionary.js';
import { fuzzDecoder } from '../../helpers/property.js';
import { Prng } from '../../helpers/prng.js';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);

describe('Dictionary: golden encodings', () => {
  it('encodes the config request metadata of a 1.14.1 node on linux/x86_64', () => {
    // Written out by hand from Network::requestConfiguration() in 1.14.1 node/Network.cpp:
    // add(key, (uint64_t)x) for each key in this order (values: ZT_NETWORKCONFIG_VERSION 7,
    // ZT_VENDOR_ZEROTIER 1, ZT_PROTO_VERSION 12, version 1.14.1, ZT_MAX_NETWORK_RULES 1024,
    // ZT_MAX_NETWORK_CAPABILITIES 128, ZT_MAX_CAPABILITY_RULES 64, ZT_MAX_NETWORK_TAGS 128,
    // flags 0, ZT_RULES_ENGINE_REVISION 1), then add("o", ZT_TARGET_NAME). Dictionary.hpp's
    // add() puts "\n" before every entry but the first, and Utils::hex(uint64_t) writes 16
    // zero-padded lower-case digits. The same bytes came out of 1.14.1's Dictionary.hpp
    // compiled into a throwaway program.
    const golden =
      'v=0000000000000007\nvend=0000000000000001\npv=000000000000000c\nmajv=0000000000000001\n' +
      'minv=000000000000000e\nrevv=0000000000000001\nmr=0000000000000400\nmc=0000000000000080\n' +
      'mcr=0000000000000040\nmt=0000000000000080\nf=0000000000000000\nrevr=0000000000000001\n' +
      'o=linux/x86_64';
    const d = new Dictionary();
    for (const [k, v] of [['v', 7n], ['vend', 1n], ['pv', 12n], ['majv', 1n], ['minv', 14n], ['revv', 1n], ['mr', 1024n],
      ['mc', 128n], ['mcr', 64n], ['mt', 128n], ['f', 0n], ['revr', 1n]] as const) d.setU64(k, v);
    d.set('o', 'linux/x86_64');
    assert.equal(text(d.encode()), golden);
    assert.ok(d.encode().length < NETWORK_CONFIG_METADATA_DICT_CAPACITY_BYTES);

    const back = Dictionary.decode(latin1(golden));
    assert.deepEqual([...back.keys()], ['v', 'vend', 'pv', 'majv', 'minv', 'revv', 'mr', 'mc', 'mcr', 'mt', 'f', 'revr', 'o']);
    assert.equal(back.getU64('minv'), 14n);
    assert.equal(back.getString('o'), 'linux/x86_64');
  });

  it('encodes booleans, an address, and a binary value with every escape', () => {
    // By hand from Dictionary.hpp: add(k, bool) writes "1"/"0"; add(k, Address) writes
    // Utils::hex(a.toInt()) (16 digits); binary values escape 00 0d 0a 5c 3d as \0 \r \n
    // \\ \e and copy the rest (here "A" and ff). Confirmed with the compiled header.
    const d = new Dictionary();
    d.setBool('b', true);
    d.setBool('off', false);
    d.set('bin', Uint8Array.of(0x00, 0x0d, 0x0a, 0x5c, 0x3d, 0x41, 0xff));
    d.set('n', 'x=y');
    d.setU64('id', 0x89e92ceee5n);
    assert.equal(text(d.encode()), 'b=1\noff=0\nbin=\\0\\r\\n\\\\\\eA\xff\nn=x\\ey\nid=00000089e92ceee5');
  });

  it('encodes an empty dictionary as no bytes', () => {
    assert.equal(new Dictionary().encode().length, 0);
    assert.equal(Dictionary.decode(new Uint8Array(0)).size, 0);
  });
});

describe('Dictionary: round trips', () => {
  it('round-trips every byte value 0…255 in values', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const d = new Dictionary([['all', all], ['rev', all.slice().reverse()], ['empty', new Uint8Array(0)]]);
    const enc = d.encode();
    // the encoding never contains a raw 00, CR, LF except the separators, and no raw "=" in values
    assert.equal(enc.indexOf(0), -1);
    assert.equal(enc.indexOf(0x0d), -1);
    assert.equal(enc.filter((c) => c === 0x0a).length, 2);
    const back = Dictionary.decode(enc);
    assert.deepEqual(back.get('all'), all);
    assert.deepEqual(back.get('rev'), all.slice().reverse());
    assert.deepEqual(back.get('empty'), new Uint8Array(0));
  });

  it('round-trips every byte value allowed in keys (all but 00, CR, LF and "=")', () => {
    const allowed: number[] = [];
    for (let c = 0; c < 256; c++) if (c !== 0 && c !== 0x0a && c !== 0x0d && c !== 0x3d) allowed.push(c);
    const d = new Dictionary();
    for (const c of allowed) d.set(`k${String.fromCharCode(c)}`, Uint8Array.of(c));
    d.set(String.fromCharCode(...allowed), 'long key');
    const back = Dictionary.decode(d.encode());
    assert.deepEqual([...back.keys()], [...d.keys()]);
    for (const c of allowed) assert.deepEqual(back.get(`k${String.fromCharCode(c)}`), Uint8Array.of(c));
    assert.equal(back.getString(String.fromCharCode(...allowed)), 'long key');
  });

  it('round-trips random binary values', () => {
    const rnd = new Prng(77);
    for (let i = 0; i < 200; i++) {
      const d = new Dictionary();
      const n = rnd.int(6);
      for (let j = 0; j < n; j++) d.set(`key${j}`, rnd.bytes(rnd.int(300)));
      const back = Dictionary.decode(d.encode());
      assert.equal(back.size, n);
      for (const k of d.keys()) assert.deepEqual(back.get(k), d.get(k));
    }
  });

  it('stores a nested dictionary as an escaped value', () => {
    const inner = new Dictionary();
    inner.set('a', '1');
    inner.set('b', 'x\ny');
    const outer = new Dictionary();
    outer.set('inner', inner.encode());
    outer.set('after', 'z');
    assert.equal(text(outer.encode()), 'inner=a\\e1\\nb\\ex\\\\ny\nafter=z');
    const back = Dictionary.decode(Dictionary.decode(outer.encode()).get('inner')!);
    assert.equal(back.getString('b'), 'x\ny');
  });

  it('writes text values as UTF-8', () => {
    const d = new Dictionary();
    d.set('n', '\uFEFFBüro ✓');
    assert.deepEqual(Dictionary.decode(d.encode()).getString('n'), '\uFEFFBüro ✓');
  });
});

describe('Dictionary: reading like 1.14.1', () => {
  const decode = (s: string, capacity?: number): Dictionary => Dictionary.decode(latin1(s), capacity);

  it('takes the first of repeated keys', () => {
    const d = decode('a=1\nb=2\na=3');
    assert.equal(d.getString('a'), '1');
    assert.equal(d.size, 2);
  });

  it('accepts CR, LF and CRLF separators and skips empty lines', () => {
    const d = decode('\r\na=1\r\n\r\nb=2\rc=3\n\n');
    assert.deepEqual([...d.keys()], ['a', 'b', 'c']);
    assert.equal(d.getString('c'), '3');
  });

  it('matches whole keys only', () => {
    const d = decode('abc=1\nab=2');
    assert.equal(d.getString('ab'), '2');
    assert.equal(d.has('a'), false);
    assert.equal(d.has('abcd'), false);
  });

  it('splits at the first "=" and keeps later ones in the value', () => {
    assert.equal(decode('k=a=b').getString('k'), 'a=b');
    assert.equal(decode('=v').getString(''), 'v');
  });

  it('ignores lines without "="', () => {
    const d = decode('junk\nk=v\nmore junk');
    assert.deepEqual([...d.keys()], ['k']);
  });

  it('unescapes leniently: unknown escapes give the byte, a trailing backslash is dropped', () => {
    assert.deepEqual(decode('k=\\x\\\\\\q').get('k'), latin1('x\\q'));
    assert.deepEqual(decode('k=ab\\').get('k'), latin1('ab'));
    assert.deepEqual(decode('k=\\r\\n\\0\\e').get('k'), Uint8Array.of(0x0d, 0x0a, 0x00, 0x3d));
  });

  it('stops at the first 00 byte', () => {
    const d = decode('a=1\nb=2\x00c=3');
    assert.equal(d.getString('b'), '2');
    assert.equal(d.has('c'), false);
  });

  it('keeps only capacity − 1 bytes when given the capacity', () => {
    const d = decode('a=1\nb=2345', 8); // 7 bytes survive: "a=1\nb=2"
    assert.equal(d.getString('b'), '2');
    assert.equal(decode('a=1\nb=2345').getString('b'), '2345');
  });
});

describe('Dictionary: integers and booleans', () => {
  it('writes u64 as 16 hex digits and reads it back', () => {
    const d = new Dictionary();
    for (const v of [0n, 1n, 0xabcn, 0x8056c2e21c000001n, (1n << 64n) - 1n]) {
      d.setU64('x', v);
      assert.equal(d.getString('x'), v.toString(16).padStart(16, '0'));
      assert.equal(Dictionary.decode(d.encode()).getU64('x'), v);
    }
    assert.throws(() => d.setU64('x', -1n), RangeError);
    assert.throws(() => d.setU64('x', 1n << 64n), RangeError);
  });

  it('reads u64 with strtoull(…, 16) leniency, as getUI does', () => {
    const cases: Array<[string, bigint | undefined]> = [
      ['7', 7n], ['ABC', 0xabcn], ['0x1f', 0x1fn], ['  +ff', 0xffn], ['12 34', 0x12n], ['zz', 0n],
      ['-1', (1n << 64n) - 1n], ['-0x10', (1n << 64n) - 16n], ['10000000000000000', (1n << 64n) - 1n],
      ['0'.repeat(126) + '1', 1n], ['0'.repeat(127) + '1', 0n], // getUI reads through a 128-byte buffer
      ['', undefined],
    ];
    for (const [v, want] of cases) assert.equal(Dictionary.decode(latin1(`k=${v}`)).getU64('k'), want, JSON.stringify(v));
    assert.equal(new Dictionary().getU64('k'), undefined);
  });

  it('writes booleans as 1/0 and reads them like getB', () => {
    const d = new Dictionary();
    d.setBool('t', true);
    d.setBool('f', false);
    assert.equal(text(d.encode()), 't=1\nf=0');
    const cases: Array<[string, boolean]> = [['1', true], ['t', true], ['T', true], ['true', true], ['0', false], ['', false], ['yes', false], ['2', false]];
    for (const [v, want] of cases) assert.equal(Dictionary.decode(latin1(`k=${v}`)).getBool('k'), want, v);
    assert.equal(d.getBool('missing'), undefined);
  });
});

describe('Dictionary: API contract', () => {
  it('replaces a value in place and copies what it is given', () => {
    const v = Uint8Array.of(1, 2, 3);
    const d = new Dictionary([['a', v], ['b', Uint8Array.of(4)]]);
    v[0] = 9;
    assert.deepEqual(d.get('a'), Uint8Array.of(1, 2, 3));
    d.set('a', 'new');
    assert.deepEqual([...d.keys()], ['a', 'b']);
    assert.equal(d.getString('a'), 'new');
  });

  it('rejects keys 1.14.1 could not look up', () => {
    for (const bad of ['a=b', 'a\nb', 'a\rb', 'a\x00b', 'ключ']) assert.throws(() => new Dictionary().set(bad, 'v'), RangeError, bad);
  });

  it('decoding never throws, and what it reads re-encodes faithfully (fuzz)', () => {
    const seeds = [latin1('v=0000000000000007\nvend=0000000000000001\no=linux/x86_64'), latin1('a=\\0\\r\\n\\\\\\e\nb=1\r\nc')];
    fuzzDecoder('Dictionary.decode', (b) => {
      const d = Dictionary.decode(b, 200);
      for (const k of d.keys()) {
        d.getU64(k);
        d.getBool(k);
        d.getString(k);
      }
      // what we decoded re-encodes and decodes to the same entries
      const again = Dictionary.decode(d.encode());
      for (const k of d.keys()) assert.deepEqual(again.get(k), d.get(k));
      return d;
    }, { seeds });
  });
});

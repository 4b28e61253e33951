import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import {
  compareInetAddress,
  inetAddressSize,
  inetAddressToString,
  parseInetAddress,
  parseIp,
  readInetAddress,
  writeInetAddress,
  type InetAddress,
} from '../../../src/protocol/inet-address.js';
import { Reader } from '../../../src/protocol/reader.js';
import { Writer } from '../../../src/protocol/writer.js';
import { hex, toHex } from '../../../src/util/hex.js';
import { fuzzDecoder } from '../../helpers/property.js';
import { Prng } from '../../helpers/prng.js';

function enc(a: InetAddress | null): Uint8Array {
  const w = new Writer();
  writeInetAddress(w, a);
  return w.finish();
}

test('serialization of 02 §2.1: nil, IPv4, IPv6', () => {
  assert.equal(toHex(enc(null)), '00');
  assert.equal(toHex(enc(parseInetAddress('10.99.0.2/9993'))), '040a6300022709', 'as in the observed HELLO');
  const v6 = parseInetAddress('2001:db8::5/9993')!;
  assert.equal(toHex(enc(v6)), '0620010db80000000000000000000000052709');
  for (const a of [null, parseInetAddress('1.2.3.4/1')!, v6]) {
    const b = enc(a);
    assert.equal(b.length, inetAddressSize(a));
    const r = new Reader(b);
    const back = readInetAddress(r);
    assert.equal(r.remaining, 0);
    assert.deepEqual(back, a);
  }
});

test('reserved types read as nil and are skipped by length; unknown types are malformed', () => {
  for (const h of ['01aabbccddeeff', '02aabbccddeeff', '030003aabbcc']) {
    const r = new Reader(hex(h + '99'));
    assert.equal(readInetAddress(r), null);
    assert.equal(r.remaining, 1);
  }
  assert.throws(() => readInetAddress(new Reader(hex('05'))), { code: 'decode_bad_type' });
  assert.throws(() => readInetAddress(new Reader(hex('040a63'))), { code: 'decode_truncated' });
  fuzzDecoder('readInetAddress', (b) => readInetAddress(new Reader(b)), { seeds: [hex('040a6300022709'), hex('030003aabbcc')] });
});

test('text forms: ip/port, RFC 5952 IPv6 output', () => {
  const cases = [
    '104.194.8.134/9993',
    '2605:9880:200:1200:30:571:e34:51/9993',
    '2001:49f0:d0db:2::2/9993',
    '2a02:6ea0:d405::9993/9993',
    '::/0',
    '::1/1',
    'fe80::1/65535',
    '1:0:0:1::/5',
  ];
  for (const c of cases) assert.equal(inetAddressToString(parseInetAddress(c)!), c);
  assert.equal(inetAddressToString(parseInetAddress('::ffff:10.1.2.3/7')!), '::ffff:a01:203/7');
  assert.equal(inetAddressToString(parseInetAddress('2001:0db8:0:0:1:0:0:1/1')!), '2001:db8::1:0:0:1/1');
  for (const bad of ['1.2.3.4', '1.2.3/5', '1.2.3.256/5', '01.2.3.4/5', '1.2.3.4/65536', '1.2.3.4/x', ':::/1', '1::2::3/4', '12345::/1', '1:2:3:4:5:6:7:8:9/1', 'host/80']) {
    assert.equal(parseInetAddress(bad), null, bad);
  }
});

test('parseIp agrees with node:net on random text', () => {
  const rnd = new Prng(99);
  const alphabet = '0123456789abcdef:.';
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const n = 1 + rnd.int(20);
    for (let k = 0; k < n; k++) s += alphabet[rnd.int(alphabet.length)];
    const mine = parseIp(s);
    const theirs = isIP(s);
    // node accepts leading-zero IPv4 octets inside IPv6 tails differently; compare families only where node is decisive
    assert.equal(mine === null ? 0 : mine.family, theirs, s);
  }
});

test('endpoint ordering: family, address, port', () => {
  const list = ['fd00::1/1', '10.0.0.2/1', '10.0.0.1/9', '10.0.0.1/2'].map((s) => parseInetAddress(s)!);
  list.sort(compareInetAddress);
  assert.deepEqual(list.map(inetAddressToString), ['10.0.0.1/2', '10.0.0.1/9', '10.0.0.2/1', 'fd00::1/1']);
});

test('genmoon endpoint order reproduces 1.14.1 on little-endian hosts', async () => {
  const { compareInetAddressZt } = await import('../../../src/protocol/inet-address.js');
  // Port bytes are compared swapped (9993 = 0x2709 → 0x0927 sorts before 443 = 0x01bb → 0xbb01),
  // IPv4 addresses by their last octet first.
  const list = ['10.0.0.2/443', '10.0.0.1/9993', '9.0.0.3/9993', 'fd00::1/1', '10.0.0.1/443'].map((s) => parseInetAddress(s)!);
  list.sort(compareInetAddressZt);
  assert.deepEqual(list.map(inetAddressToString), ['10.0.0.1/9993', '9.0.0.3/9993', '10.0.0.1/443', '10.0.0.2/443', 'fd00::1/1']);
});

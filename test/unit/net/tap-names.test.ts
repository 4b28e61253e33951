// TAP device names (06 §8.1) and member MACs (06 §8.3) against the spec's worked examples,
// each proven to be in the spec text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertInSpec } from '../../helpers/shared.js';
import { chooseTapName, isValidInterfaceName, parseDeviceMap, tapNameForNetwork } from '../../../src/net/tap/names.js';
import {
  addressFromMac,
  firstOctetForNetwork,
  formatMac,
  macForMember,
  parseMac,
  readMac,
  writeMac,
} from '../../../src/protocol/member-mac.js';

const SPEC = '06-service.md';

test('device names: the three worked examples of 06 §8.1', () => {
  const rows: Array<[string, string, string]> = [
    ['8056c2e21c000001', '624ac2e21d', 'ztmjfmfyq5'],
    ['15b70a629d1379c5', '772a191b58', 'zto4vbsg2y'],
    ['15b70a629d000099', '772a0a6204', 'zto4vauyqe'],
  ];
  for (const [nwid, low40, name] of rows) {
    assertInSpec(SPEC, `| \`${nwid}\` | \`${low40}\` | \`${name}\` |`);
    const n = BigInt('0x' + nwid);
    assert.equal(((n ^ (n >> 24n)) & 0xffffffffffn).toString(16).padStart(10, '0'), low40);
    assert.equal(tapNameForNetwork(n), name);
  }
});

test('device names: the API example network uses ztmjfmfyq5 and 15b70a629d1379c5 zto4vbsg2y', () => {
  assertInSpec(SPEC, '"nwid":"8056c2e21c000001","portDeviceName":"ztmjfmfyq5"');
  assertInSpec(SPEC, '"nwid":"15b70a629d1379c5","portDeviceName":"zto4vbsg2y"');
});

test('device names: trials add to the low 40 bits and wrap', () => {
  const n = 0x15b70a629d1379c5n;
  // 772a191b58 + 1 = 772a191b59: only the last character moves (…y = 24 → z = 25).
  assert.equal(tapNameForNetwork(n, 1), 'zto4vbsg2z');
  // N = ffffff0000 gives v = N ^ (N >> 24) = ffffff0000 ^ ffff = 2^40 − 1, all "7"s; one
  // more wraps to 0, all "a"s.
  const m = 0xffffff0000n;
  assert.equal(tapNameForNetwork(m), 'zt77777777');
  assert.equal(tapNameForNetwork(m, 1), 'ztaaaaaaaa');
});

test('device names: every name is zt + 8 base32 characters, valid for the kernel', () => {
  for (const n of [0n, 1n, 0xffffffffffffffffn, 0x8000000000000000n, 0x0123456789abcdefn]) {
    const name = tapNameForNetwork(n);
    assert.match(name, /^zt[a-z2-7]{8}$/);
    assert.ok(isValidInterfaceName(name));
  }
});

test('chooseTapName: skips names in use, prefers a devicemap entry whose device is absent', () => {
  const n = 0x15b70a629d1379c5n;
  assert.equal(chooseTapName(n, () => false), 'zto4vbsg2y');
  assert.equal(chooseTapName(n, (x) => x === 'zto4vbsg2y'), 'zto4vbsg2z');
  const map = parseDeviceMap('8056c2e21c000001=ztfirst\r\n15b70a629d1379c5=zt-legacy-name-too-long\n\nbroken-line\n');
  assert.equal(map.get('15b70a629d1379c5'), 'zt-legacy-name-');
  assert.equal(map.get('8056c2e21c000001'), 'ztfirst');
  assert.equal(map.has('broken-line'), false);
  assert.equal(chooseTapName(n, () => false, map), 'zt-legacy-name-');
  // The mapped device exists right now: fall back to the derived name.
  assert.equal(chooseTapName(n, (x) => x === 'zt-legacy-name-', map), 'zto4vbsg2y');
});

test('isValidInterfaceName: the kernel rules', () => {
  for (const ok of ['zt0', 'ztmjfmfyq5', 'a'.repeat(15), 'tap-0_x']) assert.ok(isValidInterfaceName(ok), ok);
  for (const bad of ['', 'a'.repeat(16), '.', '..', 'a/b', 'a b', 'a:b']) assert.ok(!isValidInterfaceName(bad), bad);
});

test('member MAC: the three examples of 06 §8.3, and back to the address', () => {
  const rows: Array<[string, string, string]> = [
    ['ebfd288bba', '15b70a629d1379c5', 'c6:92:ee:b5:e9:b0'],
    ['15b70a629d', '15b70a629d1379c5', 'c6:6c:a4:97:00:97'],
    ['15b70a629d', '8056c2e21c000001', '02:15:b7:16:80:5f'],
  ];
  assertInSpec(SPEC, 'address `ebfd288bba` on `15b70a629d1379c5` → `c6:92:ee:b5:e9:b0`');
  assertInSpec(SPEC, '`15b70a629d` on the same → `c6:6c:a4:97:00:97`');
  assertInSpec(SPEC, '`15b70a629d` on `8056c2e21c000001` → `02:15:b7:16:80:5f`');
  for (const [addr, nwid, mac] of rows) {
    const n = BigInt('0x' + nwid);
    const a = parseInt(addr, 16);
    const m = macForMember(n, a);
    assert.equal(formatMac(m), mac);
    assert.equal(addressFromMac(m, n), a);
  }
  // The same MAC is what 06 §5.6's API example reports for that member.
  assertInSpec(SPEC, '"id":"15b70a629d1379c5","mac":"c6:92:ee:b5:e9:b0"');
  assertInSpec(SPEC, '"id":"8056c2e21c000001","mac":"02:15:b7:16:80:5f"');
});

test('member MAC: first octet is locally administered unicast, never 0x52', () => {
  for (let low = 0; low < 256; low++) {
    const f = firstOctetForNetwork(BigInt(low) | 0xabcdef00n);
    assert.equal(f & 0x01, 0, 'unicast');
    assert.equal(f & 0x02, 0x02, 'locally administered');
    assert.notEqual(f, 0x52);
    if ((low & 0xfe | 2) === 0x52) assert.equal(f, 0x32);
  }
});

test('member MAC: reversible for many addresses and networks', () => {
  let x = 0x12345678;
  for (let i = 0; i < 500; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const a = (x % 256) * 2 ** 32 + ((Math.imul(x, 2654435761) ^ i) >>> 0);
    const n = (BigInt(x) << 32n) | BigInt(Math.imul(x, 40503) >>> 0);
    const m = macForMember(n, a);
    assert.ok(m >= 0 && m < 2 ** 48);
    assert.equal(addressFromMac(m, n), a);
  }
});

test('MAC text and bytes round trip', () => {
  const m = 0xc692eeb5e9b0;
  assert.equal(parseMac('c6:92:ee:b5:e9:b0'), m);
  assert.equal(parseMac('C6-92-EE-B5-E9-B0'), m);
  assert.equal(parseMac('c6:92:ee:b5:e9'), null);
  assert.equal(formatMac(0x020000000001), '02:00:00:00:00:01');
  const b = new Uint8Array(8);
  writeMac(b, 1, m);
  assert.deepEqual([...b], [0, 0xc6, 0x92, 0xee, 0xb5, 0xe9, 0xb0, 0]);
  assert.equal(readMac(b, 1), m);
});

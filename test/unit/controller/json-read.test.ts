// The lenient readers of 05 §6.5 and the JSON form of §7.2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asBool, asHex, asInt, asString, asU32, asU64, dumpJson, jsonEquals, strtoull } from '../../../src/controller/json-read.js';

test('as bool: booleans, numbers as uint64 (negative is true), strings by first character, others the default', () => {
  assert.equal(asBool(true, false), true);
  assert.equal(asBool(0, true), false);
  assert.equal(asBool(2, false), true);
  assert.equal(asBool(-1, false), true);
  assert.equal(asBool(0.5, true), false, 'truncated to 0');
  assert.equal(asBool('true', false), true);
  assert.equal(asBool('T', false), true);
  assert.equal(asBool('1x', false), true);
  assert.equal(asBool('false', true), false);
  assert.equal(asBool('', true), false, 'a string is never the default');
  for (const v of [null, {}, [], undefined]) {
    assert.equal(asBool(v, true), true);
    assert.equal(asBool(v, false), false);
  }
});

test('as integer: booleans 1/0, numbers truncated to uint64, strings by strtoull base 10', () => {
  assert.equal(asInt(true, 7), 1);
  assert.equal(asInt(12.9, 7), 12);
  assert.equal(asU64(-1, 0n), 18446744073709551615n);
  assert.equal(asU32(-1, 0), 0xffffffff);
  assert.equal(asInt('100', 7), 100);
  assert.equal(asInt('  42abc', 7), 42);
  assert.equal(asInt('abc', 7), 0, 'no digits: 0, not the default');
  assert.equal(asU64('-2', 0n), 18446744073709551614n);
  assert.equal(asU64('99999999999999999999999', 0n), 18446744073709551615n, 'saturates like strtoull');
  assert.equal(asInt(null, 32), 32);
  assert.equal(asInt([], 32), 32);
});

test('as hex and as string', () => {
  assert.equal(asHex('5BC7629DCF', 0n), 0x5bc7629dcfn);
  assert.equal(asHex('0x10', 0n), 16n);
  assert.equal(asHex('0xg', 0n), 0n, '"0x" without a hex digit reads the 0');
  assert.equal(asHex(17, 0n), 17n);
  assert.equal(strtoull('+12', 10), 12n);
  assert.equal(asString(5, 'd'), '5');
  assert.equal(asString(-1, 'd'), '18446744073709551615');
  assert.equal(asString(false, 'd'), '0');
  assert.equal(asString(null, 'd'), 'd');
});

test('dump: compact, keys sorted byte-wise (integer-like keys too), no trailing newline', () => {
  assert.equal(dumpJson({ b: 1, a: [true, null, 'x'], '10': 0, '2': 0, A: { z: 1, y: 2 } }), '{"10":0,"2":0,"A":{"y":2,"z":1},"a":[true,null,"x"],"b":1}');
  assert.equal(dumpJson({ 'é': 1, z: 2, '\u{1F600}': 3, '\uffff': 4 }), '{"z":2,"é":1,"\uffff":4,"\u{1F600}":3}', 'code-point (UTF-8) order');
});

test('equality compares objects as maps', () => {
  assert.ok(jsonEquals({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }));
  assert.ok(!jsonEquals({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!jsonEquals([1, 2], [2, 1]));
  assert.ok(!jsonEquals({ a: null }, {}));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactJson, parseJsonLossless, prettyJson } from '../../../src/util/json-text.js';

test('compactJson: keys in byte order, no whitespace, 64-bit integers whole, / not escaped', () => {
  assert.equal(compactJson({ allowDefault: false, allowDNS: true, b: [1, 'x/y'], a: null }), '{"a":null,"allowDNS":true,"allowDefault":false,"b":[1,"x/y"]}');
  assert.equal(compactJson({ localSocket: 18446744073709551615n }), '{"localSocket":18446744073709551615}');
  assert.equal(compactJson({ s: 'a"b\\c\n\u0001' }), '{"s":"a\\"b\\\\c\\n\\u0001"}');
  assert.equal(compactJson({ gone: undefined, kept: 1 }), '{"kept":1}');
  assert.equal(compactJson([]), '[]');
});

test("prettyJson: zerotier-cli's 1-space indent, `\": \"`, empty containers inline", () => {
  assert.equal(prettyJson({ b: [], a: { c: 1, d: [true, {}] } }), '{\n "a": {\n  "c": 1,\n  "d": [\n   true,\n   {}\n  ]\n },\n "b": []\n}');
  // Same as JSON.stringify's for sorted input, which is what nlohmann's dump(1) is.
  const v = { a: [1, { b: 'x' }], c: {} };
  assert.equal(prettyJson(v), JSON.stringify(v, null, 1));
});

test('parseJsonLossless: JSON.parse with 64-bit integers kept whole, and its errors', () => {
  const text = '{"planetWorldId":16012974523758499150,"small":-12,"f":1.5e3,"s":"a\\"\\u0041/","l":[true,false,null,{}],"__proto__":1}';
  const v = parseJsonLossless(text) as Record<string, unknown>;
  assert.equal(v.planetWorldId, 16012974523758499150n);
  assert.equal(v.small, -12);
  assert.equal(v.f, 1500);
  assert.equal(v.s, 'a"A/');
  assert.deepEqual(v.l, [true, false, null, {}]);
  assert.equal(Object.getPrototypeOf(v), Object.prototype, '__proto__ is a plain key');
  assert.equal(compactJson(v), '{"__proto__":1,"f":1500,"l":[true,false,null,{}],"planetWorldId":16012974523758499150,"s":"a\\"A/","small":-12}');
  for (const bad of ['', '{', '{"a":1,}', '[1 2]', '01', '"\u0001"', 'nul', '{} x']) {
    assert.throws(() => parseJsonLossless(bad), SyntaxError, bad);
  }
  for (const good of ['1', ' [ ] ', '{"a" : {"b":[1,2,{"c":"d"}]}}', '-0.5e-3', '"x"']) assert.deepEqual(parseJsonLossless(good), JSON.parse(good), good);
});

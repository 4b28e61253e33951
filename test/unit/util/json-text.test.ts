import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactJson, prettyJson } from '../../../src/util/json-text.js';

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

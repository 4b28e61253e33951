// The JSON error locator: it agrees with JSON.parse on what is valid, and points at the
// first offending character.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonErrorOffset, lineAndColumn } from '../../../src/util/json-error-offset.js';
import { Prng } from '../../helpers/prng.js';

test('points at the first bad character, or at the end when the text stops early', () => {
  const cases: Array<[string, number]> = [
    ['{"roots": [}', 11],
    ['{"a": 1 "b": 2}', 8],
    ['{"a": tru}', 9],
    ['{"a": "\\q"}', 8],
    ['[1, 2,]', 6],
    ['[01]', 2],
    ['{"a": 1} x', 9],
    ['{"a":', 5],
    ['', 0],
    ['"abc', 4],
    ['{"a": -}', 7],
    ['{"a": "\\u12G4"}', 11],
  ];
  for (const [text, at] of cases) assert.equal(jsonErrorOffset(text), at, text);
});

test('valid JSON is -1, and validity always agrees with JSON.parse', () => {
  for (const t of ['{}', '[]', ' {"a": [1, -2.5e+3, true, false, null, "x\\n\\u00e9"]} ', '0', '"s"']) assert.equal(jsonErrorOffset(t), -1, t);
  const rnd = new Prng(7);
  const alphabet = '{}[]",:0123456789-.eE truefalsnl\\\n';
  const base = JSON.stringify({ id: 'abcd', roots: [{ identity: 'x', stableEndpoints: ['10.0.0.1/9993'] }], n: -1.5e3, t: true, z: null });
  for (let k = 0; k < 3000; k++) {
    const chars = [...base];
    const edits = 1 + (rnd.bytes(1)[0] % 3);
    for (let e = 0; e < edits; e++) {
      const [p, c] = rnd.bytes(2);
      chars[p % chars.length] = alphabet[c % alphabet.length];
    }
    const text = chars.join('');
    let isValid = true;
    try {
      JSON.parse(text);
    } catch {
      isValid = false; // the property under test: the scanner must say the same
    }
    assert.equal(jsonErrorOffset(text) === -1, isValid, text);
  }
});

test('line and column count from 1', () => {
  assert.equal(lineAndColumn('{\n "a": x\n}', 8), 'line 2 column 7');
  assert.equal(lineAndColumn('[x]', 1), 'line 1 column 2');
});

// Request bodies and nlohmann's parse-error messages (05 §8.1, §9.10). The first three are
// observed on 1.14.1 (#4, #46, #48); the others follow nlohmann 3.x's lexer and parser
// (ext/nlohmann/json.hpp in the 1.14.1 tree), line and column counted in bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nlohmannParseError, parseJsonBody } from '../../../src/controller/json-body.js';

const P = '[json.exception.parse_error.101] parse error at ';

test('observed messages', () => {
  assert.equal(nlohmannParseError(''), `${P}line 1, column 1: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal`);
  assert.equal(nlohmannParseError('{"name":'), `${P}line 1, column 9: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal`);
  assert.equal(nlohmannParseError('not json'), `${P}line 1, column 2: syntax error while parsing value - invalid literal; last read: 'no'`);
});

test('messages by context: object key and separator, array and object ends, trailing data, strings, numbers', () => {
  const cases: Array<[string, string]> = [
    ['{true}', "line 1, column 5: syntax error while parsing object key - unexpected true literal; expected string literal"],
    ['{"a" 1}', "line 1, column 6: syntax error while parsing object separator - unexpected number literal; expected ':'"],
    ['{"a":1 "b"}', "line 1, column 10: syntax error while parsing object - unexpected string literal; expected '}'"],
    ['[1 x]', "line 1, column 4: syntax error while parsing array - invalid literal; last read: '1 x'; expected ']'"],
    ['[1,]', "line 1, column 4: syntax error while parsing value - unexpected ']'; expected '[', '{', or a literal"],
    ['{} x', "line 1, column 4: syntax error while parsing value - invalid literal; last read: '{} x'; expected end of input"],
    ['01', "line 1, column 2: syntax error while parsing value - unexpected number literal; expected end of input"],
    ['"abc', "line 1, column 5: syntax error while parsing value - invalid string: missing closing quote; last read: '\"abc'"],
    ['-', "line 1, column 2: syntax error while parsing value - invalid number; expected digit after '-'; last read: '-'"],
    ['1e+', "line 1, column 4: syntax error while parsing value - invalid number; expected digit after exponent sign; last read: '1e+'"],
    [' \n nul', "line 2, column 5: syntax error while parsing value - invalid literal; last read: ' <U+000A> nul'"],
    ['"\\ud800x"', "line 1, column 8: syntax error while parsing value - invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF; last read: '\"\\ud800x'"],
  ];
  for (const [text, msg] of cases) assert.equal(nlohmannParseError(text), P + msg, JSON.stringify(text));
  for (const ok of ['{}', '[]', '"x"', '-0.5e+7', 'null', '[{"a":[1,2,{"b":null}]},true,false]', ' {"k" : "\\u00e9\\ud83d\\ude00"} ']) assert.equal(nlohmannParseError(ok), null, ok);
});

test('parseJsonBody: text parsed, parsed values passed through, C-string and BOM handling, 500 on what nlohmann refuses', () => {
  assert.deepEqual(parseJsonBody('{"a":1}'), { a: 1 });
  assert.deepEqual(parseJsonBody({ a: 1 }), { a: 1 });
  assert.deepEqual(parseJsonBody('{}\0garbage'), {});
  assert.deepEqual(parseJsonBody('\uFEFF[1]'), [1]);
  assert.throws(() => parseJsonBody(undefined), { code: 'api_error', status: 500, message: /unexpected end of input/ });
  assert.throws(() => parseJsonBody('"\\udc00"'), { status: 500, message: /surrogate U\+DC00\.\.U\+DFFF must follow/ });
});

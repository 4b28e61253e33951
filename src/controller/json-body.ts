// Request bodies as 1.14.1 reads them (spec 05 §8.1): nlohmann::json::parse on the body as
// a C string. A body that does not parse is answered 500 with the library's message, which
// clients and our recorded session (#4, #46, #48) show verbatim, so the message is rebuilt
// here by walking the text the way nlohmann's lexer and parser do: same token rules, same
// line/column counting (bytes, the end of input counted as one), same "last read" text.
import { ApiError } from '../util/errors.js';
import type { Json } from './json-read.js';

/** The JSON value of a request body: text is parsed (500 on failure), a parsed value passes through. */
export function parseJsonBody(body: unknown): Json {
  if (body !== undefined && typeof body !== 'string') return body as Json;
  // c_str(): the parser stops at the first NUL; a UTF-8 byte order mark is skipped.
  const text = (body ?? '').split('\0')[0].replace(/^\uFEFF/, '');
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch {
    throw new ApiError(500, nlohmannParseError(text) ?? '[json.exception.parse_error.101] parse error');
  }
  // JSON.parse takes a few things nlohmann refuses (an escaped lone surrogate): refuse them too.
  const refusal = /\\u[dD][89a-fA-F]/.test(text) ? nlohmannParseError(text) : null;
  if (refusal) throw new ApiError(500, refusal);
  return value;
}

const EOF = -1;
const CONTROL_NAMES = ['NUL', 'SOH', 'STX', 'ETX', 'EOT', 'ENQ', 'ACK', 'BEL', 'BS', 'HT', 'LF', 'VT', 'FF', 'CR', 'SO', 'SI', 'DLE', 'DC1', 'DC2', 'DC3', 'DC4', 'NAK', 'SYN', 'ETB', 'CAN', 'EM', 'SUB', 'ESC', 'FS', 'GS', 'RS', 'US'];
const CONTROL_SHORT: Record<number, string> = { 8: 'b', 9: 't', 10: 'n', 12: 'f', 13: 'r' };

type Token = 'begin_array' | 'end_array' | 'begin_object' | 'end_object' | 'name_separator' | 'value_separator' | 'literal_true' | 'literal_false' | 'literal_null' | 'string' | 'number' | 'end_of_input' | 'parse_error';

const TOKEN_NAMES: Record<Token | 'literal_or_value' | 'value_string', string> = {
  begin_array: "'['", end_array: "']'", begin_object: "'{'", end_object: "'}'", name_separator: "':'", value_separator: "','",
  literal_true: 'true literal', literal_false: 'false literal', literal_null: 'null literal', string: 'string literal', value_string: 'string literal', number: 'number literal', end_of_input: 'end of input',
  parse_error: '<parse error>', literal_or_value: "'[', '{', or a literal",
};

function utf8(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    let c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/** nlohmann's lexer, reduced to what its error messages need. */
class Lexer {
  private pos = 0;
  private current = EOF;
  private ungot = false;
  private col = 0;
  private lines = 0;
  private tokenString: number[] = [];
  error = '';
  private readonly bytes: number[];

  constructor(bytes: number[]) {
    this.bytes = bytes;
    // skip_bom(): read one character and give it back.
    this.get();
    this.unget();
  }

  position(): string {
    return `line ${this.lines + 1}, column ${this.col}`;
  }

  lastRead(): string {
    return this.tokenString.map((b) => (b <= 0x1f ? `<U+${b.toString(16).toUpperCase().padStart(4, '0')}>` : String.fromCharCode(b))).join('');
  }

  private get(): number {
    this.col++;
    if (this.ungot) this.ungot = false;
    else this.current = this.pos < this.bytes.length ? this.bytes[this.pos++] : EOF;
    if (this.current !== EOF) this.tokenString.push(this.current);
    if (this.current === 0x0a) {
      this.lines++;
      this.col = 0;
    }
    return this.current;
  }

  private unget(): void {
    this.ungot = true;
    if (this.col === 0) {
      if (this.lines > 0) this.lines--;
    } else this.col--;
    if (this.current !== EOF) this.tokenString.pop();
  }

  private reset(): void {
    this.tokenString = [this.current];
  }

  scan(): Token {
    do this.get();
    while (this.current === 0x20 || this.current === 0x09 || this.current === 0x0a || this.current === 0x0d);
    const c = this.current;
    switch (c) {
      case 0x5b: return 'begin_array';
      case 0x5d: return 'end_array';
      case 0x7b: return 'begin_object';
      case 0x7d: return 'end_object';
      case 0x3a: return 'name_separator';
      case 0x2c: return 'value_separator';
      case 0x74: return this.literal('true');
      case 0x66: return this.literal('false');
      case 0x6e: return this.literal('null');
      case 0x22: return this.string();
      case 0: case EOF: return 'end_of_input';
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail('invalid literal');
    }
  }

  private fail(msg: string): Token {
    this.error = msg;
    return 'parse_error';
  }

  private literal(text: string): Token {
    for (let i = 1; i < text.length; i++) if (this.get() !== text.charCodeAt(i)) return this.fail('invalid literal');
    return `literal_${text}` as Token;
  }

  private hex4(): boolean {
    for (let i = 0; i < 4; i++) {
      const c = this.get();
      if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))) return false;
    }
    return true;
  }

  private codepoint(): number {
    const start = this.tokenString.length;
    if (!this.hex4()) return -1;
    return parseInt(String.fromCharCode(...this.tokenString.slice(start, start + 4)), 16);
  }

  private string(): Token {
    this.reset();
    for (;;) {
      const c = this.get();
      if (c === EOF) return this.fail('invalid string: missing closing quote');
      if (c === 0x22) return 'string';
      if (c < 0x20) {
        const hex = c.toString(16).toUpperCase().padStart(4, '0');
        const short = CONTROL_SHORT[c] ? ` or \\${CONTROL_SHORT[c]}` : '';
        return this.fail(`invalid string: control character U+${hex} (${CONTROL_NAMES[c]}) must be escaped to \\u${hex}${short}`);
      }
      if (c !== 0x5c) continue;
      const e = this.get();
      if ('"\\/bfnrt'.includes(String.fromCharCode(e)) && e !== EOF) continue;
      if (e !== 0x75) return this.fail('invalid string: forbidden character after backslash');
      const cp = this.codepoint();
      if (cp < 0) return this.fail("invalid string: '\\u' must be followed by 4 hex digits");
      if (cp >= 0xd800 && cp <= 0xdbff) {
        const surrogate = 'invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF';
        if (this.get() !== 0x5c || this.get() !== 0x75) return this.fail(surrogate);
        const lo = this.codepoint();
        if (lo < 0) return this.fail("invalid string: '\\u' must be followed by 4 hex digits");
        if (lo < 0xdc00 || lo > 0xdfff) return this.fail(surrogate);
      } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        return this.fail('invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF');
      }
    }
  }

  private number(): Token {
    this.reset();
    const digit = (c: number): boolean => c >= 0x30 && c <= 0x39;
    let c = this.current;
    if (c === 0x2d) {
      c = this.get();
      if (!digit(c)) return this.fail("invalid number; expected digit after '-'");
    }
    if (c !== 0x30) while (digit((c = this.get())));
    else c = this.get();
    if (c === 0x2e) {
      if (!digit(this.get())) return this.fail("invalid number; expected digit after '.'");
      while (digit((c = this.get())));
    }
    if (c === 0x65 || c === 0x45) {
      c = this.get();
      if (c === 0x2b || c === 0x2d) {
        if (!digit(this.get())) return this.fail('invalid number; expected digit after exponent sign');
      } else if (!digit(c)) {
        return this.fail("invalid number; expected '+', '-', or digit after exponent");
      }
      while (digit((c = this.get())));
    }
    this.unget();
    return 'number';
  }
}

/** The what() of the parse_error nlohmann throws for `text`, or null if it parses there. */
export function nlohmannParseError(text: string): string | null {
  const lx = new Lexer(utf8(text));
  let token = 'end_of_input' as Token;
  const next = (): Token => (token = lx.scan());
  // Read through a call so that TypeScript does not narrow it across next().
  const tok = (): Token => token;
  const fail = (expected: keyof typeof TOKEN_NAMES | null, context: string): string => {
    let msg = `syntax error while parsing ${context} - `;
    msg += token === 'parse_error' ? `${lx.error}; last read: '${lx.lastRead()}'` : `unexpected ${TOKEN_NAMES[token]}`;
    if (expected) msg += `; expected ${TOKEN_NAMES[expected]}`;
    return `[json.exception.parse_error.101] parse error at ${lx.position()}: ${msg}`;
  };
  // Iterative like nlohmann's sax_parse_internal: a stack of open arrays (true) and objects.
  const open: boolean[] = [];
  next();
  for (;;) {
    // A value is expected here.
    let scalar = true;
    switch (token) {
      case 'begin_object':
        if (next() === 'end_object') break;
        if (tok() !== 'string') return fail('value_string', 'object key');
        if (next() !== 'name_separator') return fail('name_separator', 'object separator');
        open.push(false);
        next();
        scalar = false;
        break;
      case 'begin_array':
        if (next() === 'end_array') break;
        open.push(true);
        scalar = false;
        break;
      case 'literal_true':
      case 'literal_false':
      case 'literal_null':
      case 'string':
      case 'number':
        break;
      case 'parse_error':
        return fail(null, 'value');
      default:
        return fail('literal_or_value', 'value');
    }
    if (!scalar) continue;
    // After a complete value: close containers or move to the next element.
    for (;;) {
      if (open.length === 0) return next() === 'end_of_input' ? null : fail('end_of_input', 'value');
      if (open[open.length - 1]) {
        if (next() === 'value_separator') {
          next();
          break;
        }
        if (tok() !== 'end_array') return fail('end_array', 'array');
        open.pop();
      } else {
        if (next() === 'value_separator') {
          if (next() !== 'string') return fail('value_string', 'object key');
          if (next() !== 'name_separator') return fail('name_separator', 'object separator');
          next();
          break;
        }
        if (tok() !== 'end_object') return fail('end_object', 'object');
        open.pop();
      }
    }
  }
}

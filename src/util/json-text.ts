// JSON text as ZeroTier One 1.14.1 writes it (nlohmann::json, 06 §5.1): object keys in
// byte-wise ascending order, `/` not escaped, control characters as \n or \u00xx, and 64-bit
// integers (bigint here) as plain numbers. compactJson is the API's body, prettyJson is
// zerotier-cli's `-j` output (1-space indent, `": "` after keys, `[]`/`{}` when empty).

/** Sorts by UTF-8 bytes; UTF-16 order differs only between astral and U+E000–U+FFFF. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function scalar(v: unknown): string | null {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v); // escapes exactly ", \ and control characters, lower-case hex
    default:
      return null;
  }
}

function write(v: unknown, indent: number, depth: number): string {
  const s = scalar(v);
  if (s !== null) return s;
  const pad = indent > 0 ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
  const end = indent > 0 ? '\n' + ' '.repeat(indent * depth) : '';
  const colon = indent > 0 ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[' + v.map((x) => pad + write(x, indent, depth + 1)).join(',') + end + ']';
  }
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort(compareKeys);
    if (keys.length === 0) return '{}';
    return '{' + keys.map((k) => pad + JSON.stringify(k) + colon + write((v as Record<string, unknown>)[k], indent, depth + 1)).join(',') + end + '}';
  }
  return 'null'; // functions and symbols have no JSON form
}

/** One line, no whitespace: the API's response bodies. */
export function compactJson(v: unknown): string {
  return write(v, 0, 0);
}

/** nlohmann dump(indent): local.conf as POST /config/settings writes it (4 spaces, no final newline). */
export function indentedJson(v: unknown, indent: number): string {
  return write(v, indent, 0);
}

/** zerotier-cli's `-j` rendering (nlohmann dump(1)), without the final newline. */
export function prettyJson(v: unknown): string {
  return write(v, 1, 0);
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const LITERAL = /true|false|null/y;
const SPACE = /[ \t\n\r]*/y;

/**
 * JSON.parse, except that integers beyond 2^53 come back as bigint instead of rounded: the
 * API's 64-bit values (planetWorldId, localSocket) must survive `-j` unchanged. Invalid text
 * throws JSON.parse's own SyntaxError.
 */
export function parseJsonLossless(text: string): unknown {
  let at = 0;
  const fail = (): never => {
    JSON.parse(text); // the standard message for the same error
    throw new SyntaxError(`Unexpected token at position ${at}`); // JSON.parse accepted what this did not
  };
  const take = (re: RegExp): string | null => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return null;
    at = re.lastIndex;
    return m[0];
  };
  const space = (): void => void take(SPACE);
  const value = (): unknown => {
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const out: Record<string, unknown> = {};
      space();
      if (text[at] === '}') {
        at++;
        return out;
      }
      for (;;) {
        space();
        const k = take(STRING) ?? fail();
        space();
        if (text[at++] !== ':') fail();
        Object.defineProperty(out, JSON.parse(k) as string, { value: value(), enumerable: true, writable: true, configurable: true });
        space();
        const sep = text[at++];
        if (sep === '}') return out;
        if (sep !== ',') fail();
      }
    }
    if (c === '[') {
      at++;
      const out: unknown[] = [];
      space();
      if (text[at] === ']') {
        at++;
        return out;
      }
      for (;;) {
        out.push(value());
        space();
        const sep = text[at++];
        if (sep === ']') return out;
        if (sep !== ',') fail();
      }
    }
    if (c === '"') return JSON.parse(take(STRING) ?? fail()) as string;
    const lit = take(LITERAL);
    if (lit !== null) return lit === 'true' ? true : lit === 'false' ? false : null;
    const num = take(NUMBER) ?? fail();
    const n = Number(num);
    return /^-?\d+$/.test(num) && !Number.isSafeInteger(n) ? BigInt(num) : n;
  };
  const v = value();
  space();
  if (at !== text.length) fail();
  return v;
}

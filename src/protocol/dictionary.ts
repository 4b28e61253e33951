// ZeroTier's Dictionary: the key=value text format of NETWORK_CONFIG_REQUEST metadata,
// network configs, REMOTE_TRACE and the ERROR(NETWORK_AUTHENTICATION_REQUIRED) payload
// (spec 02 §2 points to 04, which is not written yet). Format as implemented by
// node/Dictionary.hpp of ZeroTierOne 1.14.1:
//
//   dictionary := entry ( 0x0a entry )*          no separator before the first entry or
//                                                after the last; no terminating 0 on the wire
//   entry      := key "=" escaped-value
//   key        := raw bytes, never escaped; must not contain 00 0a 0d "=" (not checked by 1.14.1)
//   escaping   := 00 → "\0"   0d → "\r"   0a → "\n"   "\" → "\\"   "=" → "\e"
//                 every other byte, including 80–ff, is written as is (values may be binary)
//   u64        := 16 lower-case hex digits, zero-padded (add(key, uint64_t), also addresses)
//   bool       := "1" or "0"
//
// Reading (Dictionary::get) is lenient and never fails: lines may be separated by CR or LF
// (empty lines are skipped); a line that does not start with key "=" is skipped, so a line
// without "=" is ignored; the first matching line wins when a key repeats; a backslash
// before any other byte yields that byte; a backslash at the end of a value is dropped;
// the text ends at the first 00 byte; a Dictionary<C> keeps only the first C − 1 bytes.
// Dictionary.decode mirrors all of this, so it never throws.
//
// A nested dictionary or a binary blob (a serialized certificate, the rules) is just a
// value: its bytes go through the same escaping.

/**
 * Capacities (the C of 1.14.1's Dictionary<C>): a dictionary holds at most C − 1 bytes.
 * The network config capacity is sizeof-based in NetworkConfig.hpp; 484 520 is its value
 * for 1.14.1 on 64-bit Linux (computed by compiling that header).
 */
export const NETWORK_CONFIG_DICT_CAPACITY_BYTES = 484520;
export const NETWORK_CONFIG_METADATA_DICT_CAPACITY_BYTES = 1024;
export const REMOTE_TRACE_DICT_CAPACITY_BYTES = 10000;
/** Received in ERROR(NETWORK_AUTHENTICATION_REQUIRED); 1.14.1 controllers send ≤ 4096 or 8192. */
export const AUTH_INFO_DICT_CAPACITY_BYTES = 8192;

const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const LF = 0x0a;
const CR = 0x0d;
/** Values of 1.14.1's getUI are read through a 128-byte buffer. */
const U64_TEXT_MAX_BYTES = 127;
const U64_MAX = (1n << 64n) - 1n;

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: a value is returned whole.
const utf8Lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

function keyBytes(key: string): Uint8Array {
  const b = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 0xff || c === 0 || c === LF || c === CR || c === EQUALS) {
      throw new RangeError(`dictionary key ${JSON.stringify(key)}: character ${i} cannot appear in a key`);
    }
    b[i] = c;
  }
  return b;
}

/** Bytes to a string of one char per byte (no spread: a key may be very long). */
function byteString(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, Array.from(b.subarray(i, Math.min(end, i + 4096))));
  }
  return s;
}

function escapedSize(v: Uint8Array): number {
  let n = v.length;
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === 0 || c === CR || c === LF || c === BACKSLASH || c === EQUALS) n++;
  }
  return n;
}

function unescape(b: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let n = 0;
  let isEscaped = false;
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (isEscaped) {
      isEscaped = false;
      out[n++] = c === 0x72 ? CR : c === 0x6e ? LF : c === 0x30 ? 0 : c === 0x65 ? EQUALS : c;
    } else if (c === BACKSLASH) {
      isEscaped = true;
    } else {
      out[n++] = c;
    }
  }
  return out.slice(0, n);
}

/**
 * C strtoull(s, 0, 16), which 1.14.1 applies to u64 values: leading white space, an
 * optional sign and "0x", digits up to the first non-hex byte; too large saturates to
 * 2^64 − 1, a minus sign negates modulo 2^64, no digits gives 0.
 */
function parseHexLikeStrtoull(v: Uint8Array): bigint {
  let i = 0;
  while (i < v.length && (v[i] === 0x20 || (v[i] >= 0x09 && v[i] <= 0x0d))) i++;
  let isNegative = false;
  if (v[i] === 0x2b || v[i] === 0x2d) isNegative = v[i++] === 0x2d;
  const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
  if (v[i] === 0x30 && (v[i + 1] | 0x20) === 0x78 && i + 2 < v.length && isHex(v[i + 2])) i += 2;
  let x = 0n;
  for (; i < v.length && isHex(v[i]); i++) {
    x = (x << 4n) | BigInt(parseInt(String.fromCharCode(v[i]), 16));
    if (x > U64_MAX) return U64_MAX;
  }
  return isNegative ? (U64_MAX + 1n - x) & U64_MAX : x;
}

/**
 * An ordered set of key → bytes entries. Keys are byte strings (each char one byte,
 * 00–ff; ASCII in every key 1.14.1 uses); values are arbitrary bytes.
 */
export class Dictionary {
  // Insertion order is encoding order.
  private readonly map = new Map<string, Uint8Array>();

  constructor(entries?: Iterable<[string, Uint8Array]>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  /**
   * Parses dictionary bytes the way 1.14.1 reads them (see the header): never throws.
   * Pass the receiving Dictionary<C>'s capacity to drop what 1.14.1 would cut off
   * (everything past C − 1 bytes). A repeated key keeps its first value, as lookups in
   * 1.14.1 do; later copies are dropped, so re-encoding is not byte-identical then.
   */
  static decode(bytes: Uint8Array, capacityBytes = Infinity): Dictionary {
    const d = new Dictionary();
    let end = Math.min(bytes.length, Math.max(0, capacityBytes - 1));
    const nul = bytes.subarray(0, end).indexOf(0);
    if (nul >= 0) end = nul;
    let p = 0;
    while (p < end) {
      let eol = p;
      while (eol < end && bytes[eol] !== LF && bytes[eol] !== CR) eol++;
      let eq = p;
      while (eq < eol && bytes[eq] !== EQUALS) eq++;
      if (eq < eol) {
        const key = byteString(bytes, p, eq);
        if (!d.map.has(key)) d.map.set(key, unescape(bytes, eq + 1, eol));
      }
      p = eol + 1;
    }
    return d;
  }

  /**
   * The text 1.14.1 would build by add()ing the entries in order, without the trailing 0
   * (what goes on the wire and on disk is sizeBytes() long). Callers check it against the
   * capacity they send into: at most C − 1 bytes.
   */
  encode(): Uint8Array {
    const keys: Uint8Array[] = [];
    let size = Math.max(0, this.map.size - 1);
    for (const [k, v] of this.map) {
      const kb = keyBytes(k);
      keys.push(kb);
      size += kb.length + 1 + escapedSize(v);
    }
    const out = new Uint8Array(size);
    let o = 0;
    let i = 0;
    for (const v of this.map.values()) {
      const kb = keys[i++];
      if (o > 0) out[o++] = LF;
      out.set(kb, o);
      o += kb.length;
      out[o++] = EQUALS;
      for (let j = 0; j < v.length; j++) {
        const c = v[j];
        if (c === 0 || c === CR || c === LF || c === BACKSLASH || c === EQUALS) {
          out[o++] = BACKSLASH;
          out[o++] = c === 0 ? 0x30 : c === CR ? 0x72 : c === LF ? 0x6e : c === EQUALS ? 0x65 : BACKSLASH;
        } else {
          out[o++] = c;
        }
      }
    }
    return out;
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  /** The raw (unescaped) value. It belongs to the dictionary: do not modify it. */
  get(key: string): Uint8Array | undefined {
    return this.map.get(key);
  }

  /**
   * The value as UTF-8 text (invalid sequences become U+FFFD). The whole value: 1.14.1
   * reads text into C strings, which would stop at an escaped 0 byte.
   */
  getString(key: string): string | undefined {
    const v = this.map.get(key);
    return v === undefined ? undefined : utf8Lenient.decode(v);
  }

  /**
   * A u64 read like 1.14.1's getUI: strtoull base 16 over the first 127 bytes.
   * Undefined when the key is absent or its value is empty (getUI then returns its default).
   */
  getU64(key: string): bigint | undefined {
    const v = this.map.get(key);
    if (v === undefined || v.length === 0) return undefined;
    return parseHexLikeStrtoull(v.subarray(0, U64_TEXT_MAX_BYTES));
  }

  /** Like getB: true iff the value starts with "1", "t" or "T" (an empty value is false). */
  getBool(key: string): boolean | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    return v[0] === 0x31 || v[0] === 0x74 || v[0] === 0x54;
  }

  /**
   * Sets a value (text is written as UTF-8; bytes are copied). Replaces an existing value
   * in place, where 1.14.1's add() would append a second entry that lookups never see.
   * Throws RangeError for a key 1.14.1 could not look up: characters above 0xff, 00, CR,
   * LF or "=".
   */
  set(key: string, value: Uint8Array | string): void {
    keyBytes(key);
    this.map.set(key, typeof value === 'string' ? utf8.encode(value) : value.slice());
  }

  /** 16 lower-case hex digits, as add(key, uint64_t); also how addresses are stored. */
  setU64(key: string, v: bigint): void {
    if (v < 0n || v > U64_MAX) throw new RangeError(`dictionary ${key}: ${v} is not a u64`);
    this.set(key, v.toString(16).padStart(16, '0'));
  }

  setBool(key: string, v: boolean): void {
    this.set(key, v ? '1' : '0');
  }
}

// The world JSON of `zerotier-idtool initmoon`/`genmoon` (06 §7, 03 §9.1) and the
// converters both `genmoon` and `ztkube planet create` use. Every error names the field.
import { ConfigError } from '../util/errors.js';
import { fromHexStrict, toHex } from '../util/hex.js';
import { Identity } from '../protocol/identity.js';
import { compareInetAddressZt, parseInetAddress, type InetAddress } from '../protocol/inet-address.js';
import { WORLD_MAX_ROOTS, WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT, WorldType, signWorld, type World, type WorldRoot } from '../protocol/world.js';
import { publicFromPrivate } from '../crypto/c25519.js';
import { jsonErrorOffset, lineAndColumn } from '../util/json-error-offset.js';

export interface WorldJson {
  id: string;
  objtype: 'world';
  roots: Array<{ identity: string; stableEndpoints: string[] }>;
  signingKey: string;
  signingKey_SECRET: string;
  updatesMustBeSignedBy: string;
  worldType: 'moon' | 'planet';
}

/** JSON text as 1.14.1's idtool prints it: keys sorted, one-space indent, final newline. */
export function formatWorldJson(j: WorldJson): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) o[k] = sorted((v as Record<string, unknown>)[k]);
      return o;
    }
    return v;
  };
  return JSON.stringify(sorted(j), null, 1) + '\n';
}

/** Parses JSON text read from src; a syntax error names the file and Node's position. */
export function parseJsonText(bytes: Uint8Array, src: string): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8's message may quote the whole text; keep its first clause and say where ourselves.
    const what = (e as Error).message.split(/, "|\n| (?:in|after) JSON at position/)[0];
    const at = jsonErrorOffset(text);
    const where = at < 0 ? '' : at >= text.length ? ' (it ends too early)' : ` at ${lineAndColumn(text, at)}`;
    throw new ConfigError(`${src}: not valid JSON${where}: ${what}`, { cause: e });
  }
}

/** The JSON type of v in words, for "expected X, got Y" messages. */
export function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function key64(j: Record<string, unknown>, field: string, src: string): Uint8Array {
  const v = j[field];
  if (v === undefined) throw new ConfigError(`${src}: missing field "${field}" (128 hex digits)`);
  if (typeof v !== 'string') throw new ConfigError(`${src}: ${field} must be a string of 128 hex digits, got ${jsonTypeOf(v)}`);
  const b = fromHexStrict(v.trim());
  if (!b || b.length !== 64) throw new ConfigError(`${src}: ${field} must be 128 hex digits, got ${JSON.stringify(v.slice(0, 20))}…`);
  return b;
}

function parseRoots(raw: unknown, src: string): WorldRoot[] {
  if (raw === undefined) throw new ConfigError(`${src}: missing field "roots" (an array of {identity, stableEndpoints})`);
  if (!Array.isArray(raw)) throw new ConfigError(`${src}: roots must be an array`);
  if (raw.length === 0) throw new ConfigError(`${src}: roots must name at least one root`);
  if (raw.length > WORLD_MAX_ROOTS) throw new ConfigError(`${src}: roots holds at most ${WORLD_MAX_ROOTS} entries, got ${raw.length}`);
  const roots = raw.map((r: unknown, i: number): WorldRoot => {
    const at = `${src}: roots[${i}]`;
    if (!r || typeof r !== 'object') throw new ConfigError(`${at} must be an object`);
    const o = r as Record<string, unknown>;
    if (typeof o.identity !== 'string') throw new ConfigError(`${at}.identity must be an identity string`);
    let identity: Identity;
    try {
      identity = Identity.fromString(o.identity.trim()).toPublic();
    } catch (e) {
      throw new ConfigError(`${at}.identity is not a valid identity (${(e as Error).message})`);
    }
    const eps = o.stableEndpoints ?? [];
    if (!Array.isArray(eps)) throw new ConfigError(`${at}.stableEndpoints must be an array of "ip/port" strings`);
    if (eps.length > WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT) {
      throw new ConfigError(`${at}.stableEndpoints holds at most ${WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT} entries`);
    }
    const stableEndpoints: InetAddress[] = eps.map((e: unknown, k: number) => {
      const a = typeof e === 'string' ? parseInetAddress(e.trim()) : null;
      if (!a || a.port === 0) throw new ConfigError(`${at}.stableEndpoints[${k}] must be "ip/port", got ${JSON.stringify(e)}`);
      return a;
    });
    stableEndpoints.sort(compareInetAddressZt);
    return { identity, stableEndpoints };
  });
  roots.sort((a, b) => Identity.compare(a.identity, b.identity));
  return roots;
}

export interface BuildWorldOptions {
  type: WorldType;
  id: bigint;
  timestampMs: number;
  json: Record<string, unknown>;
  src: string;
}

export interface SigningKeys {
  signingKey: Uint8Array;
  signingKeySecret: Uint8Array;
}

/** signingKey and signingKey_SECRET of idtool's world JSON, checked to be one key pair. */
export function parseSigningKeys(json: Record<string, unknown>, src: string): SigningKeys {
  const signingKey = key64(json, 'signingKey', src);
  const signingKeySecret = key64(json, 'signingKey_SECRET', src);
  if (toHex(publicFromPrivate(signingKeySecret)) !== toHex(signingKey)) {
    throw new ConfigError(`${src}: signingKey is not the public half of signingKey_SECRET`);
  }
  return { signingKey, signingKeySecret };
}

/** Signs a world described by idtool's JSON fields (roots, signingKey*, updatesMustBeSignedBy). */
export function buildWorldFromJson(o: BuildWorldOptions): World {
  const { signingKey: signingPublic, signingKeySecret: signingSecret } = parseSigningKeys(o.json, o.src);
  const updatesMustBeSignedBy = key64(o.json, 'updatesMustBeSignedBy', o.src);
  const roots = parseRoots(o.json.roots, o.src);
  return signWorld(
    { type: o.type, id: o.id, timestamp: BigInt(o.timestampMs), updatesMustBeSignedBy, roots },
    signingPublic,
    signingSecret,
  );
}

/** Parses a world ID from JSON text: hex, like 1.14.1's hexStrToU64; 0 is invalid. */
export function parseWorldId(v: unknown): bigint | null {
  if (typeof v !== 'string' || !/^(0x)?[0-9a-fA-F]{1,16}$/.test(v.trim())) return null;
  const id = BigInt('0x' + v.trim().replace(/^0x/, ''));
  return id === 0n ? null : id;
}

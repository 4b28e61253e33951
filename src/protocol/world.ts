// Worlds: the signed planet and moon definitions (spec 03 §8.1, §8.2).
//
//   0    1  type: 1 planet, 127 moon
//   1    8  world ID
//   9    8  timestamp (ms; the revision)
//  17   64  updates-must-be-signed-by (C25519 public key; only its Ed25519 half verifies)
//  81   96  signature by the key the previous revision named (01 §7)
// 177    1  number of roots (<= 4)
// 178  var  roots: identity (71, public) + u8 endpoint count (<= 32) + InetAddresses
// end 2+x  moons only: u16 dictionary length x, then x bytes (skipped; written as 0000)
//
// The signature covers 7f×8 ‖ the same bytes without the signature (and, for moons, an
// empty dictionary length) ‖ f7×8.
import { DecodeError } from '../util/errors.js';
import { bytesEqual } from '../util/bytes.js';
import { sign, verify } from '../crypto/c25519.js';
import { Identity } from './identity.js';
import { readInetAddress, writeInetAddress, type InetAddress } from './inet-address.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export const WorldType = { PLANET: 1, MOON: 127 } as const;
export type WorldType = (typeof WorldType)[keyof typeof WorldType];

export const WORLD_MAX_ROOTS = 4;
export const WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT = 32;
export const WORLD_MAX_SERIALIZED_BYTES = 8480;
export const WORLD_SIGNATURE_BYTES = 96;
const SIGN_PREFIX = 0x7f;
const SIGN_SUFFIX = 0xf7;

export interface WorldRoot {
  readonly identity: Identity;
  readonly stableEndpoints: readonly InetAddress[];
}

export interface World {
  readonly type: WorldType;
  readonly id: bigint;
  readonly timestamp: bigint;
  readonly updatesMustBeSignedBy: Uint8Array;
  readonly signature: Uint8Array;
  readonly roots: readonly WorldRoot[];
}

function writeBody(w: Writer, world: World, forSigning: boolean): void {
  w.u8(world.type).u64(world.id).u64(world.timestamp).bytes(world.updatesMustBeSignedBy);
  if (!forSigning) w.bytes(world.signature);
  w.u8(world.roots.length);
  for (const r of world.roots) {
    r.identity.encode(w, false);
    w.u8(r.stableEndpoints.length);
    for (const ep of r.stableEndpoints) writeInetAddress(w, ep);
  }
  if (world.type === WorldType.MOON) w.u16(0);
}

export function encodeWorld(world: World): Uint8Array {
  checkLimits(world);
  const w = new Writer(512);
  writeBody(w, world, false);
  return w.finish();
}

/** The exact bytes the signature covers (03 §8.2). */
export function worldSigningMessage(world: World): Uint8Array {
  const w = new Writer(512);
  for (let i = 0; i < 8; i++) w.u8(SIGN_PREFIX);
  writeBody(w, world, true);
  for (let i = 0; i < 8; i++) w.u8(SIGN_SUFFIX);
  return w.finish();
}

function checkLimits(world: World): void {
  if (world.roots.length > WORLD_MAX_ROOTS) throw new RangeError(`a world holds at most ${WORLD_MAX_ROOTS} roots`);
  for (const r of world.roots) {
    if (r.stableEndpoints.length > WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT) {
      throw new RangeError(`a root has at most ${WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT} stable endpoints`);
    }
  }
}

/** Reads one world from r (worlds are concatenated in OK(HELLO)). */
export function readWorld(r: Reader): World {
  const start = r.pos;
  const typeAt = r.pos;
  const type = r.u8('world.type');
  if (type !== WorldType.PLANET && type !== WorldType.MOON) throw new DecodeError('world.type', typeAt, 'bad_type');
  const id = r.u64('world.id');
  const timestamp = r.u64('world.timestamp');
  const updatesMustBeSignedBy = r.bytes(64, 'world.updatesMustBeSignedBy').slice();
  const signature = r.bytes(WORLD_SIGNATURE_BYTES, 'world.signature').slice();
  const countAt = r.pos;
  const numRoots = r.u8('world.rootCount');
  if (numRoots > WORLD_MAX_ROOTS) throw new DecodeError('world.rootCount', countAt, 'too_many');
  const roots: WorldRoot[] = [];
  for (let i = 0; i < numRoots; i++) {
    const identity = Identity.decode(r, `world.roots[${i}].identity`);
    if (identity.hasPrivate) throw new DecodeError(`world.roots[${i}].identity`, r.pos, 'private_key_in_world');
    const epAt = r.pos;
    const numEndpoints = r.u8(`world.roots[${i}].endpointCount`);
    if (numEndpoints > WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT) throw new DecodeError(`world.roots[${i}].endpointCount`, epAt, 'too_many');
    const stableEndpoints: InetAddress[] = [];
    for (let j = 0; j < numEndpoints; j++) {
      // Nil and reserved-type endpoints are read and dropped, as they can carry no traffic.
      const ep = readInetAddress(r, `world.roots[${i}].stableEndpoints[${j}]`);
      if (ep) stableEndpoints.push(ep);
    }
    roots.push({ identity, stableEndpoints });
  }
  if (type === WorldType.MOON) {
    const dictLen = r.u16('world.dictionaryLength');
    r.skip(dictLen, 'world.dictionary');
  }
  if (r.pos - start > WORLD_MAX_SERIALIZED_BYTES) throw new DecodeError('world', start, 'too_big');
  return { type, id, timestamp, updatesMustBeSignedBy, signature, roots };
}

/** Decodes exactly one world occupying all of `bytes` (a planet or .moon file). */
export function decodeWorld(bytes: Uint8Array): World {
  const r = new Reader(bytes);
  const w = readWorld(r);
  if (r.hasMore()) throw new DecodeError('world', r.pos, 'trailing_bytes');
  return w;
}

/** Decodes the concatenated worlds of an OK(HELLO) world-update section. */
export function decodeWorlds(bytes: Uint8Array): World[] {
  const r = new Reader(bytes);
  const out: World[] = [];
  while (r.hasMore()) out.push(readWorld(r));
  return out;
}

/** Signs a world with the private key of the previous revision's updates-must-be-signed-by key. */
export function signWorld(
  unsigned: Omit<World, 'signature'>,
  signerPublicKey: Uint8Array,
  signerPrivateKey: Uint8Array,
): World {
  const draft: World = { ...unsigned, signature: new Uint8Array(WORLD_SIGNATURE_BYTES) };
  checkLimits(draft);
  return { ...draft, signature: sign(signerPrivateKey, signerPublicKey, worldSigningMessage(draft)) };
}

/** Does the world's signature verify against this public key (64-byte C25519)? */
export function verifyWorldSignature(world: World, signerPublicKey: Uint8Array): boolean {
  return verify(signerPublicKey, worldSigningMessage(world), world.signature);
}

/**
 * The replacement rule of 03 §8.3 for an installed world of the same ID: same type,
 * strictly newer, and signed by the key the installed revision named.
 */
export function shouldReplaceWorld(current: World, candidate: World): boolean {
  return (
    candidate.id === current.id &&
    candidate.type === current.type &&
    candidate.timestamp > current.timestamp &&
    verifyWorldSignature(candidate, current.updatesMustBeSignedBy)
  );
}

export function worldsEqual(a: World, b: World): boolean {
  return bytesEqual(encodeWorld(a), encodeWorld(b));
}

export function worldIdToString(id: bigint): string {
  return id.toString(16).padStart(16, '0');
}

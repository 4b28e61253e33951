// HELLO payload (spec 02 §10.2). Sent in suite 0, never compressed.
//
//   offset  size      field
//   0       1         protocol version (12 for 1.14.x)
//   1       1         software major
//   2       1         software minor
//   3       2         software revision
//   5       8         timestamp (sender clock, ms; echoed in OK(HELLO))
//   13      71        sender identity, public (01 §4.2)
//   84      1/7/19    destination physical address, InetAddress (02 §2.1); optional
//   +0      8         planet world ID                 } optional, read only if 16 bytes remain
//   +8      8         planet timestamp                }
//   +16     …         encrypted tail, optional: anything left over
//
// Tail plaintext: u16 m, then m × (u8 world type, u64 world ID, u64 timestamp); only type
// 127 (moon) entries are kept, others skipped. The packet layer XORs the tail with
// Salsa20/12 keystream (so `tail` as decoded here is still ciphertext); it finds the tail
// at `tailOffset`, and hands the plaintext to decodeHelloTail.
//
// Parsing is length-driven like 1.14.1's (IncomingPacket.cpp _doHELLO): everything after
// the identity is optional, and bytes that remain after the (optional) planet fields are
// the tail even when fewer than 16 bytes follow the destination address.
import { DecodeError } from '../../util/errors.js';
import { Identity } from '../identity.js';
import { inetAddressSize, readInetAddress, writeInetAddress, type InetAddress } from '../inet-address.js';
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export const WORLD_TYPE_MOON = 127;
const HELLO_TAIL_ENTRY_BYTES = 17;

export interface HelloPlanet {
  worldId: bigint;
  timestamp: bigint;
}

/** A type-127 entry of the tail: a moon the sender has (timestamp) or wants (timestamp 0). */
export interface HelloMoon {
  worldId: bigint;
  timestamp: bigint;
}

export interface HELLO {
  protocolVersion: number;
  versionMajor: number;
  versionMinor: number;
  versionRevision: number;
  timestamp: bigint;
  identity: Identity;
  /** undefined: field absent (old sender); null: present but nil. */
  destination?: InetAddress | null;
  /** undefined when absent. */
  planet?: HelloPlanet;
  /** The tail bytes as they sit in the payload (ciphertext on the wire). undefined when absent. */
  tail?: Uint8Array;
}

export interface DecodedHELLO extends HELLO {
  /** Where the tail starts, relative to the payload; payload.length when there is no tail. */
  tailOffset: number;
}

export function decodeHello(payload: Uint8Array): DecodedHELLO {
  const r = new Reader(payload);
  const protocolVersion = r.u8('HELLO.protocolVersion');
  const versionMajor = r.u8('HELLO.versionMajor');
  const versionMinor = r.u8('HELLO.versionMinor');
  const versionRevision = r.u16('HELLO.versionRevision');
  const timestamp = r.u64('HELLO.timestamp');
  const identity = Identity.decode(r, 'HELLO.identity');
  const msg: DecodedHELLO = { protocolVersion, versionMajor, versionMinor, versionRevision, timestamp, identity, tailOffset: 0 };
  if (r.hasMore()) msg.destination = readInetAddress(r, 'HELLO.destination');
  if (r.remaining >= 16) msg.planet = { worldId: r.u64('HELLO.planet.worldId'), timestamp: r.u64('HELLO.planet.timestamp') };
  msg.tailOffset = r.pos;
  if (r.hasMore()) msg.tail = r.rest();
  return msg;
}

/** Offset of the tail in the payload encodeHello(msg) produces. */
export function helloTailOffset(msg: HELLO): number {
  let n = 13 + Identity.binarySize(msg.identity);
  const hasPlanet = msg.planet !== undefined;
  if (msg.destination !== undefined || hasPlanet) n += inetAddressSize(msg.destination ?? null);
  if (hasPlanet) n += 16;
  return n;
}

/**
 * Writes the payload with `tail` copied as given (normally encodeHelloTail's plaintext,
 * which the packet layer then encrypts in place from helloTailOffset(msg)).
 */
export function encodeHello(msg: HELLO): Uint8Array {
  if (msg.tail !== undefined && msg.planet === undefined) {
    // Without the planet fields a receiver would read the first 16 tail bytes as the planet.
    throw new RangeError('HELLO: a tail needs the planet fields before it');
  }
  const w = new Writer(helloTailOffset(msg) + (msg.tail?.length ?? 0));
  w.u8(msg.protocolVersion).u8(msg.versionMajor).u8(msg.versionMinor).u16(msg.versionRevision).u64(msg.timestamp);
  msg.identity.encode(w, false);
  if (msg.destination !== undefined || msg.planet !== undefined) writeInetAddress(w, msg.destination ?? null);
  if (msg.planet) w.u64(msg.planet.worldId).u64(msg.planet.timestamp);
  if (msg.tail) w.bytes(msg.tail);
  return w.finish();
}

/**
 * Decodes the decrypted tail. Fewer than 2 bytes means "no list" (1.14.1 reads the count
 * only if 2 bytes remain); entries of other world types are skipped; bytes after the
 * entries are ignored.
 */
export function decodeHelloTail(plain: Uint8Array): HelloMoon[] {
  const r = new Reader(plain);
  const moons: HelloMoon[] = [];
  if (r.remaining < 2) return moons;
  const count = r.u16('HELLO.tail.count');
  for (let i = 0; i < count; i++) {
    const f = `HELLO.tail.entries[${i}]`;
    const typeAt = r.pos;
    if (r.remaining < HELLO_TAIL_ENTRY_BYTES) throw new DecodeError(f, typeAt);
    if (r.u8(f + '.type') === WORLD_TYPE_MOON) {
      moons.push({ worldId: r.u64(f + '.worldId'), timestamp: r.u64(f + '.timestamp') });
    } else {
      r.skip(16, f);
    }
  }
  return moons;
}

export function encodeHelloTail(entries: HelloMoon[]): Uint8Array {
  if (entries.length > 0xffff) throw new RangeError('HELLO tail: too many entries');
  const w = new Writer(2 + HELLO_TAIL_ENTRY_BYTES * entries.length);
  w.u16(entries.length);
  for (const e of entries) w.u8(WORLD_TYPE_MOON).u64(e.worldId).u64(e.timestamp);
  return w.finish();
}

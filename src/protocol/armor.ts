// Armor and de-armor of whole VL1 packets (spec 02 §5), the HELLO tail cipher (§10.2) and
// the choice of suite (§5.5). Works in place on one complete packet (a reassembled one for
// fragmented packets) with hops = 0 when armoring.
//
// Suites 0/1 (Salsa20/12 + Poly1305). Per-packet key k from K[0..32]:
//   | k bytes | value                                   |
//   | 0–17    | K[i] ^ pkt[i] (ID, destination, source) |
//   | 18      | K[18] ^ (pkt[18] & 0xf8)  (hops masked) |
//   | 19      | K[19] ^ (n & 0xff)        n = packet length, little-endian |
//   | 20      | K[20] ^ ((n >> 8) & 0xff)               |
//   | 21–31   | K[i]                                    |
// Salsa20/12(k, nonce = pkt[0..8]): keystream block 0 gives the Poly1305 key (bytes 0–31,
// the whole block is consumed); suite 1 XORs pkt[27..n) from keystream byte 64; then
// pkt[19..27) = Poly1305(pkt[27..n))[0..8] (encrypt-then-MAC).
//
// Suite 3 (AES-GMAC-SIV, 01 §9.2): N = pkt[0..8], A = pkt[8..19] (byte 18 with hops
// cleared on receipt), P = pkt[27..n); W → pkt[0..8] and pkt[19..27], C → pkt[27..n).
// The packet ID on the wire is therefore W[0..8]: record it after armoring (§4).
//
// Suite 2 (trusted path): no crypto; bytes 19–26 = the 64-bit trusted-path ID. Whether
// to accept it depends on the UDP source (03 §14), so dearmor() refuses it and the caller
// uses trustedPathId(). Suites 4–7 never authenticate.
//
// Native: when the peer's keys carry a native key (src/crypto/native-crypto.ts, installed by
// the host before the peer was derived), armor/dearmor and the batch forms run in the addon,
// byte for byte the same; otherwise the TypeScript below does the work.
import { Salsa20, salsa20Xor } from '../crypto/salsa20.js';
import { poly1305 } from '../crypto/poly1305.js';
import type { PeerKeys } from '../crypto/peer-keys.js';
import { nativeCrypto, type NativePeerKey } from '../crypto/native-crypto.js';
import { DecodeError } from '../util/errors.js';
import {
  AES_GMAC_SIV_MIN_PROTOCOL_VERSION,
  CipherSuite,
  FLAGS_AUTHENTICATED_MASK,
  HOPS_MASK,
  MAX_PACKET_BYTES,
  MIN_PACKET_BYTES,
  PACKET_IDX_DEST,
  PACKET_IDX_FLAGS,
  PACKET_IDX_MAC,
  PACKET_IDX_VERB,
  PACKET_MAC_BYTES,
  Verb,
} from './constants.js';
import { cipherSuiteOf, setCipherSuite } from './packet.js';

/** Suites this module can armor with a peer key. */
export type ArmorSuite = 0 | 1 | 3;

// Scratch space reused by every call: the module is synchronous, so calls never overlap.
const mangled = new Uint8Array(32);
const polyKey = new Uint8Array(32);
const ZERO_32 = new Uint8Array(32);
const tag = new Uint8Array(16);
const salsa = new Salsa20(ZERO_32, new Uint8Array(8), 12);
const aad = new Uint8Array(11);
const siv = new Uint8Array(16);
const nonce = new Uint8Array(8);
let plainScratch = new Uint8Array(MAX_PACKET_BYTES);

/** The per-packet Salsa20/12 key of suites 0/1 (table above) into `mangled`. */
function mangleKey(pkt: Uint8Array, salsaKey: Uint8Array): void {
  for (let i = 0; i < 18; i++) mangled[i] = salsaKey[i] ^ pkt[i];
  mangled[18] = salsaKey[18] ^ (pkt[PACKET_IDX_FLAGS] & FLAGS_AUTHENTICATED_MASK);
  const n = pkt.length;
  mangled[19] = salsaKey[19] ^ (n & 0xff);
  mangled[20] = salsaKey[20] ^ ((n >>> 8) & 0xff);
  for (let i = 21; i < 32; i++) mangled[i] = salsaKey[i];
}

/** Starts the stream for suites 0/1 and leaves the Poly1305 key in `polyKey`. */
function startSalsa(pkt: Uint8Array, salsaKey: Uint8Array): void {
  mangleKey(pkt, salsaKey);
  salsa.reset(mangled, pkt.subarray(0, 8));
  salsa.crypt(ZERO_32, polyKey);
}

/**
 * Armors `pkt` in place for the peer whose keys are `keys` (the final destination's).
 * Byte 18 gets the suite (and the legacy 0x80 flag for suite 1); the fragmented flag is
 * kept and must already be right (fragment.ts); the hops are reset to 0.
 */
export function armor(pkt: Uint8Array, keys: PeerKeys, suite: ArmorSuite): void {
  if (pkt.length < MIN_PACKET_BYTES) throw new RangeError(`packet shorter than ${MIN_PACKET_BYTES} bytes`);
  if (suite !== 0 && suite !== 1 && suite !== 3) throw new RangeError(`cannot armor with suite ${suite as number}`);
  const addon = keys.native ? nativeCrypto() : null;
  if (addon) {
    addon.armor(keys.native!, pkt, suite);
    return;
  }
  pkt[PACKET_IDX_FLAGS] &= ~HOPS_MASK & 0xff;
  setCipherSuite(pkt, suite);
  const body = pkt.subarray(PACKET_IDX_VERB);
  if (suite === CipherSuite.AES_GMAC_SIV) {
    const w = keys.aes.encrypt(pkt.subarray(0, 8), pkt.subarray(PACKET_IDX_DEST, PACKET_IDX_FLAGS + 1), body, body);
    pkt.set(w.subarray(0, 8), 0);
    pkt.set(w.subarray(8, 16), PACKET_IDX_MAC);
    return;
  }
  startSalsa(pkt, keys.salsaKey);
  if (suite === CipherSuite.C25519_POLY1305_SALSA2012) salsa.crypt(body, body);
  poly1305(tag, body, polyKey);
  pkt.set(tag.subarray(0, PACKET_MAC_BYTES), PACKET_IDX_MAC);
}

/**
 * Authenticates (and for suites 1 and 3 decrypts) `pkt` in place with the source's keys.
 * Returns false, leaving `pkt` unchanged, on a bad MAC/SIV, a packet shorter than 28
 * bytes, suite 2 (see trustedPathId) or suites 4–7. Never throws on packet content.
 */
export function dearmor(pkt: Uint8Array, keys: PeerKeys): boolean {
  if (pkt.length < MIN_PACKET_BYTES) return false;
  const addon = keys.native ? nativeCrypto() : null;
  if (addon) return addon.dearmor(keys.native!, pkt);
  const suite = cipherSuiteOf(pkt);
  const body = pkt.subarray(PACKET_IDX_VERB);
  if (suite === CipherSuite.AES_GMAC_SIV) {
    siv.set(pkt.subarray(0, 8), 0);
    siv.set(pkt.subarray(PACKET_IDX_MAC, PACKET_IDX_MAC + 8), 8);
    aad.set(pkt.subarray(PACKET_IDX_DEST, PACKET_IDX_FLAGS + 1), 0);
    aad[10] &= FLAGS_AUTHENTICATED_MASK;
    // Decrypt beside the packet so a forgery leaves it untouched.
    if (plainScratch.length < body.length) plainScratch = new Uint8Array(body.length);
    const plain = plainScratch.subarray(0, body.length);
    if (!keys.aes.decrypt(siv, aad, body, plain)) return false;
    body.set(plain);
    return true;
  }
  if (suite !== CipherSuite.C25519_POLY1305_NONE && suite !== CipherSuite.C25519_POLY1305_SALSA2012) return false;
  startSalsa(pkt, keys.salsaKey);
  poly1305(tag, body, polyKey);
  let diff = 0;
  for (let i = 0; i < PACKET_MAC_BYTES; i++) diff |= tag[i] ^ pkt[PACKET_IDX_MAC + i];
  if (diff !== 0) return false;
  if (suite === CipherSuite.C25519_POLY1305_SALSA2012) salsa.crypt(body, body);
  return true;
}

// Batches: packet i is slab[offsets[i] … offsets[i] + lengths[i]), keys[i] its peer's keys
// (or one PeerKeys for all), suites[i] its suite (or one suite for all). One call into the
// addon when every key is native, else packet by packet in TypeScript. Reused scratch:
const batchKeys: NativePeerKey[] = [];

/** The native keys of keys[0 … count) into batchKeys, or false if one is missing. */
function nativeKeysOf(keys: PeerKeys | readonly PeerKeys[], count: number): NativePeerKey | NativePeerKey[] | null {
  if (!Array.isArray(keys)) return (keys as PeerKeys).native ?? null;
  if (keys.length < count) throw new RangeError(`keys has ${keys.length} entries, count is ${count}`);
  batchKeys.length = count;
  for (let i = 0; i < count; i++) {
    const k = (keys as readonly PeerKeys[])[i].native;
    if (!k) return null;
    batchKeys[i] = k;
  }
  return batchKeys;
}

function checkBatch(slab: Uint8Array, offsets: Uint32Array, lengths: Uint32Array, count: number): void {
  if (!Number.isInteger(count) || count < 0 || count > offsets.length || count > lengths.length) {
    throw new RangeError(`batch count ${count} outside 0…${Math.min(offsets.length, lengths.length)}`);
  }
  for (let i = 0; i < count; i++) {
    if (offsets[i] + lengths[i] > slab.length) throw new RangeError(`packet ${i} ends beyond the ${slab.length}-byte slab`);
  }
}

/**
 * Armors count packets laid out in `slab` (see above), each as armor() would. Everything is
 * checked before the first packet is touched. For a TAP batch: one call per batch.
 */
export function armorBatch(
  keys: PeerKeys | readonly PeerKeys[],
  suites: ArmorSuite | Uint8Array,
  slab: Uint8Array,
  offsets: Uint32Array,
  lengths: Uint32Array,
  count: number,
): void {
  const addon = nativeCrypto();
  const nk = addon ? nativeKeysOf(keys, count) : null;
  if (addon && nk) {
    addon.armorBatch(nk, suites, slab, offsets, lengths, count);
    return;
  }
  checkBatch(slab, offsets, lengths, count);
  if (Array.isArray(keys) && keys.length < count) throw new RangeError(`keys has ${keys.length} entries, count is ${count}`);
  if (typeof suites !== 'number' && suites.length < count) throw new RangeError(`suites has ${suites.length} entries, count is ${count}`);
  for (let i = 0; i < count; i++) {
    const s = typeof suites === 'number' ? suites : suites[i];
    if (lengths[i] < MIN_PACKET_BYTES) throw new RangeError(`packet ${i} shorter than ${MIN_PACKET_BYTES} bytes`);
    if (s !== 0 && s !== 1 && s !== 3) throw new RangeError(`cannot armor with suite ${s}`);
  }
  for (let i = 0; i < count; i++) {
    const k = Array.isArray(keys) ? (keys as readonly PeerKeys[])[i] : (keys as PeerKeys);
    armor(slab.subarray(offsets[i], offsets[i] + lengths[i]), k, (typeof suites === 'number' ? suites : suites[i]) as ArmorSuite);
  }
}

/**
 * De-armors count packets laid out in `slab`, each as dearmor() would; results[i] = 1 if
 * packet i authenticated (now plaintext in place), else 0 (left unchanged). Returns the
 * number authenticated.
 */
export function dearmorBatch(
  keys: PeerKeys | readonly PeerKeys[],
  slab: Uint8Array,
  offsets: Uint32Array,
  lengths: Uint32Array,
  count: number,
  results: Uint8Array,
): number {
  const addon = nativeCrypto();
  const nk = addon ? nativeKeysOf(keys, count) : null;
  if (addon && nk) return addon.dearmorBatch(nk, slab, offsets, lengths, count, results);
  checkBatch(slab, offsets, lengths, count);
  if (results.length < count) throw new RangeError(`results has ${results.length} entries, count is ${count}`);
  if (Array.isArray(keys) && keys.length < count) throw new RangeError(`keys has ${keys.length} entries, count is ${count}`);
  let ok = 0;
  for (let i = 0; i < count; i++) {
    const k = Array.isArray(keys) ? (keys as readonly PeerKeys[])[i] : (keys as PeerKeys);
    const r = dearmor(slab.subarray(offsets[i], offsets[i] + lengths[i]), k) ? 1 : 0;
    results[i] = r;
    ok += r;
  }
  return ok;
}

/** Marks `pkt` as suite 2 and writes the trusted-path ID (big-endian) into bytes 19–26. */
export function armorTrustedPath(pkt: Uint8Array, id: bigint): void {
  if (pkt.length < MIN_PACKET_BYTES) throw new RangeError(`packet shorter than ${MIN_PACKET_BYTES} bytes`);
  if (id < 0n || id > 0xffffffffffffffffn) throw new RangeError('trusted path ID must be a u64');
  pkt[PACKET_IDX_FLAGS] &= ~HOPS_MASK & 0xff;
  setCipherSuite(pkt, CipherSuite.NO_CRYPTO_TRUSTED_PATH);
  for (let i = 7; i >= 0; i--) {
    pkt[PACKET_IDX_MAC + i] = Number(id & 0xffn);
    id >>= 8n;
  }
}

/** Bytes 19–26 as a big-endian u64: the trusted-path ID of a suite-2 packet. */
export function trustedPathId(pkt: Uint8Array): bigint {
  if (pkt.length < MIN_PACKET_BYTES) throw new DecodeError('trusted path ID', pkt.length, 'truncated');
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(pkt[PACKET_IDX_MAC + i]);
  return v;
}

/**
 * XORs pkt[tailOffset..) with Salsa20/12 keystream from byte 0, key = the unmangled
 * K[0..32], nonce = the packet ID with the low 3 bits of byte 7 cleared (§10.2). The same
 * call encrypts (before suite-0 armor) and decrypts (after the MAC has verified).
 */
export function helloTailCrypt(pkt: Uint8Array, tailOffset: number, salsaKey32: Uint8Array): void {
  if (!Number.isInteger(tailOffset) || tailOffset < MIN_PACKET_BYTES || tailOffset > pkt.length) {
    throw new RangeError(`HELLO tail offset ${tailOffset} outside the ${pkt.length}-byte packet`);
  }
  nonce.set(pkt.subarray(0, 8));
  nonce[7] &= 0xf8;
  const tail = pkt.subarray(tailOffset);
  salsa20Xor(12, tail, tail, nonce, salsaKey32, 0);
}

/**
 * The suite to armor a packet of `verb` with for a peer that announced
 * `remoteProtocolVersion` (undefined until its HELLO/OK(HELLO) is processed), §5.5.
 * The trusted-path override (suite 2) depends on the physical path and is the caller's.
 */
export function chooseSuite(verb: number, remoteProtocolVersion: number | undefined): ArmorSuite {
  if (verb === Verb.HELLO || verb === Verb.QOS_MEASUREMENT || verb === Verb.PATH_NEGOTIATION_REQUEST || verb === Verb.ACK) return 0;
  if (remoteProtocolVersion !== undefined && remoteProtocolVersion >= AES_GMAC_SIV_MIN_PROTOCOL_VERSION) return 3;
  return 1;
}

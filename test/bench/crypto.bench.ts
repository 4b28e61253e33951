// Crypto primitive throughput (src/crypto). Prints `bench <what>: <number> <unit>` lines.
import { memoryHardHash } from '../../src/crypto/memory-hard-hash.js';
import { Salsa20 } from '../../src/crypto/salsa20.js';
import { poly1305 } from '../../src/crypto/poly1305.js';
import { AesGmacSiv } from '../../src/crypto/aes-gmac-siv.js';
import { agree, generateC25519KeyPair, sign, verify } from '../../src/crypto/c25519.js';
import { Prng } from '../helpers/prng.js';

const PACKET_BYTES = 1400;

/** Average nanoseconds per call of fn over `iterations` runs (after a short warm-up). */
function nsPerOp(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(100, iterations); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

export async function run(): Promise<void> {
  const r = new Prng(1234);
  const pkt = r.bytes(PACKET_BYTES);

  const pub = r.bytes(64);
  memoryHardHash(pub);
  const mhh = nsPerOp(10, () => { memoryHardHash(pub); });
  console.log(`bench memory-hard hash: ${(mhh / 1e6).toFixed(1)} ms/op`);

  const key = r.bytes(32);
  const nonce = r.bytes(8);
  const s = new Salsa20(key, nonce, 12);
  const salsa = nsPerOp(20000, () => {
    s.reset(key, nonce);
    s.crypt(pkt, pkt);
  });
  console.log(`bench salsa20/12 ${PACKET_BYTES}B: ${(PACKET_BYTES / salsa * 1e3).toFixed(1)} MB/s`);

  const tag = new Uint8Array(16);
  const polyKey = r.bytes(32);
  const poly = nsPerOp(50000, () => { poly1305(tag, pkt, polyKey); });
  console.log(`bench poly1305 ${PACKET_BYTES}B: ${poly.toFixed(0)} ns/op`);

  const siv = new AesGmacSiv(r.bytes(32), r.bytes(32));
  const aad = r.bytes(11);
  const body = pkt.subarray(0, PACKET_BYTES);
  const aes = nsPerOp(10000, () => {
    const w = siv.encrypt(nonce, aad, body, body);
    if (!siv.decrypt(w, aad, body, body)) throw new Error('AES-GMAC-SIV round trip failed');
  });
  console.log(`bench aes-gmac-siv encrypt+decrypt ${PACKET_BYTES}B: ${aes.toFixed(0)} ns/op`);

  const a = generateC25519KeyPair((n) => r.bytes(n));
  const b = generateC25519KeyPair((n) => r.bytes(n));
  const msg = r.bytes(256);
  const sig = sign(a.privateKey, a.publicKey, msg);
  const signNs = nsPerOp(2000, () => { sign(a.privateKey, a.publicKey, msg); });
  console.log(`bench c25519 sign: ${(signNs / 1e3).toFixed(1)} us/op`);
  const verifyNs = nsPerOp(2000, () => {
    if (!verify(a.publicKey, msg, sig)) throw new Error('verify failed');
  });
  console.log(`bench c25519 verify: ${(verifyNs / 1e3).toFixed(1)} us/op`);
  const agreeNs = nsPerOp(2000, () => { agree(a.privateKey, b.publicKey); });
  console.log(`bench c25519 agree: ${(agreeNs / 1e3).toFixed(1)} us/op`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}

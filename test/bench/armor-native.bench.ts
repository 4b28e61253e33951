// Packet armor/dearmor per suite (02 §5), TypeScript against the native addon
// (src/crypto/native-crypto.ts), one packet per call and batches of 64 in one call
// (armorBatch/dearmorBatch). 1400-byte packets. Prints `bench …: N ns/packet`; asserts nothing.
import { armor, armorBatch, dearmor, dearmorBatch, type ArmorSuite } from '../../src/protocol/armor.js';
import { buildPacket } from '../../src/protocol/packet.js';
import { Verb } from '../../src/protocol/constants.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { installNativeCrypto, nativeCrypto } from '../../src/crypto/native-crypto.js';
import { findCryptoAddon, loadCryptoAddon } from '../../src/crypto/native-loader.js';
import { Prng } from '../helpers/prng.js';

const PACKET_BYTES = Number(process.env.ZTKUBE_BENCH_PACKET_BYTES ?? '1400');
const BATCH = 64;

function nsPer(iterations: number, perCall: number, fn: () => void): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iterations / perCall;
}

export async function run(): Promise<void> {
  const r = new Prng(777);
  const key48 = r.bytes(48);
  const plain = buildPacket({ id8: r.bytes(8), dest: 0x4e727d26e3, source: 0x836faffcb4, verb: Verb.FRAME, payload: r.bytes(PACKET_BYTES - 28) });
  const slot = (PACKET_BYTES + 63) & ~63;
  const slab = new Uint8Array(BATCH * slot);
  const offsets = new Uint32Array(BATCH), lengths = new Uint32Array(BATCH).fill(PACKET_BYTES);
  for (let i = 0; i < BATCH; i++) {
    offsets[i] = i * slot;
    slab.set(plain, offsets[i]);
  }
  const results = new Uint8Array(BATCH);
  const installedBefore = nativeCrypto();
  const modes: Array<['ts' | 'native', boolean]> = [['ts', false], ['native', true]];
  for (const [name, native] of modes) {
    if (native && !findCryptoAddon()) {
      console.log('bench armor native: skipped (addon not built)');
      continue;
    }
    installNativeCrypto(native ? loadCryptoAddon() : null);
    const keys = derivePeerKeys(key48);
    for (const suite of [0, 1, 3] as ArmorSuite[]) {
      const iters = native ? 40000 : 8000;
      const work = plain.slice();
      const a = nsPer(iters, 1, () => armor(work, keys, suite));
      const armored = plain.slice();
      armor(armored, keys, suite);
      // each round restores the armored bytes first (a 1400-byte copy, tens of ns)
      const d = nsPer(iters, 1, () => {
        work.set(armored);
        if (!dearmor(work, keys)) throw new Error('dearmor failed');
      });
      const ab = nsPer(iters / BATCH + 20, BATCH, () => armorBatch(keys, suite, slab, offsets, lengths, BATCH));
      const armoredSlab = slab.slice();
      for (let i = 0; i < BATCH; i++) armoredSlab.set(armored, offsets[i]);
      const db = nsPer(iters / BATCH + 20, BATCH, () => {
        slab.set(armoredSlab);
        if (dearmorBatch(keys, slab, offsets, lengths, BATCH, results) !== BATCH) throw new Error('dearmorBatch failed');
      });
      console.log(
        `bench ${name} suite ${suite} ${PACKET_BYTES}B: armor ${a.toFixed(0)} ns/packet, dearmor ${d.toFixed(0)} ns/packet; ` +
          `batch ${BATCH}: armor ${ab.toFixed(0)}, dearmor ${db.toFixed(0)} ns/packet`,
      );
    }
  }
  installNativeCrypto(installedBefore);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}

// VL1 packet layer throughput (src/protocol armor, fragment, reassembler). Prints
// `bench <what>: <number> <unit>` lines.
import { armor, dearmor, type ArmorSuite } from '../../src/protocol/armor.js';
import { fragmentPacket } from '../../src/protocol/fragment.js';
import { Reassembler } from '../../src/protocol/reassembler.js';
import { buildPacket, setFragmented } from '../../src/protocol/packet.js';
import { DEFAULT_PHYS_MTU_BYTES, REASSEMBLY_SLOTS, REASSEMBLY_TIMEOUT_MS, Verb } from '../../src/protocol/constants.js';
import { derivePeerKeys } from '../../src/crypto/peer-keys.js';
import { Prng } from '../helpers/prng.js';

const PACKET_BYTES = 1400;
const BIG_PACKET_BYTES = 9000;

/** Average nanoseconds per call of fn over `iterations` runs (after a short warm-up). */
function nsPerOp(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

export async function run(): Promise<void> {
  const r = new Prng(4321);
  const keys = derivePeerKeys(r.bytes(48));
  const plain = buildPacket({ id8: r.bytes(8), dest: 0x4e727d26e3, source: 0x836faffcb4, verb: Verb.FRAME, payload: r.bytes(PACKET_BYTES - 28) });

  for (const suite of [0, 1, 3] as ArmorSuite[]) {
    // Re-armoring the same buffer is as much work as armoring a fresh one.
    const work = plain.slice();
    const armorNs = nsPerOp(20000, () => armor(work, keys, suite));
    console.log(`bench armor suite ${suite} ${PACKET_BYTES}B: ${armorNs.toFixed(0)} ns/packet`);

    const armored = plain.slice();
    armor(armored, keys, suite);
    // Each round restores the armored bytes first (a 1400-byte copy, tens of ns).
    const dearmorNs = nsPerOp(20000, () => {
      work.set(armored);
      if (!dearmor(work, keys)) throw new Error(`dearmor suite ${suite} failed`);
    });
    console.log(`bench dearmor suite ${suite} ${PACKET_BYTES}B: ${dearmorNs.toFixed(0)} ns/packet`);
  }

  const big = buildPacket({ id8: r.bytes(8), dest: 0x4e727d26e3, source: 0x836faffcb4, verb: Verb.FRAME, payload: r.bytes(BIG_PACKET_BYTES - 28) });
  setFragmented(big, true);
  const table = new Reassembler({ maxEntries: REASSEMBLY_SLOTS, timeoutMs: REASSEMBLY_TIMEOUT_MS });
  let seq = 0;
  const fragNs = nsPerOp(20000, () => {
    seq++;
    // A fresh packet ID each round, as a sender would use.
    big[4] = seq >>> 24; big[5] = seq >>> 16; big[6] = seq >>> 8; big[7] = seq;
    const pieces = fragmentPacket(big, DEFAULT_PHYS_MTU_BYTES);
    let done: Uint8Array | null = table.addHead(0, pieces[0]);
    for (let i = pieces.length - 1; i >= 1; i--) done = table.addFragment(0, pieces[i]) ?? done;
    if (done === null || done.length !== BIG_PACKET_BYTES) throw new Error('reassembly failed');
  });
  console.log(`bench fragment+reassemble ${BIG_PACKET_BYTES}B at MTU ${DEFAULT_PHYS_MTU_BYTES}: ${(1e9 / fragNs).toFixed(0)} packets/s`);
}

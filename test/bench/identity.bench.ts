// Identity generation: the memory-hard search of 01 §5.4, about 15 hash attempts on average.
import { generateIdentity } from '../../src/protocol/identity-crypto.js';
import { validateIdentity } from '../../src/protocol/identity-crypto.js';
import { secureRandomBytes } from '../../src/crypto/random.js';

export async function run(): Promise<void> {
  const n = 10;
  const times: number[] = [];
  let id = generateIdentity(secureRandomBytes);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    id = generateIdentity(secureRandomBytes);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / n;
  console.log(`bench identity generate: mean ${mean.toFixed(0)} ms, median ${times[n >> 1].toFixed(0)} ms, max ${times[n - 1].toFixed(0)} ms (${n} identities)`);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 20; i++) validateIdentity(id);
  console.log(`bench identity validate: ${(Number(process.hrtime.bigint() - t0) / 20e6).toFixed(1)} ms/op`);
}

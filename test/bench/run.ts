// `make bench`: runs every benchmark module and prints its figures (nothing is asserted).
// `node dist/test/bench/run.js <prefix>` runs only the modules whose name starts with it.
// Each module exports run(): Promise<void> and prints lines "bench <what>: <value> <unit>".
import { cpus } from 'node:os';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// ZTKUBE_BENCH_NATIVE=1: every peer derived by the benchmarks uses the native ciphers
// (src/crypto/native-crypto.ts); armor-native.bench compares both either way.
if (process.env.ZTKUBE_BENCH_NATIVE === '1') {
  const { enableNativeCrypto } = await import('../../src/crypto/native-loader.js');
  console.log(`# native packet crypto: ${enableNativeCrypto() ? 'on' : 'not built'}`);
}
const only = process.argv[2];
console.log(`# ztkube benchmarks on ${cpus()[0]?.model ?? 'unknown cpu'} (${cpus().length} cores), node ${process.version}`);
for (const f of readdirSync(here).filter((n) => n.endsWith('.bench.js')).sort()) {
  if (only && !f.startsWith(only)) continue;
  console.log(`# ${f.replace(/\.bench\.js$/, '')}`);
  const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as { run: () => Promise<void> };
  await mod.run();
}

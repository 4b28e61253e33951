// `make bench`: runs every benchmark module and prints its figures (nothing is asserted).
// Each module exports run(): Promise<void> and prints lines "bench <what>: <value> <unit>".
import { cpus } from 'node:os';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
console.log(`# ztkube benchmarks on ${cpus()[0]?.model ?? 'unknown cpu'} (${cpus().length} cores), node ${process.version}`);
for (const f of readdirSync(here).filter((n) => n.endsWith('.bench.js')).sort()) {
  if (only && !f.startsWith(only)) continue;
  console.log(`# ${f.replace(/\.bench\.js$/, '')}`);
  const mod = (await import(pathToFileURL(`${here}/${f}`).href)) as { run: () => Promise<void> };
  await mod.run();
}

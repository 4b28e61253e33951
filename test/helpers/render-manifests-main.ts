// `make manifests`: writes manifests/<path> for every chart template rendered with the
// chart's default values (the plain YAML for users without helm).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { manifestsDir, renderChart } from './chart-files.js';

for (const { path, text } of renderChart()) {
  if (text === '') continue;
  const out = join(manifestsDir, path);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  process.stdout.write(`wrote manifests/${path}\n`);
}

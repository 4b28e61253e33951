// `make manifests`: writes manifests/<path> for every chart template rendered with the
// chart's default values plus the Namespace (the plain YAML for users without helm); a
// template that renders nothing with them has no file there.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MANIFEST_VALUES, manifestsDir, renderChart } from './chart-files.js';

for (const { path, text } of renderChart(MANIFEST_VALUES)) {
  const out = join(manifestsDir, path);
  if (text === '') {
    if (existsSync(out)) rmSync(out);
    continue;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  process.stdout.write(`wrote manifests/${path}\n`);
}

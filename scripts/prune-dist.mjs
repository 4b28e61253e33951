#!/usr/bin/env node
// Removes outputs in dist/ whose TypeScript source is gone (a renamed or deleted file), so
// an incremental build never leaves a stale module or test behind; `make build` runs it
// before tsc. dist/<path>.js and .js.map belong to <path>.ts; empty folders go too.
import { existsSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');

/** Prunes one folder; true when it is empty afterwards. */
function prune(dir) {
  let isEmpty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (prune(path)) rmdirSync(path);
      else isEmpty = false;
      continue;
    }
    const m = /^(.*)\.js(\.map)?$/.exec(relative(dist, path));
    if (m && !existsSync(join(root, `${m[1]}.ts`))) {
      unlinkSync(path);
      console.log(`prune-dist: removed ${relative(root, path)}`);
    } else {
      isEmpty = false;
    }
  }
  return isEmpty;
}

for (const top of ['cmd', 'src', 'test']) if (existsSync(join(dist, top))) prune(join(dist, top));

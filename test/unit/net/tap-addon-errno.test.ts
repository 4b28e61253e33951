// The addon's errno names without strerrorname_np (glibc < 2.32, musl/Alpine): the fallback
// table in native/src/errno_name.cc is compiled with -DZTKUBE_NO_STRERRORNAME_NP, checked
// against glibc's own names by native/test/errno_name_check.cc, and the whole addon is
// compiled on that path, so a musl build cannot break unnoticed. `make check-native` runs
// the same two compilations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const native = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'native');
const nodeHeaders = join(dirname(dirname(process.execPath)), 'include', 'node');
const hasGxx = spawnSync('g++', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasGxx ? 'no g++' : !existsSync(join(native, 'src', 'errno_name.cc')) ? 'no native/ sources next to dist/' : false;
const FLAGS = ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-Wno-unused-parameter', '-Wno-missing-field-initializers', '-D_GNU_SOURCE', '-DZTKUBE_NO_STRERRORNAME_NP'];

test('the fallback errno table is compiled in and agrees with the C library', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ztkube-errno-'));
  try {
    const exe = join(dir, 'errno_name_check');
    execFileSync('g++', [...FLAGS, '-o', exe, join(native, 'src', 'errno_name.cc'), join(native, 'test', 'errno_name_check.cc')]);
    const out = JSON.parse(execFileSync(exe, { encoding: 'utf8' })) as { ok: boolean; named: number; mismatches: number };
    assert.equal(out.ok, true);
    assert.equal(out.mismatches, 0);
    assert.ok(out.named >= 30, `only ${out.named} errnos named`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every addon source compiles on the fallback path', { skip: skip || (existsSync(join(nodeHeaders, 'node_api.h')) ? false : `no node headers in ${nodeHeaders}`) }, () => {
  const sources = readdirSync(join(native, 'src')).filter((f) => f.endsWith('.cc'));
  assert.ok(sources.includes('binding.cc') && sources.includes('tap_io.cc'));
  for (const f of sources) {
    const r = spawnSync('g++', [...FLAGS, '-fsyntax-only', `-I${nodeHeaders}`, join(native, 'src', f)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}:\n${r.stderr}`);
  }
});

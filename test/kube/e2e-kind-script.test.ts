// scripts/e2e-kind.sh (`make e2e-kind`) exits 0 without a cluster only when it is skipped for
// missing tools, saying which; when the tools exist and a step fails it exits non-zero and
// still tears down (kind delete cluster). Stand-in tools in a temp dir play kind, docker,
// helm, kubectl and make: the real run needs a machine with kind, Docker and Helm.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/shared.js';

const script = join(repoRoot, 'scripts', 'e2e-kind.sh');
const dirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), `ztkube-e2e-kind-test-${process.pid}-`));
  dirs.push(d);
  return d;
}

/** Executables that record their arguments in calls.log and exit with `code`. */
function standIns(dir: string, tools: string[], code: number): void {
  for (const t of tools) writeFileSync(join(dir, t), `#!/bin/sh\necho "${t} $*" >> "${join(dir, 'calls.log')}"\nexit ${code}\n`, { mode: 0o755 });
}

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('make e2e-kind', () => {
  it('without the tools: says it is skipped and which are missing, exit 0', () => {
    const empty = tempDir();
    const r = spawnSync('/bin/bash', [script], { encoding: 'utf8', env: { PATH: empty } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'e2e-kind: skipped: kind, docker, helm, kubectl not found (it needs kind, docker, helm and kubectl)\n');
    standIns(empty, ['kind', 'docker'], 0);
    const some = spawnSync('/bin/bash', [script], { encoding: 'utf8', env: { PATH: empty } });
    assert.equal(some.stdout, 'e2e-kind: skipped: helm, kubectl not found (it needs kind, docker, helm and kubectl)\n');
  });

  it('with the tools and a failing step: exits non-zero and deletes the cluster', () => {
    const bin = tempDir();
    standIns(bin, ['kind', 'docker', 'helm', 'kubectl'], 0);
    standIns(bin, ['make'], 2);
    const r = spawnSync('/bin/bash', [script], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: bin } });
    assert.notEqual(r.status, 0, r.stdout);
    const calls = readFileSync(join(bin, 'calls.log'), 'utf8');
    assert.match(calls, /^make -C \S+ build$/m);
    assert.match(calls, /^kind delete cluster --name ztkube-e2e-\d+$/m, 'the trap tears down even after a failure');
  });
});

// bin/zerotier-cli (the ztkube program under that name, as `make` links it) as a real
// process over real HTTP against a canned API on loopback: a sample of the golden cases
// (all of them run in-process in test/unit/cli/zerotier-cli-goldens.test.ts), so that the
// name dispatch, the switches, the HTTP requests and the exit codes hold end to end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { loadCases, readGolden, runCaseProcess, withoutArch } from '../helpers/cli-goldens.js';

const program = join(repoRoot, 'bin', 'zerotier-cli');
const SAMPLE = [
  'info',
  'info-401',
  'info-unreachable',
  'peers',
  'listnetworks-json',
  'join',
  'join-unreachable',
  'leave-json-not-joined',
  'set-true',
  'get-ip',
  'get-401',
  'orbit',
  'bond-setmtu-one-switch',
  'raw-path-404',
  'unknown-command',
  'port-too-big',
  'missing-port',
  'token-from-user-home',
];
let work = '';
before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-zcli-${process.pid}-`));
});
after(() => rmSync(work, { recursive: true, force: true }));

test('make links bin/zerotier-cli to the ztkube program', () => {
  assert.ok(existsSync(program), 'run make first');
});

for (const c of loadCases().filter((x) => SAMPLE.includes(x.name))) {
  test(`bin/zerotier-cli ${c.name}: the golden output through a real process and HTTP`, async () => {
    const got = await runCaseProcess(program, c, mkdtempSync(join(work, `${c.name}-`)));
    assert.deepEqual(withoutArch(got), withoutArch(readGolden(c.name)));
  });
}

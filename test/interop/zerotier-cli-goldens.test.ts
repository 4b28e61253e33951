// The zerotier-cli golden files against zerotier-cli 1.14.1 itself (opt-in: ZTKUBE_ZEROTIER_ONE).
// Each case runs the real binary, under the name zerotier-cli, against a canned API on
// loopback; its stdout, stderr, exit code and requests must equal the golden files that
// ztkube's front end is tested against (test/unit/cli/zerotier-cli-goldens.test.ts). With
// ZTKUBE_RECORD_GOLDENS=1 it (re)writes them instead.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import { loadCases, readGolden, runCaseProcess, writeGolden } from '../helpers/cli-goldens.js';

const interop = interopTests('zerotier-cli golden files against ZeroTier One 1.14.1');
let work = '';
before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-goldens-real-${process.pid}-`));
});
after(() => rmSync(work, { recursive: true, force: true }));

interop('zerotier-cli 1.14.1 prints what the golden files hold', { timeout: 120_000 }, async () => {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  symlinkSync(zerotierOne!, join(bin, 'zerotier-cli'));
  for (const c of loadCases()) {
    const cwd = mkdtempSync(join(work, `${c.name}-`));
    const got = await runCaseProcess(join(bin, 'zerotier-cli'), c, cwd);
    if (process.env.ZTKUBE_RECORD_GOLDENS === '1') writeGolden(c.name, got);
    else assert.deepEqual(got, readGolden(c.name), c.name);
  }
});

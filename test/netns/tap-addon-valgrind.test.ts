// `make check-native` as part of `make test`: the addon tests (tap-addon.test.ts) again with
// every child under valgrind, where an invalid read or write, a jump on uninitialised memory
// or a definite leak in ztkube_tap.node fails them (node's own noise is suppressed by
// native/valgrind-node.supp). About 80 s on two cores; skipped without valgrind or root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasNetns } from '../helpers/netns.js';
import { findTapAddon } from '../../src/net/tap/addon.js';

const hasValgrind = spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasValgrind ? 'no valgrind' : !hasNetns() ? 'needs root and ip netns' : !findTapAddon() ? 'the TAP addon is not built (run make)' : false;
const addonTests = join(dirname(fileURLToPath(import.meta.url)), 'tap-addon.test.js');

test('the addon tests pass under valgrind (make check-native)', { skip, timeout: 600_000 }, async (t) => {
  const child = spawn(process.execPath, ['--test', addonTests], {
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, ZTKUBE_VALGRIND: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  // The runner would leave a hung valgrind behind on a timeout; this kills it by PID.
  const timer = setTimeout(() => child.kill('SIGKILL'), 540_000);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  for (const line of out.split('\n')) if (/^\s*(not ok|ok \d|# (pass|fail|duration))/.test(line)) t.diagnostic(line.trim());
  assert.equal(status, 0, out);
  assert.match(out, /^# fail 0$/m);
  assert.match(out, /^# pass [1-9]/m);
});

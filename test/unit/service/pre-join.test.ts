import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preJoinedNetworks } from '../../../src/service/pre-join.js';

test('networks.d/<16 hex>.conf files are the networks joined at start; nothing else is', () => {
  const home = mkdtempSync(join(tmpdir(), `ztkube-prejoin-${process.pid}-`));
  try {
    assert.deepEqual(preJoinedNetworks(home), [], 'no networks.d');
    mkdirSync(join(home, 'networks.d'));
    for (const f of ['8056c2e21c000001.conf', '15B70A629D1379C5.conf', '8056c2e21c000002.local.conf', '8056c2e21c00003.conf', 'zzzzzzzzzzzzzzzz.conf', '8056c2e21c000004.conf.tmp']) {
      writeFileSync(join(home, 'networks.d', f), '\n');
    }
    assert.deepEqual(preJoinedNetworks(home), [0x15b70a629d1379c5n, 0x8056c2e21c000001n]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

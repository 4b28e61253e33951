// The native crypto tests (test/unit/crypto/native-crypto.test.ts, scaled down by
// ZTKUBE_CRYPTO_ROUNDS), the native spec vectors, the native UDP socket tests and the TAP
// offload tests (no device: the addon's segmenter and joiner), each run in
// one node under valgrind: an invalid read or write, a jump on uninitialised memory or a
// definite leak in ztkube_crypto.node / ztkube_udp.node fails them (node's own noise: native/valgrind-node.supp). Part of
// `make check-native` and `make test`; about 40 s per file on two cores; skipped without
// valgrind. No namespaces, no root needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCryptoAddon } from '../../src/crypto/native-loader.js';
import { findUdpAddon } from '../../src/net/udp/native-udp.js';
import { findTapAddon } from '../../src/net/tap/addon.js';

const hasValgrind = spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasValgrind ? 'no valgrind' : !findCryptoAddon() ? 'the crypto addon is not built (run make)' : false;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(dist, '..', '..');

async function underValgrind(file: string): Promise<string> {
  // The test file runs in this one process (node file.js, not node --test, which would fork).
  const argv = [
    '-n', '19', 'valgrind', '--error-exitcode=97', `--suppressions=${join(root, 'native', 'valgrind-node.supp')}`,
    '--leak-check=full', '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite', '--track-origins=yes',
    process.execPath, '--expose-gc', file,
  ];
  const child = spawn('nice', argv, {
    env: { ...process.env, NODE_TEST_CONTEXT: undefined, ZTKUBE_CRYPTO_ROUNDS: '0.05' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 400_000); // by PID: no hung valgrind left behind
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.equal(status, 0, out);
  assert.match(out, /^# fail 0$/m);
  assert.match(out, /^# pass [1-9]/m);
  assert.match(out, /ERROR SUMMARY: 0 errors/, out);
  return out;
}

test('the native crypto tests run clean under valgrind', { skip, timeout: 450_000 }, async () => {
  await underValgrind(join(dist, 'unit', 'crypto', 'native-crypto.test.js'));
});

test('the native spec vectors run clean under valgrind', { skip, timeout: 450_000 }, async () => {
  await underValgrind(join(dist, 'vectors', 'native-vectors.test.js'));
});

test('the native UDP socket tests run clean under valgrind', { skip: skip || (!findUdpAddon() && 'the UDP addon is not built'), timeout: 450_000 }, async () => {
  await underValgrind(join(dist, 'unit', 'net', 'native-udp.test.js'));
});

test('the TAP offload tests (segmenting, checksums, joining) run clean under valgrind', { skip: skip || (!findTapAddon() && 'the TAP addon is not built'), timeout: 450_000 }, async () => {
  await underValgrind(join(dist, 'unit', 'net', 'tap-offload.test.js'));
});

// authtoken.secret (06 §1.3): made once, 0600, 24 × [a-z0-9]; never replaced; read trimmed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateAuthToken, loadOrCreateMetricsToken, makeAuthToken, trimToken } from '../../../src/service/authtoken.js';
import { StateError } from '../../../src/util/errors.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), `ztkube-token-${process.pid}-`));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('format: each character is a random byte mod 36 over a-z0-9', () => {
  assert.equal(makeAuthToken((n) => Uint8Array.from({ length: n }, (_, i) => i * 11)), 'alw7it4fq1cny9kv6hs3ep0b');
  assert.match(makeAuthToken((n) => new Uint8Array(n).fill(255)), /^[a-z0-9]{24}$/);
});

test('first start creates it 0600; later starts read the same token and never rewrite it', () => {
  const home = mkdtempSync(join(dir, 'h'));
  let calls = 0;
  const random = (n: number): Uint8Array => {
    calls++;
    return new Uint8Array(n).fill(7);
  };
  const token = loadOrCreateAuthToken(home, random);
  assert.equal(token, 'h'.repeat(24));
  const path = join(home, 'authtoken.secret');
  assert.equal(readFileSync(path, 'utf8'), token, 'no newline');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(loadOrCreateAuthToken(home, random), token);
  assert.equal(calls, 1);
});

test('an existing token is trimmed, chmod 0600, and an empty one is refused', () => {
  const home = mkdtempSync(join(dir, 'h'));
  const path = join(home, 'authtoken.secret');
  writeFileSync(path, '\t my-token \r\n\0');
  chmodSync(path, 0o644);
  assert.equal(loadOrCreateAuthToken(home, () => assert.fail('no new token')), 'my-token');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(readFileSync(path, 'utf8'), '\t my-token \r\n\0', 'left as it was');
  writeFileSync(path, ' \n');
  assert.throws(() => loadOrCreateAuthToken(home, () => new Uint8Array(24)), (e: unknown) => e instanceof StateError && /authtoken\.secret: empty/.test(e.message));
  assert.equal(trimToken('\0 a b \n'), 'a b');
});

test('metricstoken.secret: made beside the API token, 0600, its own value, kept across starts', () => {
  const home = mkdtempSync(join(dir, 'm'));
  let n = 0;
  const random = (len: number): Uint8Array => new Uint8Array(len).fill(n++);
  const auth = loadOrCreateAuthToken(home, random);
  const metrics = loadOrCreateMetricsToken(home, random);
  assert.notEqual(metrics, auth);
  assert.equal(statSync(join(home, 'metricstoken.secret')).mode & 0o777, 0o600);
  assert.equal(loadOrCreateMetricsToken(home, () => new Uint8Array(24).fill(9)), metrics, 'never replaced');
  writeFileSync(join(home, 'metricstoken.secret'), '\n');
  assert.throws(() => loadOrCreateMetricsToken(home, random), (e: unknown) => e instanceof StateError && /metricstoken\.secret: empty/.test(e.message));
});

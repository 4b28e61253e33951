// identity.secret handling: refuse a broken secret, never overwrite one, keep every retired one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HomeDir } from '../../../src/service/home.js';
import { readIdentity, retireIdentity, writeIdentity } from '../../../src/service/identity-files.js';
import { IdentityError } from '../../../src/service/startup-errors.js';
import { generateIdentityInWorker } from '../../../src/service/identity-worker.js';
import { validateIdentity } from '../../../src/protocol/identity-crypto.js';
import { testIdentity } from '../../sim/zt-net.js';

function tempHome(t: { after(fn: () => void): unknown }): HomeDir {
  const dir = mkdtempSync(join(tmpdir(), 'ztkube-idfiles-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return new HomeDir(dir);
}

test('write, read back (0600, public file restored), refuse to overwrite', (t) => {
  const home = tempHome(t);
  assert.equal(readIdentity(home), null, 'no identity yet');
  const id = testIdentity('idfiles-a');
  writeIdentity(home, id);
  assert.equal(statSync(home.path('identity.secret')).mode & 0o777, 0o600);
  rmSync(home.path('identity.public'));
  const back = readIdentity(home)!;
  assert.ok(back.equals(id) && back.privateKey);
  assert.equal(readFileSync(home.path('identity.public'), 'utf8'), id.toString(false), 'identity.public rewritten');
  assert.throws(() => writeIdentity(home, testIdentity('idfiles-b')), /exists already/);
});

test('a broken or public-only secret is refused with the file named', (t) => {
  const home = tempHome(t);
  writeFileSync(home.path('identity.secret'), 'garbage');
  assert.throws(() => readIdentity(home), /identity\.secret: not a valid identity/);
  writeFileSync(home.path('identity.secret'), testIdentity('idfiles-a').toString(false));
  assert.throws(() => readIdentity(home), /holds no private key/);
});

test('retiring keeps every earlier secret under its own name', (t) => {
  const home = tempHome(t);
  writeIdentity(home, testIdentity('idfiles-a'));
  const first = retireIdentity(home);
  assert.match(first, /identity\.secret\.saved_after_collision$/);
  assert.equal(existsSync(home.path('identity.public')), false);
  writeIdentity(home, testIdentity('idfiles-b'));
  const second = retireIdentity(home);
  assert.match(second, /saved_after_collision\.1$/);
  assert.equal(readFileSync(first, 'utf8'), testIdentity('idfiles-a').toString(true));
  assert.equal(readFileSync(second, 'utf8'), testIdentity('idfiles-b').toString(true));
});

test('identities are generated in a worker thread and are valid', async () => {
  const id = await generateIdentityInWorker();
  assert.ok(id.privateKey, 'with its secret');
  assert.ok(validateIdentity(id));
});

test('identity.public that belongs to another identity, or stands without a secret, is refused and left as it is', (t) => {
  const home = tempHome(t);
  const a = testIdentity('idfiles-a');
  const b = testIdentity('idfiles-b');
  writeFileSync(home.path('identity.public'), b.toString(false));
  assert.throws(() => readIdentity(home), (e: Error) => e instanceof IdentityError && /identity\.public: exists without .*identity\.secret/.test(e.message));
  writeFileSync(home.path('identity.secret'), a.toString(true));
  assert.throws(() => readIdentity(home), (e: Error) => e instanceof IdentityError && e.message.includes(`holds the identity of ${b.address.toString(16).padStart(10, '0')}, not the public part of`));
  assert.equal(readFileSync(home.path('identity.public'), 'utf8'), b.toString(false), 'not rewritten');
  writeFileSync(home.path('identity.public'), `${a.toString(false)}\n`);
  assert.ok(readIdentity(home)?.equals(a), 'a trailing newline is not a difference');
});

// The built command as a user runs it: bin/ztkube, and the same program as zerotier-idtool.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, statSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/shared.js';
import { decodeWorld, WorldType } from '../../src/protocol/world.js';

const bin = join(repoRoot, 'bin', 'ztkube');
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), `ztkube-cli-${process.pid}-`));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('bin/ztkube exists and is executable (make leaves it behind)', () => {
  assert.ok(existsSync(bin), 'run make first');
  assert.ok((statSync(bin).mode & 0o111) !== 0);
});

test('ztkube idtool generate/validate/sign/verify through the real process', () => {
  let r = run(bin, ['idtool', 'generate', 'identity.secret', 'identity.public']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'identity.secret written\nidentity.public written\n');
  assert.equal(statSync(join(dir, 'identity.secret')).mode & 0o777, 0o600);
  r = run(bin, ['idtool', 'validate', 'identity.public']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'identity.public is a valid identity\n');
  writeFileSync(join(dir, 'msg'), 'payload');
  r = run(bin, ['idtool', 'sign', 'identity.secret', 'msg']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^[0-9a-f]{192}$/);
  const sig = r.out;
  r = run(bin, ['idtool', 'verify', 'identity.public', 'msg', sig]);
  assert.equal(r.code, 0, r.err);
  r = run(bin, ['idtool', 'nonsense']);
  assert.equal(r.code, 1);
  assert.match(r.out, /^ZeroTier One version 1\.14\.1\n/);
});

test('invoked as zerotier-idtool it is that tool', () => {
  const link = join(dir, 'zerotier-idtool');
  symlinkSync(bin, link);
  const r = run(link, ['getpublic', join(dir, 'identity.secret')]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, readFileSync(join(dir, 'identity.public'), 'utf8'));
});

test('ztkube planet create writes a planet; bad arguments exit non-zero with a reason', () => {
  const pub = readFileSync(join(dir, 'identity.public'), 'utf8');
  writeFileSync(join(dir, 'roots.json'), JSON.stringify([{ identity: pub, stableEndpoints: ['127.0.0.1/9993'] }]));
  let r = run(bin, ['planet', 'create', 'roots.json', 'planet']);
  assert.equal(r.code, 0, r.err);
  assert.equal(decodeWorld(readFileSync(join(dir, 'planet'))).type, WorldType.PLANET);
  r = run(bin, ['planet']);
  assert.equal(r.code, 2);
  assert.match(r.err, /planet: name a subcommand/);
  r = run(bin, ['no-such-command']);
  assert.equal(r.code, 2);
  assert.match(r.err, /Unknown argument|Unknown command/i);
});

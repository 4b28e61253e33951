// How the command line ends on an error: operator errors are one line and an exit code,
// bugs are left to print their stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { describeCliFailure } from '../../../src/cli/fail.js';
import { ConfigError, fileError, PortInUseError, StateError } from '../../../src/util/errors.js';

function systemError(f: () => void): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

test('flag errors exit 2, other operator errors exit 1, with the message as it is', () => {
  assert.deepEqual(describeCliFailure(new ConfigError('--port must be 1-65535, got 0')), { exitCode: 2, message: '--port must be 1-65535, got 0' });
  assert.deepEqual(describeCliFailure(new StateError('planet: missing')), { exitCode: 1, message: 'planet: missing' });
  assert.equal(describeCliFailure(new PortInUseError(9993, '127.0.0.1'))?.exitCode, 1);
  const e = systemError(() => readFileSync('/nonexistent/x'));
  assert.deepEqual(describeCliFailure(fileError(e, '/nonexistent/x', 'reading the planet')), {
    exitCode: 1,
    message: '/nonexistent/x: no such file or directory (ENOENT) reading the planet',
  });
});

test('a system error that escaped unconverted still becomes one sentence naming its path', () => {
  const e = systemError(() => readFileSync('/nonexistent/y'));
  assert.deepEqual(describeCliFailure(e), { exitCode: 1, message: '/nonexistent/y: no such file or directory (ENOENT) (open)' });
  const dir = systemError(() => mkdirSync('/proc/self/x/y'));
  assert.deepEqual(describeCliFailure(dir), { exitCode: 1, message: '/proc/self/x/y: no such file or directory (ENOENT) (mkdir)' });
});

test('bugs are not operator errors', () => {
  assert.equal(describeCliFailure(new TypeError('x is undefined')), null);
  assert.equal(describeCliFailure(Object.assign(new Error('no path'), { code: 'ENOENT' })), null);
  assert.equal(describeCliFailure('thrown string'), null);
});

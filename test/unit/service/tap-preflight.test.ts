// The start-up check for TAPs: the capability read from /proc/self/status, and the device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTapAccess, hasNetAdmin } from '../../../src/service/tap-preflight.js';
import { TapNotPermittedError, TunUnavailableError } from '../../../src/service/startup-errors.js';

test('CAP_NET_ADMIN is bit 12 of CapEff', () => {
  assert.equal(hasNetAdmin('Name:\tnode\nCapEff:\t000001ffffffffff\n'), true);
  assert.equal(hasNetAdmin('CapEff:\t0000000000000000\n'), false);
  assert.equal(hasNetAdmin('CapEff:\t0000000000001000\n'), true);
  assert.equal(hasNetAdmin('CapEff:\t0000000000002000\n'), false);
  assert.equal(hasNetAdmin('no such line'), null);
});

test('a missing device and a missing capability are each their own error, with a way out', () => {
  assert.throws(() => checkTapAccess('/nonexistent/net/tun', 'CapEff:\t000001ffffffffff\n'), (e: Error) => e instanceof TunUnavailableError && e.message === '/nonexistent/net/tun: does not exist, so no TAP can be made; load the tun module (modprobe tun), or run with --no-taps');
  assert.throws(() => checkTapAccess('/dev/null', 'CapEff:\t0\n'), (e: Error) => e instanceof TapNotPermittedError && /needs root or CAP_NET_ADMIN/.test(e.message) && /--no-taps/.test(e.message));
});

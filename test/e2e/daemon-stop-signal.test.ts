// A stop signal that reaches the daemon while it is still starting, on loopback with a silent
// UDP socket as the planet's root:
//
//   test ──SIGTERM──> ztkube daemon <home> (127.0.0.1:P) ──UDP──> silent root
//
// The signal is sent while the daemon generates its identity (a worker, hundreds of ms), a
// point reached every time rather than a window a busy machine may or may not hit. 1.14.1
// installs its quit handler first thing in main(); the daemon must likewise stop cleanly
// (exit 0, its pid file gone) instead of the signal's default action killing it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/netns.js';
import { makeHomes } from '../helpers/zt-homes.js';
import { ended, startDaemon } from '../helpers/daemon-process.js';
import { freeLoopbackPort } from '../helpers/free-port.js';

let work = '';
let root: dgram.Socket;
const children: ChildProcess[] = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), `ztkube-stopsignal-${process.pid}-`));
  root = dgram.createSocket('udp4');
  await new Promise<void>((r) => root.bind(0, '127.0.0.1', r));
});
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  root.close();
  rmSync(work, { recursive: true, force: true });
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} while the daemon is starting: it finishes starting, then stops cleanly with exit 0`, async () => {
    const homes = makeHomes(join(work, signal), ['root', 'node'], 'root', `127.0.0.1/${root.address().port}`);
    const home = homes.home('node');
    // No identity: the start goes through the worker that generates one.
    rmSync(join(home, 'identity.secret'));
    rmSync(join(home, 'identity.public'));
    const d = startDaemon(children, home, await freeLoopbackPort(), ['--no-taps', '--no-allow-secondary-port']);
    await waitFor('the daemon generating its identity', () => d.log().includes('"message":"generating identity"'), 30_000, 10);
    d.child.kill(signal);
    assert.deepEqual(await ended(d.child), { code: 0, signal: null }, d.log());
    assert.equal(existsSync(join(home, 'zerotier-one.pid')), false, 'no pid file left behind');
    assert.match(d.log(), /"message":"stopped"|"message":"stop took too long; exiting"/, 'a stop, not a kill');
  });
}

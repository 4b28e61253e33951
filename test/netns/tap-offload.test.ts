// TAP offload on a real kernel (issue #8): TCP between two namespaces whose only link is two
// offload TAPs joined by a relay process. The sending kernel hands its TAP super-frames,
// which the addon cuts into MTU frames; the relay writes them to the other TAP, where the
// addon joins consecutive segments into super-frames again for the receiving kernel. The
// bytes must arrive intact, and both offload paths must have been taken — a segment with a
// wrong checksum would not have been joined (the joiner checks every one) and the receiving
// kernel would have dropped it.
//
//   ns ztoa<pid>                                        ns ztob<pid>
//   10.<n>.0.1 on TAP zoa<pid> ══ relay process ══ TAP zob<pid> with 10.<n>.0.2
//   (TCP sender)                (both TAPs' fds)        (TCP receiver, hashes what it got)
//
// Both TAPs are made in ztoa by the relay; zob is then moved to ztob (its fd keeps working).
// The namespaces go in `after`, children killed first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasNetns, trackNetns } from '../helpers/netns.js';
import { findTapAddon } from '../../src/net/tap/addon.js';

const skip = hasNetns() ? false : 'needs root and ip netns';
const nsA = `ztoa${process.pid}`;
const nsB = `ztob${process.pid}`;
const tapA = `zoa${process.pid}`.slice(0, 15);
const tapB = `zob${process.pid}`.slice(0, 15);
const net = 100 + (process.pid % 100);
const ipA = `10.${net}.0.1`;
const ipB = `10.${net}.0.2`;
const PORT = 7100;
const BYTES = 24 * 1024 * 1024;
const relayJs = join(dirname(fileURLToPath(import.meta.url)), '../helpers/tap/offload-relay.js');
const children: ChildProcess[] = [];

function spawnIn(ns: string, args: string[]): ChildProcess {
  const c = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(c);
  return c;
}

/** The first stdout line of `c` matching `pred`, parsed; rejects if it exits first or after `ms`. */
function lineFrom(c: ChildProcess, pred: (o: Record<string, unknown>) => boolean, ms: number): Promise<Record<string, unknown>> {
  let err = '';
  c.stderr?.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; stderr: ${err}`)), ms);
    createInterface({ input: c.stdout! }).on('line', (l) => {
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        if (pred(o)) {
          clearTimeout(timer);
          resolve(o);
        }
      } catch {
        // not one of our JSON lines
      }
    });
    c.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} first; stderr: ${err}`));
    });
  });
}

/** Deterministic bytes, so the receiver's hash can be checked without sending them twice. */
function pattern(): Buffer {
  const b = Buffer.alloc(BYTES);
  let x = 0x12345678;
  for (let i = 0; i < BYTES; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    b.writeUInt32BE(x, i);
  }
  return b;
}

before(() => {
  if (skip) return;
  for (const ns of [nsA, nsB]) {
    execFileSync('ip', ['netns', 'add', trackNetns(ns)]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
});

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (skip) return;
  for (const ns of [nsA, nsB]) spawnSync('ip', ['netns', 'del', ns]);
});

test('TCP through two offload TAPs: super-frames cut, segments joined again, every byte intact', { skip: skip || (findTapAddon() ? false : 'the TAP addon is not built (run make)') }, async (t) => {
  const relay = spawnIn(nsA, [process.execPath, relayJs, tapA, tapB]);
  await lineFrom(relay, (o) => o.event === 'ready', 20_000);
  execFileSync('ip', ['-n', nsA, 'link', 'set', tapB, 'netns', nsB]);
  execFileSync('ip', ['-n', nsA, 'addr', 'add', `${ipA}/24`, 'dev', tapA]);
  execFileSync('ip', ['-n', nsB, 'addr', 'add', `${ipB}/24`, 'dev', tapB]);
  execFileSync('ip', ['-n', nsB, 'link', 'set', tapB, 'up']);

  const receiver = spawnIn(nsB, [
    process.execPath,
    '-e',
    `const h = require('crypto').createHash('sha256'); let n = 0;
     const s = require('net').createServer((c) => { c.on('data', (d) => { h.update(d); n += d.length; });
       c.on('end', () => { console.log(JSON.stringify({ event: 'got', bytes: n, sha256: h.digest('hex') })); s.close(); }); });
     s.listen(${PORT}, '${ipB}', () => console.log(JSON.stringify({ event: 'listening' })));`,
  ]);
  const got = lineFrom(receiver, (o) => o.event === 'got', 120_000);
  await lineFrom(receiver, (o) => o.event === 'listening', 20_000);
  const data = pattern();
  const sender = spawnIn(nsA, [
    process.execPath,
    '-e',
    `const b = Buffer.alloc(${BYTES}); let x = 0x12345678;
     for (let i = 0; i < b.length; i += 4) { x = (x * 1103515245 + 12345) >>> 0; b.writeUInt32BE(x, i); }
     const c = require('net').connect(${PORT}, '${ipB}', () => c.end(b));`,
  ]);
  const result = await got;
  assert.equal(result.bytes, BYTES);
  assert.equal(result.sha256, createHash('sha256').update(data).digest('hex'));
  await new Promise((r) => (sender.exitCode !== null ? r(null) : sender.once('exit', r)));

  const statsLine = lineFrom(relay, (o) => o.event === 'stats', 20_000);
  relay.kill('SIGTERM');
  const stats = (await statsLine) as { a: Record<string, number>; b: Record<string, number> };
  t.diagnostic(`offload: ${JSON.stringify(stats)}`);
  // A's kernel sent super-frames (TSO), cut by the addon; B's kernel got joined ones (GRO).
  assert.ok(stats.a.superFrames > 0, `no super-frames read from ${tapA}: ${JSON.stringify(stats)}`);
  assert.ok(stats.a.segments > stats.a.superFrames, JSON.stringify(stats));
  assert.ok(stats.b.coalescedWrites > 0 && stats.b.coalescedSegments > stats.b.coalescedWrites, JSON.stringify(stats));
  assert.equal(stats.a.malformed + stats.b.malformed, 0);
});

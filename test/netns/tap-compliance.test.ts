// The Tap compliance suite (test/unit/net/tap-compliance.test.ts) against LinuxTap, on a
// real kernel. The TAPs must live in a namespace of their own, so the outer test creates
// one and runs this same file again inside it (`ip netns exec`); the inner run is the
// suite. The namespace is deleted afterwards, also on failure.
//
//   namespace ztkt<pid>c (no other interfaces but lo; IPv6 off so the kernel stays quiet)
//   ┌────────────────────────────────────────────────────────────┐
//   │ host UDP socket 10.77.0.1:7001 ── kernel ── TAP ztc<pid>_<n> ── this process (LinuxTap)
//   │                                  static neighbour 10.77.0.2 = 02:77:00:00:00:02
//   └────────────────────────────────────────────────────────────┘
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { hasNetns, trackNetns } from '../helpers/netns.js';
import { findTapAddon } from '../../src/net/tap/addon.js';
import { LinuxTap } from '../../src/net/tap/linux-tap.js';
import { formatMac } from '../../src/protocol/member-mac.js';
import {
  HOST_PORT,
  PEER_MAC,
  PEER_PORT,
  TAP_MAC,
  tapComplianceSuite,
  type SubjectOptions,
  type TapSubject,
} from '../unit/net/tap-compliance.test.js';

const INNER_ENV = 'ZTKUBE_TAP_COMPLIANCE_INNER';
let opened = 0;

async function linuxSubject(o: SubjectOptions): Promise<TapSubject> {
  const name = `ztc${process.pid % 100000}_${opened++}`;
  const tap = LinuxTap.open({ name, mac: TAP_MAC, mtu: o.mtu, batchSize: o.batchSize, up: true });
  const sock = dgram.createSocket('udp4');
  const received: Uint8Array[] = [];
  try {
    execFileSync('ip', ['addr', 'add', '10.77.0.1/24', 'dev', tap.name]);
    execFileSync('ip', ['neigh', 'replace', '10.77.0.2', 'lladdr', formatMac(PEER_MAC), 'dev', tap.name, 'nud', 'permanent']);
    sock.on('message', (m) => received.push(new Uint8Array(m)));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(HOST_PORT, '10.77.0.1', () => resolve());
    });
  } catch (e) {
    sock.close();
    tap.close();
    throw e;
  }
  return {
    tap,
    hostSend: async (payloads) => {
      // Each send is handed to the kernel before the next, so the frames queue up on the TAP.
      await Promise.all(
        payloads.map((p) => new Promise<void>((resolve, reject) => sock.send(p, PEER_PORT, '10.77.0.2', (e) => (e ? reject(e) : resolve())))),
      );
    },
    hostReceived: () => received.splice(0, received.length),
    close: async () => {
      await new Promise<void>((resolve) => sock.close(() => resolve()));
      tap.close();
    },
  };
}

if (process.env[INNER_ENV]) {
  // Only router solicitations, DAD and MLD would reach the TAP unasked; keep them away.
  writeFileSync('/proc/sys/net/ipv6/conf/default/disable_ipv6', '1');
  tapComplianceSuite('LinuxTap', linuxSubject);
} else {
  test('LinuxTap passes the Tap compliance suite in a namespace', { skip: hasNetns() ? false : 'needs root and ip netns' }, (t) => {
    assert.ok(findTapAddon(), 'the TAP addon is not built (run make)');
    const ns = `ztkt${process.pid}c`;
    execFileSync('ip', ['netns', 'add', trackNetns(ns)]);
    try {
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, fileURLToPath(import.meta.url)], {
        // Without the runner's NODE_TEST_CONTEXT the inner run reports as a plain TAP stream.
        env: { ...process.env, NODE_TEST_CONTEXT: undefined, [INNER_ENV]: '1' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      const out = `${r.stdout}\n${r.stderr}`;
      for (const line of out.split('\n')) if (/^(not ok|# (pass|fail|tests))/.test(line.trim())) t.diagnostic(`inner: ${line.trim().replace(/^# /, '')}`);
      assert.equal(r.status, 0, `inner suite failed:\n${out}`);
      assert.match(r.stdout, /# pass 10\b/);
    } finally {
      execFileSync('ip', ['netns', 'del', ns]);
    }
  });
}

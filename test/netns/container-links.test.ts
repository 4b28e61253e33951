// LinuxContainerLinks (the host links of the Docker plugin and the CNI agent) against a real
// kernel, in one namespace this test creates (named after our pid; removed after, also on a
// failure). `ip` reaches it through a wrapper that adds `-n <ns>`. Checked: a veth pair made,
// bridged and up in one request, and made again over the leftovers of an earlier attempt; the
// bridge kept as it is on a second ensureBridge; and a bridge at the kernel's port limit
// refused with a sentence naming it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNetns } from '../helpers/netns.js';
import { NamespaceSet } from '../../src/demo/namespace-set.js';
import { LinuxContainerLinks } from '../../src/net/ip/linux-container-links.js';

const skip = hasNetns() ? false : 'needs root and iproute2';
const ns = `ztkcl${process.pid % 100000}`;
let set: NamespaceSet | null = null;
let work = '';
let links: LinuxContainerLinks;

interface Row {
  ifname: string;
  address: string;
  master?: string;
  flags: string[];
  mtu: number;
}

function show(name: string): Row {
  return (JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show', 'dev', name], { encoding: 'utf8' })) as Row[])[0];
}

before(() => {
  if (skip) return;
  set = new NamespaceSet();
  set.add(ns);
  work = mkdtempSync(join(tmpdir(), `ztkube-links-${process.pid}-`));
  const ip = join(work, 'ip');
  writeFileSync(ip, `#!/bin/sh\nexec ip -n ${ns} "$@"\n`);
  chmodSync(ip, 0o755);
  links = new LinuxContainerLinks(ip);
  // a stand-in for the engine's TAP: any Ethernet device can be a bridge port (no dummy module here)
  execFileSync('ip', ['-n', ns, 'link', 'add', 'zttap0', 'type', 'veth', 'peer', 'name', 'zttap1']);
});

after(() => {
  set?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('ensureBridge puts the TAP on the bridge with its MAC and MTU, and a second call finds it right', { skip }, async () => {
  await links.ensureBridge('ztbtest', 'zttap0', 2800);
  const tap = show('zttap0');
  const br = show('ztbtest');
  assert.equal(tap.master, 'ztbtest');
  assert.equal(br.address, tap.address);
  assert.equal(br.mtu, 2800);
  assert.ok(br.flags.includes('UP'));
  await links.ensureBridge('ztbtest', 'zttap0', 2800);
  assert.equal(show('ztbtest').address, tap.address);
});

test('createVeth makes the pair on the bridge and up in one go, and again over an earlier attempt\'s pair', { skip }, async () => {
  const v = { hostName: 'ztpa', peerName: 'ztqa', peerMac: '02:7a:0a:00:00:05', mtu: 1400, bridge: 'ztbtest' };
  await links.createVeth(v);
  assert.equal(show('ztpa').master, 'ztbtest');
  assert.ok(show('ztpa').flags.includes('UP'));
  assert.equal(show('ztqa').address, '02:7a:0a:00:00:05');
  assert.equal(show('ztqa').mtu, 1400);
  await links.createVeth({ ...v, peerMac: '02:7a:0a:00:00:06' });
  assert.equal(show('ztqa').address, '02:7a:0a:00:00:06');
  await links.removeLink('ztpa');
  await links.removeLink('ztpa'); // gone already counts as done
  assert.throws(() => show('ztqa'));
});

test('a bridge at the kernel\'s 1023 ports: createVeth says the bridge is full', { skip, timeout: 120_000 }, async () => {
  // the TAP is port 1; 1022 veth ends fill the rest
  const lines: string[] = [];
  for (let i = 0; i < 1022; i++) lines.push(`link add ztd${i} master ztbtest type veth peer name zte${i}`);
  execFileSync('ip', ['-n', ns, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  await assert.rejects(links.createVeth({ hostName: 'ztpb', peerName: 'ztqb', peerMac: '02:7a:0a:00:00:07', mtu: 1400, bridge: 'ztbtest' }), /the bridge ztbtest is full: Linux bridges take at most 1023 ports/);
  assert.throws(() => show('ztpb'), 'nothing is left behind');
});

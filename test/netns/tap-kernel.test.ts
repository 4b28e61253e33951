// LinuxTap on a real kernel, checked the way a user would (06 §8.1–8.4): a ping through the
// TAP is answered, a burst is read in batches, `ip link` shows the MTU, MAC and TAP kind that
// were asked for, closing removes the device, and a device deleted underneath is reported.
//
//   namespace ztkt<pid>k
//   ┌──────────────────────────────────────────────────────────────────────────────┐
//   │ kernel: 10.<n>.0.1/24 on TAP zt<…> ──frames──  echo host process (LinuxTap +  │
//   │ ping / UDP clients run here                    EchoResponder) = 10.<n>.0.2   │
//   └──────────────────────────────────────────────────────────────────────────────┘
// Everything stays in the namespace, which is deleted in `after` (children killed first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { hasNetns, trackNetns } from '../helpers/netns.js';
import { findTapAddon } from '../../src/net/tap/addon.js';
import type { EchoHostOptions } from '../helpers/tap/echo-host.js';
import { DISCARD_PORT } from '../helpers/tap/echo-responder.js';
import { formatMac, macForMember } from '../../src/protocol/member-mac.js';
import { tapNameForNetwork } from '../../src/net/tap/names.js';

const skip = hasNetns() ? false : 'needs root and ip netns';
const ns = `ztkt${process.pid}k`;
const net = 100 + (process.pid % 100);
const tapIp = `10.${net}.0.1`;
const hostIp = `10.${net}.0.2`;
const nwid = 0x15b70a629d000000n | BigInt(process.pid);
const name = tapNameForNetwork(nwid);
const tapMac = macForMember(nwid, 0x0102030405);
const hostMac = macForMember(nwid, 0x0a0b0c0d0e);
const BATCH = 16;
const echoHostUrl = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../helpers/tap/echo-host.js')).href;
const children: ChildProcess[] = [];

type Event = { event: string; [k: string]: unknown };

/** The echo host child (test/helpers/tap/echo-host.ts) and its line protocol. */
class EchoHost {
  private readonly events: Event[] = [];
  private waiter: (() => void) | null = null;
  readonly proc: ChildProcess;
  stderr = '';

  constructor(o: EchoHostOptions) {
    const code = `import { runEchoHost } from ${JSON.stringify(echoHostUrl)}; runEchoHost(JSON.parse(process.argv[1]));`;
    this.proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', code, JSON.stringify(o)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(this.proc);
    createInterface({ input: this.proc.stdout! }).on('line', (l) => {
      this.events.push(JSON.parse(l) as Event);
      this.waiter?.();
    });
    this.proc.stderr!.on('data', (d) => (this.stderr += d));
    this.proc.on('exit', () => this.waiter?.());
  }

  /** The next event of this kind (earlier other events are skipped). */
  async next(kind: string, timeoutMs = 10_000): Promise<Event> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex((e) => e.event === kind || e.event === 'error');
      if (i >= 0) return this.events.splice(0, i + 1)[i];
      if (this.proc.exitCode !== null) throw new Error(`echo host exited (${this.proc.exitCode}) waiting for ${kind}: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for echo host event ${kind}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  send(line: string): void {
    this.proc.stdin!.write(line + '\n');
  }

  async stats(): Promise<{ frames: number; callbacks: number; maxBatch: number; counts: Record<string, number> }> {
    this.send('stats');
    return (await this.next('stats')) as never;
  }
}

function inNs(cmd: string, args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' });
}

interface LinkJson {
  mtu: number;
  address: string;
  flags: string[];
  linkinfo?: { info_kind: string; info_data?: Record<string, unknown> };
  stats64?: { tx: { packets: number; dropped: number } };
}
function link(dev: string): LinkJson {
  return (JSON.parse(execFileSync('ip', ['-n', ns, '-j', '-d', '-s', 'link', 'show', 'dev', dev], { encoding: 'utf8' })) as LinkJson[])[0];
}

/** A node one-liner run in the namespace (UDP clients need no extra tools). */
function nodeInNs(code: string, args: string[]): string {
  return inNs(process.execPath, ['--input-type=module', '-e', code, ...args]);
}

/** Polls a condition with a deadline (for counters the kernel and the child update). */
async function until<T>(what: string, f: () => Promise<T | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

let host: EchoHost;

before(() => {
  if (skip) return;
  assert.ok(findTapAddon(), 'the TAP addon is not built (run make)');
  execFileSync('ip', ['netns', 'add', trackNetns(ns)]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
});

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (!skip) spawnSync('ip', ['netns', 'del', ns]);
});

test('the echo host opens the TAP with the requested name, MAC and MTU', { skip }, async () => {
  host = new EchoHost({ name, hostIp, hostMac, tapMac, mtu: 2800, batchSize: BATCH });
  const ready = await host.next('ready');
  assert.deepEqual(ready, { event: 'ready', name, mac: tapMac, mtu: 2800 });
  execFileSync('ip', ['-n', ns, 'addr', 'add', `${tapIp}/24`, 'dev', name]);
  const l = link(name);
  assert.equal(l.mtu, 2800);
  assert.equal(l.address, formatMac(tapMac));
  assert.ok(l.flags.includes('UP') && l.flags.includes('MULTICAST'), l.flags.join(','));
  // 06 §8.2: "tun type tap pi off vnet_hdr off persist off".
  assert.equal(l.linkinfo?.info_kind, 'tun');
  assert.equal(l.linkinfo?.info_data?.type, 'tap');
  assert.equal(l.linkinfo?.info_data?.pi, false);
  assert.equal(l.linkinfo?.info_data?.vnet_hdr, false);
  assert.equal(l.linkinfo?.info_data?.persist, false);
});

test('a UDP datagram to the host behind the TAP comes back (ARP answered first)', { skip }, async () => {
  const code = `
    import dgram from 'node:dgram';
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => { console.log('TIMEOUT'); process.exit(1); }, 5000);
    s.on('message', (m) => { console.log(String(m)); clearTimeout(t); s.close(); });
    s.send('echo me', 4242, process.argv[1]);`;
  assert.equal(nodeInNs(code, [hostIp]).trim(), 'echo me');
  const st = await host.stats();
  assert.ok(st.counts.arp >= 1, JSON.stringify(st));
  assert.equal(st.counts.udpEchoed, 1);
});

const hasPing = spawnSync('sh', ['-c', 'command -v ping'], { encoding: 'utf8' }).status === 0;
test('ping through the TAP is answered', { skip: skip || (hasPing ? false : 'no ping binary (iputils-ping)') }, async () => {
  const before = (await host.stats()).counts.icmp;
  const out = inNs('ping', ['-c', '3', '-W', '2', '-i', '0.2', hostIp]);
  assert.match(out, /3 packets transmitted, 3 received/);
  assert.equal((await host.stats()).counts.icmp - before, 3);
});

test('a burst is read in batches: many frames per callback, never more than batchSize', { skip }, async (t) => {
  const N = 2000;
  const start = await host.stats();
  const dropsBefore = link(name).stats64!.tx.dropped;
  const code = `
    import dgram from 'node:dgram';
    const s = dgram.createSocket('udp4');
    const payload = Buffer.alloc(100, 0x61);
    let pending = Number(process.argv[2]);
    for (let i = 0; i < Number(process.argv[2]); i++) s.send(payload, ${DISCARD_PORT}, process.argv[1], () => { if (--pending === 0) s.close(); });`;
  nodeInNs(code, [hostIp, String(N)]);
  // Every datagram either reached the echo host or was dropped by the kernel's TAP queue.
  const end = await until('all datagrams accounted for', async () => {
    const st = await host.stats();
    const dropped = link(name).stats64!.tx.dropped - dropsBefore;
    return st.counts.udpDiscarded - start.counts.udpDiscarded + dropped >= N ? st : null;
  });
  const frames = end.frames - start.frames;
  const callbacks = end.callbacks - start.callbacks;
  const got = end.counts.udpDiscarded - start.counts.udpDiscarded;
  // Drops are the kernel's queue overflowing while the reader is descheduled, accounted above.
  assert.ok(got >= N / 10, `only ${got} of ${N} datagrams reached the TAP reader`);
  assert.ok(end.maxBatch <= BATCH, `batch of ${end.maxBatch} > ${BATCH}`);
  assert.ok(end.maxBatch > 1, 'no wakeup carried more than one frame');
  assert.ok(callbacks < frames, `${callbacks} callbacks for ${frames} frames`);
  t.diagnostic(`burst: ${got}/${N} read, ${frames} frames in ${callbacks} callbacks (${(frames / callbacks).toFixed(1)} per callback), max batch ${end.maxBatch}`);
});

test('setMtu on the live device is what ip link shows', { skip }, async () => {
  host.send('mtu 1400');
  assert.equal((await host.next('mtu')).mtu, 1400);
  assert.equal(link(name).mtu, 1400);
});

test('a second TAP with the same name fails with EBUSY', { skip }, async () => {
  const second = new EchoHost({ name, hostIp, hostMac });
  const e = await second.next('ready');
  assert.equal(e.event, 'error');
  assert.match(String(e.message), /EBUSY/);
});

test('close removes the device', { skip }, async () => {
  host.send('close');
  assert.equal((await host.next('closed')).event, 'closed');
  const r = spawnSync('ip', ['-n', ns, 'link', 'show', 'dev', name], { encoding: 'utf8' });
  assert.notEqual(r.status, 0, 'device still there after close');
  host.proc.stdin!.end();
  await new Promise((r) => (host.proc.exitCode === null ? host.proc.once('exit', r) : r(null)));
  assert.equal(host.proc.exitCode, 0);
});

test('a device deleted under an open Tap is reported to onError', { skip }, async () => {
  const h = new EchoHost({ name, hostIp, hostMac });
  await h.next('ready');
  execFileSync('ip', ['-n', ns, 'link', 'del', 'dev', name]);
  const e = await h.next('error');
  assert.match(String(e.message), /read failed: read EBADF/);
});

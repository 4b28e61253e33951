// TAP throughput through a real Linux TAP (06 §8.4, STYLE §4): frames/s read when draining a
// full queue and while a UDP flood goes out of the interface, frames per read callback, and
// frames/s written with writeBatch and with write. Runs in a temporary namespace (deleted afterwards); prints a
// "skipped" line without root, ip netns or the built addon.
//
//   namespace ztkb<pid>
//   ┌─────────────────────────────────────────────────────────────────────┐
//   │ flooder (node, UDP to 10.78.0.2:9) → kernel → TAP ztbench0 → bench child (LinuxTap)
//   │ bench child writeBatch → TAP → kernel (dst MAC is another host's: dropped early)
//   └─────────────────────────────────────────────────────────────────────┘
// The parent only sets up the namespace and prints; the child (child() below, started with
// `ip netns exec`) measures and reports one JSON line.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { hasNetns, trackNetns } from '../helpers/netns.js';
import { findTapAddon } from '../../src/net/tap/addon.js';
import { LinuxTap } from '../../src/net/tap/linux-tap.js';
import { buildUdpFrame, ipv4FromString, parseUdpFrame } from '../helpers/tap/ipv4-frames.js';
import { formatMac } from '../../src/protocol/member-mac.js';

const FLOOD_FRAMES = 200_000;
const WRITE_FRAMES = 200_000;
const BATCH = 64;
const PAYLOAD_BYTES = 64;
const END_PORT = 10;
const DRAIN_ROUNDS = 100;
/** Below the TAP's queue length (txqueuelen 1000), so none is dropped while nobody reads. */
const DRAIN_FRAMES = 400;
const PEER_MAC = 0x02_78_00_00_00_02;

interface Result {
  drainRate: number;
  drainPerCallback: number;
  readFrames: number;
  readCallbacks: number;
  readSeconds: number;
  kernelDrops: number;
  batchWriteRate: number;
  singleWriteRate: number;
}

export async function run(): Promise<void> {
  if (!hasNetns() || !findTapAddon()) {
    console.log('bench tap: skipped (needs root, ip netns and the built addon)');
    return;
  }
  const ns = `ztkb${process.pid}`;
  execFileSync('ip', ['netns', 'add', trackNetns(ns)]);
  try {
    const code = `import { child } from ${JSON.stringify(import.meta.url)}; await child();`;
    const c = spawn('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const killer = setTimeout(() => c.kill('SIGKILL'), 60_000);
    let result: Result | null = null;
    createInterface({ input: c.stdout! }).on('line', (l) => (result = JSON.parse(l) as Result));
    await new Promise((r) => c.once('exit', r));
    clearTimeout(killer);
    const r = result as Result | null;
    if (!r) {
      console.log('bench tap: failed (the namespace child reported nothing)');
      return;
    }
    console.log(`bench tap read (queue drain): ${Math.round(r.drainRate)} frames/s, ${r.drainPerCallback.toFixed(1)} frames/callback (${DRAIN_ROUNDS} × ${DRAIN_FRAMES} queued frames)`);
    console.log(`bench tap read: ${Math.round(r.readFrames / r.readSeconds)} frames/s (${r.readFrames} of ${FLOOD_FRAMES} ${PAYLOAD_BYTES}-byte UDP datagrams; bounded by one node sender on this host)`);
    console.log(`bench tap read batching: ${(r.readFrames / r.readCallbacks).toFixed(1)} frames/callback (batch ${BATCH})`);
    console.log(`bench tap kernel queue drops: ${r.kernelDrops} frames (whole run; txqueuelen 1000)`);
    console.log(`bench tap writeBatch: ${Math.round(r.batchWriteRate)} frames/s (batches of ${BATCH})`);
    console.log(`bench tap write: ${Math.round(r.singleWriteRate)} frames/s (one frame per call)`);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

const seconds = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

/** Runs inside the namespace. */
export async function child(): Promise<void> {
  writeFileSync('/proc/sys/net/ipv6/conf/default/disable_ipv6', '1');
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const tap = LinuxTap.open({ name: 'ztbench0', mtu: 1500, up: true, batchSize: BATCH });
  try {
    execFileSync('ip', ['addr', 'add', '10.78.0.1/24', 'dev', tap.name]);
    execFileSync('ip', ['neigh', 'replace', '10.78.0.2', 'lladdr', formatMac(PEER_MAC), 'dev', tap.name, 'nud', 'permanent']);
    const drain = await drainBench(tap);
    const read = await readBench(tap);
    const drops = JSON.parse(execFileSync('ip', ['-j', '-s', 'link', 'show', 'dev', tap.name], { encoding: 'utf8' }))[0].stats64.tx.dropped as number;
    const write = writeBench(tap);
    process.stdout.write(JSON.stringify({ ...drain, ...read, kernelDrops: drops, ...write }) + '\n');
  } finally {
    tap.close();
  }
}

/**
 * Pure read speed: with reading paused, queue DRAIN_FRAMES frames on the TAP, then time how
 * long the addon takes to hand them all to JS (full batches, as after a burst).
 */
async function drainBench(tap: LinuxTap): Promise<Pick<Result, 'drainRate' | 'drainPerCallback'>> {
  const sock = dgram.createSocket('udp4');
  const p = new Uint8Array(PAYLOAD_BYTES);
  let ns = 0n;
  const callbacksBefore = tap.readCallbacksTotal;
  for (let round = 0; round < DRAIN_ROUNDS; round++) {
    tap.onFrames(null);
    // sendto() puts each frame on the TAP's queue before it returns.
    await Promise.all(Array.from({ length: DRAIN_FRAMES }, () => new Promise((r) => sock.send(p, 9, '10.78.0.2', r))));
    const t0 = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      let got = 0;
      tap.onFrames((b) => {
        if ((got += b.count) >= DRAIN_FRAMES) resolve();
      });
    });
    ns += process.hrtime.bigint() - t0;
  }
  tap.onFrames(null);
  sock.close();
  const frames = DRAIN_ROUNDS * DRAIN_FRAMES;
  return { drainRate: frames / (Number(ns) / 1e9), drainPerCallback: frames / (tap.readCallbacksTotal - callbacksBefore) };
}

async function readBench(tap: LinuxTap): Promise<Pick<Result, 'readFrames' | 'readCallbacks' | 'readSeconds'>> {
  let frames = 0;
  let first = 0n;
  let last = 0n;
  let done: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const callbacksBefore = tap.readCallbacksTotal;
  tap.onFrames((b) => {
    const now = process.hrtime.bigint();
    if (first === 0n) first = now;
    for (let i = 0; i < b.count; i++) {
      // Cheap check on the hot path: UDP destination port at 14 + 20 + 2.
      const at = b.offset(i);
      const port = (b.slab[at + 36] << 8) | b.slab[at + 37];
      if (port === 9) {
        frames++;
        last = now;
      } else if (port === END_PORT && parseUdpFrame(b.frame(i))) done();
    }
  });
  // The flooder: a separate process, so sending and reading run on different cores.
  const flood = `
    import dgram from 'node:dgram';
    const s = dgram.createSocket('udp4');
    const p = Buffer.alloc(${PAYLOAD_BYTES}, 0x61);
    const send = (port) => new Promise((r) => s.send(p, port, '10.78.0.2', r));
    for (let i = 0; i < ${FLOOD_FRAMES}; i += 256) {
      const sends = [];
      for (let k = 0; k < 256 && i + k < ${FLOOD_FRAMES}; k++) sends.push(send(9));
      await Promise.all(sends);
    }
    for (let k = 0; k < 3; k++) await send(${END_PORT});
    s.close();`;
  const f = spawn(process.execPath, ['--input-type=module', '-e', flood], { stdio: 'inherit' });
  const deadline = setTimeout(() => done(), 30_000);
  await finished;
  clearTimeout(deadline);
  await new Promise((r) => (f.exitCode === null ? f.once('exit', r) : r(null)));
  tap.onFrames(null);
  return { readFrames: frames, readCallbacks: tap.readCallbacksTotal - callbacksBefore, readSeconds: Number(last - first) / 1e9 };
}

function writeBench(tap: LinuxTap): Pick<Result, 'batchWriteRate' | 'singleWriteRate'> {
  const frames = Array.from({ length: BATCH }, (_, i) =>
    buildUdpFrame({
      // Another host's MAC: the kernel drops these in its receive path, so this measures
      // handing frames to the kernel, not the kernel's IP stack.
      dstMac: 0x02_78_00_00_00_99,
      srcMac: PEER_MAC,
      srcIp: ipv4FromString('10.78.0.2'),
      dstIp: ipv4FromString('10.78.0.1'),
      srcPort: 9,
      dstPort: 9000 + i,
      payload: new Uint8Array(PAYLOAD_BYTES),
    }),
  );
  let t0 = process.hrtime.bigint();
  let written = 0;
  while (written < WRITE_FRAMES) written += tap.writeBatch(frames);
  const batchWriteRate = written / seconds(t0);
  t0 = process.hrtime.bigint();
  written = 0;
  for (let i = 0; i < WRITE_FRAMES / 2; i++) if (tap.write(frames[i % BATCH])) written++;
  return { batchWriteRate, singleWriteRate: written / seconds(t0) };
}

// The Tap compliance suite (STYLE §11): the contract of src/net/tap/tap.ts, run against every
// implementation. Run as a file it checks FakeTap; test/netns/tap-compliance.test.ts
// imports tapComplianceSuite and runs it against LinuxTap inside a network namespace.
//
// A subject pairs a Tap with "the host side" of its wire. Frames in both directions are
// Ethernet/IPv4/UDP between HOST_IP (the interface's own address) and PEER_IP (a host behind
// the Tap), so the real kernel can produce and consume them as ordinary datagrams.
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { FakeTap } from '../../../src/net/tap/fake-tap.js';
import { TapClosedError } from '../../../src/net/tap/errors.js';
import { buildUdpFrame, ipv4FromString, parseUdpFrame, udpFrameBytes } from '../../helpers/tap/ipv4-frames.js';
import type { FrameBatch, Tap } from '../../../src/net/tap/tap.js';

export const HOST_IP = ipv4FromString('10.77.0.1');
export const PEER_IP = ipv4FromString('10.77.0.2');
export const PEER_MAC = 0x02_77_00_00_00_02;
export const TAP_MAC = 0x02_77_00_00_00_01;
/** The host's socket port, and the port it sends to behind the Tap. */
export const HOST_PORT = 7001;
export const PEER_PORT = 7002;

export interface SubjectOptions {
  batchSize: number;
  mtu: number;
}

export interface TapSubject {
  /** Opened with mac TAP_MAC, the given mtu and batchSize, up. */
  tap: Tap;
  /** The host sends one datagram per payload to PEER_IP:PEER_PORT, out of the interface. */
  hostSend(payloads: Uint8Array[]): Promise<void>;
  /** Payloads that reached the host's socket (HOST_IP:HOST_PORT) so far, removed. */
  hostReceived(): Uint8Array[];
  close(): Promise<void>;
}

/** A frame that, written to the Tap, reaches the host's socket with `payload`. */
export function frameToHost(payload: Uint8Array): Uint8Array {
  return buildUdpFrame({ dstMac: TAP_MAC, srcMac: PEER_MAC, srcIp: PEER_IP, dstIp: HOST_IP, srcPort: PEER_PORT, dstPort: HOST_PORT, payload });
}

/** The payload of a frame the host sent with hostSend, or null for any other frame. */
export function payloadFromHost(frame: Uint8Array): Uint8Array | null {
  const u = parseUdpFrame(frame);
  return u && u.srcIp === HOST_IP && u.dstIp === PEER_IP && u.dstPort === PEER_PORT ? u.payload : null;
}

export async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

export function tapComplianceSuite(label: string, open: (o: SubjectOptions) => Promise<TapSubject>): void {
  describe(`Tap compliance: ${label}`, () => {
    let s: TapSubject;
    let tap: Tap;
    /** Payloads from hostSend seen by onFrames (copied), and what each callback saw. */
    let seen: string[];
    let batches: number[];
    const listen = (): void => {
      tap.onFrames((b: FrameBatch) => {
        batches.push(b.count);
        for (let i = 0; i < b.count; i++) {
          const p = payloadFromHost(b.frame(i));
          if (p) seen.push(str(p));
        }
      });
    };

    beforeEach(async () => {
      s = await open({ batchSize: 8, mtu: 1500 });
      tap = s.tap;
      seen = [];
      batches = [];
    });
    afterEach(async () => {
      await s.close();
    });

    test('reports what it was opened with', () => {
      assert.equal(tap.mtu, 1500);
      assert.equal(tap.mac, TAP_MAC);
      assert.equal(tap.batchSize, 8);
      assert.equal(tap.headroom, 64);
      assert.equal(tap.isUp, true);
      assert.equal(tap.closed, false);
      assert.ok(tap.name.length >= 1 && tap.name.length <= 15);
      assert.deepEqual([tap.framesReadTotal, tap.readCallbacksTotal, tap.framesWrittenTotal, tap.writeDropsTotal], [0, 0, 0, 0]);
    });

    test('delivers a frame with writable headroom in front; the batch is dead after the callback', async () => {
      let kept: FrameBatch | null = null;
      let checked = false;
      tap.onFrames((b) => {
        for (let i = 0; i < b.count; i++) {
          const p = payloadFromHost(b.frame(i));
          if (!p || str(p) !== 'hello') continue;
          const at = b.offset(i);
          assert.ok(at >= b.headroom && b.headroom === 64);
          assert.equal(at % b.slotBytes, b.headroom, 'frames start right after their headroom');
          assert.equal(b.length(i), udpFrameBytes(5));
          assert.deepEqual(b.slab.subarray(at, at + b.length(i)), b.frame(i));
          // A FRAME header goes in front of the payload without a copy.
          b.slab.fill(0xee, at - b.headroom, at);
          assert.equal(str(payloadFromHost(b.frame(i))!), 'hello');
          assert.throws(() => b.frame(b.count), RangeError);
          kept = b;
          checked = true;
        }
      });
      await s.hostSend([text('hello')]);
      await until('the frame', () => checked);
      assert.equal(kept!.count, 0);
      assert.throws(() => kept!.frame(0), RangeError);
      assert.ok(tap.framesReadTotal >= 1 && tap.readCallbacksTotal >= 1);
    });

    test('a burst arrives in order, in batches of at most batchSize, fewer callbacks than frames', async () => {
      listen();
      const payloads = Array.from({ length: 100 }, (_, i) => text(`burst ${i}`));
      await s.hostSend(payloads);
      await until('100 frames', () => seen.length === 100);
      assert.deepEqual(seen, payloads.map(str));
      assert.ok(Math.max(...batches) <= 8, `batch sizes ${batches.join(',')}`);
      assert.ok(Math.max(...batches) > 1, `some wakeup carried several frames: ${batches.join(',')}`);
      assert.ok(batches.length < 100, `${batches.length} callbacks for 100 frames`);
      assert.equal(tap.readCallbacksTotal, batches.length);
      assert.equal(tap.framesReadTotal, batches.reduce((a, b) => a + b, 0));
    });

    test('write delivers a frame and does not keep the caller\'s buffer', async () => {
      const f = frameToHost(text('one'));
      assert.equal(tap.write(f), true);
      f.fill(0); // the Tap copied it already
      let got: Uint8Array[] = [];
      await until('the host received it', () => (got = got.concat(s.hostReceived())).length === 1);
      assert.equal(str(got[0]), 'one');
      assert.equal(tap.framesWrittenTotal, 1);
      assert.equal(tap.writeDropsTotal, 0);
    });

    test('writeBatch writes in order and returns the number accepted', async () => {
      const frames = Array.from({ length: 20 }, (_, i) => frameToHost(text(`w${i}`)));
      assert.equal(tap.writeBatch(frames), 20);
      let got: string[] = [];
      await until('20 datagrams', () => (got = got.concat(s.hostReceived().map(str))).length === 20);
      assert.deepEqual(got, frames.map((_, i) => `w${i}`));
      assert.equal(tap.framesWrittenTotal, 20);
    });

    test('runts and frames over MTU + 14 are dropped and counted, not thrown', async () => {
      const biggest = frameToHost(new Uint8Array(1500 - 28).fill(0x61)); // payload exactly MTU
      assert.equal(biggest.length, 1514);
      const tooBig = frameToHost(new Uint8Array(1500 - 27));
      assert.equal(tap.write(new Uint8Array(13)), false);
      assert.equal(tap.write(tooBig), false);
      assert.equal(tap.write(biggest), true);
      assert.equal(tap.writeBatch([frameToHost(text('a')), new Uint8Array(5), frameToHost(text('b'))]), 2);
      assert.equal(tap.writeDropsTotal, 3);
      assert.equal(tap.framesWrittenTotal, 3);
      let got: Uint8Array[] = [];
      await until('3 datagrams', () => (got = got.concat(s.hostReceived())).length === 3);
      assert.deepEqual(got.map((g) => g.length), [1472, 1, 1]);
    });

    test('setMtu moves the write limit; an MTU out of range is a RangeError', () => {
      tap.setMtu(1400);
      assert.equal(tap.mtu, 1400);
      assert.equal(tap.write(frameToHost(new Uint8Array(1400 - 27))), false);
      assert.equal(tap.write(frameToHost(new Uint8Array(1400 - 28))), true);
      assert.throws(() => tap.setMtu(67), RangeError);
      assert.throws(() => tap.setMtu(tap.maxMtu + 1), RangeError);
      assert.throws(() => tap.setMtu(1400.5), RangeError);
      assert.equal(tap.mtu, 1400);
    });

    test('writes to a down interface are dropped; up again they flow', async () => {
      tap.setUp(false);
      assert.equal(tap.isUp, false);
      assert.equal(tap.write(frameToHost(text('lost'))), false);
      assert.equal(tap.writeDropsTotal, 1);
      tap.setUp(true);
      assert.equal(tap.isUp, true);
      assert.equal(tap.write(frameToHost(text('found'))), true);
      let got: string[] = [];
      await until('the datagram', () => (got = got.concat(s.hostReceived().map(str))).length === 1);
      assert.deepEqual(got, ['found']);
    });

    test('without a consumer frames wait in the device queue, then arrive', async () => {
      await s.hostSend([text('early 1'), text('early 2')]);
      listen();
      await until('the queued frames', () => seen.length === 2);
      assert.deepEqual(seen, ['early 1', 'early 2']);
      tap.onFrames(null);
      await s.hostSend([text('late')]);
      const before = tap.readCallbacksTotal;
      listen();
      await until('the late frame', () => seen.length === 3);
      assert.equal(seen[2], 'late');
      assert.ok(tap.readCallbacksTotal > before);
    });

    test('close is idempotent; afterwards calls throw TapClosedError and properties stay readable', async () => {
      listen();
      await s.hostSend([text('x')]);
      await until('a frame', () => seen.length === 1);
      assert.equal(tap.write(frameToHost(text('y'))), true);
      tap.close();
      tap.close();
      assert.equal(tap.closed, true);
      assert.throws(() => tap.write(frameToHost(text('z'))), TapClosedError);
      assert.throws(() => tap.writeBatch([]), TapClosedError);
      assert.throws(() => tap.setMtu(1400), TapClosedError);
      assert.throws(() => tap.setUp(true), TapClosedError);
      assert.throws(() => tap.onFrames(() => {}), TapClosedError);
      assert.equal(tap.framesWrittenTotal, 1);
      assert.ok(tap.framesReadTotal >= 1);
      assert.equal(tap.mtu, 1500);
    });
  });
}

/** FakeTap's subject: the test itself is the host, through inject() and written. */
export async function fakeSubject(o: SubjectOptions): Promise<TapSubject> {
  const tap = new FakeTap({ name: 'fake0', mac: TAP_MAC, mtu: o.mtu, batchSize: o.batchSize, up: true });
  return {
    tap,
    hostSend: async (payloads) => {
      for (const payload of payloads) {
        tap.inject(buildUdpFrame({ dstMac: PEER_MAC, srcMac: TAP_MAC, srcIp: HOST_IP, dstIp: PEER_IP, srcPort: HOST_PORT, dstPort: PEER_PORT, payload }));
      }
    },
    hostReceived: () => {
      const out: Uint8Array[] = [];
      for (const f of tap.takeWritten()) {
        const u = parseUdpFrame(f);
        if (u && u.dstMac === TAP_MAC && u.dstIp === HOST_IP && u.dstPort === HOST_PORT) out.push(u.payload);
      }
      return out;
    },
    close: async () => tap.close(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  tapComplianceSuite('FakeTap', fakeSubject);
}

// The addon scenarios of tap-addon.test.ts, each run in a child process inside the test's
// namespace (and, for `make check-native`, under valgrind), because a memory error there
// must end that process, not the test runner. Usage:
//   node --expose-gc tap-addon-child.js <scenario>[,<scenario>…] '<ChildOptions JSON>'
// Each scenario asserts what it checks and prints one line {"scenario", ...facts}; the
// process exits 0 when all passed, 1 with the assertion on stderr otherwise.
//
// Frames reach the TAP the way they do for the compliance suite: a UDP datagram to
// PEER_IP, whose MAC is a static neighbour behind the TAP, leaves the kernel through it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { loadTapAddon, type NativeTapAddon, type NativeTapHandle } from '../../src/net/tap/addon.js';
import { TapError, TapNotInNamespaceError } from '../../src/net/tap/errors.js';
import { LinuxTap } from '../../src/net/tap/linux-tap.js';

export interface ChildOptions {
  /** TAP name, unique to the test run (the namespace is too). */
  name: string;
  /** A second namespace to move a TAP into ("moved"). */
  otherNs?: string;
  /** How long to wait for a frame (much longer under valgrind). */
  waitMs: number;
}

const BATCH = 4;
const SLOT = 2048;
const HEADROOM = 64;
const TAP_IP = '10.77.0.1';
const PEER_IP = '10.77.0.2';
const PEER_MAC = '02:77:00:00:00:02';
const NAMESPACE_HINT = /the device must be in the calling process's network namespace/;

type OnRead = (count: number, errno: string | null) => void;
type Scenario = (o: ChildOptions) => Promise<object>;

const addon: NativeTapAddon = loadTapAddon();

function gc(): void {
  const f = (globalThis as { gc?: () => void }).gc;
  assert.ok(f, 'run with --expose-gc');
  f();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(what: string, ms: number, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function openRaw(name: string, onRead: OnRead): { h: NativeTapHandle; slab: ArrayBuffer; lengths: Uint32Array } {
  const slab = new ArrayBuffer(BATCH * SLOT);
  const lengths = new Uint32Array(BATCH);
  return { h: addon.open(name, BATCH, SLOT, HEADROOM, slab, lengths, onRead), slab, lengths };
}

/** Up, addressed, with the peer as a static neighbour, so datagrams to PEER_IP leave through it. */
function plumb(name: string): void {
  addon.setUpByName(name, true);
  execFileSync('ip', ['addr', 'add', `${TAP_IP}/24`, 'dev', name]);
  execFileSync('ip', ['neigh', 'replace', PEER_IP, 'lladdr', PEER_MAC, 'dev', name, 'nud', 'permanent']);
}

async function sendToPeer(): Promise<void> {
  const s = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => s.send('ztkube', 9, PEER_IP, (e) => (e ? reject(e) : resolve())));
  } finally {
    s.close();
  }
}

/** The device is gone from our namespace (its fd was closed). */
function isGone(name: string): boolean {
  try {
    addon.getInfoByName(name);
    return false;
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'ENODEV');
    return true;
  }
}

function throwsWith(f: () => unknown, type: ErrorConstructor, message: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof type && (e as { code?: string }).code === 'EINVAL' && message.test((e as Error).message));
}

/** Argument checks that need a real handle, then the calls on a closed one. */
const handleArgs: Scenario = async (o) => {
  const { h } = openRaw(o.name, () => {});
  const frame = new Uint8Array(60);
  throwsWith(() => addon.write(h, 'frame' as never), TypeError, /^frame must be a Uint8Array$/);
  throwsWith(() => addon.write(h, new Uint16Array(30) as never), TypeError, /^frame must be a Uint8Array$/);
  throwsWith(() => (addon.write as (h: NativeTapHandle) => boolean)(h), TypeError, /^write needs 2 arguments, got 1$/);
  throwsWith(() => addon.writeBatch(h, 'xx' as never, 1), TypeError, /^frames must be an array of Uint8Arrays$/);
  throwsWith(() => addon.writeBatch(h, [frame], 2), RangeError, /^count must be an integer in 0…1, got 2$/);
  throwsWith(() => addon.writeBatch(h, [frame], -1), RangeError, /^count must be an integer/);
  throwsWith(() => addon.writeBatch(h, [frame], '1' as never), TypeError, /^count must be a number$/);
  throwsWith(() => addon.writeBatch(h, [frame, 'x' as never], 2), TypeError, /^frames\[i\] must be a Uint8Array$/);
  throwsWith(() => addon.setReading(h, 'yes' as never), TypeError, /^on must be a boolean$/);
  // The device is down, so a well-formed frame is dropped, not an error.
  assert.equal(addon.write(h, frame), false);
  assert.equal(addon.writeBatch(h, [frame, frame], 2), 0);
  addon.close(h);
  addon.close(h);
  assert.ok(isGone(o.name), 'device still there after close');
  const closedErr = (e: unknown): boolean => (e as { code?: string }).code === 'EBADF';
  assert.throws(() => addon.write(h, frame), closedErr);
  assert.throws(() => addon.writeBatch(h, [frame], 1), closedErr);
  assert.throws(() => addon.setReading(h, true), closedErr);
  return { checked: 16 };
};

/** JS detaches the slab (or the lengths' buffer) while reading: EDETACHED, nothing written. */
function detach(which: 'slab' | 'lengths'): Scenario {
  return async (o) => {
    const calls: Array<[number, string | null]> = [];
    const t = openRaw(o.name, (n, e) => calls.push([n, e]));
    try {
      plumb(o.name);
      addon.setReading(t.h, true);
      await sendToPeer();
      await waitFor('the first frame', o.waitMs, () => calls.length > 0);
      assert.deepEqual(calls[0], [1, null]);
      const buf = which === 'slab' ? t.slab : (t.lengths.buffer as ArrayBuffer);
      // The transferred copy is dropped and collected, so the old memory is really freed:
      // a write into it is what valgrind would report.
      structuredClone(buf, { transfer: [buf] });
      gc();
      assert.equal(buf.byteLength, 0);
      await sendToPeer();
      await waitFor('the EDETACHED report', o.waitMs, () => calls.length > 1);
      assert.deepEqual(calls[1], [0, 'EDETACHED']);
      await sendToPeer();
      await sleep(Math.min(o.waitMs, 500));
      assert.equal(calls.length, 2, 'read again after EDETACHED');
    } finally {
      addon.close(t.h);
    }
    return { which, report: calls[1] };
  };
}

/** The mistake as a consumer would make it: transferring the batch's slab inside onFrames. */
const detachInCallback: Scenario = async (o) => {
  const tap = LinuxTap.open({ name: o.name, batchSize: BATCH, maxMtu: 1500, mtu: 1500 });
  const errors: TapError[] = [];
  let batches = 0;
  try {
    plumb(o.name);
    tap.onError((e) => errors.push(e));
    tap.onFrames((b) => {
      batches++;
      const ab = b.slab.buffer as ArrayBuffer;
      structuredClone(ab, { transfer: [ab] });
    });
    await sendToPeer();
    await waitFor('one batch', o.waitMs, () => batches > 0);
    gc();
    await sendToPeer();
    await waitFor('onError', o.waitMs, () => errors.length > 0);
    assert.equal(batches, 1);
    assert.ok(errors[0] instanceof TapError);
    assert.equal(errors[0].errno, 'EDETACHED');
    assert.match(errors[0].message, /read failed: the read slab was detached/);
  } finally {
    tap.close();
  }
  return { error: errors[0].message };
};

/**
 * A TAP opened with offload: the kernel hands the UDP datagram over with only its partial
 * (pseudo-header) checksum, and the frame read has the full one; writeFrames takes frames
 * back (a UDP frame alone is written as it is) and the handle closes clean.
 */
const offload: Scenario = async (o) => {
  const tap = LinuxTap.open({ name: o.name, batchSize: BATCH, maxMtu: 1500, mtu: 1500, offload: true });
  const frames: Uint8Array[] = [];
  try {
    plumb(o.name);
    tap.onFrames((b) => {
      for (let i = 0; i < b.count; i++) frames.push(b.frame(i).slice());
    });
    let udp: Uint8Array | undefined;
    for (let i = 0; i < 20 && !udp; i++) {
      await sendToPeer();
      await waitFor('a frame', o.waitMs, () => frames.length > 0);
      udp = frames.find((f) => f.length >= 42 && f[12] === 0x08 && f[13] === 0x00 && f[23] === 17);
    }
    assert.ok(udp, 'no UDP frame read');
    // The UDP checksum over the pseudo-header and the datagram, as a receiver checks it: 0xffff.
    const ip = udp.subarray(14, 34);
    const dgramBytes = udp.subarray(34, 14 + ((ip[2] << 8) | ip[3]));
    let sum = 0;
    const words = (b: Uint8Array): void => {
      for (let i = 0; i < b.length; i += 2) sum += (b[i] << 8) | (i + 1 < b.length ? b[i + 1] : 0);
    };
    words(ip.subarray(12, 20));
    words(Uint8Array.of(0, 17, dgramBytes.length >> 8, dgramBytes.length & 0xff));
    words(dgramBytes);
    while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
    assert.equal(sum, 0xffff, 'the UDP checksum of the frame read is complete');
    const slab = new Uint8Array(2 * 1600);
    slab.set(udp, 0);
    slab.set(udp, 1600);
    assert.equal(tap.writeFrames(slab, 1600, Uint32Array.of(udp.length, udp.length), 2), 2);
    return { offload: tap.offloadStats(), frames: frames.length };
  } finally {
    tap.close();
  }
};

/** Every failure after the device is attached cleans up: fd closed, name free, no leak. */
const openFailures: Scenario = async (o) => {
  const steps: Array<[string, RegExp]> = [
    ['uv_poll_init', /^uv_poll_init ENOMEM/],
    ['napi_async_init', /^N-API call failed: napi_async_init$/],
    ['ref_slab', /^N-API call failed: ref_slab$/],
    ['ref_lengths', /^N-API call failed: ref_lengths$/],
    ['ref_callback', /^N-API call failed: ref_callback$/],
    ['wrap', /^N-API call failed: napi_wrap$/],
  ];
  for (const [step, message] of steps) {
    process.env.ZTKUBE_TAP_TEST_FAIL = step;
    try {
      assert.throws(() => openRaw(o.name, () => {}), (e: unknown) => e instanceof Error && message.test(e.message), step);
    } finally {
      delete process.env.ZTKUBE_TAP_TEST_FAIL;
    }
    assert.ok(isGone(o.name), `device left behind after a failed ${step}`);
    // Lets libuv run the close callbacks, where a handle freed too early would be touched.
    await new Promise((r) => setImmediate(r));
  }
  const { h } = openRaw(o.name, () => {});
  addon.close(h);
  return { steps: steps.map((s) => s[0]) };
};

/** close() inside onRead, and a reading handle dropped without close (the finalizer path). */
const lifecycle: Scenario = async (o) => {
  let calls = 0;
  const t = openRaw(o.name, () => {
    calls++;
    addon.close(t.h);
  });
  plumb(o.name);
  addon.setReading(t.h, true);
  await sendToPeer();
  await waitFor('a read', o.waitMs, () => calls > 0);
  assert.ok(isGone(o.name));
  const dropped = `${o.name.slice(0, 13)}d`;
  (() => {
    const d = openRaw(dropped, () => {});
    addon.setReading(d.h, true);
  })();
  await waitFor('the finalizer to close a dropped handle', o.waitMs * 2, () => {
    gc();
    return isGone(dropped);
  });
  return { calls };
};

/** The device moved to another namespace: by-name calls say where it must be; close still removes it. */
const moved: Scenario = async (o) => {
  assert.ok(o.otherNs, 'needs otherNs');
  const tap = LinuxTap.open({ name: o.name, up: true });
  try {
    execFileSync('ip', ['link', 'set', 'dev', o.name, 'netns', o.otherNs]);
    for (const [op, f] of [
      ['setMtu', () => tap.setMtu(1400)],
      ['setUp', () => tap.setUp(false)],
    ] as const) {
      assert.throws(f, (e: unknown) => {
        assert.ok(e instanceof TapNotInNamespaceError, String(e));
        assert.equal(e.code, 'tap_not_in_namespace');
        assert.equal(e.errno, 'ENODEV');
        assert.equal(e.op, op);
        assert.match(e.message, NAMESPACE_HINT);
        return true;
      });
    }
    assert.throws(() => addon.getInfoByName(o.name), (e: unknown) => (e as { code?: string }).code === 'ENODEV' && NAMESPACE_HINT.test((e as Error).message));
  } finally {
    tap.close();
  }
  return { message: 'ok' };
};

/** Opening must fail with this errno and say why (run under setpriv or without /dev/net/tun). */
function openFails(errno: string, message: RegExp): Scenario {
  return async (o) => {
    let raw: unknown;
    try {
      openRaw(o.name, () => {});
    } catch (e) {
      raw = e;
    }
    assert.ok(raw instanceof Error, 'open succeeded');
    assert.equal((raw as { code?: string }).code, errno);
    assert.match(raw.message, message);
    assert.throws(() => LinuxTap.open({ name: o.name }), (e: unknown) => e instanceof TapError && e.errno === errno && e.op === 'open');
    return { message: raw.message };
  };
}

const scenarios: Record<string, Scenario> = {
  'handle-args': handleArgs,
  'detach-slab': detach('slab'),
  'detach-lengths': detach('lengths'),
  'detach-in-callback': detachInCallback,
  'open-failures': openFailures,
  offload,
  lifecycle,
  moved,
  'no-cap': openFails('EPERM', /^TUNSETIFF EPERM: Operation not permitted; creating a TAP needs CAP_NET_ADMIN/),
  nobody: openFails('EACCES', /^open \/dev\/net\/tun EACCES: Permission denied; creating a TAP needs CAP_NET_ADMIN/),
  'no-tun': openFails('ENOENT', /^open \/dev\/net\/tun ENOENT: No such file or directory; \/dev\/net\/tun is missing/),
};
async function main(list: string, opts: ChildOptions): Promise<void> {
  for (const name of list.split(',')) {
    const run = scenarios[name];
    if (!run) throw new Error(`unknown scenario ${name}`);
    const facts = await run(opts);
    process.stdout.write(JSON.stringify({ scenario: name, ...facts }) + '\n');
  }
}

main(process.argv[2] ?? '', JSON.parse(process.argv[3] ?? '{}') as ChildOptions).catch((e) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

// Every argument check of the TAP addon (native/src/binding.cc) that needs no device: a wrong
// type or a missing argument is a TypeError, a wrong size or value a RangeError, both with
// code EINVAL and a message naming the argument, thrown before any system call. The checks
// that need an open handle are in test/netns/tap-addon-child.ts ("handle-args").
// tap-addon.test.ts also runs this file under valgrind for `make check-native`.
//
// No call here may be fully valid: open() would then create a real TAP in this namespace.
// expectThrows closes one at once if a missing check ever lets it through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCryptoAddon, loadCryptoAddon } from '../../../src/crypto/native-loader.js';
import { findTapAddon, loadTapAddon, type NativeTapAddon, type NativeTapHandle } from '../../../src/net/tap/addon.js';

const skip = findTapAddon() ? false : 'the TAP addon is not built (run make)';
const BATCH = 4;
const SLOT = 256;
// An invalid name in every open() below that is meant to fail on a later argument would
// hide that check, so the name is valid and pid-unique instead.
const NAME = `ztx${process.pid % 100000}`;

let addon: NativeTapAddon;
function a(): NativeTapAddon {
  addon ??= loadTapAddon();
  return addon;
}

function expectThrows(f: () => unknown, type: ErrorConstructor, message: RegExp): void {
  let result: unknown;
  try {
    result = f();
  } catch (e) {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.equal((e as { code?: string }).code, 'EINVAL', String(e));
    assert.match((e as Error).message, message);
    return;
  }
  if (result && typeof result === 'object' && 'name' in result) a().close(result as NativeTapHandle);
  assert.fail(`no ${type.name} for ${message}`);
}

type OpenArgs = [unknown, unknown, unknown, unknown, unknown, unknown, unknown];
/** Valid open() arguments with one replaced. */
function openWith(i: number, v: unknown): OpenArgs {
  const args: OpenArgs = [NAME, BATCH, SLOT, 0, new ArrayBuffer(BATCH * SLOT), new Uint32Array(BATCH), () => {}];
  args[i] = v;
  return args;
}
function open(...args: unknown[]): unknown {
  return (a().open as (...x: unknown[]) => unknown)(...args);
}

function detachedBuffer(bytes: number): ArrayBuffer {
  const ab = new ArrayBuffer(bytes);
  structuredClone(ab, { transfer: [ab] });
  return ab;
}

test('open: missing arguments', { skip }, () => {
  expectThrows(() => open(), TypeError, /^open needs 7 arguments, got 0$/);
  expectThrows(() => open(...openWith(0, NAME).slice(0, 6)), TypeError, /^open needs 7 arguments, got 6$/);
});

test('open: the interface name', { skip }, () => {
  expectThrows(() => open(...openWith(0, 42)), TypeError, /^interface name must be a string$/);
  expectThrows(() => open(...openWith(0, undefined)), TypeError, /^interface name must be a string$/);
  expectThrows(() => open(...openWith(0, '')), RangeError, /^interface name must be 1…15 bytes, got 0$/);
  expectThrows(() => open(...openWith(0, 'z'.repeat(16))), RangeError, /^interface name must be 1…15 bytes, got 16$/);
  expectThrows(() => open(...openWith(0, 'zt\0evil')), RangeError, /^interface name must not contain NUL$/);
});

test('open: batch, slot and headroom are integers in range', { skip }, () => {
  for (const [i, what] of [
    [1, 'batch'],
    [2, 'slot'],
    [3, 'headroom'],
  ] as const) {
    expectThrows(() => open(...openWith(i, '4')), TypeError, new RegExp(`^${what} must be a number$`));
    expectThrows(() => open(...openWith(i, 4n)), TypeError, new RegExp(`^${what} must be a number$`));
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 32]) {
      expectThrows(() => open(...openWith(i, bad)), RangeError, new RegExp(`^${what} must be an integer in 0…4294967295, got `));
    }
  }
  expectThrows(() => open(...openWith(1, 0)), RangeError, /^need batch > 0 and headroom < slot$/);
  expectThrows(() => open(...openWith(3, SLOT)), RangeError, /^need batch > 0 and headroom < slot$/);
});

test('open: the slab is a plain ArrayBuffer of batch * slot bytes', { skip }, () => {
  for (const bad of [new Uint8Array(BATCH * SLOT), new SharedArrayBuffer(BATCH * SLOT), null, 'slab']) {
    expectThrows(() => open(...openWith(4, bad)), TypeError, /^slab must be an ArrayBuffer \(not a view, not a SharedArrayBuffer\)$/);
  }
  expectThrows(() => open(...openWith(4, detachedBuffer(BATCH * SLOT))), TypeError, /^slab must not be a detached ArrayBuffer$/);
  const resizable = new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(BATCH * SLOT, { maxByteLength: 2 * BATCH * SLOT });
  expectThrows(() => open(...openWith(4, resizable)), TypeError, /^slab must not be a resizable ArrayBuffer$/);
  expectThrows(() => open(...openWith(4, new ArrayBuffer(BATCH * SLOT - 1))), RangeError, /^slab must hold batch \* slot = 1024 bytes, got 1023$/);
});

test('open: lengths is a Uint32Array of batch entries', { skip }, () => {
  for (const bad of [new Int32Array(BATCH), new Uint8Array(BATCH * 4), [0, 0, 0, 0], new ArrayBuffer(16)]) {
    expectThrows(() => open(...openWith(5, bad)), TypeError, /^lengths must be a Uint32Array$/);
  }
  expectThrows(() => open(...openWith(5, new Uint32Array(BATCH - 1))), RangeError, /^lengths must have batch = 4 entries, got 3$/);
  const onDetached = new Uint32Array(new ArrayBuffer(BATCH * 4));
  structuredClone(onDetached.buffer, { transfer: [onDetached.buffer] });
  expectThrows(() => open(...openWith(5, onDetached)), TypeError, /^lengths must not be on a detached ArrayBuffer$/);
});

test('open: onRead is a function', { skip }, () => {
  for (const bad of [undefined, {}, 'cb']) {
    expectThrows(() => open(...openWith(6, bad)), TypeError, /^onRead must be a function$/);
  }
});

test('handle functions refuse anything but a handle from open', { skip }, () => {
  const x = a() as unknown as Record<string, (...args: unknown[]) => unknown>;
  // another addon's wrapped object (a native crypto key) is refused too, not misread
  const foreign: unknown[] = findCryptoAddon() ? [loadCryptoAddon().createPeerKey(new Uint8Array(32), new Uint8Array(32), new Uint8Array(32))] : [];
  for (const bad of [undefined, null, 1, 'zt0', {}, { name: NAME }, () => {}, ...foreign]) {
    expectThrows(() => x.setReading(bad, true), TypeError, /^handle must be a TAP handle returned by open$/);
    expectThrows(() => x.write(bad, new Uint8Array(60)), TypeError, /^handle must be a TAP handle returned by open$/);
    expectThrows(() => x.writeBatch(bad, [], 0), TypeError, /^handle must be a TAP handle returned by open$/);
    expectThrows(() => x.close(bad), TypeError, /^handle must be a TAP handle returned by open$/);
  }
  expectThrows(() => x.setReading(), TypeError, /^setReading needs 2 arguments, got 0$/);
  expectThrows(() => x.write({}), TypeError, /^write needs 2 arguments, got 1$/);
  expectThrows(() => x.writeBatch({}, []), TypeError, /^writeBatch needs 3 arguments, got 2$/);
  expectThrows(() => x.close(), TypeError, /^close needs 1 argument, got 0$/);
});

test('by-name functions check the name and their value before any ioctl', { skip }, () => {
  const x = a() as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const fn of ['setMtuByName', 'setMacByName', 'setUpByName', 'getInfoByName']) {
    expectThrows(() => x[fn](), TypeError, new RegExp(`^${fn} needs [12] arguments?, got 0$`));
    expectThrows(() => x[fn](7, 1500), TypeError, /^interface name must be a string$/);
    expectThrows(() => x[fn]('z'.repeat(16), 1500), RangeError, /^interface name must be 1…15 bytes, got 16$/);
  }
  expectThrows(() => x.setMtuByName(NAME, '1500'), TypeError, /^mtu must be a number$/);
  expectThrows(() => x.setMtuByName(NAME, -1), RangeError, /^mtu must be an integer in 0…2147483647, got -1$/);
  expectThrows(() => x.setMtuByName(NAME, 2 ** 31), RangeError, /^mtu must be an integer in 0…2147483647/);
  expectThrows(() => x.setMacByName(NAME, [2, 0, 0, 0, 0, 1]), TypeError, /^mac must be a Uint8Array$/);
  expectThrows(() => x.setMacByName(NAME, new Uint16Array(6)), TypeError, /^mac must be a Uint8Array$/);
  expectThrows(() => x.setMacByName(NAME, new Uint8Array(5)), RangeError, /^mac must be 6 bytes, got 5$/);
  expectThrows(() => x.setMacByName(NAME, new Uint8Array(7)), RangeError, /^mac must be 6 bytes, got 7$/);
  expectThrows(() => x.setUpByName(NAME, 1), TypeError, /^up must be a boolean$/);
  expectThrows(() => x.setUpByName(NAME), TypeError, /^setUpByName needs 2 arguments, got 1$/);
});

test('a name not in this namespace: ENODEV, and the message says where the device must be', { skip }, () => {
  // Read-only (SIOCGIFMTU) on a name nobody uses, so it is harmless in any namespace.
  assert.throws(
    () => a().getInfoByName(`ztnx${process.pid % 100000}`),
    (e: unknown) => {
      const err = e as { code?: string; errno?: number; syscall?: string; message: string };
      assert.equal(err.code, 'ENODEV');
      assert.equal(err.errno, 19);
      assert.equal(err.syscall, 'SIOCGIFMTU');
      assert.match(err.message, /^SIOCGIFMTU ENODEV: No such device; no interface ztnx\d+ here: the device must be in the calling process's network namespace$/);
      return true;
    },
  );
});

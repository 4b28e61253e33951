// Checked at start, before anything is made, when the daemon is to create real TAPs: that
// /dev/net/tun exists and that this process may use it (CAP_NET_ADMIN, which root has).
// zerotier-one refuses to start unless run as root; without this check ztkube would start
// and then fail every join with PORT_ERROR.
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';
import { describeSystemError, errnoCode } from '../util/errors.js';
import { TapNotPermittedError, TunUnavailableError } from './startup-errors.js';

export const TUN_DEVICE = '/dev/net/tun';
const CAP_NET_ADMIN = 12n;

/** Does /proc/self/status's CapEff hold CAP_NET_ADMIN? null when it cannot be told (no procfs). */
export function hasNetAdmin(procStatus: string): boolean | null {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(procStatus);
  return m ? ((BigInt('0x' + m[1]) >> CAP_NET_ADMIN) & 1n) === 1n : null;
}

function readProcStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return ''; // no procfs: the capability cannot be checked, opening the device will tell
  }
}

/** Throws TunUnavailableError or TapNotPermittedError, each a sentence with a way out. */
export function checkTapAccess(tunPath = TUN_DEVICE, procStatus: string = readProcStatus()): void {
  try {
    if (!statSync(tunPath).isCharacterDevice()) throw new TunUnavailableError(`${tunPath}: not a character device, so no TAP can be made; load the tun module, or run with --no-taps`);
  } catch (e) {
    if (e instanceof TunUnavailableError) throw e;
    const why = errnoCode(e) === 'ENOENT' ? 'does not exist' : describeSystemError(e);
    throw new TunUnavailableError(`${tunPath}: ${why}, so no TAP can be made; load the tun module (modprobe tun), or run with --no-taps`, { cause: e });
  }
  const uid = process.getuid?.() ?? -1;
  if (hasNetAdmin(procStatus) === false) {
    throw new TapNotPermittedError(`making TAP devices needs root or CAP_NET_ADMIN, and this process (uid ${uid}) has neither; run it as root, grant CAP_NET_ADMIN, or run with --no-taps`);
  }
  try {
    accessSync(tunPath, fsConstants.R_OK | fsConstants.W_OK);
  } catch (e) {
    throw new TapNotPermittedError(`${tunPath}: ${describeSystemError(e)} opening it for TAP devices (uid ${uid}); run as root, or run with --no-taps`, { cause: e });
  }
}

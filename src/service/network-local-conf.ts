// networks.d/<nwid>.local.conf (06 §2.5): a network's local settings, written by every
// POST /network/<nwid> as exactly four `key=0|1` lines and deleted on leave. Read with the
// dictionary rules of 1.14.1: allowManaged true unless its value (≤ 5 bytes) starts with
// something other than 1/t/T; a longer value is a comma-separated list of IP/bits that
// both allows and limits managed addresses (§8.5); the other three false unless 1/t/T.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Dictionary } from '../protocol/dictionary.js';
import { hexPad } from '../util/hex.js';
import { fileError } from '../util/errors.js';
import { writeFileAtomic } from './home.js';
import type { NetworkSettings } from './local-api/service-port.js';

export const DEFAULT_NETWORK_SETTINGS: Readonly<NetworkSettings> = Object.freeze({ allowManaged: true, allowGlobal: false, allowDefault: false, allowDNS: false });

export interface LocalConf {
  settings: NetworkSettings;
  /** The addresses allowManaged was limited to, or [] for no limit. */
  managedWhitelist: string[];
}

function isTrue(v: Uint8Array): boolean {
  return v.length > 0 && (v[0] === 0x31 || v[0] === 0x74 || v[0] === 0x54); // 1 t T
}

export function parseLocalConf(bytes: Uint8Array): LocalConf {
  const d = Dictionary.decode(bytes, 4096);
  const managed = d.get('allowManaged');
  let allowManaged = true;
  let managedWhitelist: string[] = [];
  if (managed && managed.length > 0) {
    if (managed.length <= 5) allowManaged = isTrue(managed);
    else managedWhitelist = d.getString('allowManaged')!.split(',');
  }
  const flag = (k: string): boolean => {
    const v = d.get(k);
    return v !== undefined && isTrue(v);
  };
  return { settings: { allowManaged, allowGlobal: flag('allowGlobal'), allowDefault: flag('allowDefault'), allowDNS: flag('allowDNS') }, managedWhitelist };
}

export function formatLocalConf(s: NetworkSettings): string {
  const b = (v: boolean): string => (v ? '1' : '0');
  return `allowManaged=${b(s.allowManaged)}\nallowGlobal=${b(s.allowGlobal)}\nallowDefault=${b(s.allowDefault)}\nallowDNS=${b(s.allowDNS)}\n`;
}

/** The files of one home's networks.d. Throws FileError naming the file. */
export class NetworkLocalConfStore {
  private readonly dir: string;

  constructor(home: string) {
    this.dir = join(home, 'networks.d');
  }

  path(nwid: bigint): string {
    return join(this.dir, `${hexPad(nwid, 16)}.local.conf`);
  }

  /** The saved settings, or the defaults when there is no file (06 §2.5). */
  load(nwid: bigint): LocalConf {
    const p = this.path(nwid);
    if (!existsSync(p)) return { settings: { ...DEFAULT_NETWORK_SETTINGS }, managedWhitelist: [] };
    try {
      return parseLocalConf(readFileSync(p));
    } catch (e) {
      throw fileError(e, p, 'reading the network settings');
    }
  }

  save(nwid: bigint, s: NetworkSettings): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      throw fileError(e, this.dir, 'creating it');
    }
    writeFileAtomic(this.path(nwid), formatLocalConf(s));
  }

  remove(nwid: bigint): void {
    const p = this.path(nwid);
    try {
      rmSync(p, { force: true });
    } catch (e) {
      throw fileError(e, p, 'removing it');
    }
  }
}

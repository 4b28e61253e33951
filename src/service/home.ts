// The home directory (06 §2): identity files, planet, moons.d, peers.d. Every read or write
// that can fail names the file (FileError); secret files are written 0600. prepareHome checks
// and creates the directory, lockHome keeps a second daemon out of it.
import {
  accessSync, chmodSync, constants as fsConstants, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync,
  readlinkSync, realpathSync, renameSync, rmSync, statfsSync, statSync, unlinkSync, writeFileSync, type Stats,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoCode, FileError, fileError, HomeInUseError, StateError } from '../util/errors.js';
import type { SavedState, StateKind } from '../node/host.js';

/** Writes via a temporary file and rename, so a crash never leaves a half-written file. */
export function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
  const tmp = `${path}.tmp${process.pid}`;
  try {
    writeFileSync(tmp, data, { mode });
    chmodSync(tmp, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw fileError(e, path, 'writing it');
  }
}

/** Reads a file of the home; a failure names it (FileError). */
export function readHomeFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fileError(e, path, 'reading it');
  }
}

/**
 * Kernel pseudo file systems, where state cannot live (statfs f_type, linux/magic.h). On
 * procfs, Node's recursive mkdir even loops forever (issue #6), hence the check up front.
 */
const PSEUDO_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroupfs'],
  [0x63677270, 'cgroup2fs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
]);

function pseudoFileSystemOf(realPath: string): string | null {
  if (realPath === '/proc' || realPath.startsWith('/proc/')) return 'procfs';
  if (realPath === '/sys' || realPath.startsWith('/sys/')) return 'sysfs';
  try {
    return PSEUDO_FILE_SYSTEMS.get(Number(statfsSync(realPath).type)) ?? null;
  } catch (e) {
    throw fileError(e, realPath, 'checking its file system');
  }
}

/**
 * Checks the home directory and creates what is missing, one level at a time (mode 0700),
 * so every failure is one sentence naming the path: the nearest existing ancestor must be a
 * directory we may write, on a real file system (not /proc or /sys). Throws FileError.
 */
export function prepareHome(dir: string): void {
  const home = resolve(dir);
  const missing: string[] = [];
  let existing = home;
  let st: Stats;
  for (;;) {
    try {
      st = statSync(existing);
      break;
    } catch (e) {
      const code = errnoCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fileError(e, home, `checking ${existing} for the home directory`);
      const target = code === 'ENOENT' ? symlinkTarget(existing) : null;
      if (target !== null) {
        const what = existing === home ? 'is' : `cannot be created because ${existing} is`;
        throw new FileError(home, `${what} a symbolic link to ${target}, which does not exist`, 'ENOENT');
      }
    }
    missing.unshift(basename(existing));
    existing = dirname(existing); // '/' always exists, so this ends
  }
  if (!st.isDirectory()) {
    const what = existing === home ? 'exists but is not a directory' : `cannot be created because ${existing} is not a directory`;
    throw new FileError(home, what, 'ENOTDIR');
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch (e) {
    throw fileError(e, home, `resolving ${existing} for the home directory`);
  }
  const pseudo = pseudoFileSystemOf(real);
  if (pseudo) {
    throw new FileError(home, `is on ${pseudo} (${real}), which cannot hold files; choose a directory on a real file system`, null);
  }
  try {
    accessSync(existing, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
  } catch (e) {
    throw fileError(e, home, missing.length > 0 ? `creating the home directory in ${existing}` : 'checking that the home directory is writable');
  }
  let path = existing;
  for (const part of missing) {
    path = join(path, part);
    try {
      mkdirSync(path, { mode: 0o700 });
    } catch (e) {
      if (errnoCode(e) === 'EEXIST' && statSync(path).isDirectory()) continue; // made meanwhile by someone else
      throw fileError(e, path, 'creating the home directory');
    }
  }
}

/** Where path points when it is a symbolic link, else null. */
function symlinkTarget(path: string): string | null {
  try {
    return lstatSync(path).isSymbolicLink() ? readlinkSync(path) : null;
  } catch {
    return null; // nothing there at all: plainly missing
  }
}

export const LOCK_FILE = 'ztkube.lock';
/** The primary port, written at each start for the CLI (06 §2.2), as zerotier-one writes it. */
export const PORT_FILE = 'zerotier-one.port';
/** The daemon's pid, written at each start and removed at a clean stop (06 §2.2), as zerotier-one does. */
export const PID_FILE = 'zerotier-one.pid';

/** Field 22 of /proc/<pid>/stat (start time in clock ticks), or null off Linux; tells a reused pid apart. */
function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null; // no procfs, or the process is gone: the kill(pid, 0) check decides
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM'; // alive, but somebody else's
  }
}

/** The pid in a lock file's text when that process still runs (and is the same process), else null. */
function liveHolder(text: string): number | null {
  const m = /^(\d+) (\d+|-)\n$/.exec(text);
  if (!m) return null; // not a lock we wrote: stale
  const pid = Number(m[1]);
  if (!isProcessAlive(pid)) return null;
  const ticks = processStartTicks(pid);
  if (m[2] !== '-' && ticks !== null && ticks !== m[2]) return null; // the pid was reused
  return pid;
}

/**
 * Locks a home directory against a second daemon: `ztkube.lock` holds "<pid> <start ticks>".
 * The file is made complete under a temporary name and hard-linked into place, so it is never
 * seen half-written, and link fails when a lock exists. A lock whose process is gone (or whose
 * pid now belongs to another process) is stale and replaced. Returns the release function,
 * which removes the lock only while it is still ours; call it once the daemon has stopped.
 * Throws HomeInUseError when a live process holds the lock, FileError when the file cannot be made.
 */
export function lockHome(dir: string): () => void {
  const lockPath = join(dir, LOCK_FILE);
  const mine = `${process.pid} ${processStartTicks(process.pid) ?? '-'}\n`;
  const tmp = `${lockPath}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, mine, { mode: 0o644 });
  } catch (e) {
    throw fileError(e, lockPath, 'creating the lock of the home directory');
  }
  try {
    for (let attempt = 0; ; attempt++) {
      if (tryLink(tmp, lockPath, mine)) break;
      let text: string;
      try {
        text = readFileSync(lockPath, 'utf8');
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue; // released meanwhile: try again
        throw fileError(e, lockPath, 'reading the lock of the home directory');
      }
      const pid = liveHolder(text);
      if (pid !== null) {
        throw new HomeInUseError(`${dir}: in use by another ztkube daemon (pid ${pid}, lock file ${lockPath}); stop it or choose another --home`, pid);
      }
      if (attempt >= 3) throw new StateError(`${lockPath}: stale lock keeps coming back; remove it by hand`);
      // Stale. Another starter may have replaced it since we read it: remove only the text we judged.
      removeIfUnchanged(lockPath, text);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  let isReleased = false;
  return () => {
    if (isReleased) return;
    isReleased = true;
    removeIfUnchanged(lockPath, mine);
  };
}

/** Puts the lock in place; false when one exists. */
function tryLink(tmp: string, lockPath: string, text: string): boolean {
  try {
    linkSync(tmp, lockPath);
    return true;
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw fileError(e, lockPath, 'creating the lock of the home directory');
  }
  try {
    writeFileSync(lockPath, text, { flag: 'wx', mode: 0o644 }); // a file system without hard links
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw fileError(e, lockPath, 'creating the lock of the home directory');
  }
}

function removeIfUnchanged(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw fileError(e, path, 'removing the lock of the home directory');
  }
}

export class HomeDir {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Checks the directory and creates it when missing (prepareHome); throws FileError. */
  ensure(): void {
    prepareHome(this.dir);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  loadSaved(): SavedState {
    const planetPath = this.path('planet');
    const saved: SavedState = { planet: existsSync(planetPath) ? readHomeFile(planetPath) : null, moons: [], peers: [] };
    for (const [dir, list, suffix] of [['moons.d', saved.moons!, '.moon'], ['peers.d', saved.peers!, '.peer']] as const) {
      const d = this.path(dir);
      if (!existsSync(d)) continue;
      let names: string[];
      try {
        names = readdirSync(d);
      } catch (e) {
        throw fileError(e, d, 'listing it');
      }
      for (const f of names) if (f.endsWith(suffix)) list.push(readHomeFile(join(d, f)));
    }
    saved.networks = this.loadNetworks();
    return saved;
  }

  /**
   * The joined networks: networks.d/<nwid>.conf, each with its saved config (a file of one
   * byte or less means joined but never configured, 04 §3.5). Names that are not 16 hex
   * digits are not networks and are skipped, as zerotier-one skips them.
   */
  loadNetworks(): Array<{ nwid: bigint; saved: Uint8Array }> {
    const d = this.path('networks.d');
    if (!existsSync(d)) return [];
    let names: string[];
    try {
      names = readdirSync(d);
    } catch (e) {
      throw fileError(e, d, 'listing it');
    }
    const out: Array<{ nwid: bigint; saved: Uint8Array }> = [];
    for (const f of names.sort()) {
      const m = /^([0-9a-fA-F]{16})\.conf$/.exec(f);
      if (!m) continue;
      out.push({ nwid: BigInt('0x' + m[1]), saved: readHomeFile(join(d, f)) });
    }
    return out;
  }

  /** The service side of NodeHost.putState (06 §2.3). */
  putState(kind: StateKind, id: string, data: Uint8Array | null): void {
    let file: string;
    switch (kind) {
      case 'planet':
        file = this.path('planet');
        break;
      case 'moon':
        this.ensureSubdir('moons.d');
        file = this.path('moons.d', `${id}.moon`);
        break;
      case 'peer':
        this.ensureSubdir('peers.d');
        file = this.path('peers.d', `${id}.peer`);
        break;
      case 'network':
        if (!/^[0-9a-f]{16}$/.test(id)) throw new StateError(`unexpected network state id ${id}`);
        this.ensureSubdir('networks.d');
        file = this.path('networks.d', `${id}.conf`);
        break;
      default:
        throw new StateError(`unexpected state object ${kind}`);
    }
    if (data === null) {
      try {
        rmSync(file, { force: true });
      } catch (e) {
        throw fileError(e, file, 'removing it');
      }
    } else writeFileAtomic(file, data);
  }

  private ensureSubdir(name: string): void {
    try {
      mkdirSync(this.path(name), { recursive: true }); // inside a home prepareHome checked
    } catch (e) {
      throw fileError(e, this.path(name), 'creating it');
    }
  }
}

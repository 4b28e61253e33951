// The controller's records on disk in 1.14.1's FileDB layout (spec 05 §7):
//
//   controller.d/                       0700 (set at every open)
//     network/<nwid>.json               one network object, compact sorted JSON, no newline
//     network/<nwid>/member/<addr>.json one member object
//     trace/                            created, never written
//
// Unlike 1.14.1 (which truncates and rewrites in place) every write goes to a temporary
// file in the same directory, is fsynced and renamed over the record, and the directory is
// fsynced: a crash leaves the old or the new record, never a torn one. Temporary names
// (".<name>.<n>.tmp") never pass the loader's length filter, and leftovers are removed at
// open. Files are read once, at open; after that the store serves its own memory, as
// 1.14.1 does (edits on disk while running are overwritten by the next save).
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { StateError, describeSystemError, errnoCode } from '../util/errors.js';
import { cloneJson, dumpJson, isObject, type Json } from './json-read.js';
import type { MemberRecord } from './member-record.js';
import type { NetworkRecord } from './network-record.js';
import { memberKey, networkKey, type ControllerStore } from './store.js';
import { MemoryStore } from './memory-store.js';

export interface FileStoreOptions {
  /** Told about every file skipped or cleaned up at open (1.14.1 skips silently). */
  report?: (message: string) => void;
}

const TEMP = /^\..*\.tmp$/;

export class FileStore implements ControllerStore {
  readonly dir: string;
  private readonly networksDir: string;
  private readonly memory = new MemoryStore();
  private tempCounter = 0;
  /** Disk changes run one at a time, so the memory copy always follows the last rename. */
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(dir: string) {
    this.dir = dir;
    this.networksDir = join(dir, 'network');
  }

  /** Creates the layout if missing and loads every record 1.14.1 would load (§7.4). */
  static async open(dir: string, opts: FileStoreOptions = {}): Promise<FileStore> {
    const report = opts.report ?? (() => undefined);
    const s = new FileStore(dir);
    try {
      await fsp.mkdir(dir, { recursive: true });
      await fsp.chmod(dir, 0o700);
      await fsp.mkdir(s.networksDir, { recursive: true });
      await fsp.mkdir(join(dir, 'trace'), { recursive: true });
    } catch (e) {
      throw new StateError(`${dir}: ${describeSystemError(e)} creating the controller database`, { cause: e });
    }
    await s.load(report);
    return s;
  }

  private async load(report: (m: string) => void): Promise<void> {
    for (const name of await listDir(this.networksDir)) {
      const path = join(this.networksDir, name);
      if (TEMP.test(name)) {
        await removeTemp(path, report);
        continue;
      }
      // Exactly 16 + ".json" characters; the record is indexed by its own `id`, not the name.
      if (name.length !== 21) continue;
      const rec = await readRecord(path, report);
      if (!rec) continue;
      if (typeof rec.id !== 'string' || rec.id.length !== 16) {
        report(`${path}: skipped, no 16-character "id"`);
        continue;
      }
      const nwid = networkKey(rec.id);
      if (!nwid) {
        report(`${path}: skipped, network ID 0`);
        continue;
      }
      await this.memory.putNetwork(rec);
      const membersDir = join(this.networksDir, rec.id, 'member');
      for (const mname of await listDir(membersDir)) {
        const mpath = join(membersDir, mname);
        if (TEMP.test(mname)) {
          await removeTemp(mpath, report);
          continue;
        }
        if (mname.length !== 15) continue;
        const m = await readRecord(mpath, report);
        if (!m) continue;
        if (typeof m.id !== 'string' || m.id.length !== 10) {
          report(`${mpath}: skipped, no 10-character "id"`);
          continue;
        }
        // 1.14.1 files a member under the network its own `nwid` names.
        const owner = networkKey(m.nwid);
        if (!owner || !memberKey(m.id)) {
          report(`${mpath}: skipped, "id" or "nwid" reads as 0`);
          continue;
        }
        if (owner !== nwid) report(`${mpath}: filed under network ${owner}, the one its "nwid" names`);
        await this.memory.putMember(owner, m);
      }
    }
  }

  listNetworks(): Promise<string[]> {
    return this.memory.listNetworks();
  }

  getNetwork(nwid: string): Promise<NetworkRecord | null> {
    return this.memory.getNetwork(nwid);
  }

  private serially(fn: () => Promise<void>): Promise<void> {
    const next = this.writes.then(fn, fn);
    this.writes = next.catch(() => undefined);
    return next;
  }

  putNetwork(rec: NetworkRecord): Promise<void> {
    const nwid = networkKey(rec.id);
    if (!nwid) return Promise.reject(new StateError('network record without a network ID'));
    const copy = cloneJson(rec);
    return this.serially(async () => {
      await this.writeAtomically(this.networksDir, `${nwid}.json`, copy);
      await this.memory.putNetwork(copy);
    });
  }

  deleteNetwork(nwid: string): Promise<void> {
    return this.serially(async () => {
      await removePath(join(this.networksDir, `${nwid}.json`), false);
      await removePath(join(this.networksDir, nwid), true);
      await this.memory.deleteNetwork(nwid);
    });
  }

  listMembers(nwid: string): Promise<MemberRecord[]> {
    return this.memory.listMembers(nwid);
  }

  getMember(nwid: string, memberId: string): Promise<MemberRecord | null> {
    return this.memory.getMember(nwid, memberId);
  }

  putMember(nwid: string, rec: MemberRecord): Promise<void> {
    const id = memberKey(rec.id);
    if (!id) return Promise.reject(new StateError('member record without an address'));
    const copy = cloneJson(rec);
    const dir = join(this.networksDir, nwid, 'member');
    return this.serially(async () => {
      await fsp.mkdir(dir, { recursive: true }).catch((e: unknown) => {
        throw new StateError(`${dir}: ${describeSystemError(e)} creating the member directory`, { cause: e });
      });
      await this.writeAtomically(dir, `${id}.json`, copy);
      await this.memory.putMember(nwid, copy);
    });
  }

  deleteMember(nwid: string, memberId: string): Promise<void> {
    return this.serially(async () => {
      await removePath(join(this.networksDir, nwid, 'member', `${memberId}.json`), false);
      await this.memory.deleteMember(nwid, memberId);
    });
  }

  /** Temp file, fsync, rename over `name`, fsync the directory (the rename's durability). */
  private async writeAtomically(dir: string, name: string, rec: Json): Promise<void> {
    const final = join(dir, name);
    const temp = join(dir, `.${name}.${process.pid}-${++this.tempCounter}.tmp`);
    const text = dumpJson(rec);
    try {
      const fh = await fsp.open(temp, 'w', 0o644);
      try {
        await fh.writeFile(text, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(temp, final);
    } catch (e) {
      await fsp.rm(temp, { force: true }).catch(() => undefined); // best effort: the loader ignores and removes temps anyway
      throw new StateError(`${final}: ${describeSystemError(e)} writing the controller record`, { cause: e });
    }
    await syncDir(dir);
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(dir)).sort();
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return [];
    throw new StateError(`${dir}: ${describeSystemError(e)} listing the controller database`, { cause: e });
  }
}

/** A record file's object, or null (reported) when it cannot be read or is not a JSON object. */
async function readRecord(path: string, report: (m: string) => void): Promise<Record<string, Json> | null> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (e) {
    report(`${path}: skipped, ${describeSystemError(e)}`);
    return null;
  }
  try {
    const v = JSON.parse(text) as Json;
    if (isObject(v)) return v;
    report(`${path}: skipped, not a JSON object`);
  } catch (e) {
    report(`${path}: skipped, not JSON (${(e as Error).message})`);
  }
  return null;
}

async function removeTemp(path: string, report: (m: string) => void): Promise<void> {
  report(`${path}: removed an unfinished write`);
  await fsp.rm(path, { force: true }).catch((e: unknown) => report(`${path}: could not remove (${describeSystemError(e)})`));
}

async function removePath(path: string, recursive: boolean): Promise<void> {
  try {
    await fsp.rm(path, { force: true, recursive });
  } catch (e) {
    throw new StateError(`${path}: ${describeSystemError(e)} removing a controller record`, { cause: e });
  }
}

async function syncDir(dir: string): Promise<void> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (e) {
    // Some file systems refuse fsync on a directory; the rename itself has happened.
    if (errnoCode(e) !== 'EINVAL' && errnoCode(e) !== 'EISDIR' && errnoCode(e) !== 'EPERM') throw new StateError(`${dir}: ${describeSystemError(e)} syncing the directory`, { cause: e });
  } finally {
    await fh?.close();
  }
}

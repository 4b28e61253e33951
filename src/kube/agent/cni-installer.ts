// Puts the CNI shim and its chained config on the node (issue #12), both atomically (a temp
// file in the same directory, then rename), so the runtime never execs half a binary or reads
// half a config. ensure() is called periodically: someone rewriting the primary config (its
// own CNI installer, an upgrade) gets ztkube chained again. uninstall() takes both away.
import { copyFileSync, chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../service/home.js';
import { ConfigError, fileError } from '../../util/errors.js';
import { POD_ANNOTATIONS_CAPABILITY } from '../../cni/runtime-annotations.js';
import { chainPlugin, hasPlugin, pickPrimaryConfig, unchainPlugin, ZTKUBE_PLUGIN_TYPE } from './conflist-edit.js';

export interface CniInstallerOptions {
  binDir: string;
  confDir: string;
  /** The shim to copy (build/cni/ztkube). */
  shim: string;
  /** What the chained entry tells the shim. */
  socket: string;
}

export type InstallOutcome =
  | { kind: 'installed'; conf: string }
  | { kind: 'unchanged'; conf: string }
  | { kind: 'no-primary-config' };

export class CniInstaller {
  private readonly o: CniInstallerOptions;

  constructor(o: CniInstallerOptions) {
    this.o = o;
  }

  get binaryPath(): string {
    return join(this.o.binDir, ZTKUBE_PLUGIN_TYPE);
  }

  /** The chained entry. Its capability has containerd pass the pod's annotations (no API read per ADD). */
  plugin(): Record<string, unknown> {
    return { type: ZTKUBE_PLUGIN_TYPE, socket: this.o.socket, capabilities: { [POD_ANNOTATIONS_CAPABILITY]: true } };
  }

  /** Installs what is missing or different; without a primary config nothing is chained yet. */
  ensure(): InstallOutcome {
    this.ensureBinary();
    const names = this.confNames();
    const primary = pickPrimaryConfig(names);
    if (primary === null) return { kind: 'no-primary-config' };
    const path = join(this.o.confDir, primary);
    const text = this.read(path);
    const edit = chainPlugin(path, text, this.plugin());
    if (edit === null) return { kind: 'unchanged', conf: path };
    // The .conflist is in place before the .conf goes: the runtime always finds a config.
    writeFileAtomic(edit.fileName, edit.text, 0o644);
    if (edit.removes !== null) rmSync(edit.removes, { force: true });
    return { kind: 'installed', conf: edit.fileName };
  }

  /** Is the chained entry still where ensure() put it (false: it must run again)? */
  isInstalled(): boolean {
    if (!this.isBinaryCurrent()) return false;
    const primary = pickPrimaryConfig(this.confNames());
    if (primary === null) return false;
    const path = join(this.o.confDir, primary);
    return existsSync(path) && hasPlugin(path, this.read(path), this.plugin());
  }

  /** Removes the ztkube entry from every config in the conf dir and the binary; answers what it changed. */
  uninstall(): string[] {
    const changed: string[] = [];
    for (const name of this.confNames().filter((n) => /\.conflist$/.test(n))) {
      const path = join(this.o.confDir, name);
      let text: string;
      try {
        text = this.read(path);
      } catch {
        continue; // gone between the listing and the read: nothing of ours left there
      }
      let next: string | null;
      try {
        next = unchainPlugin(path, text);
      } catch (e) {
        if (e instanceof ConfigError) continue; // not a config we could have written into
        throw e;
      }
      if (next === null) continue;
      writeFileAtomic(path, next, 0o644);
      changed.push(path);
    }
    if (existsSync(this.binaryPath)) {
      rmSync(this.binaryPath, { force: true });
      changed.push(this.binaryPath);
    }
    return changed;
  }

  private confNames(): string[] {
    try {
      return readdirSync(this.o.confDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fileError(e, this.o.confDir, 'listing the CNI configs');
    }
  }

  private read(path: string): string {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw fileError(e, path, 'reading the CNI config');
    }
  }

  private isBinaryCurrent(): boolean {
    try {
      return readFileSync(this.binaryPath).equals(readFileSync(this.o.shim));
    } catch {
      return false; // either file unreadable: copy again (ensureBinary names the problem)
    }
  }

  private ensureBinary(): void {
    if (!existsSync(this.o.shim)) throw new ConfigError(`--cni-binary ${this.o.shim}: no such file (build it with make, or give the shim's path)`);
    if (this.isBinaryCurrent()) return;
    const tmp = join(this.o.binDir, `.${ZTKUBE_PLUGIN_TYPE}.tmp${process.pid}`);
    try {
      copyFileSync(this.o.shim, tmp);
      chmodSync(tmp, 0o755);
      renameSync(tmp, this.binaryPath);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw fileError(e, this.binaryPath, 'installing the CNI shim');
    }
  }
}

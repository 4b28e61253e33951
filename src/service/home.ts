// The home directory (06 §2): identity files, planet, moons.d, peers.d. Every read that can
// fail names the file; secret files are written 0600.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../util/errors.js';
import type { SavedState, StateKind } from '../node/host.js';

/** Writes via a temporary file and rename, so a crash never leaves a half-written file. */
export function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o644): void {
  const tmp = `${path}.tmp${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

export class HomeDir {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  loadSaved(): SavedState {
    const planetPath = this.path('planet');
    const saved: SavedState = { planet: existsSync(planetPath) ? readFileSync(planetPath) : null, moons: [], peers: [] };
    for (const [dir, list, suffix] of [['moons.d', saved.moons!, '.moon'], ['peers.d', saved.peers!, '.peer']] as const) {
      const d = this.path(dir);
      if (!existsSync(d)) continue;
      for (const f of readdirSync(d)) if (f.endsWith(suffix)) list.push(readFileSync(join(d, f)));
    }
    return saved;
  }

  /** The service side of NodeHost.putState (06 §2.3). */
  putState(kind: StateKind, id: string, data: Uint8Array | null): void {
    let file: string;
    switch (kind) {
      case 'planet':
        file = this.path('planet');
        break;
      case 'moon':
        mkdirSync(this.path('moons.d'), { recursive: true });
        file = this.path('moons.d', `${id}.moon`);
        break;
      case 'peer':
        mkdirSync(this.path('peers.d'), { recursive: true });
        file = this.path('peers.d', `${id}.peer`);
        break;
      default:
        throw new StateError(`unexpected state object ${kind}`);
    }
    if (data === null) rmSync(file, { force: true });
    else writeFileAtomic(file, data);
  }
}

// The plugin's state in the engine's home: <home>/docker.d/state.json, replaced atomically
// (temp file + rename) after every change, so a plugin killed at any moment restarts with
// the last complete state.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../service/home.js';
import { StateError, fileError } from '../util/errors.js';
import { emptyState, type DockerPluginState, type PluginStateStore } from './plugin-state.js';

export const DOCKER_STATE_DIR = 'docker.d';

export class DockerStateFile implements PluginStateStore {
  readonly path: string;

  constructor(home: string) {
    const dir = join(home, DOCKER_STATE_DIR);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw fileError(e, dir, 'creating the Docker plugin state directory');
    }
    this.path = join(dir, 'state.json');
  }

  load(): DockerPluginState {
    if (!existsSync(this.path)) return emptyState();
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (e) {
      throw new StateError(`${this.path}: not readable JSON (${(e as Error).message}); move it away to start the Docker plugin afresh`, { cause: e });
    }
    const s = parsed as Partial<DockerPluginState> | null;
    if (!s || s.version !== 1 || typeof s.pools !== 'object' || typeof s.networks !== 'object' || typeof s.endpoints !== 'object') {
      throw new StateError(`${this.path}: not a ztkube Docker plugin state (version 1 with pools, networks and endpoints)`);
    }
    return s as DockerPluginState;
  }

  save(state: DockerPluginState): void {
    writeFileAtomic(this.path, `${JSON.stringify(state, null, 1)}\n`, 0o600);
  }
}

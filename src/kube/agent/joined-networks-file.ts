// <home>/ztkube-agent-networks.json: the networks the agent joined for ZTNetworks, so a
// restarted agent leaves the right ones and never one a user joined by hand (issue #12).
//   {"networks": {"<16 hex>": {"ztnetwork": "<name>", "isOwned": true}}}
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../service/home.js';
import { StateError, fileError } from '../../util/errors.js';
import type { JoinedRecord } from './desired-networks.js';

export const JOINED_NETWORKS_FILE = 'ztkube-agent-networks.json';

export class JoinedNetworksFile {
  readonly path: string;

  constructor(home: string) {
    this.path = join(home, JOINED_NETWORKS_FILE);
  }

  load(): Map<string, JoinedRecord> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw fileError(e, this.path, 'reading the networks the agent joined');
    }
    let v: unknown;
    try {
      v = (JSON.parse(text) as { networks?: unknown }).networks;
    } catch (e) {
      throw new StateError(`${this.path}: not JSON (${(e as Error).message}); move it away to start over`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new StateError(`${this.path}: "networks" must be an object; move the file away to start over`);
    const out = new Map<string, JoinedRecord>();
    for (const [id, r] of Object.entries(v as Record<string, unknown>)) {
      const x = r as Partial<JoinedRecord> | null;
      if (!/^[0-9a-f]{16}$/.test(id) || typeof x?.ztnetwork !== 'string' || typeof x.isOwned !== 'boolean') {
        throw new StateError(`${this.path}: networks["${id}"] must be {"ztnetwork": string, "isOwned": boolean} under a 16-hex network ID`);
      }
      out.set(id, { ztnetwork: x.ztnetwork, isOwned: x.isOwned });
    }
    return out;
  }

  save(records: ReadonlyMap<string, JoinedRecord>): void {
    try {
      writeFileAtomic(this.path, `${JSON.stringify({ networks: Object.fromEntries(records) }, null, 1)}\n`);
    } catch (e) {
      throw fileError(e, this.path, 'writing the networks the agent joined');
    }
  }
}

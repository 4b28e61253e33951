// The agent's CNI records (issue #12), persisted in <home>/cni.d/attachments.json so a restart
// of the agent keeps every pod's addresses and can still DEL and GC them. Addresses in use are
// exactly those in the records: the IPAM (pod-ipam.ts) reads them, as host-local reads its files.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../service/home.js';
import { StateError, fileError } from '../util/errors.js';
import type { AttachMode } from './network-catalog.js';

export interface AttachmentRecord {
  containerId: string;
  /** CNI_IFNAME of the invocation that made it. */
  primaryIfname: string;
  /**
   * Made for Multus (its net config named the network): then ifname == primaryIfname. Absent
   * in records written before delegate mode, which were all chained.
   */
  isDelegate?: boolean;
  /** The name in the annotation, and the ZeroTier network it meant (16 hex). */
  network: string;
  nwid: string;
  mode: AttachMode;
  /** The interface in the pod, and the veth end on the host. */
  ifname: string;
  hostVeth: string;
  mac: string;
  /** `a.b.c.d/bits` (bridge) or `fc…/128` (sixplane). */
  address: string;
}

export interface AttachmentStateStore {
  load(): AttachmentRecord[];
  save(records: AttachmentRecord[]): void;
}

export class AttachmentStateFile implements AttachmentStateStore {
  private readonly dir: string;
  private readonly file: string;

  constructor(home: string) {
    this.dir = join(home, 'cni.d');
    this.file = join(this.dir, 'attachments.json');
  }

  load(): AttachmentRecord[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fileError(e, this.file, 'reading the CNI attachments');
    }
    try {
      const v = JSON.parse(text) as { attachments?: unknown };
      if (!Array.isArray(v.attachments)) throw new Error('no "attachments" list');
      return v.attachments as AttachmentRecord[];
    } catch (e) {
      throw new StateError(`${this.file}: not a CNI attachments file (${(e as Error).message}); move it away to start over`);
    }
  }

  save(records: AttachmentRecord[]): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(this.file, `${JSON.stringify({ attachments: records }, null, 1)}\n`);
    } catch (e) {
      throw fileError(e, this.file, 'writing the CNI attachments');
    }
  }
}

// Tells the controller of ZTMember changes it did not make itself (issue #11): a user's
// `kubectl patch ztmember … authorized:true` must reach the member as a new config, and
// authorized:false as a revocation, as an API write would. The controller's own writes are
// recognised by their revision: ControllerDb bumps it on every save, while a kubectl edit
// leaves the annotation's revision as it was.
import type { ControllerDb } from '../../controller/controller-db.js';
import { sameRecord } from '../../controller/controller-db.js';
import type { MemberRecord } from '../../controller/member-record.js';
import { specToMember } from '../controller-record-mapping.js';

export interface MemberResource {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

function recordOf(r: MemberResource): { nwid: string; address: string; rec: MemberRecord } | null {
  const nwid = r.spec?.networkId;
  const address = r.spec?.address;
  if (typeof nwid !== 'string' || typeof address !== 'string') return null;
  return { nwid, address, rec: specToMember(nwid, address, r.spec, r.metadata?.annotations) };
}

export class MemberRelay {
  private readonly seen = new Map<string, MemberRecord>();
  private readonly db: () => ControllerDb;

  constructor(db: () => ControllerDb) {
    this.db = db;
  }

  /** An added or updated ZTMember (from the informer). */
  changed(r: MemberResource): void {
    const m = recordOf(r);
    const name = r.metadata?.name;
    if (!m || !name) return;
    const before = this.seen.get(name) ?? null;
    this.seen.set(name, m.rec);
    if (before && before.revision !== m.rec.revision) return; // the controller's own save
    if (before && sameRecord(before, m.rec)) return; // metadata or status only
    if (!before && m.rec.revision !== undefined) return; // first sight of a record the controller saved
    this.db().memberChangedInStore(m.nwid, m.address, before, m.rec);
  }

  /** A deleted ZTMember: the member loses access if it had it. */
  deleted(r: MemberResource): void {
    const m = recordOf(r);
    const name = r.metadata?.name;
    if (!m || !name) return;
    const before = this.seen.get(name) ?? m.rec;
    this.seen.delete(name);
    this.db().memberChangedInStore(m.nwid, m.address, before, null);
  }
}

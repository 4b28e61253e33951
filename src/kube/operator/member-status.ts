// ZTMember status (07 §4.3, issue #11): when the member last asked for its config, its
// version and physical address — what the controller keeps in memory about a member and
// 1.14.1 never stores in the record — plus the cluster node it belongs to. Written through
// the status subresource on a timer, and rate-limited: a member asks every minute or so, and
// a new lastSeen alone is written at most once per MIN_LAST_SEEN_INTERVAL_MS; a new version,
// address or name goes out at the next pass.
import { ApiException, type CustomObjectsApi } from '@kubernetes/client-node';
import type { MemberSighting } from '../../controller/embedded-controller.js';
import { memberName, ZTKUBE_GROUP as group, ZTKUBE_VERSION as version, ZTMEMBER } from '../crd-names.js';

export const MIN_LAST_SEEN_INTERVAL_MS = 60_000;
const CONFLICT_RETRIES = 3;

export interface MemberStatus {
  lastSeen: string;
  version?: string;
  physicalAddress?: string;
  name?: string;
}

/** The status for one sighting; lastSeen in whole seconds (the CRD's date-time). */
export function memberStatusOf(s: MemberSighting, nodeName: string | undefined): MemberStatus {
  const st: MemberStatus = { lastSeen: new Date(Math.floor(s.lastRequestMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  if (s.version) st.version = s.version;
  if (s.physicalAddress) st.physicalAddress = s.physicalAddress;
  if (nodeName) st.name = nodeName;
  return st;
}

/** Whether `next` is worth a write after `prev` was written at `prevAtMs`. Pure. */
export function isMemberStatusDue(prev: { status: MemberStatus; atMs: number } | undefined, next: MemberStatus, nowMs: number, minIntervalMs = MIN_LAST_SEEN_INTERVAL_MS): boolean {
  if (!prev) return true;
  const { lastSeen: _a, ...before } = prev.status;
  const { lastSeen: _b, ...after } = next;
  if (JSON.stringify(before) !== JSON.stringify(after)) return true;
  return prev.status.lastSeen !== next.lastSeen && nowMs - prev.atMs >= minIntervalMs;
}

export interface MemberStatusWriterOptions {
  api: CustomObjectsApi;
  sightings(): MemberSighting[];
  /** The cluster node whose ZTNode has this address, if any. */
  nodeOf(address: string): string | undefined;
  now(): number;
}

export class MemberStatusWriter {
  private readonly opts: MemberStatusWriterOptions;
  private readonly written = new Map<string, { status: MemberStatus; atMs: number }>();
  private isRunning = false;

  constructor(opts: MemberStatusWriterOptions) {
    this.opts = opts;
  }

  /** One pass over the sightings; overlapping calls are skipped. Resolves with the writes made. */
  async pass(): Promise<number> {
    if (this.isRunning) return 0;
    this.isRunning = true;
    let writes = 0;
    try {
      for (const s of this.opts.sightings()) {
        const name = memberName(s.nwid, s.address);
        const next = memberStatusOf(s, this.opts.nodeOf(s.address));
        const now = this.opts.now();
        if (!isMemberStatusDue(this.written.get(name), next, now)) continue;
        if (await this.write(name, next)) {
          this.written.set(name, { status: next, atMs: now });
          writes++;
        }
      }
    } finally {
      this.isRunning = false;
    }
    return writes;
  }

  /** False when there is no ZTMember (yet): the member's record is saved after its first request. */
  private async write(name: string, status: MemberStatus): Promise<boolean> {
    const plural = ZTMEMBER.plural;
    for (let attempt = 0; ; attempt++) {
      let r: { status?: Record<string, unknown> };
      try {
        r = (await this.opts.api.getClusterCustomObject({ group, version, plural, name })) as typeof r;
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return false;
        throw e;
      }
      try {
        await this.opts.api.replaceClusterCustomObjectStatus({ group, version, plural, name, body: { ...r, status: { ...r.status, ...status } } });
        return true;
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return false;
        if (!(e instanceof ApiException && e.code === 409) || attempt >= CONFLICT_RETRIES) throw e;
      }
    }
  }
}

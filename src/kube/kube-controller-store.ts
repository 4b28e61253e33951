// A ControllerStore (src/controller/store.ts has the contract) kept in Kubernetes: a managed
// network is a ZTNetwork labelled with its network ID (NETWORK_ID_LABEL), a member is a
// ZTMember named `<nwid>-<address>` with the same label, so kubectl and the controller's HTTP
// API read and write one truth. controller-record-mapping.ts turns records into resources.
//
// Binding: a ZTNetwork a user applied gets its network ID from the operator, which puts the
// label on it before saving the network's first record; a network created through the
// controller's HTTP API has no ZTNetwork yet and gets one named after its network ID.
// Writes carry the resourceVersion read just before; a 409 (someone wrote in between) re-reads
// and retries, so labels, finalizers and annotations others added meanwhile are kept. The
// mapped spec itself is the record's, whole: a put replaces it as the file store replaces a
// hand-edited file (ControllerDb reads the record right before it saves).
import { ApiException, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { MemberRecord } from '../controller/member-record.js';
import type { NetworkRecord } from '../controller/network-record.js';
import { memberKey, networkKey, type ControllerStore } from '../controller/store.js';
import { StateError } from '../util/errors.js';
import { memberName, ZTKUBE_API_VERSION, ZTKUBE_GROUP as group, ZTKUBE_VERSION as version, ZTMEMBER, ZTNETWORK } from './crd-names.js';
import { managedToNetwork, memberToSpec, NETWORK_ID_LABEL, networkToManaged, RECORD_ANNOTATION, specToMember } from './controller-record-mapping.js';

/** How many times a put re-reads after a 409 before giving up. */
const CONFLICT_RETRIES = 5;

interface Resource {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string; [k: string]: unknown };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

function isStatus(e: unknown, code: number): boolean {
  return e instanceof ApiException && e.code === code;
}

export class KubeControllerStore implements ControllerStore {
  private readonly api: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  private async list(plural: string, labelSelector: string): Promise<Resource[]> {
    const l = (await this.api.listClusterCustomObject({ group, version, plural, labelSelector })) as { items: Resource[] };
    return l.items;
  }

  private async get(plural: string, name: string): Promise<Resource | null> {
    try {
      return (await this.api.getClusterCustomObject({ group, version, plural, name })) as Resource;
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  private async remove(plural: string, name: string): Promise<void> {
    try {
      await this.api.deleteClusterCustomObject({ group, version, plural, name });
    } catch (e) {
      // Deleting what is absent is not an error (store contract).
      if (!isStatus(e, 404)) throw e;
    }
  }

  /** Creates or replaces one resource from the latest read, retrying on 409. */
  private async upsert(plural: string, find: () => Promise<Resource | null>, build: (current: Resource | null) => Resource): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = await find();
      const body = build(current);
      try {
        if (current) await this.api.replaceClusterCustomObject({ group, version, plural, name: body.metadata.name, body });
        else await this.api.createClusterCustomObject({ group, version, plural, body });
        return;
      } catch (e) {
        if ((isStatus(e, 409)) && attempt < CONFLICT_RETRIES) continue;
        throw new StateError(`could not write ${plural} "${body.metadata.name}": ${e instanceof ApiException ? `HTTP ${e.code}` : String(e)}`, { cause: e });
      }
    }
  }

  private async networkResource(nwid: string): Promise<Resource | null> {
    const found = await this.list(ZTNETWORK.plural, `${NETWORK_ID_LABEL}=${nwid}`);
    return found.find((r) => r.spec?.managed !== undefined) ?? found[0] ?? null;
  }

  async listNetworks(): Promise<string[]> {
    const ids = (await this.list(ZTNETWORK.plural, NETWORK_ID_LABEL)).map((r) => networkKey(r.metadata.labels?.[NETWORK_ID_LABEL] ?? '')).filter((k): k is string => k !== null);
    return [...new Set(ids)].sort();
  }

  async getNetwork(nwid: string): Promise<NetworkRecord | null> {
    const r = await this.networkResource(nwid);
    return r ? managedToNetwork(nwid, r.spec?.managed as Record<string, unknown> | undefined, r.metadata.annotations) : null;
  }

  async putNetwork(rec: NetworkRecord): Promise<void> {
    const nwid = networkKey(rec.id);
    if (!nwid) throw new StateError('network record without a network ID');
    const mapped = networkToManaged(rec);
    await this.upsert(ZTNETWORK.plural, () => this.networkResource(nwid), (current) => {
      const base: Resource = current ?? { apiVersion: ZTKUBE_API_VERSION, kind: ZTNETWORK.kind, metadata: { name: nwid } };
      return {
        ...base,
        metadata: {
          ...base.metadata,
          labels: { ...base.metadata.labels, [NETWORK_ID_LABEL]: nwid },
          annotations: { ...base.metadata.annotations, [RECORD_ANNOTATION]: mapped.recordAnnotation },
        },
        spec: { ...base.spec, managed: mapped.spec },
      };
    });
  }

  async deleteNetwork(nwid: string): Promise<void> {
    for (const m of await this.list(ZTMEMBER.plural, `${NETWORK_ID_LABEL}=${nwid}`)) await this.remove(ZTMEMBER.plural, m.metadata.name);
    for (const n of await this.list(ZTNETWORK.plural, `${NETWORK_ID_LABEL}=${nwid}`)) await this.remove(ZTNETWORK.plural, n.metadata.name);
  }

  async listMembers(nwid: string): Promise<MemberRecord[]> {
    const items = await this.list(ZTMEMBER.plural, `${NETWORK_ID_LABEL}=${nwid}`);
    return items
      .map((r) => ({ address: String(r.spec?.address ?? ''), r }))
      .filter((x) => memberKey(x.address) === x.address)
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
      .map(({ address, r }) => specToMember(nwid, address, r.spec, r.metadata.annotations));
  }

  async getMember(nwid: string, memberId: string): Promise<MemberRecord | null> {
    const r = await this.get(ZTMEMBER.plural, memberName(nwid, memberId));
    return r ? specToMember(nwid, memberId, r.spec, r.metadata.annotations) : null;
  }

  async putMember(nwid: string, rec: MemberRecord): Promise<void> {
    const address = memberKey(rec.id);
    if (!address) throw new StateError('member record without an address');
    const name = memberName(nwid, address);
    const mapped = memberToSpec(nwid, address, rec);
    await this.upsert(ZTMEMBER.plural, () => this.get(ZTMEMBER.plural, name), (current) => {
      const base: Resource = current ?? { apiVersion: ZTKUBE_API_VERSION, kind: ZTMEMBER.kind, metadata: { name } };
      return {
        ...base,
        metadata: {
          ...base.metadata,
          labels: { ...base.metadata.labels, [NETWORK_ID_LABEL]: nwid },
          annotations: { ...base.metadata.annotations, [RECORD_ANNOTATION]: mapped.recordAnnotation },
        },
        spec: mapped.spec,
      };
    });
  }

  async deleteMember(nwid: string, memberId: string): Promise<void> {
    await this.remove(ZTMEMBER.plural, memberName(nwid, memberId));
  }
}

// The cluster nodes' members of a managed network (07 §4.3, issue #11): every selected node's
// member is authorized and, when pods bridge onto the network, an active bridge. The changes
// go through the controller's API, as any API write, so online members get the new config at
// once. Members the operator authorized carry AUTHORIZED_BY_LABEL; when their node is no longer
// selected (or gone) they are de-authorized again. A member authorized by hand has no label and
// is never de-authorized here.
import { ApiException, type CustomObjectsApi } from '@kubernetes/client-node';
import type { ControllerHandler } from '../../service/local-api/service-port.js';
import { StateError } from '../../util/errors.js';
import { NETWORK_ID_LABEL } from '../controller-record-mapping.js';
import { ZTKUBE_GROUP as group, ZTKUBE_VERSION as version, ZTMEMBER } from '../crd-names.js';

/** On a ZTMember: the operator authorized it for a cluster node. */
export const AUTHORIZED_BY_LABEL = 'ztkube.io/authorized-by';
export const AUTHORIZED_BY_OPERATOR = 'operator';
const plural = ZTMEMBER.plural;
const CONFLICT_RETRIES = 5;

interface MemberResource {
  metadata: { name: string; labels?: Record<string, string>; [k: string]: unknown };
  spec?: { address?: string; authorized?: boolean; activeBridge?: boolean };
  [k: string]: unknown;
}

export interface NodeMembersOptions {
  api: CustomObjectsApi;
  controller: ControllerHandler;
  now(): number;
}

function isMarked(m: MemberResource): boolean {
  return m.metadata.labels?.[AUTHORIZED_BY_LABEL] === AUTHORIZED_BY_OPERATOR;
}

export class NodeMembers {
  private readonly opts: NodeMembersOptions;

  constructor(opts: NodeMembersOptions) {
    this.opts = opts;
  }

  /** Brings the network's members in line with the selected nodes' addresses. */
  async sync(nwid: string, nodeAddresses: ReadonlySet<string>, isBridge: boolean): Promise<void> {
    const members = await this.list(nwid);
    const byAddress = new Map(members.filter((m) => typeof m.spec?.address === 'string').map((m) => [m.spec!.address!, m]));
    for (const address of [...nodeAddresses].sort()) {
      let m = byAddress.get(address);
      if (!m) {
        // Made unauthorized first, so the label is on it before it gets access.
        await this.post(nwid, address, {});
        m = (await this.get(nwid, address)) ?? undefined;
        if (!m) throw new StateError(`the controller made member ${address} of network ${nwid} but no ZTMember appeared`);
      }
      const isByHand = m.spec?.authorized === true && !isMarked(m);
      if (!isByHand && !isMarked(m)) await this.setMark(m.metadata.name, true);
      const body: Record<string, boolean> = {};
      if (m.spec?.authorized !== true) body.authorized = true;
      if (isBridge && m.spec?.activeBridge !== true) body.activeBridge = true;
      if (Object.keys(body).length) await this.post(nwid, address, body);
    }
    for (const m of members) {
      const address = m.spec?.address;
      if (!isMarked(m) || !address || nodeAddresses.has(address)) continue;
      await this.post(nwid, address, { authorized: false, activeBridge: false });
      await this.setMark(m.metadata.name, false);
    }
  }

  private async post(nwid: string, address: string, body: Record<string, boolean>): Promise<void> {
    const res = await this.opts.controller('POST', ['controller', 'network', nwid, 'member', address], body, this.opts.now());
    if (res.status !== 200) throw new StateError(`the controller answered HTTP ${res.status} updating member ${address} of network ${nwid}`);
  }

  private async list(nwid: string): Promise<MemberResource[]> {
    const l = (await this.opts.api.listClusterCustomObject({ group, version, plural, labelSelector: `${NETWORK_ID_LABEL}=${nwid}` })) as { items: MemberResource[] };
    return l.items;
  }

  private async get(nwid: string, address: string): Promise<MemberResource | null> {
    try {
      return (await this.opts.api.getClusterCustomObject({ group, version, plural, name: `${nwid}-${address}` })) as MemberResource;
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) return null;
      throw e;
    }
  }

  /** Puts the label on or takes it off, on the latest version (the controller writes the same object). */
  private async setMark(name: string, isOn: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let m: MemberResource;
      try {
        m = (await this.opts.api.getClusterCustomObject({ group, version, plural, name })) as MemberResource;
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) return; // deleted meanwhile: nothing to mark
        throw e;
      }
      const labels = { ...m.metadata.labels };
      if (isOn) labels[AUTHORIZED_BY_LABEL] = AUTHORIZED_BY_OPERATOR;
      else delete labels[AUTHORIZED_BY_LABEL];
      try {
        await this.opts.api.replaceClusterCustomObject({ group, version, plural, name, body: { ...m, metadata: { ...m.metadata, labels } } });
        return;
      } catch (e) {
        if (!(e instanceof ApiException && e.code === 409) || attempt >= CONFLICT_RETRIES) throw e;
      }
    }
  }
}

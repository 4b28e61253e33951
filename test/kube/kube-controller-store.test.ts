// The Kubernetes controller store against the test API server (client-node, as the operator
// uses it): records saved by ControllerDb come back equal, show in Kubernetes style on the
// ZTNetwork / ZTMember resources, and what a user patches with the API is what the store reads.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiextensionsV1Api, CustomObjectsApi, loadYaml, PatchStrategy, setHeaderOptions, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { ControllerDb } from '../../src/controller/controller-db.js';
import { initMember } from '../../src/controller/member-record.js';
import { initNetwork } from '../../src/controller/network-record.js';
import { NETWORK_ID_LABEL, RECORD_ANNOTATION } from '../../src/kube/controller-record-mapping.js';
import { ZTKUBE_GROUP as group, ZTKUBE_VERSION as version } from '../../src/kube/crd-names.js';
import { KubeControllerStore } from '../../src/kube/kube-controller-store.js';
import { kubeConfigFor } from '../helpers/kube-client.js';
import { repoRoot } from '../helpers/shared.js';
import { createKubeApiServer, type KubeApiServer } from '../kube-apiserver/server.js';

const NW = '16ef05e5485ec5d4';
const NW2 = '16ef05e54850e0a3';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
type Obj = { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> };

describe('Kubernetes controller store (test API server)', () => {
  let server: KubeApiServer;
  let custom: CustomObjectsApi;
  let store: KubeControllerStore;

  before(async () => {
    server = await createKubeApiServer();
    const kc = kubeConfigFor(server.url);
    custom = kc.makeApiClient(CustomObjectsApi);
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    const dir = join(repoRoot, 'manifests', 'crds');
    for (const f of readdirSync(dir)) await extensions.createCustomResourceDefinition({ body: loadYaml<V1CustomResourceDefinition>(readFileSync(join(dir, f), 'utf8')) });
    store = new KubeControllerStore(kc);
  });
  after(async () => {
    await server?.close();
  });

  it('keeps a controller network record whole: mapped fields in spec.managed, the rest in the annotation', async () => {
    const db = new ControllerDb(store);
    const rec = initNetwork({ id: NW, nwid: NW, name: 'lab-lan' }, 1_700_000_000_000);
    rec.ipAssignmentPools = [{ ipRangeStart: '10.147.17.10', ipRangeEnd: '10.147.17.250' }, { ipRangeStart: 'fd00::1', ipRangeEnd: 'fd00::ff' }];
    rec.routes = [{ target: '10.147.17.0/24', via: null }, { target: '0.0.0.0/0', via: '10.147.17.1' }];
    rec.v4AssignMode = { zt: true };
    rec.v6AssignMode = { rfc4193: false, zt: true, '6plane': true };
    rec.capabilities = [{ id: 1, rules: [] }];
    const saved = (await db.saveNetwork(rec)).record;
    assert.deepEqual(await store.getNetwork(NW), saved, 'the record reads back equal');
    assert.equal((await db.saveNetwork(saved)).changed, false, 'so saving it again is no change');
    assert.deepEqual(await store.listNetworks(), [NW]);
    const r = (await custom.getClusterCustomObject({ group, version, plural: 'ztnetworks', name: NW })) as Obj;
    assert.equal(r.metadata.labels?.[NETWORK_ID_LABEL], NW);
    assert.deepEqual(r.spec.managed, {
      name: 'lab-lan', private: true, enableBroadcast: true, mtu: 2800, multicastLimit: 32,
      ipv4Pools: [{ start: '10.147.17.10', end: '10.147.17.250' }],
      routes: [{ target: '10.147.17.0/24' }, { target: '0.0.0.0/0', via: '10.147.17.1' }],
      v6Modes: ['6plane'], rules: [{ not: false, or: false, type: 'ACTION_ACCEPT' }],
    });
    const rest = JSON.parse(r.metadata.annotations![RECORD_ANNOTATION]!) as Record<string, unknown>;
    assert.deepEqual([rest.ipAssignmentPools, rest.v6AssignMode, rest.revision, rest.dns], [[{ ipRangeStart: 'fd00::1', ipRangeEnd: 'fd00::ff' }], { zt: true }, 1, []]);
    assert.equal('name' in rest || 'routes' in rest, false, 'mapped keys are not kept twice');

    await custom.patchClusterCustomObject({ group, version, plural: 'ztnetworks', name: NW, body: { spec: { managed: { mtu: 1400, v6Modes: ['rfc4193'] } } } }, merge);
    const patched = (await store.getNetwork(NW))!;
    assert.deepEqual([patched.mtu, patched.v6AssignMode], [1400, { rfc4193: true, zt: true, '6plane': false }], 'a kubectl-style patch is what the controller reads');
  });

  it('maps members to ZTMembers named <nwid>-<address>; a patch authorizes; listing is ascending; the network takes its members along', async () => {
    const db = new ControllerDb(store);
    await db.saveNetwork(initNetwork({ id: NW2, nwid: NW2 }, 1));
    for (const id of ['a2cb3e9302', '5bc7629dcf']) {
      const m = initMember({ id, address: id, nwid: NW2 }, 2);
      m.tags = [[7, 3]];
      m.ipAssignments = ['10.147.17.42'];
      await db.saveMember(NW2, m);
    }
    const name = `${NW2}-5bc7629dcf`;
    const r = (await custom.getClusterCustomObject({ group, version, plural: 'ztmembers', name })) as Obj;
    assert.deepEqual(r.spec, { networkId: NW2, address: '5bc7629dcf', authorized: false, activeBridge: false, noAutoAssignIps: false, ipAssignments: ['10.147.17.42'], tags: [{ id: 7, value: 3 }], capabilities: [] });
    const before = (await store.getMember(NW2, '5bc7629dcf'))!;
    assert.deepEqual(before.tags, [[7, 3]]);
    assert.equal((await db.saveMember(NW2, before)).changed, false, 'a member reads back equal');

    await custom.patchClusterCustomObject({ group, version, plural: 'ztmembers', name, body: { spec: { authorized: true } } }, merge);
    assert.equal((await store.getMember(NW2, '5bc7629dcf'))!.authorized, true);
    assert.deepEqual((await store.listMembers(NW2)).map((m) => m.id), ['5bc7629dcf', 'a2cb3e9302']);
    assert.deepEqual(await store.listMembers(NW), []);

    await store.deleteMember(NW2, 'a2cb3e9302');
    await store.deleteMember(NW2, 'a2cb3e9302');
    assert.equal(await store.getMember(NW2, 'a2cb3e9302'), null);
    await store.deleteNetwork(NW2);
    await store.deleteNetwork(NW2);
    assert.equal(await store.getNetwork(NW2), null);
    assert.equal(await store.getMember(NW2, '5bc7629dcf'), null, 'members go with their network');
    await assert.rejects(store.putMember(NW2, { id: 'zz' }), { code: 'bad_state' });
  });

  it('reads a ZTNetwork applied by a user once labelled with its network ID (pools assign)', async () => {
    const id = '8056c2e21c000001';
    await custom.createClusterCustomObject({ group, version, plural: 'ztnetworks', body: {
      apiVersion: `${group}/${version}`, kind: 'ZTNetwork', metadata: { name: 'lab', labels: { [NETWORK_ID_LABEL]: id } },
      spec: { managed: { name: 'lab-lan', ipv4Pools: [{ start: '10.147.17.10', end: '10.147.17.250' }], routes: [{ target: '10.147.17.0/24' }], v6Modes: ['6plane'], mtu: 2800 }, attach: { mode: 'bridge' } },
    } });
    const rec = (await store.getNetwork(id))!;
    assert.deepEqual(
      [rec.id, rec.name, rec.private, rec.ipAssignmentPools, rec.v4AssignMode, rec.routes, rec.v6AssignMode],
      [id, 'lab-lan', true, [{ ipRangeStart: '10.147.17.10', ipRangeEnd: '10.147.17.250' }], { zt: true }, [{ target: '10.147.17.0/24', via: null }], { rfc4193: false, zt: false, '6plane': true }],
    );
    await new ControllerDb(store).saveNetwork(initNetwork(rec, 5));
    const r = (await custom.getClusterCustomObject({ group, version, plural: 'ztnetworks', name: 'lab' })) as Obj;
    assert.deepEqual(r.spec.attach, { mode: 'bridge', perNodePrefixLength: 26, interfaceName: 'zt0' }, 'the store leaves the fields outside spec.managed alone');
    assert.deepEqual(await store.listNetworks(), [NW, id].sort());
  });
});

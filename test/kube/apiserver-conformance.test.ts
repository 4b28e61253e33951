// The test API server's own conformance, driven through @kubernetes/client-node (the
// operator's client library): optimistic concurrency, generation and the status subresource,
// watch resume, bookmarks and 410 Gone (and the informer's re-list after it), selectors,
// finalizers, owner references and garbage collection, namespaces, CRD removal, Leases.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ApiException, ApiextensionsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubeConfig, loadYaml, makeInformer, PatchStrategy, setHeaderOptions, Watch,
  type KubernetesObject, type V1CustomResourceDefinition, type V1Pod,
} from '@kubernetes/client-node';
import { ZTKUBE_GROUP as group, ZTKUBE_VERSION as version } from '../../src/kube/crd-names.js';
import { repoRoot } from '../helpers/shared.js';
import { waitFor } from '../helpers/kubectl.js';
import { kubeConfigFor } from '../helpers/kube-client.js';
import { createKubeApiServer, type KubeApiServer } from '../kube-apiserver/server.js';

type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const plural = 'ztnetworks';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

async function rejection(p: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiException, `expected an ApiException, got ${String(e)}`);
    return { code: e.code, status: typeof e.body === 'string' ? JSON.parse(e.body) : (e.body as Record<string, unknown>) };
  }
  throw new Error('the request succeeded but should have been refused');
}

describe('test API server conformance (client-node)', () => {
  let server: KubeApiServer;
  let kc: KubeConfig;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  const network = (name: string, extra: object = {}): object => ({ apiVersion: `${group}/${version}`, kind: 'ZTNetwork', metadata: { name, ...extra }, spec: { networkId: '8056c2e21c000001' } });
  const get = (name: string): Promise<Obj> => custom.getClusterCustomObject({ group, version, plural, name }) as Promise<Obj>;

  before(async () => {
    server = await createKubeApiServer({ bookmarkIntervalMs: 100 });
    kc = kubeConfigFor(server.url);
    custom = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    // loadYaml returns client-node's typed model (x_kubernetes_validations …), which only the
    // typed API serializes back to the wire names.
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    const dir = join(repoRoot, 'manifests', 'crds');
    for (const f of readdirSync(dir)) await extensions.createCustomResourceDefinition({ body: loadYaml<V1CustomResourceDefinition>(readFileSync(join(dir, f), 'utf8')) });
  });
  after(async () => {
    await server?.close();
  });

  it('answers a stale update with 409 Conflict and a missing one with 404, as Status objects', async () => {
    const created = (await custom.createClusterCustomObject({ group, version, plural, body: network('c1') })) as Obj;
    const fresh = { ...created, spec: { ...created.spec, nodeSelector: { a: 'b' } } };
    await custom.replaceClusterCustomObject({ group, version, plural, name: 'c1', body: fresh });
    const stale = await rejection(custom.replaceClusterCustomObject({ group, version, plural, name: 'c1', body: { ...created, spec: { ...created.spec, nodeSelector: { a: 'c' } } } }));
    assert.equal(stale.code, 409);
    assert.deepEqual([stale.status.kind, stale.status.reason, stale.status.message], ['Status', 'Conflict', 'Operation cannot be fulfilled on ztnetworks.ztkube.io "c1": the object has been modified; please apply your changes to the latest version and try again']);
    const again = await rejection(custom.createClusterCustomObject({ group, version, plural, body: network('c1') }));
    assert.deepEqual([again.code, again.status.reason], [409, 'AlreadyExists']);
    const missing = await rejection(get('nope'));
    assert.deepEqual([missing.code, missing.status.reason, missing.status.message], [404, 'NotFound', 'ztnetworks.ztkube.io "nope" not found']);
    const noVersion = await rejection(custom.replaceClusterCustomObject({ group, version, plural, name: 'c1', body: network('c1') }));
    assert.equal(noVersion.code, 422);
    assert.match(String(noVersion.status.message), /metadata.resourceVersion: Invalid value: 0x0: must be specified for an update/);
  });

  it('bumps metadata.generation on spec writes only; status goes through /status only', async () => {
    const created = (await custom.createClusterCustomObject({ group, version, plural, body: { ...network('g1'), status: { name: 'ignored' } } })) as Obj;
    assert.equal(created.metadata!.generation, 1);
    assert.equal(created.status, undefined, 'status is dropped on create');
    const statusWrite = (await custom.patchClusterCustomObjectStatus({ group, version, plural, name: 'g1', body: { status: { observedGeneration: 1, name: 'lab' }, spec: { networkId: 'ffffffffffffffff' } } }, merge)) as Obj;
    assert.equal(statusWrite.metadata!.generation, 1);
    assert.equal(statusWrite.spec!.networkId, '8056c2e21c000001', 'a /status write ignores spec');
    const specWrite = (await custom.patchClusterCustomObject({ group, version, plural, name: 'g1', body: { spec: { nodeSelector: { zone: 'a' } }, status: { name: 'not-through-main' } } }, merge)) as Obj;
    assert.equal(specWrite.metadata!.generation, 2);
    assert.equal(specWrite.status!.name, 'lab', 'a main-resource write ignores status');
    const labelWrite = (await custom.patchClusterCustomObject({ group, version, plural, name: 'g1', body: { metadata: { labels: { x: 'y' } } } }, merge)) as Obj;
    assert.equal(labelWrite.metadata!.generation, 2, 'metadata changes are not spec changes');
    const noop = (await custom.patchClusterCustomObject({ group, version, plural, name: 'g1', body: { metadata: { labels: { x: 'y' } } } }, merge)) as Obj;
    assert.equal(noop.metadata!.resourceVersion, labelWrite.metadata!.resourceVersion, 'a write that changes nothing keeps the resourceVersion');
    const immutable = await rejection(custom.patchClusterCustomObject({ group, version, plural, name: 'g1', body: [{ op: 'replace', path: '/spec/networkId', value: 'aaaaaaaaaaaaaaaa' }] }, jsonPatch));
    assert.equal(immutable.code, 422);
    assert.match(String(immutable.status.message), /spec.networkId: Invalid value: "aaaaaaaaaaaaaaaa": networkId is immutable/);
  });

  it('watches resume from a resourceVersion, send bookmarks, and answer 410 Gone once history is compacted', async () => {
    const list = (await custom.listClusterCustomObject({ group, version, plural })) as { metadata: { resourceVersion: string } };
    const from = list.metadata.resourceVersion;
    await custom.createClusterCustomObject({ group, version, plural, body: network('w1') });
    await custom.patchClusterCustomObject({ group, version, plural, name: 'w1', body: { metadata: { labels: { step: '2' } } } }, merge);
    await custom.deleteClusterCustomObject({ group, version, plural, name: 'w1' });
    const seen: string[] = [];
    let lastRv = '';
    const w = new Watch(kc);
    const ctl = await w.watch(`/apis/${group}/${version}/${plural}`, { resourceVersion: from, allowWatchBookmarks: true }, (type, obj) => {
      seen.push(type === 'BOOKMARK' ? type : `${type} ${obj.metadata.name}`);
      lastRv = obj.metadata.resourceVersion;
    }, () => undefined);
    await waitFor('the three changes and a bookmark', () => seen.includes('BOOKMARK') && seen.length >= 4);
    ctl.abort();
    assert.deepEqual(seen.filter((s) => s !== 'BOOKMARK').slice(0, 3), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    assert.equal(lastRv, String(server.core.store.currentRv), 'a bookmark carries the latest resourceVersion');

    server.compact();
    const events: { type: string; code?: number; reason?: string }[] = [];
    let ended = false;
    await w.watch(`/apis/${group}/${version}/${plural}`, { resourceVersion: from }, (type, obj) => events.push({ type, code: obj.code, reason: obj.reason }), () => (ended = true));
    await waitFor('the 410 and the end of the watch', () => ended);
    assert.deepEqual(events, [{ type: 'ERROR', code: 410, reason: 'Expired' }]);
  });

  it('an informer re-lists after 410 Gone and keeps its cache right', async () => {
    const path = `/apis/${group}/${version}/${plural}`;
    const informer = makeInformer<Obj>(kc, path, () => custom.listClusterCustomObject({ group, version, plural, labelSelector: 'informer=yes' }) as never, 'informer=yes');
    const added: string[] = [];
    informer.on('add', (o) => added.push(o.metadata!.name!));
    await informer.start();
    try {
      await custom.createClusterCustomObject({ group, version, plural, body: network('i1', { labels: { informer: 'yes' } }) });
      await waitFor('i1 in the informer', () => informer.list().some((o) => o.metadata!.name === 'i1'));
      server.compact();
      await custom.createClusterCustomObject({ group, version, plural, body: network('i2', { labels: { informer: 'yes' } }) });
      await custom.deleteClusterCustomObject({ group, version, plural, name: 'i1' });
      await waitFor('the change while connected', () => informer.list().some((o) => o.metadata!.name === 'i2'));
      server.compact();
      server.endWatches();
      await custom.createClusterCustomObject({ group, version, plural, body: network('i3', { labels: { informer: 'yes' } }) });
      await waitFor('i3 after the re-list', () => informer.list().some((o) => o.metadata!.name === 'i3'));
      assert.deepEqual(informer.list().map((o) => o.metadata!.name).sort(), ['i2', 'i3']);
      assert.ok(!added.includes('c1'), 'the label selector kept other networks out');
    } finally {
      await informer.stop();
    }
  });

  it('selects pods by label and by spec.nodeName, and refuses unsupported field labels', async () => {
    const pod = (name: string, node: string, app: string): V1Pod => ({ metadata: { name, labels: { app } }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } });
    await core.createNamespacedPod({ namespace: 'default', body: pod('p1', 'node-a', 'web') });
    await core.createNamespacedPod({ namespace: 'default', body: pod('p2', 'node-b', 'web') });
    await core.createNamespacedPod({ namespace: 'default', body: pod('p3', 'node-a', 'db') });
    const names = (l: { items: V1Pod[] }): string[] => l.items.map((p) => p.metadata!.name!);
    assert.deepEqual(names(await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-a' })), ['p1', 'p3']);
    assert.deepEqual(names(await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app in (web),app!=db', fieldSelector: 'metadata.name!=p1' })), ['p2']);
    assert.deepEqual(names(await core.listNamespacedPod({ namespace: 'default', labelSelector: '!app' })), []);
    const bad = await rejection(core.listNamespacedPod({ namespace: 'default', fieldSelector: 'spec.hostname=x' }));
    assert.deepEqual([bad.code, bad.status.message], [400, 'field label not supported: spec.hostname']);
    const page = await core.listNamespacedPod({ namespace: 'default', limit: 2 });
    assert.deepEqual(names(page), ['p1', 'p2']);
    assert.equal(page.metadata!.remainingItemCount, 1);
    assert.deepEqual(names(await core.listNamespacedPod({ namespace: 'default', limit: 2, _continue: page.metadata!._continue })), ['p3']);
    const moved = await core.patchNamespacedPod({ namespace: 'default', name: 'p3', body: { spec: { containers: [{ name: 'c', image: 'alpine' }] }, metadata: { finalizers: ['a/b'] } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    assert.deepEqual([moved.spec!.containers.length, moved.spec!.containers[0].image, moved.metadata!.finalizers], [1, 'alpine', ['a/b']]);
  });

  it('keeps an object with finalizers until they are removed, then deletes it', async () => {
    await custom.createClusterCustomObject({ group, version, plural, body: network('f1', { finalizers: ['ztkube.io/leave-network'] }) });
    const deleting = (await custom.deleteClusterCustomObject({ group, version, plural, name: 'f1' })) as Obj;
    assert.ok(deleting.metadata!.deletionTimestamp, 'deletionTimestamp is set');
    assert.equal(deleting.metadata!.generation, 2, 'marking for deletion bumps generation');
    const still = await get('f1');
    assert.deepEqual(still.metadata!.finalizers, ['ztkube.io/leave-network']);
    const noNew = await rejection(custom.patchClusterCustomObject({ group, version, plural, name: 'f1', body: { metadata: { finalizers: ['ztkube.io/leave-network', 'x/y'] } } }, merge));
    assert.equal(noNew.code, 422);
    await custom.patchClusterCustomObject({ group, version, plural, name: 'f1', body: { metadata: { finalizers: null } } }, merge);
    assert.equal((await rejection(get('f1'))).code, 404);
  });

  it('garbage-collects dependents: background by default, orphan and foreground on request', async () => {
    const owner = (await custom.createClusterCustomObject({ group, version, plural, body: network('owner') })) as Obj;
    const ref = [{ apiVersion: `${group}/${version}`, kind: 'ZTNetwork', name: 'owner', uid: owner.metadata!.uid!, blockOwnerDeletion: true }];
    const member = (name: string, ownerReferences: object[]): object => ({ apiVersion: `${group}/${version}`, kind: 'ZTMember', metadata: { name, ownerReferences }, spec: { networkId: '8056c2e21c000001', address: name.slice(-10) } });
    const members = (): Promise<string[]> => custom.listClusterCustomObject({ group, version, plural: 'ztmembers' }).then((l) => (l as { items: Obj[] }).items.map((m) => m.metadata!.name!));
    await custom.createClusterCustomObject({ group, version, plural: 'ztmembers', body: member('8056c2e21c000001-0000000001', ref) });
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'owned-secret', ownerReferences: ref }, stringData: { token: 'x' } } });
    await custom.deleteClusterCustomObject({ group, version, plural, name: 'owner' });
    await waitFor('background GC of the member and the secret', () => server.core.store.list('ztkube.io/ztmembers', undefined).length === 0 && server.core.store.get('/secrets', 'default', 'owned-secret') === undefined);

    const o2 = (await custom.createClusterCustomObject({ group, version, plural, body: network('owner2') })) as Obj;
    await custom.createClusterCustomObject({ group, version, plural: 'ztmembers', body: member('8056c2e21c000001-0000000002', [{ ...ref[0], name: 'owner2', uid: o2.metadata!.uid }]) });
    await custom.deleteClusterCustomObject({ group, version, plural, name: 'owner2', propagationPolicy: 'Orphan' });
    await waitFor('owner2 gone', () => server.core.store.get('ztkube.io/ztnetworks', undefined, 'owner2') === undefined);
    const orphan = (await custom.getClusterCustomObject({ group, version, plural: 'ztmembers', name: '8056c2e21c000001-0000000002' })) as Obj;
    assert.equal(orphan.metadata!.ownerReferences, undefined, 'the orphan lost its owner reference and stays');

    const o3 = (await custom.createClusterCustomObject({ group, version, plural, body: network('owner3') })) as Obj;
    await custom.createClusterCustomObject({ group, version, plural: 'ztmembers', body: member('8056c2e21c000001-0000000003', [{ ...ref[0], name: 'owner3', uid: o3.metadata!.uid }]) });
    const fg = (await custom.deleteClusterCustomObject({ group, version, plural, name: 'owner3', propagationPolicy: 'Foreground' })) as Obj;
    assert.ok(fg.metadata!.finalizers!.includes('foregroundDeletion'));
    await waitFor('foreground deletion done', () => server.core.store.get('ztkube.io/ztnetworks', undefined, 'owner3') === undefined);
    assert.deepEqual(await members(), ['8056c2e21c000001-0000000002']);
  });

  it('stores Secrets base64 and empties a deleted namespace before removing it', async () => {
    await core.createNamespace({ body: { metadata: { name: 'ztkube-system' } } });
    const s = await core.createNamespacedSecret({ namespace: 'ztkube-system', body: { metadata: { name: 'controller-identity' }, stringData: { 'identity.secret': 'abc' } } });
    assert.deepEqual(s.data, { 'identity.secret': Buffer.from('abc').toString('base64') });
    assert.equal(s.type, 'Opaque');
    const ns = await core.readNamespace({ name: 'ztkube-system' });
    assert.deepEqual([ns.spec?.finalizers, ns.metadata!.finalizers, ns.status?.phase], [['kubernetes'], undefined, 'Active']);
    await core.deleteNamespace({ name: 'ztkube-system' });
    const refused = await rejection(core.createNamespacedSecret({ namespace: 'nope', body: { metadata: { name: 'x' } } }));
    assert.deepEqual([refused.code, refused.status.message], [404, 'namespaces "nope" not found']);
    await waitFor('the namespace and its secret gone', () => server.core.store.get('/namespaces', undefined, 'ztkube-system') === undefined);
    assert.equal(server.core.store.get('/secrets', 'ztkube-system', 'controller-identity'), undefined);
  });

  it('Leases update with optimistic concurrency (leader election)', async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    const spec = { holderIdentity: 'op-a', leaseDurationSeconds: 15, acquireTime: new Date(), renewTime: new Date(), leaseTransitions: 0 };
    const l = await leases.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'ztkube-operator' }, spec } });
    await leases.replaceNamespacedLease({ namespace: 'default', name: 'ztkube-operator', body: { ...l, spec: { ...spec, renewTime: new Date() } } });
    const lost = await rejection(leases.replaceNamespacedLease({ namespace: 'default', name: 'ztkube-operator', body: { ...l, spec: { ...spec, holderIdentity: 'op-b' } } }));
    assert.equal(lost.code, 409, 'the second candidate with the stale lease loses');
    assert.equal((await leases.readNamespacedLease({ namespace: 'default', name: 'ztkube-operator' })).spec!.holderIdentity, 'op-a');
  });

  it('serves the generic KubernetesObjectApi (which finds resources through group-version discovery)', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const created = await objects.create({ apiVersion: `${group}/${version}`, kind: 'ZTNetwork', metadata: { name: 'generic' }, spec: { networkId: '8056c2e21c000002' } } as Obj);
    assert.equal(created.metadata!.generation, 1);
    const read = (await objects.read({ apiVersion: `${group}/${version}`, kind: 'ZTNetwork', metadata: { name: 'generic' } })) as Obj;
    assert.equal(read.spec!.networkId, '8056c2e21c000002');
    const patched = (await objects.patch({ apiVersion: `${group}/${version}`, kind: 'ZTNetwork', metadata: { name: 'generic', labels: { via: 'generic' } } }, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch)) as Obj;
    assert.equal(patched.metadata!.labels!.via, 'generic');
    await objects.delete({ apiVersion: `${group}/${version}`, kind: 'ZTNetwork', metadata: { name: 'generic' } });
  });

  it('deleting a CRD removes its custom resources and stops serving them', async () => {
    const crdPath = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' };
    await custom.createClusterCustomObject({ group, version, plural: 'ztnodes', body: { apiVersion: `${group}/${version}`, kind: 'ZTNode', metadata: { name: 'node-a' }, spec: { nodeName: 'node-a' } } });
    await custom.deleteClusterCustomObject({ ...crdPath, name: 'ztnodes.ztkube.io' });
    await waitFor('the CRD gone', () => server.core.store.get('apiextensions.k8s.io/customresourcedefinitions', undefined, 'ztnodes.ztkube.io') === undefined);
    const gone = await rejection(custom.listClusterCustomObject({ group, version, plural: 'ztnodes' }));
    assert.deepEqual([gone.code, gone.status.message], [404, 'the server could not find the requested resource']);
    assert.equal(server.core.store.list('ztkube.io/ztnodes', undefined).length, 0);
  });
});

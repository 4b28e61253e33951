// The test API server's own conformance, driven through @kubernetes/client-node (the
// operator's client library): optimistic concurrency, generation and the status subresource,
// watch resume, bookmarks and 410 Gone (and the informer's re-list after it), selectors,
// finalizers, owner references and garbage collection, namespaces, CRD removal, Leases (and
// the operator's leader elector on them).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ApiException, ApiextensionsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubeConfig, loadYaml, makeInformer, PatchStrategy, setHeaderOptions, Watch,
  type KubernetesObject, type V1CustomResourceDefinition, type V1Pod,
} from '@kubernetes/client-node';
import { ZTKUBE_GROUP as group, ZTKUBE_VERSION as version } from '../../src/kube/crd-names.js';
import { KubeLeaseLock } from '../../src/kube/operator/kube-lease-lock.js';
import { LeaderElector } from '../../src/kube/operator/leader-election.js';
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

  it('Leases: MicroTime times, optimistic concurrency, racing creates and LeaseSpec validation', async () => {
    const leases = kc.makeApiClient(CoordinationV1Api);
    const now = '2026-12-06T16:20:06.123456Z';
    const spec = { holderIdentity: 'op-a', leaseDurationSeconds: 15, acquireTime: now, renewTime: '2026-12-06T18:20:06.000001+02:00', leaseTransitions: 0 } as never;
    const create = (name: string, body: object = {}): Promise<unknown> => leases.createNamespacedLease({ namespace: 'default', body: { metadata: { name }, spec, ...body } });
    const l = (await create('ztkube-operator')) as { spec: Record<string, unknown>; metadata: { resourceVersion: string } };
    assert.deepEqual([l.spec.acquireTime, l.spec.renewTime], [now, '2026-12-06T16:20:06.000001Z'], 'stored as RFC 3339 micro in UTC');
    const race = await rejection(create('ztkube-operator'));
    assert.deepEqual([race.code, race.status.reason], [409, 'AlreadyExists'], 'of two candidates creating the Lease, one gets 409');
    const renewed = await leases.replaceNamespacedLease({ namespace: 'default', name: 'ztkube-operator', body: { ...l, spec: { ...l.spec, renewTime: '2026-12-06T16:20:08.000000Z' } } as never });
    const lost = await rejection(leases.replaceNamespacedLease({ namespace: 'default', name: 'ztkube-operator', body: { ...l, spec: { ...l.spec, holderIdentity: 'op-b' } } as never }));
    assert.equal(lost.code, 409, 'the second candidate with the stale lease loses');
    assert.equal((await leases.readNamespacedLease({ namespace: 'default', name: 'ztkube-operator' })).spec!.holderIdentity, 'op-a');
    const unconditional = await leases.replaceNamespacedLease({ namespace: 'default', name: 'ztkube-operator', body: { metadata: { name: 'ztkube-operator' }, spec: { ...l.spec, holderIdentity: '' } } as never });
    assert.ok(Number(unconditional.metadata!.resourceVersion) > Number(renewed.metadata!.resourceVersion), 'a Lease update without resourceVersion is unconditional, as for most built-in types');
    // client-node's typed Date goes out with milliseconds, which the real server cannot decode.
    const millis = await rejection(leases.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'millis' }, spec: { renewTime: new Date(Date.UTC(2026, 11, 6)) } } }));
    assert.deepEqual([millis.code, millis.status.message], [400, 'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-06T00:00:00.000Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".000Z" as ".000000"']);
    const bad = await rejection(create('bad', { spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } }));
    assert.deepEqual([bad.code, bad.status.message], [422, 'Lease.coordination.k8s.io "bad" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]']);
  });

  it('two leader electors through KubeLeaseLock: one leads, release hands over, the Lease records the transition', async () => {
    const timings = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 200 };
    const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined } as never;
    const losses: string[] = [];
    const elector = (identity: string): LeaderElector => new LeaderElector({ ...timings, identity, lock: new KubeLeaseLock(kc, 'kube-system', 'election'), log: quiet, onLost: (r) => losses.push(`${identity}: ${r}`) });
    const a = elector('a');
    await a.acquire();
    const b = elector('b');
    let isBLeading = false;
    const bLeads = b.acquire().then(() => (isBLeading = true));
    const leases = kc.makeApiClient(CoordinationV1Api);
    const read = (): Promise<{ holderIdentity?: string; leaseTransitions?: number; renewTime?: unknown }> => leases.readNamespacedLease({ namespace: 'kube-system', name: 'election' }).then((l) => l.spec!);
    const first = await read();
    await waitFor('a renewal', () => a.observedLease!.record.renewTimeMs > Date.parse(String(first.renewTime)));
    assert.ok(!isBLeading, 'b waits while a renews');
    assert.match(String((await read()).renewTime), /\.\d{6}Z$/);
    assert.equal(await a.release(), true);
    await bLeads;
    assert.deepEqual([(await read()).holderIdentity, (await read()).leaseTransitions], ['b', 1]);
    assert.equal(await b.release(), true);
    assert.equal((await read()).holderIdentity, '');
    assert.deepEqual(losses, []);
  });

  it('watches pods by spec.nodeName and by label from a resourceVersion, with selector transitions', async () => {
    const list = await core.listNamespacedPod({ namespace: 'default' });
    const pod = (name: string, node: string, labels: Record<string, string>): V1Pod => ({ metadata: { name, labels }, spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox' }] } });
    await core.createNamespacedPod({ namespace: 'default', body: pod('wp1', 'node-x', { tier: 'a' }) });
    await core.createNamespacedPod({ namespace: 'default', body: pod('wp2', 'node-y', { tier: 'a' }) });
    await core.patchNamespacedPod({ namespace: 'default', name: 'wp2', body: { metadata: { labels: { tier: 'b' } } } }, merge);
    await core.patchNamespacedPod({ namespace: 'default', name: 'wp1', body: { metadata: { labels: { tier: 'b' } } } }, merge);
    await core.deleteNamespacedPod({ namespace: 'default', name: 'wp1' });
    const collect = async (query: object): Promise<string[]> => {
      const seen: string[] = [];
      const ctl = await new Watch(kc).watch('/api/v1/pods', { resourceVersion: list.metadata!.resourceVersion, ...query }, (type, o) => seen.push(`${type} ${o.metadata.name}`), () => undefined);
      await waitFor('the backlog', () => seen.length >= 3);
      await new Promise((r) => setTimeout(r, 100));
      ctl.abort();
      return seen;
    };
    assert.deepEqual(await collect({ fieldSelector: 'spec.nodeName=node-x' }), ['ADDED wp1', 'MODIFIED wp1', 'DELETED wp1'], 'only node-x pods');
    assert.deepEqual(await collect({ labelSelector: 'tier=b' }), ['ADDED wp2', 'ADDED wp1', 'DELETED wp1'], 'an object that starts matching arrives as ADDED');
    assert.deepEqual(await collect({ labelSelector: 'tier=a' }), ['ADDED wp1', 'ADDED wp2', 'DELETED wp2', 'DELETED wp1'], 'one that stops matching leaves as DELETED');
    await core.deleteNamespacedPod({ namespace: 'default', name: 'wp2' });
  });

  it('status writes: a stale /status update is a conflict, and status never bumps generation', async () => {
    const created = (await custom.createClusterCustomObject({ group, version, plural, body: network('s1') })) as Obj;
    const put = (await custom.replaceClusterCustomObjectStatus({ group, version, plural, name: 's1', body: { ...created, status: { name: 'first' } } })) as Obj;
    assert.deepEqual([put.status!.name, put.metadata!.generation], ['first', 1]);
    const stale = await rejection(custom.replaceClusterCustomObjectStatus({ group, version, plural, name: 's1', body: { ...created, status: { name: 'stale' } } }));
    assert.equal(stale.code, 409);
    const specPut = (await custom.replaceClusterCustomObject({ group, version, plural, name: 's1', body: { ...put, spec: { ...put.spec, nodeSelector: { z: '1' } }, status: { name: 'ignored' } } })) as Obj;
    assert.deepEqual([specPut.metadata!.generation, specPut.status!.name], [2, 'first']);
  });

  it('a finalizer holds a deletion: watchers see MODIFIED with deletionTimestamp, then DELETED when an update drops it', async () => {
    const from = ((await custom.listClusterCustomObject({ group, version, plural })) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    await custom.createClusterCustomObject({ group, version, plural, body: network('f2', { finalizers: ['ztkube.io/controller'] }) });
    const first = (await custom.deleteClusterCustomObject({ group, version, plural, name: 'f2' })) as Obj;
    const again = (await custom.deleteClusterCustomObject({ group, version, plural, name: 'f2' })) as Obj;
    assert.equal(again.metadata!.resourceVersion, first.metadata!.resourceVersion, 'deleting again changes nothing');
    const edited = (await custom.patchClusterCustomObject({ group, version, plural, name: 'f2', body: { spec: { nodeSelector: { during: 'deletion' } } } }, merge)) as Obj;
    assert.equal(edited.metadata!.deletionTimestamp, first.metadata!.deletionTimestamp, 'spec edits are allowed while terminating');
    await custom.replaceClusterCustomObject({ group, version, plural, name: 'f2', body: { ...edited, metadata: { ...edited.metadata, finalizers: [] } } });
    const seen: string[] = [];
    const ctl = await new Watch(kc).watch(`/apis/${group}/${version}/${plural}`, { resourceVersion: from, fieldSelector: 'metadata.name=f2' }, (type, o) => seen.push(`${type}${o.metadata.deletionTimestamp ? ' terminating' : ''}`), () => undefined);
    await waitFor('the four events', () => seen.length >= 4);
    ctl.abort();
    assert.deepEqual(seen, ['ADDED', 'MODIFIED terminating', 'MODIFIED terminating', 'DELETED terminating']);
  });

  it('garbage collection: a ZTNode goes with its Node, a second owner keeps a dependent, a recreated owner is not the old one', async () => {
    const nodes = await core.createNode({ body: { metadata: { name: 'gc-node' } } });
    const nodeRef = { apiVersion: 'v1', kind: 'Node', name: 'gc-node', uid: nodes.metadata!.uid! };
    await custom.createClusterCustomObject({ group, version, plural: 'ztnodes', body: { apiVersion: `${group}/${version}`, kind: 'ZTNode', metadata: { name: 'gc-node', ownerReferences: [nodeRef] }, spec: { nodeName: 'gc-node' } } });
    const o1 = (await custom.createClusterCustomObject({ group, version, plural, body: network('gc-o1') })) as Obj;
    const o2 = (await custom.createClusterCustomObject({ group, version, plural, body: network('gc-o2') })) as Obj;
    const ref = (o: Obj): object => ({ apiVersion: `${group}/${version}`, kind: 'ZTNetwork', name: o.metadata!.name, uid: o.metadata!.uid });
    const memberBody = (name: string, owners: object[]): object => ({ apiVersion: `${group}/${version}`, kind: 'ZTMember', metadata: { name, ownerReferences: owners }, spec: { networkId: '8056c2e21c000001', address: name.slice(-10) } });
    await custom.createClusterCustomObject({ group, version, plural: 'ztmembers', body: memberBody('8056c2e21c000001-00000000aa', [ref(o1), ref(o2)]) });
    await core.deleteNode({ name: 'gc-node' });
    await custom.deleteClusterCustomObject({ group, version, plural, name: 'gc-o1' });
    await waitFor('the ZTNode collected with its Node', () => server.core.store.get('ztkube.io/ztnodes', undefined, 'gc-node') === undefined);
    assert.ok(server.core.store.get('ztkube.io/ztmembers', undefined, '8056c2e21c000001-00000000aa'), 'one owner left keeps the member');
    // A new object under an old name is another owner: the uid decides.
    await custom.createClusterCustomObject({ group, version, plural, body: network('gc-o1') });
    await custom.createClusterCustomObject({ group, version, plural: 'ztmembers', body: memberBody('8056c2e21c000001-00000000bb', [ref(o1)]) });
    await waitFor('the member of the vanished gc-o1 collected', () => server.core.store.get('ztkube.io/ztmembers', undefined, '8056c2e21c000001-00000000bb') === undefined);
    await custom.deleteClusterCustomObject({ group, version, plural, name: 'gc-o2' });
    await waitFor('the last owner gone, the member too', () => server.core.store.get('ztkube.io/ztmembers', undefined, '8056c2e21c000001-00000000aa') === undefined);
    await custom.deleteClusterCustomObject({ group, version, plural, name: 'gc-o1' });
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

// The agent's Kubernetes edges against the test API server (client-node, as the agent uses
// them): the ZTNode is created once, owned by its Node, its status written through /status
// (retrying a 409) and deleted with the Node; the pod annotation is read from the pod; the
// home's record of joined networks reads back and refuses a damaged file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, loadYaml, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { ZTKUBE_GROUP as group, ZTKUBE_VERSION as version } from '../../src/kube/crd-names.js';
import { ZTNodeWriter } from '../../src/kube/agent/ztnode-writer.js';
import { KubePodNetworks } from '../../src/kube/agent/kube-pod-networks.js';
import { JoinedNetworksFile } from '../../src/kube/agent/joined-networks-file.js';
import { buildZTNodeStatus } from '../../src/kube/agent/ztnode-status.js';
import { KubeInformers } from '../../src/kube/agent/kube-informers.js';
import { createLogger } from '../../src/service/log.js';
import { CniError } from '../../src/cni/cni-error.js';
import { StateError } from '../../src/util/errors.js';
import { kubeConfigFor } from '../helpers/kube-client.js';
import { repoRoot } from '../helpers/shared.js';
import { createKubeApiServer, type KubeApiServer } from '../kube-apiserver/server.js';

const localStatus = { address: 'a1b2c3d4e5', publicIdentity: 'a1b2c3d4e5:0:abcd', version: '1.14.1', online: true, planetWorldId: 1, planetWorldTimestamp: 2 };
const statusAt = (nowIso: string) => buildZTNodeStatus({ status: localStatus, networks: [], peers: [], podsPerNetwork: new Map(), conflictWith: null, isSynced: true, previous: undefined, nowIso });

describe('agent: Kubernetes edges (test API server)', () => {
  let server: KubeApiServer;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;

  before(async () => {
    server = await createKubeApiServer();
    const kc = kubeConfigFor(server.url);
    custom = kc.makeApiClient(CustomObjectsApi);
    core = kc.makeApiClient(CoreV1Api);
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    const dir = join(repoRoot, 'manifests', 'crds');
    for (const f of readdirSync(dir)) await extensions.createCustomResourceDefinition({ body: loadYaml<V1CustomResourceDefinition>(readFileSync(join(dir, f), 'utf8')) });
  });
  after(async () => {
    await server?.close();
  });

  it('ZTNode: refused without its Node; created once, owned by the Node; status through /status, also after someone else wrote', async () => {
    const writer = new ZTNodeWriter(custom, core, 'node-a');
    await assert.rejects(writer.ensure(), (e) => e instanceof StateError && /Node node-a is not in the API server/.test(e.message));
    const node = await core.createNode({ body: { metadata: { name: 'node-a' } } });
    const made = await writer.ensure();
    assert.deepEqual(made.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid]), [['Node', 'node-a', node.metadata!.uid]]);
    assert.equal((await writer.ensure()).metadata?.uid, made.metadata?.uid, 'made once');
    await writer.writeStatus(() => statusAt('2026-01-01T00:00:00Z'));
    const stored = (await custom.getClusterCustomObject({ group, version, plural: 'ztnodes', name: 'node-a' })) as { spec: { nodeName: string }; status: { address: string; lastHeartbeatTime: string } };
    assert.equal(stored.spec.nodeName, 'node-a');
    assert.equal(stored.status.address, 'a1b2c3d4e5');
    // Someone writes between our read and our write: the first attempt gets a 409, the retry lands.
    let attempts = 0;
    const racing = Object.create(custom) as CustomObjectsApi;
    racing.replaceClusterCustomObjectStatus = async (param) => {
      if (attempts++ === 0) {
        const now = (await custom.getClusterCustomObject({ group, version, plural: 'ztnodes', name: 'node-a' })) as Record<string, unknown>;
        await custom.replaceClusterCustomObjectStatus({ group, version, plural: 'ztnodes', name: 'node-a', body: { ...now, status: statusAt('2026-01-01T00:00:01Z') } });
      }
      return custom.replaceClusterCustomObjectStatus(param);
    };
    await new ZTNodeWriter(racing, core, 'node-a').writeStatus(() => statusAt('2026-01-01T00:00:02Z'));
    assert.equal(attempts, 2);
    const after = (await custom.getClusterCustomObject({ group, version, plural: 'ztnodes', name: 'node-a' })) as { status: { lastHeartbeatTime: string } };
    assert.equal(after.status.lastHeartbeatTime, '2026-01-01T00:00:02Z');
    await core.deleteNode({ name: 'node-a' });
    for (let i = 0; i < 50; i++) {
      const left = (await custom.listClusterCustomObject({ group, version, plural: 'ztnodes' })) as { items: unknown[] };
      if (left.items.length === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('the ZTNode outlived its Node');
  });

  it('pod annotation: read from the pod; none is null; no pod args pass through; an unknown pod is code 11', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web', annotations: { 'ztkube.io/networks': 'lan@ztlan' } }, spec: { containers: [{ name: 'c', image: 'pause' }] } } });
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'bare' }, spec: { containers: [{ name: 'c', image: 'pause' }] } } });
    const pods = new KubePodNetworks(core);
    assert.equal(await pods.annotation({ namespace: 'default', name: 'web' }), 'lan@ztlan');
    assert.equal(await pods.annotation({ namespace: 'default', name: 'bare' }), null);
    assert.equal(await pods.annotation(null), null);
    await assert.rejects(pods.annotation({ namespace: 'default', name: 'ghost' }), (e) => e instanceof CniError && e.cniCode === 11 && /default\/ghost.*does not know it/.test(e.message));
  });

  it('informers: not synced while the API server is away (no empty cache taken for the truth), synced once it answers', async () => {
    const probe = await createKubeApiServer();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const log = createLogger({ level: 'error', format: 'json' });
    let changes = 0;
    const informers = new KubeInformers(kubeConfigFor(`http://127.0.0.1:${port}`), 'node-b', log, () => changes++);
    let later: KubeApiServer | null = null;
    try {
      await informers.start();
      assert.equal(informers.isSynced, false);
      later = await createKubeApiServer({ port });
      const kc = kubeConfigFor(later.url);
      const extensions = kc.makeApiClient(ApiextensionsV1Api);
      const dir = join(repoRoot, 'manifests', 'crds');
      for (const f of readdirSync(dir)) await extensions.createCustomResourceDefinition({ body: loadYaml<V1CustomResourceDefinition>(readFileSync(join(dir, f), 'utf8')) });
      await kc.makeApiClient(CoreV1Api).createNode({ body: { metadata: { name: 'node-b', labels: { zone: 'a' } } } });
      await kc.makeApiClient(CoreV1Api).createNode({ body: { metadata: { name: 'node-c' } } });
      for (let i = 0; i < 200 && !(informers.isSynced && informers.nodeLabels() !== undefined); i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(informers.isSynced, true);
      assert.deepEqual(informers.nodeLabels(), { zone: 'a' }, 'its own Node only');
      assert.ok(changes >= 1, 'the Node woke the agent');
    } finally {
      await informers.stop();
      await later?.close();
    }
  });

  it('joined networks file: absent is empty, saved reads back, a damaged one is a StateError naming it', () => {
    const home = mkdtempSync(join(tmpdir(), `ztkube-agent-home-${process.pid}-`));
    try {
      const f = new JoinedNetworksFile(home);
      assert.deepEqual([...f.load()], []);
      f.save(new Map([['8056c2e21c000001', { ztnetwork: 'lan', isOwned: true }], ['deadbeef00000001', { ztnetwork: 'x', isOwned: false }]]));
      assert.deepEqual([...f.load()], [['8056c2e21c000001', { ztnetwork: 'lan', isOwned: true }], ['deadbeef00000001', { ztnetwork: 'x', isOwned: false }]]);
      writeFileSync(f.path, '{"networks": {"nope": {}}}');
      assert.throws(() => f.load(), (e) => e instanceof StateError && e.message.startsWith(f.path));
      writeFileSync(f.path, 'garbage');
      assert.throws(() => f.load(), (e) => e instanceof StateError && /not JSON/.test(e.message));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

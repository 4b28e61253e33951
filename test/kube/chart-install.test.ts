// The chart installs on the test API server with real kubectl (1.30 and 1.20): manifests/
// (the default values) applies cleanly and `kubectl get` shows every object; the chart
// rendered with other values (a custom planet, networks created at install, the
// ServiceMonitor on) applies too, its ZTNetworks passing the CRD's schema. Then RBAC: the
// server enforcing the stored roles, a ServiceAccount token gets exactly its grants, with
// the 403 kubectl prints against a real cluster.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadAllYaml } from '@kubernetes/client-node';
import { kubectl120, kubectl130, startKubeLab, type KubeLab, type Kubectl } from '../helpers/kubectl.js';
import { renderChart, renderNotes } from '../helpers/chart-files.js';
import { repoRoot } from '../helpers/shared.js';

const manifests = join(repoRoot, 'manifests');
const NS = 'ztkube-system';

/** A planet file's bytes are opaque to the chart: any base64 stands in for one here. */
const PLANET_B64 = Buffer.from('a planet file made by ztkube planet create').toString('base64');
export const CUSTOM_VALUES = {
  namespace: { create: true },
  image: { repository: 'registry.example/ztkube', tag: 'test' },
  planet: { mode: 'custom', custom: PLANET_B64 },
  networks: [
    { name: 'lab', spec: { managed: { name: 'lab-lan', ipv4Pools: [{ start: '10.147.17.10', end: '10.147.17.250' }], routes: [{ target: '10.147.0.0/16' }], mtu: 2800 }, attach: { mode: 'bridge', podRanges: ['10.147.128.0/17'], mtu: 1400 } } },
    { name: 'office', spec: { networkId: '8056c2e21c000001', attach: { mode: 'sixplane' } } },
  ],
  metrics: { serviceMonitor: { enabled: true, labels: { release: 'prometheus' } } },
  agent: { privileged: true },
};

/** The ServiceMonitor CRD as the Prometheus operator ships it, reduced to an open schema. */
const SERVICE_MONITOR_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com', scope: 'Namespaced',
    names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

function installSuite(found: Kubectl | string): void {
  const label = typeof found === 'string' ? 'kubectl' : found.label;
  describe(`${label}: the chart on the test API server`, { skip: typeof found === 'string' ? found : false }, () => {
    const k = found as Kubectl;
    let lab: KubeLab;
    const kubectl = async (...args: string[]): Promise<string> => {
      const r = await lab.run(k, args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
    before(async () => {
      lab = await startKubeLab({ enforceRbac: true });
    });
    after(async () => {
      await lab?.close();
    });

    it('kubectl apply -f manifests/crds/ -f manifests/ creates everything, and again leaves it unchanged', async () => {
      const out = await kubectl('apply', ...k.applyFlags, '-f', join(manifests, 'crds'), '-f', manifests);
      for (const o of ['namespace/ztkube-system', 'serviceaccount/ztkube-operator', 'serviceaccount/ztkube-agent', 'deployment.apps/ztkube-operator', 'daemonset.apps/ztkube-agent', 'service/ztkube-agent-metrics',
        'clusterrole.rbac.authorization.k8s.io/ztkube-operator', 'clusterrolebinding.rbac.authorization.k8s.io/ztkube-operator', 'role.rbac.authorization.k8s.io/ztkube-operator', 'rolebinding.rbac.authorization.k8s.io/ztkube-operator',
        'clusterrole.rbac.authorization.k8s.io/ztkube-agent', 'clusterrolebinding.rbac.authorization.k8s.io/ztkube-agent']) {
        assert.match(out, new RegExp(`^${o.replace(/[./]/g, '\\$&')} created$`, 'm'), out);
      }
      const again = await kubectl('apply', ...k.applyFlags, '-f', join(manifests, 'crds'), '-f', manifests);
      assert.match(again, /^daemonset\.apps\/ztkube-agent unchanged$/m);
      assert.doesNotMatch(again, / (created|configured)$/m, again);
    });

    it('kubectl get shows the workloads, accounts, service and roles with their columns', async () => {
      const got = await kubectl('-n', NS, 'get', 'deploy,ds,sa,svc,role,rolebinding');
      assert.match(got, /^deployment\.apps\/ztkube-operator\s+0\/2\s+0\s+0\s+\d+s$/m, got);
      assert.match(got, /^daemonset\.apps\/ztkube-agent\s+0\s+0\s+0\s+0\s+0\s+kubernetes\.io\/os=linux\s+\d+s$/m, got);
      assert.match(got, /^serviceaccount\/ztkube-agent\s+0\s+\d+s$/m);
      assert.match(got, /^service\/ztkube-agent-metrics\s+ClusterIP\s+None\s+<none>\s+9994\/TCP\s+\d+s$/m, got);
      assert.match(got, /^rolebinding\.rbac\.authorization\.k8s\.io\/ztkube-operator\s+Role\/ztkube-operator\s+\d+s$/m, got);
      const cluster = await kubectl('get', 'clusterroles,clusterrolebindings', '-l', 'app.kubernetes.io/name=ztkube', '-o', 'wide');
      assert.match(cluster, /^clusterrolebinding\.rbac\.authorization\.k8s\.io\/ztkube-agent\s+ClusterRole\/ztkube-agent\s+\d+s\s+ztkube-system\/ztkube-agent$/m, cluster);
      const ds = JSON.parse(await kubectl('-n', NS, 'get', 'ds', 'ztkube-agent', '-o', 'json')) as { spec: { template: { spec: { containers: { args: string[]; securityContext: object }[]; priorityClassName: string; hostNetwork: boolean } } } };
      const pod = ds.spec.template.spec;
      assert.deepEqual([pod.hostNetwork, pod.priorityClassName], [true, 'system-node-critical']);
      assert.deepEqual(pod.containers[0].securityContext, { capabilities: { add: ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'] } });
      assert.ok(pod.containers[0].args.includes('--node-name=$(NODE_NAME)'));
    });

    it('the chart with a custom planet, networks at install and the ServiceMonitor applies; the ZTNetworks pass the schema', async () => {
      const dir = join(lab.dir, `custom-${k.label.replace(/\W/g, '')}`);
      mkdirSync(dir);
      for (const { path, text } of renderChart(CUSTOM_VALUES)) if (text !== '' && !path.startsWith('crds/')) writeFileSync(join(dir, path), text);
      await kubectl('apply', ...k.applyFlags, '-f', writeCrd(lab.dir));
      const out = await kubectl('apply', ...k.applyFlags, '-f', dir);
      assert.match(out, /^configmap\/ztkube-planet created$/m, out);
      assert.match(out, /^servicemonitor\.monitoring\.coreos\.com\/ztkube-agent created$/m, out);
      assert.match(out, /^ztnetwork\.ztkube\.io\/lab created$/m, out);
      assert.match(out, /^daemonset\.apps\/ztkube-agent configured$/m, out);
      const cm = JSON.parse(await kubectl('-n', NS, 'get', 'configmap', 'ztkube-planet', '-o', 'json')) as { binaryData: Record<string, string> };
      assert.equal(cm.binaryData.planet, PLANET_B64);
      const nets = JSON.parse(await kubectl('get', 'ztnetworks', '-o', 'json')) as { items: { metadata: { name: string }; spec: { networkId?: string; attach: { mode: string; mtu?: number; interfaceName: string } } }[] };
      assert.deepEqual(nets.items.map((n) => [n.metadata.name, n.spec.attach.mode, n.spec.attach.mtu ?? null, n.spec.networkId ?? null]), [['lab', 'bridge', 1400, null], ['office', 'sixplane', null, '8056c2e21c000001']]);
      assert.equal(nets.items[0].spec.attach.interfaceName, 'zt0', 'the schema defaults applied');
      const ds = JSON.parse(await kubectl('-n', NS, 'get', 'ds', 'ztkube-agent', '-o', 'json')) as { spec: { template: { spec: { initContainers: { name: string }[]; containers: { image: string; securityContext: object }[] } } } };
      assert.deepEqual(ds.spec.template.spec.initContainers.map((c) => c.name), ['planet']);
      assert.equal(ds.spec.template.spec.containers[0].image, 'registry.example/ztkube:test');
      assert.deepEqual(ds.spec.template.spec.containers[0].securityContext, { privileged: true });
    });

    // kubectl sends no bearer token over plain http (clientcmd applies user credentials only
    // with TLS), so these requests are made as client-node makes them: fetch with the header.
    it('RBAC: the agent token reads ZTNetworks and pods, and is refused secrets with the 403 of a real cluster', async () => {
      const token = lab.server.serviceAccountToken(NS, 'ztkube-agent');
      const asAgent = (path: string, auth = `Bearer ${token}`) => fetch(`${lab.server.url}${path}`, { headers: { authorization: auth } });
      assert.equal((await asAgent('/apis/ztkube.io/v1alpha1/ztnetworks')).status, 200);
      assert.equal((await asAgent('/api/v1/pods?watch=false')).status, 200);
      const refused = await asAgent(`/api/v1/namespaces/${NS}/secrets`);
      assert.equal(refused.status, 403);
      assert.deepEqual(await refused.json(), {
        kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403, details: { kind: 'secrets' },
        message: 'secrets is forbidden: User "system:serviceaccount:ztkube-system:ztkube-agent" cannot list resource "secrets" in API group "" in the namespace "ztkube-system"',
      });
      const status = await asAgent('/apis/ztkube.io/v1alpha1/ztnetworks/lab/status');
      assert.equal(status.status, 403, 'reading ZTNetworks does not grant their status subresource');
      assert.match(((await status.json()) as { message: string }).message, /ztnetworks.ztkube.io "lab" is forbidden: User "system:serviceaccount:ztkube-system:ztkube-agent" cannot get resource "ztnetworks\/status" in API group "ztkube.io" at the cluster scope/);
      assert.equal((await asAgent('/apis/ztkube.io/v1alpha1/ztnetworks', 'Bearer not-a-token')).status, 401);
      assert.ok(lab.server.rbacDenials.includes('system:serviceaccount:ztkube-system:ztkube-agent cannot list secrets in ztkube-system'), lab.server.rbacDenials.join('; '));
    });
  });
}

function writeCrd(dir: string): string {
  const f = join(dir, 'servicemonitor-crd.json');
  writeFileSync(f, JSON.stringify(SERVICE_MONITOR_CRD));
  return f;
}

describe('the chart rendered', () => {
  it('with other values: every document is a Kubernetes object in the release namespace or cluster-scoped', () => {
    const docs = renderChart(CUSTOM_VALUES).flatMap(({ text }) => (text === '' ? [] : (loadAllYaml(text) as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[])));
    const kinds = docs.map((d) => d.kind).sort();
    for (const kind of ['ConfigMap', 'ServiceMonitor', 'ZTNetwork', 'Namespace', 'DaemonSet', 'Deployment']) assert.ok(kinds.includes(kind), kind);
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'ZTNetwork']);
    for (const d of docs) assert.equal(d.metadata.namespace, clusterScoped.has(d.kind) ? undefined : NS, `${d.kind}/${d.metadata.name}`);
  });

  it('networks are a post-install hook (Helm cannot map a ZTNetwork before its CRD exists)', () => {
    const nets = loadAllYaml(renderChart(CUSTOM_VALUES).find((r) => r.path === 'networks.yaml')!.text) as { kind: string; metadata: { annotations: Record<string, string> } }[];
    assert.deepEqual(nets.map((n) => [n.kind, n.metadata.annotations['helm.sh/hook']]), [['ZTNetwork', 'post-install'], ['ZTNetwork', 'post-install']]);
  });

  it('refuses a custom planet without the file, naming the value', () => {
    assert.throws(() => renderChart({ planet: { mode: 'custom' } }), /templates\/planet-configmap.yaml: planet.custom must hold a base64 planet file/);
    assert.throws(() => renderChart({ networks: [{ spec: {} }] }), /templates\/networks.yaml: every networks\[\] entry needs a name/);
  });

  it('NOTES.txt tells the user the next command', () => {
    assert.match(renderNotes(), /kubectl apply -f ztnetwork\.yaml/);
    assert.match(renderNotes(), /kubectl -n ztkube-system rollout status ds\/ztkube-agent/);
    assert.match(renderNotes(CUSTOM_VALUES), /Your networks:\n  kubectl get ztnetworks/);
  });
});

installSuite(kubectl130());
installSuite(kubectl120());

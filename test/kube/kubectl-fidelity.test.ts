// Real kubectl (1.30 and 1.20) against the test API server: the ztkube CRDs and sample
// manifests applied, printer columns through the Table form, -o wide/yaml, describe, patches,
// delete waiting on a finalizer, get --watch. Proves the server is faithful enough for the
// operator's tests and that the CRDs behave as users will see them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { kubectl120, kubectl130, startKubeLab, waitFor, type KubeLab, type Kubectl } from '../helpers/kubectl.js';
import { repoRoot } from '../helpers/shared.js';
import { ZTKUBE_GROUP, ZTKUBE_VERSION } from '../../src/kube/crd-names.js';
import type { KubeObject } from '../kube-apiserver/kube-object.js';

const crds = join(repoRoot, 'manifests', 'crds');
const examples = join(repoRoot, 'manifests', 'examples');
const STRICT = { isDryRun: false, fieldValidation: 'Strict' as const, warnings: [] };

function fidelitySuite(found: Kubectl | string): void {
  const label = typeof found === 'string' ? 'kubectl' : found.label;
  describe(`${label} against the test API server`, { skip: typeof found === 'string' ? found : false }, () => {
    const k = found as Kubectl;
    let lab: KubeLab;
    const kubectl = async (...args: string[]): Promise<string> => {
      const r = await lab.run(k, args);
      assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
    const target = (plural: string) => ({ type: lab.server.core.registry.lookup(ZTKUBE_GROUP, ZTKUBE_VERSION, plural)!, namespace: undefined });
    const setStatus = (plural: string, name: string, status: object): KubeObject => {
      const cur = lab.server.core.get(target(plural), name);
      return lab.server.core.update(target(plural), name, { ...cur, status }, true, STRICT);
    };

    const requests: string[] = [];
    before(async () => {
      lab = await startKubeLab({ onRequest: (method, url, accept) => requests.push(`${method} ${url} ${accept ?? ''}`) });
    });
    after(async () => {
      await lab?.close();
    });

    it('applies the CRDs and lists the empty resources', async () => {
      const out = await kubectl('apply', ...k.applyFlags, '-f', crds);
      for (const n of ['ztnetworks', 'ztnodes', 'ztmembers']) assert.match(out, new RegExp(`customresourcedefinition.apiextensions.k8s.io/${n}.ztkube.io created`));
      const got = await lab.run(k, ['get', 'ztnetworks,ztnodes,ztmembers']);
      assert.equal(got.code, 0, got.stderr);
      assert.match(got.stderr, /No resources found/);
      assert.match(await kubectl('get', 'crds'), /ztnetworks\.ztkube\.io/);
    });

    it('is served the way this kubectl asks (aggregated discovery for 1.30, OpenAPI v3 and strict validation for its apply)', () => {
      const seen = (re: RegExp): boolean => requests.some((r) => re.test(r));
      if (k.applyFlags.includes('--validate=false')) {
        assert.ok(seen(/^GET \/apis\/apiextensions.k8s.io\/v1\?timeout=\S+ /), 'kubectl 1.20 walks the group-version lists');
        assert.ok(seen(/^POST \/apis\/apiextensions.k8s.io\/v1\/customresourcedefinitions\?fieldManager=kubectl-client-side-apply /));
      } else {
        assert.ok(seen(/^GET \/apis\?timeout=\S+ application\/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList/));
        assert.ok(!seen(/^GET \/apis\/[^/?]+\/[^/?]+\?timeout/), `the aggregated form was accepted: no per-group-version requests (${requests.filter((r) => /^GET \/apis\/[^/?]+\/[^/?]+\?/.test(r)).join('; ')})`);
        assert.ok(seen(/^GET \/openapi\/v3[? ]/) && seen(/^GET \/openapi\/v3\/apis\/apiextensions.k8s.io\/v1\?hash=/));
        assert.ok(seen(/^POST \/apis\/apiextensions.k8s.io\/v1\/customresourcedefinitions\?fieldManager=kubectl-client-side-apply&fieldValidation=Strict /));
      }
    });

    it('applies the sample manifests, then again (merge patch, "unchanged")', async () => {
      const out = await kubectl('apply', ...k.applyFlags, '-f', examples);
      assert.match(out, /ztnetwork.ztkube.io\/lab created/);
      assert.match(out, /ztnetwork.ztkube.io\/office created/);
      assert.match(out, /ztmember.ztkube.io\/8056c2e21c000001-89e92ceee5 created/);
      assert.match(await kubectl('apply', ...k.applyFlags, '-f', examples), /ztnetwork.ztkube.io\/lab unchanged/);
    });

    it('prints the printer columns, the wide ones only with -o wide, and short names resolve', async () => {
      setStatus('ztnetworks', 'lab', {
        networkId: '8056c2e21c000001', name: 'lab-lan', nodes: '3/3', podsAttached: 12, mtu: 2800,
        routes: [{ target: '10.147.17.0/24' }, { target: '10.0.0.0/8', via: '10.147.17.1' }],
        conditions: [{ type: 'Ready', status: 'True', reason: 'Joined', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }],
      });
      const plain = (await kubectl('get', 'ztnetworks')).split('\n');
      assert.match(plain[0], /^NAME\s+NETWORK-ID\s+NAME\s+MODE\s+NODES\s+PODS\s+READY\s+REASON\s+AGE$/);
      assert.ok(plain.some((l) => /^lab\s+8056c2e21c000001\s+lab-lan\s+bridge\s+3\/3\s+12\s+True\s+Joined\s+\d+s$/.test(l)), plain.join('\n'));
      const wide = (await kubectl('get', 'ztn', '-o', 'wide')).split('\n');
      assert.match(wide[0], /^NAME\s+NETWORK-ID\s+NAME\s+MODE\s+NODES\s+PODS\s+READY\s+REASON\s+MTU\s+ROUTES\s+AGE$/);
      assert.ok(wide.some((l) => /^lab\s.*\s2800\s+10\.147\.17\.0\/24,10\.0\.0\.0\/8\s+\d+s$/.test(l)), wide.join('\n'));
      assert.match(await kubectl('get', 'ztnet', 'office'), /^office\s+sixplane\s/m);
      const members = (await kubectl('get', 'ztmembers')).split('\n');
      assert.match(members[0], /^NAME\s+NETWORK\s+ADDRESS\s+AUTHORIZED\s+BRIDGE\s+IPS\s+LAST-SEEN$/);
      assert.match(members[1], /^8056c2e21c000001-89e92ceee5\s+8056c2e21c000001\s+89e92ceee5\s+true\s+false\s+10\.147\.17\.42\s*$/, 'no last-seen yet: the server sends a null cell, kubectl prints nothing');
      const all = await kubectl('get', 'ztnetworks,ztnodes,ztmembers');
      assert.match(all, /ztnetwork.ztkube.io\/lab\s/);
      assert.match(all, /ztmember.ztkube.io\/8056c2e21c000001-89e92ceee5\s/);
    });

    it('shows the object with defaults in -o yaml and describe', async () => {
      const yaml = await kubectl('get', 'ztn', 'lab', '-o', 'yaml');
      assert.match(yaml, /apiVersion: ztkube.io\/v1alpha1/);
      assert.match(yaml, /interfaceName: zt0/, 'schema default applied');
      assert.match(yaml, /private: true/);
      assert.match(yaml, /generation: 1/);
      const described = await kubectl('describe', 'ztnetwork', 'lab');
      assert.match(described, /^Name:\s+lab$/m);
      assert.match(described, /Kind:\s+ZTNetwork/);
      assert.match(described, /Reason:\s+Joined/);
    });

    it('patches: merge patch admits a member; the default strategic patch works on Nodes and is refused for CRs', async () => {
      const name = '8056c2e21c000001-89e92ceee5';
      await kubectl('patch', 'ztmember', name, '--type', 'merge', '-p', '{"spec":{"authorized":false,"activeBridge":true}}');
      const m = lab.server.core.get(target('ztmembers'), name);
      assert.deepEqual([(m.spec as { authorized: boolean }).authorized, (m.spec as { activeBridge: boolean }).activeBridge, m.metadata.generation], [false, true, 2]);
      const refused = await lab.run(k, ['patch', 'ztmember', name, '-p', '{"spec":{"authorized":true}}']);
      assert.notEqual(refused.code, 0);
      // 1.30 names the refused type itself; 1.20 prints the server's Status (reason UnsupportedMediaType).
      assert.match(refused.stderr, /application\/strategic-merge-patch\+json is not supported|\(UnsupportedMediaType\): the body of the request was in an unknown format/);
      const bad = await lab.run(k, ['patch', 'ztmember', name, '--type', 'merge', '-p', '{"spec":{"address":"89e92ceee6"}}']);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /address is immutable/);
      const nodes = { type: lab.server.core.registry.lookup('', 'v1', 'nodes')!, namespace: undefined };
      lab.server.core.create(nodes, { metadata: { name: 'node-a', labels: { zone: 'a' } } }, STRICT);
      await kubectl('patch', 'node', 'node-a', '-p', '{"metadata":{"labels":{"ztkube.io/office":"true"}}}');
      assert.deepEqual(lab.server.core.get(nodes, 'node-a').metadata.labels, { zone: 'a', 'ztkube.io/office': 'true' });
      assert.match(await kubectl('get', 'nodes', '-l', 'ztkube.io/office=true'), /^node-a\s+Unknown\s+<none>\s+\d+s\s*$/m);
    });

    it('re-applies a built-in object with its list changes (strategic merge patch from kubectl)', async () => {
      const pod = (image: string, env: object[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image, env }] } });
      const first = await lab.run(k, ['apply', ...k.applyFlags, '-f', '-'], pod('one', [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]));
      assert.equal(first.code, 0, first.stderr);
      const second = await lab.run(k, ['apply', ...k.applyFlags, '-f', '-'], pod('two', [{ name: 'B', value: '3' }]));
      assert.equal(second.code, 0, second.stderr);
      assert.equal(second.stderr, '', 'no warning from kubectl');
      assert.match(second.stdout, /pod\/web configured/);
      const pods = { type: lab.server.core.registry.lookup('', 'v1', 'pods')!, namespace: 'default' };
      assert.deepEqual((lab.server.core.get(pods, 'web').spec as { containers: object[] }).containers, [{ name: 'c', image: 'two', env: [{ name: 'B', value: '3' }] }]);
      assert.match(await kubectl('get', 'pods', '--field-selector', 'spec.nodeName=node-a', '-o', 'wide'), /^web\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+node-a\s/m);
      await kubectl('delete', 'pod', 'web');
    });

    it('delete waits for a finalizer that another client removes', async () => {
      await kubectl('patch', 'ztn', 'office', '--type', 'merge', '-p', '{"metadata":{"finalizers":["ztkube.io/leave-network"]}}');
      const del = lab.start(k, ['delete', 'ztn', 'office', '--timeout=60s']);
      await waitFor('deletionTimestamp on office', () => lab.server.core.get(target('ztnetworks'), 'office').metadata.deletionTimestamp !== undefined);
      await waitFor('kubectl watching for the deletion', () => requests.some((r) => /^GET \/apis\/ztkube.io\/v1alpha1\/ztnetworks\?\S*fieldSelector=metadata.name%3Doffice\S*&watch=true/.test(r)));
      assert.equal(del.child.exitCode, null, `kubectl delete returned before the finalizer was removed: ${del.output()}`);
      await kubectl('patch', 'ztn', 'office', '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]');
      assert.equal(await del.exited, 0, del.output());
      assert.match(del.output(), /ztnetwork.ztkube.io "office" deleted/);
      assert.equal((await lab.run(k, ['get', 'ztn', 'office'])).stderr.trim(), 'Error from server (NotFound): ztnetworks.ztkube.io "office" not found');
    });

    it('get --watch prints changes as they happen', async () => {
      const watch = lab.start(k, ['get', 'ztn', '--watch']);
      await waitFor('the initial list', () => /^lab\s/m.test(watch.output()));
      lab.server.core.create(target('ztnetworks'), { apiVersion: 'ztkube.io/v1alpha1', kind: 'ZTNetwork', metadata: { name: 'late' }, spec: { networkId: 'aaaaaaaaaaaaaaaa' } }, STRICT);
      await waitFor('the new network in the watch', () => /^late\s/m.test(watch.output()));
      setStatus('ztnetworks', 'late', { networkId: 'aaaaaaaaaaaaaaaa', conditions: [{ type: 'Ready', status: 'False', reason: 'AccessDenied', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
      await waitFor('the status change in the watch', () => /^late\s+aaaaaaaaaaaaaaaa\s.*False\s+AccessDenied/m.test(watch.output()));
      assert.equal(watch.output().match(/^NAME\s/gm)?.length, 1, `one header: ${watch.output()}`);
      watch.child.kill('SIGTERM');
      await watch.exited;
    });

    it('lists by category, shows events in describe, and handles unknown fields per validation mode', async () => {
      assert.match(await kubectl('get', 'ztkube'), /ztnetwork.ztkube.io\/lab\s/);
      const lab1 = lab.server.core.get(target('ztnetworks'), 'lab');
      const events = { type: lab.server.core.registry.lookup('', 'v1', 'events')!, namespace: 'default' };
      lab.server.core.create(events, {
        metadata: { name: 'lab.1' }, type: 'Warning', reason: 'AccessDenied', message: 'node-a was refused by the controller',
        involvedObject: { apiVersion: 'ztkube.io/v1alpha1', kind: 'ZTNetwork', name: 'lab', uid: lab1.metadata.uid }, source: { component: 'ztkube-operator' },
        firstTimestamp: lab1.metadata.creationTimestamp, lastTimestamp: lab1.metadata.creationTimestamp, count: 1,
      }, STRICT);
      assert.match(await kubectl('describe', 'ztn', 'lab'), /Warning\s+AccessDenied\s+.*node-a was refused by the controller/);
      const body = JSON.stringify({ apiVersion: 'ztkube.io/v1alpha1', kind: 'ZTNetwork', metadata: { name: 'extra' }, spec: { networkId: 'bbbbbbbbbbbbbbbb', colour: 'blue' } });
      const r = await lab.run(k, ['apply', ...k.applyFlags, '-f', '-'], body);
      if (k.applyFlags.includes('--validate=false')) {
        assert.equal(r.code, 0, r.stderr);
        assert.equal((lab.server.core.get(target('ztnetworks'), 'extra').spec as Record<string, unknown>).colour, undefined, 'pruned');
      } else {
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /strict decoding error: unknown field "spec.colour"/);
      }
    });

    it('refuses invalid objects with the server\'s field messages', async () => {
      const bad = await lab.run(k, ['apply', ...k.applyFlags, '-f', '-'], JSON.stringify({ apiVersion: 'ztkube.io/v1alpha1', kind: 'ZTNetwork', metadata: { name: 'bad' }, spec: { networkId: 'xyz', attach: { mode: 'tunnel', mtu: 100 } } }));
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /spec\.networkId: Invalid value: "xyz": spec\.networkId in body should match '\^\[0-9a-f\]\{16\}\$'/);
      assert.match(bad.stderr, /spec\.attach\.mode: Unsupported value: "tunnel": supported values: "bridge", "sixplane"/);
      assert.match(bad.stderr, /spec\.attach\.mtu: Invalid value: 100: spec\.attach\.mtu in body should be greater than or equal to 1280/);
    });

    it('delete -f of the CRDs removes them and their resources, and waits until they are gone', async () => {
      const out = await kubectl('delete', '-f', crds);
      for (const n of ['ztnetworks', 'ztnodes', 'ztmembers']) assert.match(out, new RegExp(`customresourcedefinition.apiextensions.k8s.io "${n}.ztkube.io" deleted`));
      assert.deepEqual(lab.server.core.store.list('ztkube.io/ztnetworks', undefined), []);
      const gone = await lab.run(k, ['get', 'ztn']);
      assert.notEqual(gone.code, 0);
      // kubectl still knows the short name from its discovery cache, so it asks and gets the 404.
      assert.match(gone.stderr, /the server doesn't have a resource type "ztn"|Unable to list "ztkube.io\/v1alpha1, Resource=ztnetworks": the server could not find the requested resource/);
    });
  });
}

fidelitySuite(kubectl130());
fidelitySuite(kubectl120());

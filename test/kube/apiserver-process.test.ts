// The test API server as a process (test/kube-apiserver/main.ts): it prints its URL, serves
// discovery in both forms on 127.0.0.1, stops cleanly on SIGTERM, and refuses bad flags with
// one sentence and exit code 2.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/shared.js';
import { waitFor } from '../helpers/kubectl.js';

const main = join(repoRoot, 'dist', 'test', 'kube-apiserver', 'main.js');

describe('test API server process', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('prints its loopback URL, serves discovery, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [main], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('close', (c) => r(c)));
    await waitFor('the listening line', () => /^listening http:\/\/127\.0\.0\.1:\d+$/m.test(out));
    const url = /^listening (\S+)$/m.exec(out)![1];
    const version = (await (await fetch(`${url}/version`)).json()) as { major: string; minor: string };
    assert.deepEqual([version.major, version.minor], ['1', '30']);
    const aggregated = await fetch(`${url}/apis`, { headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    assert.equal(aggregated.headers.get('content-type'), 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const groups = ((await aggregated.json()) as { items: { metadata: { name: string } }[] }).items.map((g) => g.metadata.name);
    assert.deepEqual(groups, ['apiextensions.k8s.io', 'apps', 'coordination.k8s.io', 'rbac.authorization.k8s.io']);
    const plain = (await (await fetch(`${url}/api/v1`)).json()) as { resources: { name: string }[] };
    assert.deepEqual(plain.resources.map((r) => r.name), ['configmaps', 'events', 'namespaces', 'namespaces/status', 'nodes', 'nodes/status', 'pods', 'pods/status', 'secrets', 'serviceaccounts', 'services', 'services/status']);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
  });

  it('refuses a bad port and an unknown flag with one sentence and exit code 2', () => {
    for (const [args, sentence] of [[['--port', 'abc'], 'kube-apiserver: --port must be 0-65535, got "abc"'], [['--verbose'], 'kube-apiserver: unknown option --verbose; usage: main.js [--port N] [--enforce-rbac] [--token-auth-file F]']] as const) {
      const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 2);
      assert.equal(r.stderr, `${sentence}\n`);
    }
  });
});

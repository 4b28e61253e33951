// The chart's operator RBAC grants what `ztkube operator` calls: the test API server runs
// with RBAC enforced, manifests/ is applied (the ServiceAccounts, ClusterRoles, Roles and
// bindings as users get them), and the operator runs with its ServiceAccount's token through
// a managed ZTNetwork's whole life — created on its controller and Ready, a joining device's
// ZTMember created, authorized by kubectl and admitted, the network deleted through the
// finalizer with its members — with no request refused. The same token is refused what
// the roles do not grant (so enforcement is really on). Topology as in operator.test.ts:
//
//   [op 10.N.0.1: test API server --enforce-rbac on its 127.0.0.1:6443, ztkube operator :9993 = root + controller] --+
//   [m1 10.N.0.2: ztkube daemon --no-taps :9993] ----------------------------------------------------------------------+-- br0
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from '../helpers/shared.js';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { makeHomes, type Homes } from '../helpers/zt-homes.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
const apiserver = join(repoRoot, 'dist', 'test', 'kube-apiserver', 'main.js');
const kubectl = kubectl130();
const skip = !hasNetns() ? 'needs root and iproute2' : typeof kubectl === 'string' ? kubectl : false;
const NS = 'ztkube-system';
const OPERATOR_USER = `system:serviceaccount:${NS}:ztkube-operator`;

let lab: Lab | null = null;
let work = '';
let homes: Homes;
let op: LabHost, m1: LabHost;
const token = randomBytes(24).toString('base64url');
const logs: Record<string, string> = {};

function startIn(h: LabHost, name: string, args: string[]): void {
  const c = lab!.spawn(h, process.execPath, args);
  logs[name] = '';
  c.stdout!.on('data', (d) => (logs[name] += d));
  c.stderr!.on('data', (d) => (logs[name] += d));
}

function dumpLogs(): string {
  return Object.entries(logs).map(([n, l]) => `--- ${n} ---\n${l.slice(-2500)}`).join('\n');
}

/**
 * kubectl as the cluster admin (no token: the test server allows it everything). Not spawnSync:
 * the server's log must keep being read while kubectl waits (a full pipe would stall the server).
 */
async function k(args: string[], input?: string): Promise<{ code: number | null; out: string }> {
  if (typeof kubectl === 'string') throw new Error(kubectl);
  const run = promisify(execFile)('ip', ['netns', 'exec', op.ns, kubectl.path, '--kubeconfig', join(work, 'admin.kubeconfig'), '--cache-dir', join(work, 'kcache'), ...args], { encoding: 'utf8', timeout: 90_000, env: { PATH: process.env.PATH, HOME: work } });
  run.child.stdin!.end(input ?? '');
  try {
    const r = await run;
    return { code: 0, out: `${r.stdout}${r.stderr}` };
  } catch (e) {
    const f = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof f.code === 'number' ? f.code : null, out: `${f.stdout ?? ''}${f.stderr ?? ''}` };
  }
}

async function kJson(args: string[]): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await k([...args, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.out) : null;
}

/** Every refusal the server logged so far: a refused marker request, then its line (the log is FIFO). */
async function denials(): Promise<string[]> {
  const marker = `marker-${Date.now()}`;
  assert.equal(statusAsOperator(`/api/v1/namespaces/${NS}/configmaps/${marker}`), 403);
  await waitFor('the marker refusal in the server log', () => logs.apiserver!.includes(marker), 10_000);
  return logs.apiserver!.split('\n').filter((l) => l.startsWith('rbac: denied') && !l.includes(marker));
}

/** The HTTP status of a GET with the operator's token (kubectl sends no token over http). */
function statusAsOperator(path: string): number {
  const script = "const r = await fetch('http://127.0.0.1:6443' + process.argv[1], { headers: { authorization: 'Bearer ' + process.argv[2] } }); process.stdout.write(String(r.status));";
  return Number(lab!.exec(op, process.execPath, ['--input-type=module', '-e', script, path, token]));
}

function m1Status(nwid: string): string | undefined {
  const out = lab!.exec(m1, process.execPath, [cli, 'listnetworks', '-j', '--home', homes.home('m1')]);
  return (JSON.parse(out) as Array<{ id: string; status?: string }>).find((n) => n.id === nwid)?.status;
}

/** waitFor with an async check (kubectl runs). */
async function eventually<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function kubeconfig(user: string): string {
  return ['apiVersion: v1', 'kind: Config',
    'clusters: [{name: test, cluster: {server: "http://127.0.0.1:6443", insecure-skip-tls-verify: true}}]',
    `users: [{name: test, user: ${user}}]`,
    'contexts: [{name: test, context: {cluster: test, user: test}}]', 'current-context: test', ''].join('\n');
}

before(() => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), `ztkube-operator-rbac-${process.pid}-`));
  lab = nsLab(['op', 'm1']);
  [op, m1] = lab.hosts as [LabHost, LabHost];
  homes = makeHomes(work, ['op', 'm1'], 'op', `${op.ip}/9993`);
  writeFileSync(join(work, 'admin.kubeconfig'), kubeconfig('{}'), { mode: 0o600 });
  writeFileSync(join(work, 'operator.kubeconfig'), kubeconfig(`{token: "${token}"}`), { mode: 0o600 });
  // kube-apiserver's --token-auth-file format: token,user,uid.
  writeFileSync(join(work, 'tokens.csv'), `${token},${OPERATOR_USER},operator-uid\n`, { mode: 0o600 });
});

after(() => {
  lab?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('operator RBAC: the chart\'s roles let ztkube operator run a managed network through its life, and nothing more', { skip, timeout: 240_000 }, async () => {
  try {
    startIn(op, 'apiserver', [apiserver, '--port', '6443', '--enforce-rbac', '--token-auth-file', join(work, 'tokens.csv')]);
    await waitFor('the test API server', () => logs.apiserver!.includes('listening'), 15_000);
    const applied = await k(['apply', '-f', join(repoRoot, 'manifests', 'crds'), '-f', join(repoRoot, 'manifests')]);
    assert.equal(applied.code, 0, applied.out);
    // The operator's node is the planet's root: its identity goes in the Secret beforehand.
    const secret = await k(['-n', NS, 'create', 'secret', 'generic', 'ztkube-controller-identity', `--from-file=identity.secret=${join(homes.home('op'), 'identity.secret')}`]);
    assert.equal(secret.code, 0, secret.out);

    assert.equal(statusAsOperator(`/api/v1/namespaces/${NS}/secrets`), 403, 'listing Secrets is not granted');
    assert.equal(statusAsOperator('/api/v1/namespaces/default/secrets/ztkube-controller-identity'), 403, 'the identity Secret only in its own namespace');
    assert.equal(statusAsOperator(`/api/v1/namespaces/${NS}/secrets/ztkube-controller-identity`), 200);
    assert.equal(statusAsOperator('/api/v1/pods'), 403, 'the operator has no business with pods');
    assert.deepEqual(await denials(), [`secrets`, `secrets ztkube-controller-identity in default`, `pods`].map((what, i) => `rbac: denied ${OPERATOR_USER} cannot ${i === 1 ? 'get' : 'list'} ${what}${i === 0 ? ` in ${NS}` : i === 2 ? ' cluster-wide' : ''}`));
    logs.apiserver = '';

    startIn(op, 'operator', [cli, 'operator', '--kubeconfig', join(work, 'operator.kubeconfig'), '--namespace', NS, '--home', homes.home('op'), '--port', '9993', '--log-format', 'json']);
    await waitFor('the operator started', () => logs.operator!.includes('operator started'), 30_000);
    const network = ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', 'metadata: {name: lab}', 'spec:', '  managed:', '    name: lab-lan',
      '    ipv4Pools: [{start: 10.147.17.10, end: 10.147.17.250}]', ''].join('\n');
    assert.equal((await k(['apply', '-f', '-'], network)).code, 0);
    const net = await eventually('the ZTNetwork Ready', async () => {
      const n = await kJson(['get', 'ztnetwork', 'lab']);
      return n?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? n : null;
    }, 30_000);
    const nwid = net.status.networkId as string;

    startIn(m1, 'm1', [cli, 'daemon', '--home', homes.home('m1'), '--port', '9993', '--no-taps', '--log-format', 'json']);
    await waitFor('m1 up', () => logs.m1!.includes('"started"'), 30_000);
    lab!.exec(m1, process.execPath, [cli, 'join', nwid, '--home', homes.home('m1')]);
    const memberName = `${nwid}-${homes.addr('m1')}`;
    await eventually('the operator created m1\'s ZTMember', () => kJson(['get', 'ztmember', memberName]), 45_000);
    assert.equal((await k(['patch', 'ztmember', memberName, '--type', 'merge', '-p', '{"spec":{"authorized":true}}'])).code, 0);
    await waitFor('m1 OK', () => m1Status(nwid) === 'OK', 45_000);

    const deleted = await k(['delete', 'ztnetwork', 'lab', '--timeout=60s']);
    assert.equal(deleted.code, 0, deleted.out);
    await eventually('the members gone with the network', async () => (await kJson(['get', 'ztmembers']))?.items.length === 0, 15_000);

    assert.deepEqual(await denials(), [], 'no request of the operator was refused');
    assert.doesNotMatch(logs.operator!, /forbidden|Forbidden|Unauthorized/);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${dumpLogs()}`, { cause: e });
  }
});

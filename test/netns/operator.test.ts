// `ztkube operator` as a real process in a network namespace this test creates, with the test
// API server beside it, and a plain ztkube daemon in another namespace as a device that asks
// to join (ZeroTier takes no paths over loopback, hence the namespaces):
//
//   [op 10.N.0.1: test API server on its own 127.0.0.1:6443, ztkube operator :9993 = root + controller] --+
//   [m1 10.N.0.2: ztkube daemon --no-taps :9993] ----------------------------------------------------------+-- br0
//
// kubectl (1.30) runs in op's namespace: apply the CRDs and a managed ZTNetwork → the operator
// creates it on its controller and reports Ready; m1 joins → an unauthorized ZTMember
// <nwid>-<m1> appears and m1 is ACCESS_DENIED; kubectl patch authorizes it → m1 is OK with an
// IP from the pool; `kubectl get ztnetworks,ztmembers` shows both; patched back to
// unauthorized, m1 is revoked; deleting the ZTNetwork
// waits on the operator's finalizer, which deletes the network and its members.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/shared.js';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { makeHomes, type Homes } from '../helpers/zt-homes.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
const apiserver = join(repoRoot, 'dist', 'test', 'kube-apiserver', 'main.js');
const kubectl = kubectl130();
const skip = !hasNetns() ? 'needs root and iproute2' : typeof kubectl === 'string' ? kubectl : false;

let lab: Lab | null = null;
let work = '';
let homes: Homes;
let op: LabHost, m1: LabHost;
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

/** kubectl in op's namespace against the test API server there. */
function k(args: string[], input?: string): { code: number | null; out: string } {
  if (typeof kubectl === 'string') throw new Error(kubectl);
  const r = spawnSync('ip', ['netns', 'exec', op.ns, kubectl.path, '--kubeconfig', join(work, 'kubeconfig'), '--cache-dir', join(work, 'kcache'), ...args], { input, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: work } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function kJson(args: string[]): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = k([...args, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.out) : null;
}

function m1Network(nwid: string): { status?: string; assignedAddresses?: string[] } {
  const out = lab!.exec(m1, process.execPath, [cli, 'listnetworks', '-j', '--home', homes.home('m1')]);
  return (JSON.parse(out) as Array<{ id: string; status?: string; assignedAddresses?: string[] }>).find((n) => n.id === nwid) ?? {};
}

/** The operator controller's revocation count, from its /metrics in op's namespace. */
function revocations(): number {
  const token = readFileSync(join(homes.home('op'), 'authtoken.secret'), 'utf8').trim();
  const script = "const r = await fetch('http://127.0.0.1:9993/metrics', { headers: { 'X-ZT1-Auth': process.argv[1] } }); process.stdout.write(await r.text());";
  const text = lab!.exec(op, process.execPath, ['--input-type=module', '-e', script, token]);
  const m = /ztkube_controller_requests_total\{outcome="revocations"\} (\d+)/.exec(text);
  if (!m) throw new Error('the operator metrics have no revocation count');
  return Number(m[1]);
}

before(() => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), `ztkube-operator-${process.pid}-`));
  lab = nsLab(['op', 'm1']);
  [op, m1] = lab.hosts as [LabHost, LabHost];
  homes = makeHomes(work, ['op', 'm1'], 'op', `${op.ip}/9993`);
  writeFileSync(join(work, 'kubeconfig'), [
    'apiVersion: v1', 'kind: Config',
    'clusters: [{name: test, cluster: {server: "http://127.0.0.1:6443", insecure-skip-tls-verify: true}}]',
    'users: [{name: test, user: {}}]',
    'contexts: [{name: test, context: {cluster: test, user: test}}]', 'current-context: test', '',
  ].join('\n'), { mode: 0o600 });
});

after(() => {
  lab?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('operator: a managed ZTNetwork becomes Ready, a joining device is admitted by kubectl patch, delete runs the finalizer', { skip, timeout: 240_000 }, async () => {
  try {
    startIn(op, 'apiserver', [apiserver, '--port', '6443']);
    await waitFor('the test API server', () => logs.apiserver!.includes('listening'), 15_000);
    const crds = k(['apply', '-f', join(repoRoot, 'manifests', 'crds')]);
    assert.equal(crds.code, 0, crds.out);
    assert.equal(k(['create', 'namespace', 'ztkube-system']).code, 0);
    // The operator's node is the planet's root, so its identity is the one made for the
    // planet: put in the Secret beforehand (an absent Secret is created by the operator).
    const secret = k(['-n', 'ztkube-system', 'create', 'secret', 'generic', 'ztkube-controller-identity', `--from-file=identity.secret=${join(homes.home('op'), 'identity.secret')}`]);
    assert.equal(secret.code, 0, secret.out);
    startIn(op, 'operator', [cli, 'operator', '--kubeconfig', join(work, 'kubeconfig'), '--namespace', 'ztkube-system', '--home', homes.home('op'), '--port', '9993', '--log-format', 'json']);
    await waitFor('the operator started', () => logs.operator!.includes('operator started'), 30_000);
    const privateKey = readFileSync(join(homes.home('op'), 'identity.secret'), 'utf8').trim().split(':')[3]!;
    assert.ok(!logs.operator!.includes(privateKey), 'the identity secret is never logged');

    const network = ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', 'metadata: {name: lab}', 'spec:', '  managed:', '    name: lab-lan',
      '    ipv4Pools: [{start: 10.147.17.10, end: 10.147.17.250}]', '    routes: [{target: 10.147.17.0/24}]', ''].join('\n');
    const applied = k(['apply', '-f', '-'], network);
    assert.equal(applied.code, 0, applied.out);
    const net = await waitFor('the ZTNetwork Ready', () => {
      const n = kJson(['get', 'ztnetwork', 'lab']);
      return n?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? n : null;
    }, 30_000);
    const nwid = net.status.networkId as string;
    assert.match(nwid, new RegExp(`^${homes.addr('op')}[0-9a-f]{6}$`));
    assert.deepEqual(net.metadata.finalizers, ['ztkube.io/controller']);
    assert.equal(net.status.observedGeneration, net.metadata.generation);

    startIn(m1, 'm1', [cli, 'daemon', '--home', homes.home('m1'), '--port', '9993', '--no-taps', '--log-format', 'json']);
    await waitFor('m1 up', () => logs.m1!.includes('"started"'), 30_000);
    lab!.exec(m1, process.execPath, [cli, 'join', nwid, '--home', homes.home('m1')]);
    const memberName = `${nwid}-${homes.addr('m1')}`;
    const member = await waitFor('an unauthorized ZTMember for m1', () => kJson(['get', 'ztmember', memberName]), 45_000);
    assert.equal(member.spec.authorized, false);
    await waitFor('m1 ACCESS_DENIED', () => m1Network(nwid).status === 'ACCESS_DENIED', 30_000);

    const patched = k(['patch', 'ztmember', memberName, '--type', 'merge', '-p', '{"spec":{"authorized":true}}']);
    assert.equal(patched.code, 0, patched.out);
    const joined = await waitFor('m1 OK with an IP from the pool', () => {
      const n = m1Network(nwid);
      return n.status === 'OK' && (n.assignedAddresses ?? []).some((a) => a.startsWith('10.147.17.')) ? n : null;
    }, 45_000);
    const ip = joined.assignedAddresses!.find((a) => a.startsWith('10.147.17.'))!.split('/')[0]!;

    const got = k(['get', 'ztnetworks,ztmembers']);
    assert.equal(got.code, 0, got.out);
    assert.match(got.out, /lab\s+/);
    assert.match(got.out, new RegExp(`${nwid}\\s+lab-lan`), got.out);
    assert.match(got.out, new RegExp(`${memberName}\\s+${nwid}\\s+${homes.addr('m1')}\\s+true\\s+false\\s+${ip.replace(/\./g, '\\.')}`), got.out);

    // A kubectl edit reaches the controller as an API write would: deauthorized, m1 gets a
    // revocation at once (its status turns only at its next config request, as with 1.14.1).
    assert.equal(revocations(), 0);
    assert.equal(k(['patch', 'ztmember', memberName, '--type', 'merge', '-p', '{"spec":{"authorized":false}}']).code, 0);
    await waitFor('a revocation for m1 after the patch', () => revocations() >= 1, 30_000);

    const deleted = k(['delete', 'ztnetwork', 'lab', '--timeout=60s']);
    assert.equal(deleted.code, 0, deleted.out);
    assert.deepEqual(kJson(['get', 'ztnetworks']).items, []);
    await waitFor('the members gone with the network', () => kJson(['get', 'ztmembers'])?.items.length === 0, 15_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${dumpLogs()}`, { cause: e });
  }
});

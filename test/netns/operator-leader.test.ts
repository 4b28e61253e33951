// Two `ztkube operator` replicas under leader election against the test API server, as real
// processes in namespaces this test creates (short lease times through the flags):
//
//   [op 10.N.0.1: test API server 127.0.0.1:6443, root daemon :9993,                 ]
//   [             operator replica "a" :9994 and replica "b" :9995 (one home each),  ]
//   [             their probes (--health-addr) on 127.0.0.1:9996 and :9997           ] --+
//   [m1 10.N.0.2: ztkube daemon --no-taps :9993] -------------------------------------+-- br0
//   [m2 10.N.0.3: ztkube daemon --no-taps :9993] -------------------------------------+
//
// Exactly one replica holds the Lease and runs the controller node (the other's local API is
// not even bound; both answer /readyz, /metrics says which leads); the managed network admits m1. SIGKILL of the leader: the other takes over
// once the lease expires, keeps the network ID, m1 stays OK and m2 is admitted by the new
// controller. A replica started again waits; SIGTERM of the leader releases the Lease, so the
// waiting one takes over at its next attempt. Restart: with every replica stopped, a ZTMember
// edit, then one replica again → same controller address and Secret, same network ID and
// members, and the controller has the edit. Last, an API server that stops answering makes
// the leader exit 1 once the renew deadline passed; a replica stopped while waiting exits 0
// without touching the Lease.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../helpers/shared.js';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { makeHomes, type Homes } from '../helpers/zt-homes.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
const apiserverMain = join(repoRoot, 'dist', 'test', 'kube-apiserver', 'main.js');
const kubectl = kubectl130();
const skip = !hasNetns() ? 'needs root and iproute2' : typeof kubectl === 'string' ? kubectl : false;

const LEASE_DURATION_MS = 6_000;
const RETRY_PERIOD_MS = 1_000;
/** The longest a candidate waits between attempts: retry × (1 + 1.2), client-go's jitter. */
const MAX_RETRY_WAIT_MS = RETRY_PERIOD_MS * 2.2;
const ELECTION_FLAGS = ['--lease-duration', `${LEASE_DURATION_MS / 1000}s`, '--renew-deadline', '4s', '--retry-period', `${RETRY_PERIOD_MS}ms`];
const REPLICA_PORT: Record<string, number> = { a: 9994, b: 9995 };
const HEALTH_PORT: Record<string, number> = { a: 9996, b: 9997 };

let lab: Lab | null = null;
let work = '';
let homes: Homes;
let op: LabHost, m1: LabHost, m2: LabHost;
const logs: Record<string, string> = {};
const procs: Record<string, ChildProcess> = {};

function startIn(h: LabHost, name: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const c = lab!.spawn(h, process.execPath, args, env);
  logs[name] = '';
  c.stdout!.on('data', (d) => (logs[name] += d));
  c.stderr!.on('data', (d) => (logs[name] += d));
  procs[name] = c;
  return c;
}

/** Replica `replica` ("a" or "b", its own home and port) as process `name`. */
function startReplica(replica: string, name: string): void {
  startIn(op, name, [cli, 'operator', '--kubeconfig', join(work, 'kubeconfig'), '--namespace', 'ztkube-system', '--home', join(work, `op-${replica}`), '--port', String(REPLICA_PORT[replica]), '--health-addr', `127.0.0.1:${HEALTH_PORT[replica]}`, '--log-format', 'json', ...ELECTION_FLAGS], { POD_NAME: `ztkube-operator-${replica}` });
}

function exited(name: string): Promise<number | null> {
  const c = procs[name]!;
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode);
  return new Promise((resolve) => c.once('exit', (code) => resolve(code)));
}

function dumpLogs(): string {
  return Object.entries(logs).map(([n, l]) => `--- ${n} ---\n${l.slice(-3000)}`).join('\n');
}

/** The JSON log lines of a process with this message. */
function logLines(name: string, message: string): Array<Record<string, unknown>> {
  return (logs[name] ?? '').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === message);
}

function k(args: string[], input?: string): { code: number | null; out: string } {
  if (typeof kubectl === 'string') throw new Error(kubectl);
  const r = spawnSync('ip', ['netns', 'exec', op.ns, kubectl.path, '--kubeconfig', join(work, 'kubeconfig'), '--cache-dir', join(work, 'kcache'), ...args], { input, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: work } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function kJson(args: string[]): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = k([...args, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.out) : null;
}

function lease(): { holderIdentity?: string; leaseTransitions?: number; leaseDurationSeconds?: number } {
  return kJson(['-n', 'ztkube-system', 'get', 'lease', 'ztkube-operator'])?.spec ?? {};
}

/** A GET on a local API in op's namespace: the status and body, or the connection error. */
function localApi(port: number, path: string, home?: string): { status?: number; body?: string; error?: string } {
  const token = home ? readFileSync(join(home, 'authtoken.secret'), 'utf8').trim() : '';
  const script = [
    'const [port, path, token] = process.argv.slice(1);',
    'try { const r = await fetch(`http://127.0.0.1:${port}${path}`, { headers: token ? { "X-ZT1-Auth": token } : {} }); process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })); }',
    'catch (e) { process.stdout.write(JSON.stringify({ error: String(e.cause?.code ?? e.message) })); }',
  ].join('\n');
  return JSON.parse(lab!.exec(op, process.execPath, ['--input-type=module', '-e', script, String(port), path, token]));
}

function memberNetwork(h: LabHost, name: string, nwid: string): { status?: string; assignedAddresses?: string[] } {
  const out = lab!.exec(h, process.execPath, [cli, 'listnetworks', '-j', '--home', homes.home(name)]);
  return (JSON.parse(out) as Array<{ id: string; status?: string; assignedAddresses?: string[] }>).find((n) => n.id === nwid) ?? {};
}

/** Which replica process holds the Lease now (by the identity it logged), or null. */
function leaderProcess(candidates: string[]): string | null {
  const holder = lease().holderIdentity ?? '';
  if (holder === '') return null;
  return candidates.find((n) => logLines(n, 'waiting for leadership').some((l) => l.identity === holder)) ?? null;
}

/** m joins nwid, appears as an unauthorized ZTMember, kubectl patch admits it: OK with a pool IP. */
async function admit(h: LabHost, name: string, nwid: string): Promise<void> {
  lab!.exec(h, process.execPath, [cli, 'join', nwid, '--home', homes.home(name)]);
  const member = `${nwid}-${homes.addr(name)}`;
  const m = await waitFor(`an unauthorized ZTMember for ${name}`, () => kJson(['get', 'ztmember', member]), 45_000);
  assert.equal(m.spec.authorized, false);
  assert.equal(k(['patch', 'ztmember', member, '--type', 'merge', '-p', '{"spec":{"authorized":true}}']).code, 0);
  await waitFor(`${name} OK with an IP from the pool`, () => {
    const n = memberNetwork(h, name, nwid);
    return n.status === 'OK' && (n.assignedAddresses ?? []).some((a) => a.startsWith('10.147.17.'));
  }, 45_000);
}

before(() => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), `ztkube-operator-leader-${process.pid}-`));
  lab = nsLab(['op', 'm1', 'm2']);
  [op, m1, m2] = lab.hosts as [LabHost, LabHost, LabHost];
  homes = makeHomes(work, ['root', 'm1', 'm2'], 'root', `${op.ip}/9993`);
  // The replicas' homes hold only the planet: their identity comes from the Secret.
  for (const r of ['a', 'b']) {
    mkdirSync(join(work, `op-${r}`), { mode: 0o700 });
    copyFileSync(join(work, 'planet'), join(work, `op-${r}`, 'planet'));
  }
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

test('operator leader election: one replica acts, SIGKILL fails over, SIGTERM hands over, a restart loses nothing, a lost lease exits 1', { skip, timeout: 420_000 }, async (t) => {
  try {
    startIn(op, 'apiserver', [apiserverMain, '--port', '6443']);
    await waitFor('the test API server', () => logs.apiserver!.includes('listening'), 15_000);
    assert.equal(k(['apply', '-f', join(repoRoot, 'manifests', 'crds')]).code, 0);
    assert.equal(k(['create', 'namespace', 'ztkube-system']).code, 0);
    startIn(op, 'root', [cli, 'daemon', '--home', homes.home('root'), '--port', '9993', '--no-taps', '--log-format', 'json']);
    for (const h of [[m1, 'm1'], [m2, 'm2']] as const) startIn(h[0], h[1], [cli, 'daemon', '--home', homes.home(h[1]), '--port', '9993', '--no-taps', '--log-format', 'json']);

    // --- exactly one of two replicas acts ---
    startReplica('a', 'a1');
    startReplica('b', 'b1');
    const first = await waitFor('a leader', () => leaderProcess(['a1', 'b1']), 30_000);
    const standby = first === 'a1' ? 'b1' : 'a1';
    await waitFor('the leader started', () => logLines(first, 'operator started').length > 0, 60_000);
    const address = logLines(first, 'controller identity')[0]!.address as string;
    await waitFor('the standby saw the leader', () => logLines(standby, 'another replica leads').length > 0, 15_000);
    assert.deepEqual([logLines(standby, 'controller identity'), logLines(standby, 'operator started')], [[], []], 'the standby runs no controller');
    assert.deepEqual(localApi(REPLICA_PORT[standby[0]!]!, '/status'), { error: 'ECONNREFUSED' }, "the standby's node is not even bound");
    assert.equal(localApi(REPLICA_PORT[first[0]!]!, '/status', join(work, `op-${first[0]}`)).status, 200);
    // The probes: the standby is ready (waiting is its job), the leader once it reconciles.
    const probe = (replica: string, path: string): { status?: number; body?: string; error?: string } => localApi(HEALTH_PORT[replica[0]!]!, path);
    assert.equal(probe(standby, '/healthz').status, 200);
    assert.deepEqual(probe(standby, '/readyz'), { status: 200, body: 'ok\n' });
    await waitFor('the leader ready', () => probe(first, '/readyz').status === 200, 30_000);
    assert.match(probe(first, '/metrics').body!, /^ztkube_operator_leader 1$/m);
    assert.match(probe(standby, '/metrics').body!, /^ztkube_operator_leader 0$/m);
    const secret = kJson(['-n', 'ztkube-system', 'get', 'secret', 'ztkube-controller-identity']);
    assert.equal(lease().leaseDurationSeconds, LEASE_DURATION_MS / 1000);

    const network = ['apiVersion: ztkube.io/v1alpha1', 'kind: ZTNetwork', 'metadata: {name: lab}', 'spec:', '  managed:', '    name: lab-lan',
      '    ipv4Pools: [{start: 10.147.17.10, end: 10.147.17.250}]', '    routes: [{target: 10.147.17.0/24}]', ''].join('\n');
    assert.equal(k(['apply', '-f', '-'], network).code, 0);
    const ready = (): any => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const n = kJson(['get', 'ztnetwork', 'lab']);
      return n?.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? n : null;
    };
    const nwid = (await waitFor('the ZTNetwork Ready', ready, 30_000)).status.networkId as string;
    assert.ok(nwid.startsWith(address), 'the network is on the Secret identity');
    const metrics = probe(first, '/metrics').body!;
    assert.ok(Number(/^ztkube_operator_reconciles_total (\d+)$/m.exec(metrics)?.[1]) >= 1, `the reconciles are counted: ${metrics.slice(0, 1500)}`);
    assert.match(metrics, /^ztkube_operator_workqueue_depth \d+$/m);
    await admit(m1, 'm1', nwid);

    // --- SIGKILL: the other replica takes over once the lease expired ---
    procs[first]!.kill('SIGKILL');
    await exited(first);
    const killedAt = Date.now();
    await waitFor('the standby leading', () => leaderProcess([standby]) === standby, LEASE_DURATION_MS * 3);
    const takeoverMs = Date.now() - killedAt;
    assert.ok(takeoverMs <= LEASE_DURATION_MS + 2 * MAX_RETRY_WAIT_MS + 2_000, `took over in ${takeoverMs} ms`);
    t.diagnostic(`takeover after SIGKILL: ${takeoverMs} ms (lease ${LEASE_DURATION_MS} ms)`);
    await waitFor('the new leader started', () => logLines(standby, 'operator started').length > 0, 60_000);
    assert.equal(logLines(standby, 'controller identity')[0]!.address, address, 'the same controller identity, from the Secret');
    assert.equal(lease().leaseTransitions, 1);
    await waitFor('the ZTNetwork Ready under the new leader', ready, 30_000);
    assert.equal(kJson(['get', 'ztnetwork', 'lab']).status.networkId, nwid);
    await admit(m2, 'm2', nwid);
    assert.equal(memberNetwork(m1, 'm1', nwid).status, 'OK', 'm1 stayed OK across the failover');

    // --- SIGTERM: the leader releases the lease, the waiting replica takes over at once ---
    const again = `${first[0]}2`;
    startReplica(first[0]!, again);
    await waitFor('the restarted replica waiting', () => logLines(again, 'another replica leads').length > 0, 30_000);
    procs[standby]!.kill('SIGTERM');
    assert.equal(await exited(standby), 0, 'a SIGTERM stop exits 0');
    const releasedAt = Date.now();
    assert.equal(logLines(standby, 'lease released').length, 1);
    await waitFor('the restarted replica leading', () => leaderProcess([again]) === again, LEASE_DURATION_MS);
    const handoverMs = Date.now() - releasedAt;
    assert.ok(handoverMs < LEASE_DURATION_MS, `handed over in ${handoverMs} ms, before the lease could have expired`);
    t.diagnostic(`takeover after SIGTERM: ${handoverMs} ms`);
    await waitFor('it started', () => logLines(again, 'operator started').length > 0, 60_000);
    assert.equal(lease().leaseTransitions, 2);

    // --- restart loses nothing ---
    const membersBefore = kJson(['get', 'ztmembers']).items.map((m: { metadata: { name: string } }) => m.metadata.name).sort();
    assert.equal(membersBefore.length, 2);
    procs[again]!.kill('SIGTERM');
    assert.equal(await exited(again), 0);
    assert.equal(lease().holderIdentity, '', 'released: no holder');
    const m1Member = `${nwid}-${homes.addr('m1')}`;
    const edit = k(['patch', 'ztmember', m1Member, '--type', 'merge', '-p', '{"spec":{"ipAssignments":["10.147.17.99"],"noAutoAssignIps":true}}']);
    assert.equal(edit.code, 0, edit.out);
    startReplica('b', 'b3');
    await waitFor('the restarted operator started', () => logLines('b3', 'operator started').length > 0, 60_000);
    assert.equal(logLines('b3', 'controller identity')[0]!.address, address);
    const secretAfter = kJson(['-n', 'ztkube-system', 'get', 'secret', 'ztkube-controller-identity']);
    assert.deepEqual([secretAfter.metadata.uid, secretAfter.metadata.resourceVersion], [secret.metadata.uid, secret.metadata.resourceVersion], 'the Secret was reused, not rewritten');
    await waitFor('the ZTNetwork Ready after the restart', ready, 30_000);
    assert.equal(kJson(['get', 'ztnetwork', 'lab']).status.networkId, nwid);
    assert.deepEqual(kJson(['get', 'ztmembers']).items.map((m: { metadata: { name: string } }) => m.metadata.name).sort(), membersBefore);
    const record = await waitFor('the controller serving m1 with the edit', () => {
      const r = localApi(REPLICA_PORT.b!, `/controller/network/${nwid}/member/${homes.addr('m1')}`, join(work, 'op-b'));
      return r.status === 200 ? (JSON.parse(r.body!) as { authorized: boolean; ipAssignments: string[]; noAutoAssignIps: boolean }) : null;
    }, 30_000);
    assert.deepEqual([record.authorized, record.ipAssignments, record.noAutoAssignIps], [true, ['10.147.17.99'], true], 'the edit made while no operator ran');

    // --- a leader that cannot renew exits 1 once the renew deadline passed ---
    procs.apiserver!.kill('SIGSTOP');
    try {
      assert.equal(await exited('b3'), 1);
    } finally {
      procs.apiserver!.kill('SIGCONT');
    }
    assert.equal(logLines('b3', 'leader election lost; exiting').length, 1);
    assert.equal(memberNetwork(m1, 'm1', nwid).status, 'OK');

    // --- a replica stopped while it waits exits 0 and writes nothing ---
    const before = kJson(['-n', 'ztkube-system', 'get', 'lease', 'ztkube-operator']);
    startReplica('a', 'a4');
    await waitFor('a4 waiting behind the dead leader', () => logLines('a4', 'another replica leads').length > 0, 30_000);
    procs.a4!.kill('SIGTERM');
    assert.equal(await exited('a4'), 0);
    const afterStop = kJson(['-n', 'ztkube-system', 'get', 'lease', 'ztkube-operator']);
    assert.deepEqual([afterStop.metadata.resourceVersion, afterStop.spec.holderIdentity], [before.metadata.resourceVersion, before.spec.holderIdentity]);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${dumpLogs()}`, { cause: e });
  }
});

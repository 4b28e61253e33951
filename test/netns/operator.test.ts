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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasNetns, waitFor, type LabHost } from '../helpers/netns.js';
import { kubectl130 } from '../helpers/kubectl.js';
import { operatorLab, ztkubeCli as cli, type OperatorLab } from '../helpers/operator-lab.js';
import type { Homes } from '../helpers/zt-homes.js';

const kubectl = kubectl130();
const skip = !hasNetns() ? 'needs root and iproute2' : typeof kubectl === 'string' ? kubectl : false;

let ol: OperatorLab | null = null;
let homes: Homes;
let op: LabHost, m1: LabHost;
let logs: Record<string, string>;

const k = (args: string[], input?: string): { code: number | null; out: string } => ol!.k(args, input);
const kJson = (args: string[]): any => ol!.kJson(args); // eslint-disable-line @typescript-eslint/no-explicit-any

function m1Network(nwid: string): { status?: string; assignedAddresses?: string[] } {
  const out = ol!.lab.exec(m1, process.execPath, [cli, 'listnetworks', '-j', '--home', homes.home('m1')]);
  return (JSON.parse(out) as Array<{ id: string; status?: string; assignedAddresses?: string[] }>).find((n) => n.id === nwid) ?? {};
}

/** The operator controller's revocation count, from its /metrics in op's namespace. */
function revocations(): number {
  const token = readFileSync(join(homes.home('op'), 'authtoken.secret'), 'utf8').trim();
  const script = "const r = await fetch('http://127.0.0.1:9993/metrics', { headers: { 'X-ZT1-Auth': process.argv[1] } }); process.stdout.write(await r.text());";
  const text = ol!.lab.exec(op, process.execPath, ['--input-type=module', '-e', script, token]);
  const m = /ztkube_controller_requests_total\{outcome="revocations"\} (\d+)/.exec(text);
  if (!m) throw new Error('the operator metrics have no revocation count');
  return Number(m[1]);
}

before(() => {
  if (skip || typeof kubectl === 'string') return;
  ol = operatorLab(kubectl, ['op', 'm1'], 'operator');
  ({ homes, logs } = ol);
  [op, m1] = [ol.host('op'), ol.host('m1')];
});

after(() => ol?.teardown());

test('operator: a managed ZTNetwork becomes Ready, a joining device is admitted by kubectl patch, delete runs the finalizer', { skip, timeout: 240_000 }, async () => {
  try {
    await ol!.startOperator();
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

    ol!.startIn(m1, 'm1', [cli, 'daemon', '--home', homes.home('m1'), '--port', '9993', '--no-taps', '--log-format', 'json']);
    await waitFor('m1 up', () => logs.m1!.includes('"started"'), 30_000);
    ol!.lab.exec(m1, process.execPath, [cli, 'join', nwid, '--home', homes.home('m1')]);
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
    throw new Error(`${(e as Error).message}\n${ol!.dumpLogs()}`, { cause: e });
  }
});

// Network membership across implementations (issue #7). Opt-in like the other interop files:
// ZTKUBE_ZEROTIER_ONE names a zerotier-one 1.14.1 binary built elsewhere (nothing in this
// repository builds or ships one); skipped otherwise, with one line that says so.
//
//   ns sw: br0 ──┬── kctl 10.N.0.1  ztkube: root of planet K, controller of network A
//                ├── rmem 10.N.0.2  zerotier-one: member of A (planet K)
//                ├── rctl 10.N.0.3  zerotier-one: root of planet R, controller of network B
//                └── kmem 10.N.0.4  ztkube: member of B (planet R)
//
// a. A real node joins the ztkube controller's network, is refused, authorized through
//    ztkube's API, and its own `listnetworks -j` shows the pool address, RFC4193 and 6PLANE
//    addresses and MAC the ztkube controller assigned; deauthorized, it turns ACCESS_DENIED
//    at its next refresh.
// b. The same with the roles swapped: a ztkube node on a network of a real controller.
// Both run at once (each waits about a minute for its member's refresh).
//
// Every zerotier-one home gets our planet before its first start (never the public one) and a
// local.conf without TCP fallback and port mapping; nothing routes off the machine.
import { after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { cli, makeHomes, type Homes } from '../helpers/zt-homes.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import { localApi, memberMac, privateNetworkBody, rfc4193, sixPlane } from '../helpers/zt-network.js';

const zt = zerotierOne;
const interop = interopTests('network membership interop with ZeroTier One 1.14.1');
let lab: Lab | null = null;
let work = '';
after(() => {
  lab?.teardown(); // ends every daemon by PID, then removes the namespaces
  if (work) rmSync(work, { recursive: true, force: true });
});

const sorted = (a: string[]): string[] => [...a].sort();

/** The controller's network and member records at the end. */
interface Records {
  network: Record<string, unknown>;
  member: Record<string, unknown>;
}

interface Side {
  /** The controller's host and home. */
  ctl: LabHost;
  mem: LabHost;
  homes: Homes;
  /** The member's networks as its own `listnetworks -j` shows them. */
  memberNetworks(): any[];
  v4: string;
  log(): string;
}

/**
 * Creates the private network on `s.ctl` through its API, has `join` join it, and walks it
 * through refused → authorized (checked against the controller's member record) →
 * deauthorized → ACCESS_DENIED at the member's next refresh.
 */
async function membership(t: TestContext, s: Side, join: (nwid: string) => string): Promise<Records> {
  const t0 = Date.now();
  const stamp = (what: string): void => t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
  const ctlHome = s.homes.home(s.ctl.name);
  const ctlAddr = s.homes.addr(s.ctl.name);
  const memAddr = s.homes.addr(s.mem.name);
  const api = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => localApi((c, a) => lab!.exec(s.ctl, c, a), ctlHome, method, path, body);
  const listed = (nwid: string): any => s.memberNetworks().find((n) => n.nwid === nwid);
  try {
    await waitFor('the controller API', () => api('GET', '/controller').status === 200, 30_000, 300);
    const created = api('POST', `/controller/network/${ctlAddr}______`, privateNetworkBody('interop', s.v4));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const nwid: string = created.body.id;
    assert.match(nwid, new RegExp(`^${ctlAddr}[0-9a-f]{6}$`));
    stamp(`network ${nwid} created`);

    await waitFor('the member up', () => s.memberNetworks(), 30_000, 300);
    assert.equal(join(nwid), '200 join OK\n');
    await waitFor('ACCESS_DENIED before authorization', () => listed(nwid)?.status === 'ACCESS_DENIED', 40_000, 500);
    stamp('member ACCESS_DENIED');
    assert.deepEqual(Object.keys(api('GET', `/controller/network/${nwid}/member`).body), [memAddr]);
    assert.equal(api('GET', `/controller/network/${nwid}/member/${memAddr}`).body.authorized, false);

    const auth = api('POST', `/controller/network/${nwid}/member/${memAddr}`, { authorized: true });
    assert.equal(auth.status, 200);
    assert.equal(auth.body.authorized, true);
    await waitFor('OK after authorization', () => listed(nwid)?.status === 'OK', 30_000, 300);
    const okAt = Date.now();
    stamp('member OK');

    const rec = api('GET', `/controller/network/${nwid}/member/${memAddr}`).body;
    assert.equal(rec.ipAssignments.length, 1, 'one pool address');
    const v4: string = rec.ipAssignments[0];
    assert.match(v4, new RegExp(`^${s.v4.replace(/\./g, '\\.')}\\.\\d+$`));
    const n = listed(nwid);
    assert.equal(n.name, 'interop');
    assert.equal(n.type, 'PRIVATE');
    assert.equal(n.mac, memberMac(nwid, memAddr));
    assert.deepEqual(sorted(n.assignedAddresses), sorted([`${v4}/24`, rfc4193(nwid, memAddr), sixPlane(nwid, memAddr)]));
    assert.ok(n.routes.some((r: any) => r.target === `${s.v4}.0/24` && r.via === null), 'the route');
    stamp(`member shows ${n.mac} ${n.assignedAddresses.join(' ')} on ${n.portDeviceName}`);

    const deauth = api('POST', `/controller/network/${nwid}/member/${memAddr}`, { authorized: false });
    assert.equal(deauth.status, 200);
    assert.equal(deauth.body.authorized, false);
    const deauthAt = Date.now();
    await waitFor('ACCESS_DENIED at the next refresh', () => listed(nwid)?.status === 'ACCESS_DENIED', Math.max(0, okAt + 72_000 - Date.now()), 500);
    stamp(`member ACCESS_DENIED ${((Date.now() - deauthAt) / 1000).toFixed(1)} s after its deauthorization`);

    // The controller's member record: the member's identity, and the versions of its (genuine) request.
    const last = api('GET', `/controller/network/${nwid}/member/${memAddr}`).body;
    assert.equal(last.identity, s.homes.publicIdentity(s.mem.name).trim());
    assert.deepEqual([last.vMajor, last.vMinor, last.vRev], [1, 14, 1]);
    assert.equal(last.authorized, false);
    assert.ok(last.lastDeauthorizedTime >= last.lastAuthorizedTime && last.lastAuthorizedTime > 0);
    assert.deepEqual(last.ipAssignments, [v4], 'a deauthorized member keeps its address');
    return { network: api('GET', `/controller/network/${nwid}`).body, member: last };
  } catch (e) {
    console.error(`--- ${s.ctl.name}/${s.mem.name} logs ---\n${s.log().slice(-6000)}`);
    throw e;
  }
}

interop('network membership between ztkube and ZeroTier One 1.14.1, both ways', { skip: !hasNetns() && 'needs root and iproute2', timeout: 180_000, concurrency: 2 }, async (t) => {
  work = mkdtempSync(join(tmpdir(), `ztkube-interop-net-${process.pid}-`));
  lab = nsLab(['kctl', 'rmem', 'rctl', 'kmem']);
  const [kctl, rmem, rctl, kmem] = lab.hosts;
  const planetK = makeHomes(join(work, 'K'), ['kctl', 'rmem'], 'kctl', `${kctl.ip}/9993`);
  const planetR = makeHomes(join(work, 'R'), ['rctl', 'kmem'], 'rctl', `${rctl.ip}/9993`);
  const logs: Record<string, string> = {};
  const spawn = (h: LabHost, cmd: string, args: string[]): void => {
    const c = lab!.spawn(h, cmd, args);
    logs[h.name] = '';
    c.stdout!.on('data', (d) => (logs[h.name] += d));
    c.stderr!.on('data', (d) => (logs[h.name] += d));
  };
  for (const [h, homes] of [[rmem, planetK], [rctl, planetR]] as const) {
    writeFileSync(join(homes.home(h.name), 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false } }));
  }
  for (const [h, homes] of [[kctl, planetK], [kmem, planetR]] as const) spawn(h, process.execPath, [cli, 'daemon', '--home', homes.home(h.name), '--port', '9993', '--log-format', 'json']);
  for (const [h, homes] of [[rmem, planetK], [rctl, planetR]] as const) spawn(h, zt!, ['-p9993', homes.home(h.name)]);

  const theirs = (h: LabHost, home: string, ...args: string[]): string => lab!.exec(h, zt!, ['-q', `-D${home}`, '-p9993', ...args]);
  const ours = (h: LabHost, home: string, ...args: string[]): string => lab!.exec(h, process.execPath, [cli, args[0], '--home', home, ...args.slice(1)]);
  const rmemHome = planetK.home('rmem');
  const kmemHome = planetR.home('kmem');
  const both = (a: string, b: string) => () => `${a}:\n${logs[a]}\n${b}:\n${logs[b]}`;
  let onOurs: Records | null = null;
  let onTheirs: Records | null = null;
  await Promise.all([
    t.test('a real node is a member of a ztkube controller\'s network', async (st) => {
      onOurs = await membership(st, { ctl: kctl, mem: rmem, homes: planetK, v4: '172.30.8', memberNetworks: () => JSON.parse(theirs(rmem, rmemHome, '-j', 'listnetworks')), log: both('kctl', 'rmem') }, (nwid) =>
        theirs(rmem, rmemHome, 'join', nwid),
      );
    }),
    t.test('a ztkube node is a member of a real controller\'s network', async (st) => {
      onTheirs = await membership(st, { ctl: rctl, mem: kmem, homes: planetR, v4: '172.30.8', memberNetworks: () => JSON.parse(ours(kmem, kmemHome, 'listnetworks', '-j')), log: both('rctl', 'kmem') }, (nwid) =>
        ours(kmem, kmemHome, 'join', nwid),
      );
    }),
  ]);
  if (!onOurs || !onTheirs) return; // a subtest failed and said why
  // The two controllers' records of the same story: the same keys, and the same values
  // except for identities, addresses and times.
  const differing = new Set(['id', 'nwid', 'address', 'identity', 'creationTime', 'lastAuthorizedTime', 'lastDeauthorizedTime', 'ipAssignments']);
  const comparable = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, differing.has(k) ? typeof v : v]));
  const [ours1, theirs1] = [onOurs as Records, onTheirs as Records];
  assert.deepEqual(comparable(ours1.member), comparable(theirs1.member), 'member records');
  assert.deepEqual(comparable(ours1.network), comparable(theirs1.network), 'network records');
  t.diagnostic(`the records agree: ${Object.keys(ours1.member).length} member fields, ${Object.keys(ours1.network).length} network fields`);
});

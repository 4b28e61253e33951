// What ZeroTier One 1.14.1 itself does in restart.test.ts's last scenario (issue #9), so that
// ours can be held to it. Opt-in like the other interop files (ZTKUBE_ZEROTIER_ONE names a
// zerotier-one 1.14.1 binary built elsewhere); every node here is that binary:
//
//   [ctl 10.N.0.1] root of our planet and controller of the network
//   [m1  10.N.0.2] member 10.147.32.2
//   [m2  10.N.0.3] member 10.147.32.3
//
// ctl is killed with SIGKILL and restarted, then m2 is stopped with SIGTERM and started
// again, and m1 pings m2. m1's unicast frames pass m2's gate at once (the credential
// exchange), but m2's ARP requests (multicast) reach m1 only once m2 learns that m1 is in the
// ARP group: the restarted ctl (root and controller) knows nothing to answer its GATHERs with,
// and m1's own LIKEs to m2 come at most once a minute (ZT_MULTICAST_ANNOUNCE_PERIOD, counted
// from its last ones before the restart). The time is logged; the test asserts that bound.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { makeHomes, type Homes } from '../helpers/zt-homes.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import { localApi } from '../helpers/zt-network.js';

const zt = zerotierOne;
const interop = interopTests('restart resumption with ZeroTier One 1.14.1');
/** ZT_MULTICAST_ANNOUNCE_PERIOD plus a ping check (5 s) and the ARP retries of the ping loop. */
const ANNOUNCE_BOUND_MS = 75_000;
let lab: Lab | null = null;
let work = '';
after(() => {
  lab?.teardown(); // ends every daemon by PID, then removes the namespaces
  if (work) rmSync(work, { recursive: true, force: true });
});

const IP = { m1: '10.147.32.2', m2: '10.147.32.3' } as const;

interop('1.14.1 after a controller restart: a restarted member takes m1\'s ARP subscription from the next announcement', { skip: !hasNetns() && 'needs root and iproute2', timeout: 300_000 }, async (t) => {
  work = mkdtempSync(join(tmpdir(), `ztkube-interop-restart-${process.pid}-`));
  lab = nsLab(['ctl', 'm1', 'm2']);
  const [ctl, m1, m2] = lab.hosts;
  const homes: Homes = makeHomes(work, ['ctl', 'm1', 'm2'], 'ctl', `${ctl.ip}/9993`);
  const logs: Record<string, string> = {};
  const procs: Record<string, ChildProcess> = {};
  // A fixed secondary port, as restart.test.ts gives m2: with a random one, a peer that learned
  // m2 at its old secondary port keeps sending there after m2's restart until the next
  // announcement brings them together again, which can be past the bound measured here.
  for (const h of lab.hosts) writeFileSync(join(homes.home(h.name), 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false, secondaryPort: 29993 } }));
  const start = (h: LabHost): void => {
    const c = lab!.spawn(h, zt!, ['-p9993', homes.home(h.name)]);
    logs[h.name] = '';
    c.stdout!.on('data', (d) => (logs[h.name] += d));
    c.stderr!.on('data', (d) => (logs[h.name] += d));
    procs[h.name] = c;
  };
  const stopped = (c: ChildProcess): Promise<void> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
  const api = (h: LabHost, method: 'GET' | 'POST', path: string, body?: unknown) => localApi((c, a) => lab!.exec(h, c, a), homes.home(h.name), method, path, body);
  const pingable = async (h: LabHost, ip: string, what: string, deadlineMs: number): Promise<number> => {
    const t0 = Date.now();
    await waitFor(what, () => /1 received/.test(lab!.exec(h, 'ping', ['-c', '1', '-W', '1', ip])), deadlineMs, 100);
    return Date.now() - t0;
  };
  try {
    for (const h of lab.hosts) start(h);
    await waitFor('the APIs', () => lab!.hosts.every((h) => { try { return api(h, 'GET', '/status').status === 200; } catch { return false; } }), 30_000, 300);
    const created = api(ctl, 'POST', `/controller/network/${homes.addr('ctl')}______`, { name: 'restart', private: true, v4AssignMode: { zt: true }, routes: [{ target: '10.147.32.0/24', via: null }], rules: [{ type: 'ACTION_ACCEPT' }] });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const nwid: string = created.body.id;
    for (const h of [m1, m2]) {
      assert.equal(api(h, 'POST', `/network/${nwid}`, {}).status, 200);
      assert.equal(api(ctl, 'POST', `/controller/network/${nwid}/member/${homes.addr(h.name)}`, { authorized: true, ipAssignments: [IP[h.name as 'm1' | 'm2']] }).status, 200);
    }
    const ok = (h: LabHost): boolean => api(h, 'GET', `/network/${nwid}`).body?.status === 'OK';
    await waitFor('both members OK', () => ok(m1) && ok(m2), 60_000, 500);
    t.diagnostic(`first ping m1 → m2: ${await pingable(m1, IP.m2, 'm1 → m2', 60_000)} ms`);
    t.diagnostic(`first ping m2 → m1: ${await pingable(m2, IP.m1, 'm2 → m1', 60_000)} ms`);

    procs.ctl.kill('SIGKILL');
    await stopped(procs.ctl);
    start(ctl);
    await waitFor("ctl's API", () => { try { return api(ctl, 'GET', '/status').status === 200; } catch { return false; } }, 30_000, 300);
    await pingable(m2, IP.m1, 'm2 → m1 after the controller restart', 30_000);

    procs.m2.kill('SIGTERM');
    await stopped(procs.m2);
    start(m2);
    await waitFor("m2's API", () => { try { return api(m2, 'GET', '/status').status === 200; } catch { return false; } }, 30_000, 300);
    // As restart.test.ts: m1 pings m2. The echo requests pass m2's gate after the credential
    // exchange; m2's answer waits for its ARP request (m2's neighbour table went with its TAP)
    // to reach m1, or for m1's kernel to probe m2 by unicast.
    const ms = await pingable(m1, IP.m2, 'm1 → m2 after both restarts', ANNOUNCE_BOUND_MS + 30_000);
    t.diagnostic(`1.14.1: m1 reaches m2 restarted after the controller restart after ${ms} ms`);
    assert.ok(ms <= ANNOUNCE_BOUND_MS, `${ms} ms`);
  } catch (e) {
    for (const [n, l] of Object.entries(logs)) console.error(`--- ${n} ---\n${l.slice(-3000)}`);
    throw e;
  }
});

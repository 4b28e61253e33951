// State survives restarts and kill -9 (issue #9), with real daemons and TAPs in namespaces the
// test creates (and removes, also after a failure; daemons are ended by PID):
//
//   [ctl 10.N.0.1] --+
//   [m1  10.N.0.2] --+-- br0 (switch namespace, no route off the machine)
//   [m2  10.N.0.3] --+
//
// ctl is the planet's root and the network's controller; m1 and m2 are members with
// 10.147.31.2 and .3. m1 is stopped with SIGTERM and restarted, then killed with SIGKILL and
// restarted (once with a device of its TAP's name left in the way, then stopped with SIGINT):
// each time it is back on the network with the same device address and its own settings
// (networks.d/<nwid>.local.conf), and a ping over the network answers again within seconds. ctl is killed with SIGKILL and
// restarted: the network and its members (controller.d) are still there and the members stay
// on it; m2 restarted after that takes m1's frames within seconds, and answers once its ARP
// requests find m1 (see the last test). m1's local.conf admits management from the lab's LAN: ctl reaches m1's API, and m2's
// only after POST /config/settings allows it there too (applied by the 10 s reload).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../helpers/shared.js';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { tapNameForNetwork } from '../../src/net/tap/names.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
const skip = !hasNetns() && 'needs root and iproute2';
/** How long a restarted member may take to be pingable again; the times measured are logged. */
const RESUME_DEADLINE_MS = 20_000;
let lab: Lab | null = null;
let work = '';
const logs: Record<string, string> = {};
const procs: Record<string, ChildProcess> = {};
let ctl: LabHost;
let m1: LabHost;
let m2: LabHost;
let nwid = '';
let dev = '';
const IP = { m1: '10.147.31.2', m2: '10.147.31.3' } as const;

function ztkube(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ztkube ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const home = (h: LabHost): string => join(work, h.name);
const address = (h: LabHost): string => readFileSync(join(home(h), 'identity.public'), 'utf8').slice(0, 10);

/** One call to `target`'s local API, made from inside `from`'s namespace (default: its own, on loopback). */
function api(target: LabHost, method: string, path: string, body?: unknown, from: LabHost = target, host = '127.0.0.1', tokenOverride?: string): { status: number; json: any } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const token = tokenOverride ?? readFileSync(join(home(target), 'authtoken.secret'), 'utf8').trim();
  const script =
    'const [u, m, t, b] = process.argv.slice(1);' +
    "try { const r = await fetch(u, { method: m, headers: { 'X-ZT1-Auth': t }, body: b === '' ? undefined : b }); process.stdout.write(r.status + ' ' + (await r.text())); }" +
    "catch (e) { process.stdout.write('0 ' + JSON.stringify(String(e.cause?.code ?? e.message))); }";
  const out = lab!.exec(from, process.execPath, ['--input-type=module', '-e', script, `http://${host}:9993${path}`, method, token, body === undefined ? '' : JSON.stringify(body)]);
  const sp = out.indexOf(' ');
  return { status: Number(out.slice(0, sp)), json: JSON.parse(out.slice(sp + 1) || 'null') };
}

/**
 * m2's secondary port, fixed so that its restart keeps every port a peer may know it by. A
 * random one (the default, as in 1.14.1) dies with the process: when the root happened to see
 * m2 first from that port, its RENDEZVOUS gave m1 only that path, and after m2's restart m1's
 * frames went to a closed port until the next multicast announce brought the two together
 * again (a minute), so "within seconds" below held or not depending on start-up order.
 */
const M2_SECONDARY_PORT = 29993;

function start(h: LabHost): ChildProcess {
  // The home as zerotier-one takes it: a positional argument.
  const ports = h === m2 ? ['--port', '9993', '--secondary-port', String(M2_SECONDARY_PORT)] : ['--port', '9993'];
  const c = lab!.spawn(h, process.execPath, [cli, 'daemon', home(h), ...ports, '--log-format', 'json']);
  const key = `${h.name}#${Object.keys(logs).filter((k) => k.startsWith(`${h.name}#`)).length}`;
  logs[key] = '';
  c.stderr!.on('data', (d) => (logs[key] += d));
  c.stdout!.on('data', (d) => (logs[key] += d));
  procs[h.name] = c;
  return c;
}

function stopped(c: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r({ code: c.exitCode, signal: c.signalCode }) : c.once('exit', (code, signal) => r({ code, signal }))));
}

function dumpLogs(): void {
  for (const [n, l] of Object.entries(logs)) console.error(`--- ${n} log ---\n${l.slice(-3000)}`);
}

function ztDevices(h: LabHost): string[] {
  return (JSON.parse(lab!.exec(h, 'ip', ['-j', 'link', 'show'])) as Array<{ ifname: string }>).map((l) => l.ifname).filter((n) => n.startsWith('zt'));
}

/** The zt device holding `ip`, or null. */
function deviceWith(h: LabHost, ip: string): string | null {
  const links = JSON.parse(lab!.exec(h, 'ip', ['-j', 'addr', 'show'])) as Array<{ ifname: string; addr_info: Array<{ local: string }> }>;
  return links.find((l) => l.ifname.startsWith('zt') && l.addr_info.some((a) => a.local === ip))?.ifname ?? null;
}

/** Milliseconds until one ping from `h` to `ip` is answered. */
async function pingable(h: LabHost, ip: string, what: string, deadlineMs = RESUME_DEADLINE_MS): Promise<number> {
  const t0 = Date.now();
  await waitFor(what, () => /1 received/.test(lab!.exec(h, 'ping', ['-c', '1', '-W', '1', ip])), deadlineMs, 100);
  return Date.now() - t0;
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), `ztkube-restart-${process.pid}-`));
  lab = nsLab(['ctl', 'm1', 'm2']);
  [ctl, m1, m2] = lab.hosts;
  for (const h of lab.hosts) {
    mkdirSync(home(h));
    ztkube(['idtool', 'generate', join(home(h), 'identity.secret'), join(home(h), 'identity.public')]);
  }
  writeFileSync(join(work, 'roots.json'), JSON.stringify([{ identity: readFileSync(join(home(ctl), 'identity.public'), 'utf8').trim(), stableEndpoints: [`${ctl.ip}/9993`] }]));
  ztkube(['planet', 'create', join(work, 'roots.json'), join(work, 'planet')]);
  for (const h of lab.hosts) writeFileSync(join(home(h), 'planet'), readFileSync(join(work, 'planet')));
  const lan = ctl.ip.replace(/\.\d+$/, '.0/24');
  writeFileSync(join(home(m1), 'local.conf'), JSON.stringify({ settings: { allowManagementFrom: [lan] } }));
  for (const h of lab.hosts) start(h);
  await waitFor('the APIs up', () => lab!.hosts.every((h) => api(h, 'GET', '/status').status === 200), 30_000);
  nwid = `${address(ctl)}000001`;
  dev = tapNameForNetwork(BigInt('0x' + nwid));
  const created = api(ctl, 'POST', `/controller/network/${nwid}`, { name: 'restart-net', v4AssignMode: { zt: true }, routes: [{ target: '10.147.31.0/24' }], rules: [{ type: 'ACTION_ACCEPT' }] });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  for (const h of [m1, m2]) assert.equal(api(ctl, 'POST', `/controller/network/${nwid}/member/${address(h)}`, { authorized: true, ipAssignments: [IP[h.name as 'm1' | 'm2']] }).status, 200);
  // m1 keeps settings of its own, which a restart must not lose.
  assert.equal(api(m1, 'POST', `/network/${nwid}`, { allowDNS: true, allowGlobal: true }).status, 200);
  assert.equal(api(m2, 'POST', `/network/${nwid}`, {}).status, 200);
});

after(() => {
  lab?.teardown(); // SIGKILLs what still runs (by PID), deletes the namespaces and any device in them
  if (work) rmSync(work, { recursive: true, force: true });
});

test('two members on the network; remote management only where local.conf allows it', { skip }, async () => {
  try {
    console.error(`first ping after join: ${await pingable(m1, IP.m2, 'm1 → m2 over the network')} ms`);
    assert.equal(deviceWith(m1, IP.m1), dev);
    const remote = api(m1, 'GET', '/status', undefined, ctl, m1.ip);
    assert.equal(remote.status, 200, 'ctl manages m1 over the LAN (allowManagementFrom)');
    assert.equal(remote.json.address, address(m1));
    assert.equal(api(m2, 'GET', '/status', undefined, ctl, m2.ip).status, 0, "m2's API is on loopback only: no connection");
    // Allowed through the API itself: written to local.conf, applied by the reload check.
    assert.equal(api(m2, 'POST', '/config/settings', { allowManagementFrom: [ctl.ip.replace(/\.\d+$/, '.0/24')] }).status, 200);
    await waitFor("m2's API reachable from the LAN after the reload", () => api(m2, 'GET', '/status', undefined, ctl, m2.ip).status === 200, 20_000, 500);
    assert.equal(api(m2, 'GET', '/status', undefined, ctl, m2.ip, 'bad-token').status, 401, 'still with the token only');
  } catch (e) {
    dumpLogs();
    throw e;
  }
});

/** After a restart: same device address, same settings, pingable; returns the ms to the first answer. */
async function assertBackOnNetwork(what: string): Promise<number> {
  await waitFor(`${what}: m1's API`, () => api(m1, 'GET', '/status').status === 200, 20_000);
  const ms = await pingable(m2, IP.m1, `${what}: m2 → m1 over the network`);
  const net = api(m1, 'GET', `/network/${nwid}`).json;
  assert.equal(net.status, 'OK');
  assert.deepEqual(net.assignedAddresses, [`${IP.m1}/24`]);
  assert.deepEqual([net.allowManaged, net.allowGlobal, net.allowDefault, net.allowDNS], [true, true, false, true], 'the local settings are kept');
  assert.equal(readFileSync(join(home(m1), 'networks.d', `${nwid}.local.conf`), 'utf8'), 'allowManaged=1\nallowGlobal=1\nallowDefault=0\nallowDNS=1\n');
  assert.equal(api(m1, 'GET', '/status', undefined, ctl, m1.ip).status, 200, 'local.conf applies again');
  return ms;
}

test('SIGTERM: TAP, address and route go; a restart is back on the network with the same settings', { skip }, async () => {
  try {
    const identity = readFileSync(join(home(m1), 'identity.secret'), 'utf8');
    procs.m1.kill('SIGTERM');
    assert.deepEqual(await stopped(procs.m1), { code: 0, signal: null });
    assert.deepEqual(ztDevices(m1), [], 'the TAP is gone');
    assert.equal(lab!.exec(m1, 'ip', ['route', 'show', '10.147.31.0/24']).trim(), '', 'its route too');
    assert.equal(existsSync(join(home(m1), 'ztkube.lock')), false);
    start(m1);
    console.error(`SIGTERM restart: m1 pingable ${await assertBackOnNetwork('after SIGTERM')} ms after the API answered`);
    assert.equal(readFileSync(join(home(m1), 'identity.secret'), 'utf8'), identity, 'the same identity');
    assert.equal(deviceWith(m1, IP.m1), dev);
  } catch (e) {
    dumpLogs();
    throw e;
  }
});

test('SIGKILL: nothing is left in the way; a restart is back on the network, also past a device left with its name', { skip }, async () => {
  try {
    procs.m1.kill('SIGKILL');
    assert.equal((await stopped(procs.m1)).signal, 'SIGKILL');
    // A TAP is not persistent: the kernel removes it with the process's descriptor.
    await waitFor('the TAP gone with the process', () => ztDevices(m1).length === 0, 5_000, 100);
    assert.equal(existsSync(join(home(m1), 'ztkube.lock')), true, 'the lock is left behind (stale)');
    start(m1);
    console.error(`SIGKILL restart: m1 pingable ${await assertBackOnNetwork('after SIGKILL')} ms after the API answered`);
    assert.equal(deviceWith(m1, IP.m1), dev);

    // A device of the TAP's name left behind (a persistent one, as another tool might leave it):
    // the restart takes the next name, as 1.14.1 does, instead of failing.
    procs.m1.kill('SIGKILL');
    await stopped(procs.m1);
    await waitFor('the TAP gone with the process', () => ztDevices(m1).length === 0, 5_000, 100);
    lab!.exec(m1, 'ip', ['tuntap', 'add', 'dev', dev, 'mode', 'tap']);
    start(m1);
    await assertBackOnNetwork('past a left-behind device');
    assert.equal(deviceWith(m1, IP.m1), tapNameForNetwork(BigInt('0x' + nwid), 1));
    procs.m1.kill('SIGINT'); // as SIGTERM: a clean stop
    assert.equal((await stopped(procs.m1)).code, 0);
    assert.deepEqual(ztDevices(m1), [dev], 'its TAP is gone; the device it stepped around stays');
    assert.equal(lab!.exec(m1, 'ip', ['route', 'show', '10.147.31.0/24']).trim(), '', 'and its route');
    lab!.exec(m1, 'ip', ['link', 'del', dev]);
    start(m1);
    await assertBackOnNetwork('with the name free again');
    assert.equal(deviceWith(m1, IP.m1), dev);
  } catch (e) {
    dumpLogs();
    throw e;
  }
});

test('the controller killed with SIGKILL and restarted keeps its network and members; the members stay on it', { skip }, async () => {
  try {
    const before = api(ctl, 'GET', `/controller/network/${nwid}/member`).json;
    procs.ctl.kill('SIGKILL');
    assert.equal((await stopped(procs.ctl)).signal, 'SIGKILL');
    // The members' traffic does not need the controller (nor the root: they are direct).
    await pingable(m1, IP.m2, 'm1 → m2 while the controller is down');
    start(ctl);
    await waitFor("ctl's API", () => api(ctl, 'GET', '/status').status === 200, 20_000);
    const net = api(ctl, 'GET', `/controller/network/${nwid}`);
    assert.equal(net.status, 200);
    assert.equal(net.json.name, 'restart-net');
    assert.deepEqual(api(ctl, 'GET', `/controller/network/${nwid}/member`).json, before);
    assert.deepEqual(api(ctl, 'GET', `/controller/network/${nwid}/member/${address(m2)}`).json.ipAssignments, [IP.m2]);
    // And the members are still on the network, both ways.
    await pingable(m2, IP.m1, 'm2 → m1 after the controller restart');
    assert.equal(api(m1, 'GET', `/network/${nwid}`).json.status, 'OK');
  } catch (e) {
    dumpLogs();
    throw e;
  }
});

/** Echo requests m2's kernel has taken in (Icmp InEchos of its namespace). */
function echoesIn(h: LabHost): number {
  const lines = lab!.exec(h, 'cat', ['/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Icmp:'));
  const [names, values] = lines.map((l) => l.split(/\s+/));
  return Number(values[names.indexOf('InEchos')]);
}

/**
 * ZT_MULTICAST_ANNOUNCE_PERIOD (60 s) plus a ping check and the ARP retries: the longest m2's
 * ARP requests can go unanswered here, in 1.14.1 as in ztkube (test/interop/restart-resume).
 */
const ANNOUNCE_BOUND_MS = 75_000;

// A member restarted after the controller's own restart (controller killed: it forgot every
// MULTICAST_LIKE, and as the root it can WHOIS nobody, so it learns m1 only from m1's next
// full HELLO, minutes away). m1's echo requests pass m2's gate within seconds (ERROR(NEED_
// MEMBERSHIP_CERTIFICATE) → NETWORK_CREDENTIALS, the refused frame retried), but m2's answer
// waits for its ARP request to reach m1: m2 learns that m1 is in the ARP group only from m1's
// next LIKEs to it, due a minute after m1's last ones (before the restart), unless m1's kernel
// probes m2 by unicast first. "Within seconds" needs m1's path to m2 to outlive m2's restart,
// hence m2's fixed secondary port (M2_SECONDARY_PORT). ZeroTier One 1.14.1 does the same (test/sim/restart-scenarios,
// test/interop/restart-resume), so the bound is the announce period, not a few seconds.
test('a member restarted after the controller restart takes frames within seconds and answers within an announce period', { skip }, async () => {
  try {
    procs.m2.kill('SIGTERM');
    assert.equal((await stopped(procs.m2)).code, 0);
    assert.ok(existsSync(join(home(m2), 'peers.d', `${address(m1)}.peer`)), 'm2 saved m1 in its peer cache');
    start(m2);
    await waitFor("m2's API", () => api(m2, 'GET', '/status').status === 200, 20_000);
    assert.ok(api(m2, 'GET', '/status').json.config.settings.listeningOn.includes(`${m2.ip}/${M2_SECONDARY_PORT}`), 'm2 is back on the ports m1 knows');
    const t0 = Date.now();
    const echoes = echoesIn(m2);
    await waitFor("m1's echo requests taken in by m2", () => {
      try {
        lab!.exec(m1, 'ping', ['-c', '1', '-W', '1', IP.m2]);
      } catch {
        // Unanswered so far (m2's ARP request has not found m1): what counts here is m2's side.
      }
      return echoesIn(m2) > echoes;
    }, RESUME_DEADLINE_MS, 100);
    const gateMs = Date.now() - t0;
    const ms = await pingable(m1, IP.m2, 'm1 → m2 after both restarts', ANNOUNCE_BOUND_MS);
    console.error(`m2 restarted against the restarted controller: m1's frames in after ${gateMs} ms, pingable after ${Date.now() - t0} ms (${ms} ms more)`);
    assert.equal(api(m2, 'GET', `/network/${nwid}`).json.status, 'OK');
  } catch (e) {
    dumpLogs();
    throw e;
  }
});

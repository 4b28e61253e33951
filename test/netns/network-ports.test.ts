// Real TAPs from real daemons, in network namespaces this test creates (and removes, also
// after a failure; the daemons are ended by PID):
//
//   [ctl 10.N.0.1] --+-- br0 (switch namespace, no route off the machine)
//   [m   10.N.0.2] --+
//
// ctl is the planet's root and the network's controller and joins its own network; m
// joins it. Checked on the devices with iproute2: the TAP's name as zerotier-one names it,
// the member MAC, the MTU, the managed addresses and routes; a config change updates them;
// the local settings (allowDefault, allowManaged) add and remove them; a ping crosses the
// network between the two TAPs (ARP over the overlay); leave and SIGTERM remove the TAPs.
// The rest of the datapath is test/netns/lan.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { repoRoot } from '../helpers/shared.js';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { tapNameForNetwork } from '../../src/net/tap/names.js';
import { formatMac, macForMember } from '../../src/protocol/member-mac.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
const skip = !hasNetns() && 'needs root and iproute2';
let lab: Lab | null = null;
let work = '';
const logs: Record<string, string> = {};
const procs: Record<string, ChildProcess> = {};
let ctl: LabHost;
let m: LabHost;
let nwid = '';
let dev = '';

function ztkube(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ztkube ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const home = (h: LabHost): string => join(work, h.name);
const address = (h: LabHost): string => readFileSync(join(home(h), 'identity.public'), 'utf8').slice(0, 10);

/** One call to a daemon's local API, from inside its namespace. */
function api(h: LabHost, method: string, path: string, body?: unknown): { status: number; json: any } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const token = readFileSync(join(home(h), 'authtoken.secret'), 'utf8').trim();
  const script =
    'const [m, p, t, b] = process.argv.slice(1);' +
    "const r = await fetch('http://127.0.0.1:9993' + p, { method: m, headers: { 'X-ZT1-Auth': t }, body: b === '' ? undefined : b });" +
    "process.stdout.write(r.status + ' ' + (await r.text()));";
  const out = lab!.exec(h, process.execPath, ['--input-type=module', '-e', script, method, path, token, body === undefined ? '' : JSON.stringify(body)]);
  const sp = out.indexOf(' ');
  return { status: Number(out.slice(0, sp)), json: JSON.parse(out.slice(sp + 1) || 'null') };
}

interface Link {
  ifname: string;
  mtu: number;
  address: string;
  flags: string[];
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}

/** The TAP as `ip -j addr` shows it in h's namespace, or null when there is none. */
function link(h: LabHost): Link | null {
  try {
    return (JSON.parse(lab!.exec(h, 'ip', ['-j', 'addr', 'show', 'dev', dev])) as Link[])[0] ?? null;
  } catch {
    return null;
  }
}

const v4Addrs = (l: Link | null): string[] => (l?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`).sort();

/** Routes through the TAP, as "dst[ via gw][ metric n] proto p". */
function routes(h: LabHost): string[] {
  try {
    const rows = JSON.parse(lab!.exec(h, 'ip', ['-j', 'route', 'show', 'table', 'main', 'dev', dev])) as Array<{ dst: string; gateway?: string; metric?: number; protocol?: string }>;
    return rows.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.metric ? ` metric ${r.metric}` : ''} proto ${r.protocol ?? 'boot'}`).sort();
  } catch {
    return [];
  }
}

function ztDevices(h: LabHost): string[] {
  return (JSON.parse(lab!.exec(h, 'ip', ['-j', 'link', 'show'])) as Array<{ ifname: string }>).map((l) => l.ifname).filter((n) => n.startsWith('zt'));
}

function start(h: LabHost): void {
  const c = lab!.spawn(h, process.execPath, [cli, 'daemon', '--home', home(h), '--port', '9993', '--log-format', 'json', '--log-level', 'debug']);
  logs[h.name] = '';
  c.stderr!.on('data', (d) => (logs[h.name] += d));
  c.stdout!.on('data', (d) => (logs[h.name] += d));
  procs[h.name] = c;
}

function dumpLogs(): void {
  for (const [n, l] of Object.entries(logs)) console.error(`--- ${n} log ---\n${l.slice(-4000)}`);
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), `ztkube-ports-${process.pid}-`));
  lab = nsLab(['ctl', 'm']);
  [ctl, m] = lab.hosts;
  for (const h of lab.hosts) {
    mkdirSync(home(h));
    ztkube(['idtool', 'generate', join(home(h), 'identity.secret'), join(home(h), 'identity.public')]);
  }
  writeFileSync(join(work, 'roots.json'), JSON.stringify([{ identity: readFileSync(join(home(ctl), 'identity.public'), 'utf8').trim(), stableEndpoints: [`${ctl.ip}/9993`] }]));
  ztkube(['planet', 'create', join(work, 'roots.json'), join(work, 'planet')]);
  for (const h of lab.hosts) writeFileSync(join(home(h), 'planet'), readFileSync(join(work, 'planet')));
  start(ctl);
  start(m);
  await waitFor('both APIs up', () => api(ctl, 'GET', '/status').status === 200 && api(m, 'GET', '/status').status === 200, 30_000);
  nwid = `${address(ctl)}000001`;
  dev = tapNameForNetwork(BigInt('0x' + nwid));
  const created = api(ctl, 'POST', `/controller/network/${nwid}`, {
    name: 'ports-net',
    mtu: 2700,
    v4AssignMode: { zt: true },
    routes: [{ target: '10.147.20.0/24' }, { target: '10.99.0.0/16', via: '10.147.20.1' }, { target: '0.0.0.0/0', via: '10.147.20.1' }],
    rules: [{ type: 'ACTION_ACCEPT' }],
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  for (const [h, ip] of [[ctl, '10.147.20.1'], [m, '10.147.20.2']] as const) {
    const r = api(ctl, 'POST', `/controller/network/${nwid}/member/${address(h)}`, { authorized: true, ipAssignments: [ip] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
});

after(() => {
  lab?.teardown(); // SIGKILLs what still runs (by PID), deletes the namespaces and with them any TAP
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a joined daemon gets a TAP named as zerotier-one names it, with the member MAC, the MTU, its address and the managed routes', { skip }, async () => {
  try {
    assert.equal(api(m, 'POST', `/network/${nwid}`, {}).status, 200);
    const l = await waitFor('the TAP with its address', () => {
      const x = link(m);
      return x && v4Addrs(x).includes('10.147.20.2/24') ? x : null;
    }, 30_000);
    assert.equal(l.ifname, dev);
    assert.equal(l.address, formatMac(macForMember(BigInt('0x' + nwid), parseInt(address(m), 16))));
    assert.equal(l.mtu, 2700);
    assert.ok(l.flags.includes('UP') && l.flags.includes('MULTICAST') && l.flags.includes('BROADCAST'), l.flags.join(','));
    assert.ok(l.addr_info.some((a) => a.family === 'inet6' && a.local.startsWith('fe80::')), 'the kernel gave it a link-local address');
    // As observed of zerotier-one (06 §8.2): `tun type tap pi off vnet_hdr off persist off`,
    // except vnet_hdr, on here on purpose: the daemon's TAPs have TCP segmentation offload by
    // default (issue #8; --no-tap-offload gives zerotier-one's `vnet_hdr off`). The transmit
    // queue keeps the kernel's default (zerotier-one does not set it).
    const d = (JSON.parse(lab!.exec(m, 'ip', ['-j', '-d', 'link', 'show', 'dev', dev])) as Array<{ txqlen: number; linkinfo: { info_kind: string; info_data: Record<string, unknown> } }>)[0];
    assert.equal(d.txqlen, 1000);
    assert.equal(d.linkinfo.info_kind, 'tun');
    assert.deepEqual([d.linkinfo.info_data.type, d.linkinfo.info_data.pi, d.linkinfo.info_data.vnet_hdr, d.linkinfo.info_data.persist], ['tap', false, true, false]);
    await waitFor('the managed route', () => routes(m).includes('10.99.0.0/16 via 10.147.20.1 metric 5000 proto static'), 10_000);
    // The connected subnet is the kernel's; no default route without allowDefault.
    assert.deepEqual(routes(m), ['10.147.20.0/24 proto kernel', '10.99.0.0/16 via 10.147.20.1 metric 5000 proto static']);
    const net = api(m, 'GET', `/network/${nwid}`).json;
    assert.equal(net.portDeviceName, dev);
    assert.equal(net.status, 'OK');
    assert.equal(net.portError, 0);
    assert.equal(net.mac, l.address);
    // The 5 s scan (06 §8.8): the device's groups from /proc/net/dev_mcast, ARP's broadcast
    // group with ADI = the IPv4 address (10.147.20.2 = 177411074), the solicited-node group of
    // the link-local address.
    const ll = l.addr_info.find((a) => a.family === 'inet6')!.local;
    const low24 = ll.split(':').slice(-2).map((g) => g.padStart(4, '0')).join('').slice(-6);
    const llGroup = `33:33:ff:${low24.replace(/(..)(..)(..)/, '$1:$2:$3')}`;
    const groups = await waitFor('the multicast groups listed', () => {
      const g = (api(m, 'GET', `/network/${nwid}`).json.multicastSubscriptions as Array<{ mac: string; adi: number }>).map((x) => `${x.mac}/${x.adi}`);
      return g.includes('ff:ff:ff:ff:ff:ff/177411074') ? g : null;
    }, 15_000);
    assert.ok(groups.includes('33:33:00:00:00:01/0'), groups.join(' '));
    assert.ok(groups.includes(`${llGroup}/0`), `${llGroup} in ${groups.join(' ')}`);
  } catch (e) {
    dumpLogs();
    throw e;
  }
});

test('a config change updates the MTU, the address and the routes', { skip }, async () => {
  try {
    assert.equal(api(ctl, 'POST', `/controller/network/${nwid}`, { mtu: 2600, routes: [{ target: '10.147.20.0/24' }, { target: '10.98.0.0/16', via: '10.147.20.1' }, { target: '0.0.0.0/0', via: '10.147.20.1' }] }).status, 200);
    assert.equal(api(ctl, 'POST', `/controller/network/${nwid}/member/${address(m)}`, { ipAssignments: ['10.147.20.3'] }).status, 200);
    await waitFor('the new address, MTU and route', () => {
      const l = link(m);
      return l && l.mtu === 2600 && v4Addrs(l).join() === '10.147.20.3/24' && routes(m).join() === '10.147.20.0/24 proto kernel,10.98.0.0/16 via 10.147.20.1 metric 5000 proto static';
    }, 30_000);
  } catch (e) {
    console.error(JSON.stringify(link(m)), routes(m));
    dumpLogs();
    throw e;
  }
});

test('allowDefault adds the default route as two /1 halves; allowManaged=0 removes every managed address and route, =1 restores them', { skip }, async () => {
  try {
    assert.equal(api(m, 'POST', `/network/${nwid}`, { allowDefault: true }).json.allowDefault, true);
    await waitFor('the default route halves', () => routes(m).includes('0.0.0.0/1 via 10.147.20.1 metric 5000 proto static') && routes(m).includes('128.0.0.0/1 via 10.147.20.1 metric 5000 proto static'), 15_000);
    assert.equal(readFileSync(join(home(m), 'networks.d', `${nwid}.local.conf`), 'utf8'), 'allowManaged=1\nallowGlobal=0\nallowDefault=1\nallowDNS=0\n');
    api(m, 'POST', `/network/${nwid}`, { allowManaged: false });
    await waitFor('no managed address or route', () => v4Addrs(link(m)).length === 0 && routes(m).length === 0, 15_000);
    const l = link(m)!;
    assert.ok(l.addr_info.length === 1 && l.addr_info[0].local.startsWith('fe80::'), 'only the link-local address remains');
    const net = api(m, 'GET', `/network/${nwid}`).json;
    assert.deepEqual(net.assignedAddresses, ['10.147.20.3/24'], 'the API still lists what the controller assigned');
    api(m, 'POST', `/network/${nwid}`, { allowManaged: true, allowDefault: false });
    await waitFor('the address and route back', () => v4Addrs(link(m)).join() === '10.147.20.3/24' && routes(m).join() === '10.147.20.0/24 proto kernel,10.98.0.0/16 via 10.147.20.1 metric 5000 proto static', 15_000);
  } catch (e) {
    console.error(JSON.stringify(link(m)), routes(m));
    dumpLogs();
    throw e;
  }
});

test('an IPv4 ping crosses the network between two members’ TAPs (ARP resolved over the overlay)', { skip }, async () => {
  try {
    assert.equal(api(ctl, 'POST', `/network/${nwid}`, {}).status, 200);
    await waitFor("the controller's own TAP with 10.147.20.1", () => v4Addrs(link(ctl)).includes('10.147.20.1/24'), 30_000);
    // The controller owns the gateway: no route via itself.
    assert.deepEqual(routes(ctl), ['10.147.20.0/24 proto kernel']);
    // The first frames wait for ARP over the overlay and for credentials (COM) to reach the other member.
    await waitFor('ping replies', () => /[1-9]\d* received/.test(lab!.exec(m, 'ping', ['-c', '2', '-i', '0.3', '-W', '2', '10.147.20.1'])), 30_000, 500);
    const out = lab!.exec(ctl, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '10.147.20.3']);
    assert.match(out, /3 received/);
    assert.equal((JSON.parse(lab!.exec(ctl, 'ip', ['-j', 'neigh', 'show', '10.147.20.3', 'dev', dev])) as Array<{ lladdr?: string }>)[0]?.lladdr, link(m)!.address, 'learned by ARP');
  } catch (e) {
    dumpLogs();
    throw e;
  }
});

test('leave removes the TAP; SIGTERM removes every TAP and the daemon exits 0', { skip }, async () => {
  try {
    assert.equal(api(m, 'DELETE', `/network/${nwid}`).status, 200);
    await waitFor("m's TAP gone", () => ztDevices(m).length === 0, 10_000);
    assert.deepEqual(routes(m), []);
    const c = procs.ctl;
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    assert.deepEqual(ztDevices(ctl), [dev]);
    process.kill(c.pid!, 'SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(ztDevices(ctl), [], 'the TAP went with the daemon');
    assert.doesNotMatch(logs.ctl + logs.m, /"level":"error"/, 'no error lines');
  } catch (e) {
    dumpLogs();
    throw e;
  }
});

test('a TAP that cannot be made (here: no TAP addon) shows as PORT_ERROR with one clear error line; the daemon runs on', { skip }, async () => {
  try {
    // ctl joined its own network above, so a restart rejoins it from networks.d.
    const c = lab!.spawn(ctl, process.execPath, [cli, 'daemon', '--home', home(ctl), '--port', '9993', '--log-format', 'json'], { ZTKUBE_TAP_ADDON: join(work, 'no-such-addon.node') });
    logs['ctl restarted'] = '';
    c.stderr!.on('data', (d) => (logs['ctl restarted'] += d));
    c.stdout!.on('data', (d) => (logs['ctl restarted'] += d));
    const net = await waitFor('the network listed as PORT_ERROR', () => {
      const r = api(ctl, 'GET', `/network/${nwid}`);
      return r.status === 200 && r.json.status === 'PORT_ERROR' ? r.json : null;
    }, 20_000);
    assert.equal(net.portError, -999);
    assert.equal(net.portDeviceName, dev, 'the name it would have had');
    // The daemon's stderr arrives on its own schedule: wait for the line, not read once.
    const errorLines = (): string[] => logs['ctl restarted'].split('\n').filter((l) => l.includes('"level":"error"'));
    const errors = await waitFor('the error line', () => (errorLines().length > 0 ? errorLines() : null), 10_000, 100);
    assert.equal(api(ctl, 'GET', '/status').status, 200);
    assert.equal(errorLines().length, 1, logs['ctl restarted']);
    assert.match(errors[0], /"message":"unable to configure virtual network port"/);
    assert.match(errors[0], /addon not built/);
    assert.equal(api(ctl, 'GET', '/status').status, 200, 'the daemon runs on');
    assert.deepEqual(ztDevices(ctl), []);
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    process.kill(c.pid!, 'SIGTERM');
    assert.equal(await exited, 0);
  } catch (e) {
    dumpLogs();
    throw e;
  }
});

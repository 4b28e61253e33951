// A ZeroTier One 1.14.1 member with forceTcpRelay uses `ztkube tcp-relay` as its relay
// (issue #9, 06 §9). Opt-in like the other interop files: ZTKUBE_ZEROTIER_ONE names a
// zerotier-one 1.14.1 binary built elsewhere; skipped otherwise, with one line that says so.
//
//   ns sw: br0 ──┬── ctl   192.88.99.1  ztkube: root of the planet, controller of the network
//                ├── relay 192.88.99.2  ztkube tcp-relay --listen 192.88.99.2:443
//                ├── real  192.88.99.3  zerotier-one, local.conf forceTcpRelay + tcpFallbackRelay
//                └── b     192.88.99.4  ztkube: member
//
// zerotier-one sends no UDP at all when forced (an nft counter in its namespace proves it),
// so everything it does on the network goes through our relay: it says TUNNELED, gets its
// config and pings b over the network; the root lists it at the relay's address. The lab
// range is GLOBAL scope (the fallback only tunnels to such addresses) and stays inside the
// namespaces; zerotier-one gets our planet before its first start, never the public one.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { hasNft } from '../helpers/nat-lab.js';
import { cli, makeHomes } from '../helpers/zt-homes.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import { localApi, privateNetworkBody } from '../helpers/zt-network.js';

const zt = zerotierOne;
const interop = interopTests('ZeroTier One 1.14.1 through ztkube tcp-relay');
const V4 = '10.147.40';
let lab: Lab | null = null;
let work = '';
const logs: Record<string, string> = {};
after(() => {
  lab?.teardown(); // ends every process by PID, then removes the namespaces
  if (work) rmSync(work, { recursive: true, force: true });
});

function run(h: LabHost, cmd: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync('ip', ['netns', 'exec', h.ns, cmd, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

interop('a forced zerotier-one member reaches a ztkube network through ztkube tcp-relay', { skip: (!hasNetns() && 'needs root and iproute2') || (!hasNft() && 'needs nftables'), timeout: 120_000 }, async () => {
  work = mkdtempSync(join(tmpdir(), `ztkube-interop-tcpfb-${process.pid}-`));
  lab = nsLab(['ctl', 'relay', 'real', 'b'], undefined, '192.88.99');
  const [ctl, relay, real, b] = lab.hosts;
  const homes = makeHomes(work, ['ctl', 'real', 'b'], 'ctl', `${ctl.ip}/9993`);
  const spawn = (h: LabHost, cmd: string, args: string[]): void => {
    const c = lab!.spawn(h, cmd, args);
    logs[h.name] = '';
    const keep = (d: Buffer): void => void (logs[h.name] = (logs[h.name] + d).slice(-20_000));
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
  };
  const api = (h: LabHost) => (method: 'GET' | 'POST', path: string, body?: unknown) => localApi((c, a) => lab!.exec(h, c, a), homes.home(h.name), method, path, body);
  const ztCli = (...args: string[]): string => lab!.exec(real, zt!, ['-q', `-D${homes.home('real')}`, '-p9993', ...args]);
  try {
    // Counts every UDP datagram real sends off its loopback: it must stay 0.
    lab.exec(real, 'nft', ['add table inet ztkube_count']);
    lab.exec(real, 'nft', ['add chain inet ztkube_count out { type filter hook output priority 0 ; }']);
    lab.exec(real, 'nft', ['add rule inet ztkube_count out oifname != "lo" meta l4proto udp counter']);
    writeFileSync(join(homes.home('real'), 'local.conf'), JSON.stringify({ settings: { forceTcpRelay: true, tcpFallbackRelay: `${relay.ip}/443`, portMappingEnabled: false } }));

    spawn(relay, process.execPath, [cli, 'tcp-relay', '--listen', `${relay.ip}:443`, '--log-format', 'json']);
    spawn(ctl, process.execPath, [cli, 'daemon', '--home', homes.home('ctl'), '--port', '9993', '--log-format', 'json']);
    await waitFor('the controller API', () => api(ctl)('GET', '/controller').status === 200, 30_000, 300);
    const created = api(ctl)('POST', `/controller/network/${homes.addr('ctl')}______`, privateNetworkBody('tcp-relay', V4));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const nwid: string = created.body.id;
    for (const [m, ip] of [['real', `${V4}.3`], ['b', `${V4}.4`]]) {
      const r = api(ctl)('POST', `/controller/network/${nwid}/member/${homes.addr(m)}`, { authorized: true, ipAssignments: [ip] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    spawn(b, process.execPath, [cli, 'daemon', '--home', homes.home('b'), '--port', '9993', '--log-format', 'json']);
    spawn(real, zt!, ['-p9993', homes.home('real')]);

    await waitFor('zerotier-one TUNNELED', () => ztCli('info') === `200 info ${homes.addr('real')} 1.14.1 TUNNELED\n`, 30_000, 500);
    await waitFor('the relay to log its client', () => /"message":"relay client connected"/.test(logs.relay), 5_000);
    await waitFor('b up', () => api(b)('GET', '/status').status === 200, 30_000, 300);
    assert.equal(ztCli('join', nwid), '200 join OK\n');
    assert.equal(run(b, process.execPath, [cli, 'join', nwid, '--home', homes.home('b')]).out, '200 join OK\n');
    await waitFor('zerotier-one network OK', () => (JSON.parse(ztCli('-j', 'listnetworks')) as Array<{ nwid: string; status: string }>).find((n) => n.nwid === nwid)?.status === 'OK', 45_000, 500);
    await waitFor(`zerotier-one → b (${V4}.4) over the network`, () => run(real, 'ping', ['-c', '1', '-W', '1', `${V4}.4`]).code === 0, 45_000, 500);
    await waitFor('ctl to list zerotier-one at the relay', () => run(ctl, process.execPath, [cli, 'peers', '--home', homes.home('ctl')]).out.split('\n').find((l) => l.startsWith(homes.addr('real')) && l.includes(`${relay.ip}/`)), 10_000, 500);
    const counted = lab.exec(real, 'nft', ['list table inet ztkube_count']);
    assert.match(counted, /counter packets 0 bytes 0/, `no UDP left zerotier-one's namespace: ${counted}`);
  } catch (e) {
    for (const [n, l] of Object.entries(logs)) console.error(`--- ${n} log ---\n${l.slice(-4000)}`);
    throw e;
  }
});

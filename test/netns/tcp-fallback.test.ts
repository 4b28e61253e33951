// TCP fallback end to end (issue #9, 06 §9): a member whose namespace drops all UDP reaches
// the network through `ztkube tcp-relay`, and goes back to UDP when the block is lifted.
//
//   [ctl   192.88.99.1] --+   root of the planet and controller of the network
//   [relay 192.88.99.2] --+   ztkube tcp-relay --listen 192.88.99.2:443
//   [a     192.88.99.3] --+-- br0 (switch namespace, no route off the machine)
//   [b     192.88.99.4] --+
//   [f     192.88.99.5] --+   --force-tcp-relay: only the relay, from the start
//        a: nft drops every UDP datagram in and out (its own namespace only)
//        f: an nft counter of the UDP it sends (must stay 0)
//
// The fallback only engages for GLOBAL-scope IPv4 destinations, hence 192.88.99.0/24 (the
// test safety policy's global lab range). 1.14.1's timings are kept: no fallback in the
// first 60 s after a start, so the test takes about two minutes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { hasNft } from '../helpers/nat-lab.js';
import { cli, makeHomes, type Homes } from '../helpers/zt-homes.js';
import { localApi, privateNetworkBody } from '../helpers/zt-network.js';

const V4 = '172.30.9';
const RELAY_PORT = 443;
const skip = !hasNetns() ? 'needs root and iproute2' : !hasNft() ? 'needs nftables' : false;

let lab: Lab | null = null;
let work = '';
const logs: Record<string, string> = {};
after(() => {
  lab?.teardown(); // ends the daemons and the relay by PID, then removes the namespaces (and a's nft table with them)
  if (work) rmSync(work, { recursive: true, force: true });
});

interface LogLine {
  level: string;
  message: string;
  timestamp: string;
  [k: string]: unknown;
}

function lines(name: string): LogLine[] {
  return (logs[name] ?? '')
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map((l) => JSON.parse(l) as LogLine);
}

const said = (name: string, message: string, extra: (l: LogLine) => boolean = () => true): LogLine | undefined => lines(name).find((l) => l.message === message && extra(l));

function spawnLogged(h: LabHost, args: string[]): void {
  const c = lab!.spawn(h, process.execPath, [cli, ...args, '--log-format', 'json']);
  logs[h.name] = '';
  c.stdout!.on('data', (d) => (logs[h.name] += d));
  c.stderr!.on('data', (d) => (logs[h.name] += d));
}

/** Runs a command in h's namespace; exit code and output, never throws. */
function run(h: LabHost, cmd: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync('ip', ['netns', 'exec', h.ns, cmd, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('a member with UDP blocked reaches the network through a TCP relay, and returns to UDP when the block is lifted', { skip, timeout: 300_000 }, async () => {
  const t0 = Date.now();
  const stamp = (what: string): void => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
  work = mkdtempSync(join(tmpdir(), `ztkube-tcpfb-${process.pid}-`));
  lab = nsLab(['ctl', 'relay', 'a', 'b', 'f'], undefined, '192.88.99');
  const [ctl, relay, a, b, f] = lab.hosts;
  const homes: Homes = makeHomes(work, ['ctl', 'a', 'b', 'f'], 'ctl', `${ctl.ip}/9993`);
  const apiOf = (h: LabHost) => (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => localApi((c, args) => lab!.exec(h, c, args), homes.home(h.name), method, path, body);
  const ours = (h: LabHost, ...args: string[]): string => lab!.exec(h, process.execPath, [cli, ...args, '--home', homes.home(h.name)]);
  const ping = (from: LabHost, to: string): boolean => run(from, 'ping', ['-c', '1', '-W', '1', to]).code === 0;

  try {
    // a drops every UDP datagram, in and out, before its daemon starts.
    lab.exec(a, 'nft', ['add table inet ztkube_block']);
    lab.exec(a, 'nft', ['add chain inet ztkube_block in { type filter hook input priority 0 ; }']);
    lab.exec(a, 'nft', ['add chain inet ztkube_block out { type filter hook output priority 0 ; }']);
    lab.exec(a, 'nft', ['add rule inet ztkube_block in meta l4proto udp drop']);
    lab.exec(a, 'nft', ['add rule inet ztkube_block out meta l4proto udp drop']);
    lab.exec(f, 'nft', ['add table inet ztkube_count']);
    lab.exec(f, 'nft', ['add chain inet ztkube_count out { type filter hook output priority 0 ; }']);
    lab.exec(f, 'nft', ['add rule inet ztkube_count out oifname != "lo" meta l4proto udp counter']);

    spawnLogged(relay, ['tcp-relay', '--listen', `${relay.ip}:${RELAY_PORT}`]);
    spawnLogged(ctl, ['daemon', '--home', homes.home('ctl'), '--port', '9993']);
    const api = apiOf(ctl);
    await waitFor('the controller API', () => api('GET', '/controller').status === 200, 30_000, 300);
    await waitFor('the relay to listen', () => said('relay', 'tcp relay listening'), 10_000);
    const created = api('POST', `/controller/network/${homes.addr('ctl')}______`, privateNetworkBody('tcpfb', V4));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const nwid: string = created.body.id;
    const v4: Record<string, string> = {};
    for (const [m, last] of [['a', 13], ['b', 14], ['f', 15]] as const) {
      v4[m] = `${V4}.${last}`;
      const r = api('POST', `/controller/network/${nwid}/member/${homes.addr(m)}`, { authorized: true, ipAssignments: [v4[m]] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      mkdirSync(join(homes.home(m), 'networks.d'), { recursive: true });
      writeFileSync(join(homes.home(m), 'networks.d', `${nwid}.conf`), ''); // joined at start
    }
    spawnLogged(b, ['daemon', '--home', homes.home('b'), '--port', '9993']);
    spawnLogged(a, ['daemon', '--home', homes.home('a'), '--port', '9993', '--tcp-fallback-relay', `${relay.ip}/${RELAY_PORT}`]);
    const aStarted = await waitFor('a to start', () => said('a', 'started'), 30_000);
    stamp('a started with UDP blocked');

    // Meanwhile f, forced, tunnels from its start and never sends UDP.
    spawnLogged(f, ['daemon', '--home', homes.home('f'), '--port', '9993', '--force-tcp-relay', '--tcp-fallback-relay', `${relay.ip}/${RELAY_PORT}`]);
    const fStarted = await waitFor('f to start', () => said('f', 'started'), 30_000);
    const fOpened = await waitFor('f to open its tunnel', () => said('f', 'tcp relay tunnel open: udp seems blocked, packets go through the relay'), 20_000, 200);
    assert.ok(Date.parse(fOpened.timestamp) - Date.parse(fStarted.timestamp) < 10_000, 'forced: the tunnel opens at once');
    await waitFor('f network OK', () => apiOf(f)('GET', `/network/${nwid}`).body?.status === 'OK', 30_000, 500);
    await waitFor(`f → b (${v4.b}) over the network`, () => ping(f, v4.b), 30_000, 500);
    assert.equal(ours(f, 'info'), `200 info ${homes.addr('f')} 1.14.1 TUNNELED\n`);
    const fStatus = apiOf(f)('GET', '/status').body;
    assert.equal(fStatus.tcpFallbackActive, true);
    assert.equal(fStatus.config.settings.forceTcpRelay, true);
    const counted = lab.exec(f, 'nft', ['list table inet ztkube_count']);
    assert.match(counted, /counter packets 0 bytes 0/, `f sent no UDP: ${counted}`);
    assert.equal(said('a', 'tcp relay tunnel open: udp seems blocked, packets go through the relay'), undefined, 'a: not yet');
    stamp('f (forced) pings b through the relay, without a UDP datagram');

    // 1.14.1's rule: nothing for 60 s after the start, then two sends 2.5-60 s apart connect.
    const opened = await waitFor('a to open the TCP relay tunnel', () => said('a', 'tcp relay tunnel open: udp seems blocked, packets go through the relay'), 150_000, 500);
    const afterStartMs = Date.parse(opened.timestamp) - Date.parse(aStarted.timestamp);
    assert.ok(afterStartMs >= 60_000, `the tunnel opened ${afterStartMs} ms after the start: not before 60 s`);
    assert.equal(opened.relay, `${relay.ip}/${RELAY_PORT}`);
    stamp(`tunnel open ${(afterStartMs / 1000).toFixed(1)} s after a's start`);

    // Through the relay only: a gets its config and pings b over the ZeroTier network.
    await waitFor('a network OK', () => apiOf(a)('GET', `/network/${nwid}`).body?.status === 'OK', 60_000, 500);
    await waitFor(`a → b (${v4.b}) over the network`, () => ping(a, v4.b), 60_000, 500);
    stamp('a pings b through the relay');
    const status = apiOf(a)('GET', '/status').body;
    assert.equal(status.tcpFallbackActive, true);
    assert.equal(status.online, true, 'online: the root answered through the tunnel');
    assert.equal(ours(a, 'info'), `200 info ${homes.addr('a')} 1.14.1 TUNNELED\n`);
    assert.match(ours(a, 'peers'), /NOTE: Currently tunneling through a TCP relay/);
    // a's path to the root is the root's real address on local socket -1 (unsigned 64-bit in JSON), as 1.14.1 shows it.
    const rootPeer = apiOf(a)('GET', `/peer/${homes.addr('ctl')}`).body;
    assert.equal(rootPeer.tunneled, true);
    assert.ok(
      rootPeer.paths.some((p: { address: string; localSocket: number }) => p.address === `${ctl.ip}/9993` && p.localSocket === 18446744073709551615),
      JSON.stringify(rootPeer.paths),
    );
    // The root sees a at the relay's address, from the port the relay gave a (1024 and up).
    const seenAt = await waitFor('ctl to list a via the relay', () => ours(ctl, 'peers').split('\n').find((l) => l.startsWith(homes.addr('a')) && l.includes(`${relay.ip}/`)), 10_000, 500);
    assert.ok(Number(/\/(\d+)$/.exec(seenAt)![1]) >= 1024, seenAt);
    const aClient = said('relay', 'relay client connected', (l) => String(l.from).startsWith(`${a.ip}:`));
    assert.ok(aClient, 'the relay logged a as its client');

    // The block is lifted: a's UDP works again, and the tunnel closes within the 30 s rule.
    lab.exec(a, 'nft', ['delete table inet ztkube_block']);
    const liftedAt = Date.now();
    stamp('UDP block lifted');
    const closed = await waitFor('a to close the tunnel', () => said('a', 'tcp relay tunnel closed', (l) => l.reason === 'udp works again'), 60_000, 500);
    stamp(`tunnel closed after ${((Date.now() - liftedAt) / 1000).toFixed(1)} s`);
    assert.ok(Number(closed.sentTotal) > 0 && Number(closed.receivedTotal) > 0, JSON.stringify(closed));
    assert.equal(apiOf(a)('GET', '/status').body.tcpFallbackActive, false);
    assert.equal(ours(a, 'info'), `200 info ${homes.addr('a')} 1.14.1 ONLINE\n`);
    await waitFor(`a → b (${v4.b}) over UDP`, () => ping(a, v4.b), 30_000, 500);
    await waitFor('ctl to list a at its own address', () => ours(ctl, 'peers').split('\n').find((l) => l.startsWith(homes.addr('a')) && l.includes(`${a.ip}/`)), 60_000, 500);
    await waitFor('the relay to see a leave', () => said('relay', 'relay client closed', (l) => l.client === aClient.client), 10_000);
    for (const n of ['ctl', 'a', 'b', 'f']) assert.ok(!lines(n).some((l) => l.message === 'internal error'), `${n}: no internal errors`);
    stamp('back on UDP');
  } catch (e) {
    for (const [n, l] of Object.entries(logs)) console.error(`--- ${n} log ---\n${l.slice(-4000)}`);
    throw e;
  }
});

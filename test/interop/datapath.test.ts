// The Ethernet datapath between a ztkube member and a ZeroTier One 1.14.1 member of the same
// network (issue #8). Opt-in like the other interop files: ZTKUBE_ZEROTIER_ONE names a
// zerotier-one 1.14.1 binary built elsewhere; skipped otherwise, with one line that says so.
//
//   ns sw: br0 ──┬── kctl  10.N.0.1  ztkube: root of planet K, controller of network A
//                ├── kreal 10.N.0.2  zerotier-one: member of A   (10.147.30.2)
//                ├── kours 10.N.0.3  ztkube: member of A         (10.147.30.3)
//                ├── rctl  10.N.0.4  zerotier-one: root of planet R, controller of network B
//                ├── rreal 10.N.0.5  zerotier-one: member of B   (10.147.31.2)
//                └── rours 10.N.0.6  ztkube: member of B         (10.147.31.3)
//
// On each network, between the two members' TAPs, with nothing set up by hand on them:
// IPv4 pings both ways over a direct path (both `peers` show DIRECT to the other's physical
// address), ARP entries resolving to the member MACs, pings to the RFC4193 and 6PLANE
// addresses both ways with their neighbour entries (6PLANE answered by NDP emulation),
// iperf3 TCP both ways without a stall (figures printed), an IPv6 all-nodes ping and an IPv4
// broadcast ping answered by the other member (the broadcast one up to ~75 s after the join:
// 1.14.1 announces its broadcast group late, see below). The two networks run at once, their
// iperf3 runs one after the other; about 75 s in all.
//
// Every zerotier-one home gets our planet before its first start (never the public one) and a
// local.conf without TCP fallback and port mapping. The only sysctl set is the IPv4
// broadcast-echo one, inside the members' own namespaces. Teardown ends every process this
// file started, by PID, and removes the namespaces, also after a failure.
import { after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { cli, makeHomes, type Homes } from '../helpers/zt-homes.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import { localApi, memberMac, privateNetworkBody, rfc4193, sixPlane } from '../helpers/zt-network.js';

const zt = zerotierOne;
const interop = interopTests('Ethernet datapath between ztkube and ZeroTier One 1.14.1');
const execFileP = promisify(execFile);
let lab: Lab | null = null;
let work = '';
after(() => {
  lab?.teardown(); // ends every daemon by PID, then removes the namespaces
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A command in a host's namespace without blocking the event loop (the daemons' pipes keep draining). */
async function sh(h: LabHost, cmd: string, args: string[], timeoutMs = 20_000): Promise<string> {
  const { stdout } = await execFileP('ip', ['netns', 'exec', h.ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 });
  return stdout;
}

/** Like waitFor, for an async check. */
async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 300): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message.split('\n').slice(0, 3).join(' ')}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const bare = (cidr: string): string => cidr.split('/')[0];

/** The two networks' iperf3 runs take turns, so that neither's figures carry the other's load. */
let iperfTurn: Promise<void> = Promise.resolve();
function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const run = iperfTurn.then(fn);
  iperfTurn = run.then(() => undefined, () => undefined);
  return run;
}

interface Member {
  host: LabHost;
  home: string;
  addr: string;
  v4: string;
  /** Its `peers` lines (zerotier-cli format, both implementations). */
  peers(): Promise<string>;
  networks(): Promise<any[]>;
  join(nwid: string): Promise<string>;
}

interface Scenario {
  label: string;
  ctl: LabHost;
  homes: Homes;
  real: Member;
  ours: Member;
  v4: string;
  log(): string;
}

async function datapath(t: TestContext, s: Scenario): Promise<void> {
  const t0 = Date.now();
  const say = (what: string): void => {
    t.diagnostic(`[${s.label} ${((Date.now() - t0) / 1000).toFixed(1)} s] ${what}`);
  };
  const ctlHome = s.homes.home(s.ctl.name);
  const api = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => localApi((c, a) => lab!.exec(s.ctl, c, a), ctlHome, method, path, body);
  const { real, ours } = s;
  try {
    await waitFor('the controller API', () => api('GET', '/controller').status === 200, 30_000, 300);
    const created = api('POST', `/controller/network/${s.homes.addr(s.ctl.name)}______`, privateNetworkBody('datapath', s.v4));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const nwid: string = created.body.id;
    for (const m of [real, ours]) {
      const r = api('POST', `/controller/network/${nwid}/member/${m.addr}`, { authorized: true, ipAssignments: [m.v4] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    say(`network ${nwid}; members ${real.addr} (zerotier-one) ${ours.addr} (ztkube) pre-authorized`);

    await until('both members up', async () => Array.isArray(await real.networks()) && Array.isArray(await ours.networks()), 30_000);
    for (const m of [real, ours]) assert.equal(await m.join(nwid), '200 join OK\n');
    const joinedAt = Date.now();
    const net = async (m: Member): Promise<any> => (await m.networks()).find((n) => n.nwid === nwid);
    const [nr, no] = await until(
      'both members OK with their addresses',
      async () => {
        const [a, b] = [await net(real), await net(ours)];
        return a?.status === 'OK' && b?.status === 'OK' && a.portDeviceName && b.portDeviceName && a.assignedAddresses.length === 3 && b.assignedAddresses.length === 3 && [a, b];
      },
      45_000,
    );
    const dev = nr.portDeviceName as string;
    assert.equal(no.portDeviceName, dev, 'the same device name');
    const mac = { real: memberMac(nwid, real.addr), ours: memberMac(nwid, ours.addr) };
    assert.equal(nr.mac, mac.real);
    assert.equal(no.mac, mac.ours);
    const six = { real: bare(sixPlane(nwid, real.addr)), ours: bare(sixPlane(nwid, ours.addr)) };
    const ula = { real: bare(rfc4193(nwid, real.addr)), ours: bare(rfc4193(nwid, ours.addr)) };
    const other = (m: Member): Member => (m === real ? ours : real);
    const key = (m: Member): 'real' | 'ours' => (m === real ? 'real' : 'ours');

    // Every address on the TAP (the IPv6 ones after DAD).
    const tapAddrs = async (m: Member): Promise<string[]> => {
      const rows = JSON.parse(await sh(m.host, 'ip', ['-j', 'addr', 'show', 'dev', dev])) as Array<{ addr_info: Array<{ local: string; tentative?: boolean }> }>;
      return rows[0].addr_info.filter((a) => !a.tentative).map((a) => a.local);
    };
    for (const m of [real, ours]) {
      const want = [m.v4, ula[key(m)], six[key(m)]];
      await until(`${m.host.name}'s TAP with ${want.join(' ')}`, async () => {
        const have = await tapAddrs(m);
        return want.every((a) => have.includes(a));
      }, 30_000);
    }
    say(`both TAPs ${dev} up: ${real.v4} ${ula.real} ${six.real} / ${ours.v4} ${ula.ours} ${six.ours}`);

    const ping = async (from: Member, to: string, count = 3): Promise<string> => sh(from.host, 'ping', ['-c', String(count), '-i', '0.2', '-W', '2', to], 15_000);
    const received = (out: string): number => Number(/ (\d+) received/.exec(out)?.[1] ?? 0);

    // IPv4 both ways, through ARP (no static neighbours), until a path carries it.
    for (const m of [ours, real]) {
      await until(`ping ${m.host.name} → ${other(m).v4}`, async () => received(await ping(m, other(m).v4, 2)) > 0, 40_000, 200);
    }
    say('IPv4 ping crosses both ways');

    // Direct: each side's peers list shows the other member on its physical address.
    await until(
      'the two members DIRECT at each other',
      async () => {
        const pr = (await real.peers()).split('\n').find((l) => l.startsWith(ours.addr));
        const po = (await ours.peers()).split('\n').find((l) => l.startsWith(real.addr));
        return pr && / DIRECT /.test(pr) && pr.includes(`${ours.host.ip}/`) && po && / DIRECT /.test(po) && po.includes(`${real.host.ip}/`) && [pr, po];
      },
      60_000,
      500,
    ).then(([pr, po]) => say(`zerotier-one: ${pr.replace(/\s+/g, ' ')} | ztkube: ${po.replace(/\s+/g, ' ')}`));
    for (const m of [ours, real]) {
      const out = await ping(m, other(m).v4, 5);
      assert.equal(received(out), 5, `${m.host.name} → ${other(m).v4} over the direct path:\n${out}`);
      say(`ping ${m.host.name} → ${other(m).v4}: ${/rtt .*/.exec(out)?.[0]}`);
    }

    // The neighbour entries (ARP, NDP) each side holds for the other's addresses.
    const neigh = async (m: Member, ip: string): Promise<string | undefined> => {
      const rows = JSON.parse(await sh(m.host, 'ip', ['-j', 'neigh', 'show', 'dev', dev, 'to', ip])) as Array<{ dst: string; lladdr?: string; state?: string[] }>;
      return rows.find((r) => r.dst === ip && r.lladdr && !(r.state ?? []).includes('FAILED'))?.lladdr;
    };
    for (const m of [ours, real]) assert.equal(await neigh(m, other(m).v4), mac[key(other(m))], `${m.host.name}'s ARP entry for ${other(m).v4}`);
    say(`ARP: each side resolves the other to its member MAC (${mac.real}, ${mac.ours})`);

    // IPv6: RFC4193 (ordinary NDP across the network) and 6PLANE (NDP emulated by the
    // destination's own node), both ways, then their neighbour entries.
    for (const [what, addrs] of [['RFC4193', ula], ['6PLANE', six]] as const) {
      for (const m of [ours, real]) {
        const to = addrs[key(other(m))];
        await until(`ping6 ${m.host.name} → ${to} (${what})`, async () => received(await ping(m, to, 2)) > 0, 20_000, 200);
        const out = await ping(m, to, 3);
        assert.equal(received(out), 3, `${what} ${m.host.name} → ${to}:\n${out}`);
        assert.equal(await neigh(m, to), mac[key(other(m))], `${m.host.name}'s neighbour entry for ${to}`);
      }
      say(`${what}: ping6 both ways; the neighbour entries resolve to the member MACs`);
    }

    // iperf3 TCP, 5 s each way (-R for the reverse), with one-second intervals: none empty.
    await oneAtATime(async () => {
      const server = lab!.spawn(real.host, 'iperf3', ['-s', '-1', '-B', real.v4]);
      await until('the iperf3 server', async () => (await sh(real.host, 'ss', ['-Htln', `sport = :5201`])).includes('5201'), 10_000, 100);
      for (const reverse of [false, true]) {
        const [from, to] = reverse ? ['zerotier-one', 'ztkube'] : ['ztkube', 'zerotier-one'];
        const r = JSON.parse(await sh(ours.host, 'iperf3', ['-J', '-c', real.v4, '-t', '5', '-i', '1', '-O', '1', ...(reverse ? ['-R'] : [])], 30_000));
        if (r.error) throw new Error(`iperf3 ${from} → ${to}: ${r.error}`);
        const intervals = (r.intervals as Array<{ sum: { bits_per_second: number; omitted: boolean } }>).filter((i) => !i.sum.omitted).map((i) => i.sum.bits_per_second / 1e6);
        const rcv = r.end.sum_received.bits_per_second / 1e6;
        const retr = r.end.sum_sent.retransmits;
        say(`iperf3 TCP ${from} → ${to}: ${rcv.toFixed(0)} Mbit/s received, ${retr ?? '?'} retransmits; per second ${intervals.map((x) => x.toFixed(0)).join(' ')}`);
        assert.ok(intervals.length >= 4, `${intervals.length} intervals`);
        assert.ok(intervals.every((x) => x > 1), `a stall ${from} → ${to}: ${intervals.join(' ')}`);
        if (!reverse) {
          // -1: the server exits after one test; start it again for the reverse run.
          await until('the iperf3 server gone', async () => server.exitCode !== null, 10_000, 100);
          lab!.spawn(real.host, 'iperf3', ['-s', '-1', '-B', real.v4]);
          await until('the iperf3 server again', async () => (await sh(real.host, 'ss', ['-Htln', `sport = :5201`])).includes('5201'), 10_000, 100);
        }
      }
      // the lab's teardown ends an iperf3 server still running after a failure
    });

    // Multicast: an IPv6 all-nodes ping answered by the other member's link-local address.
    const linkLocal = async (m: Member): Promise<string> => (await tapAddrs(m)).find((a) => a.startsWith('fe80:'))!;
    for (const m of [ours, real]) {
      const them = await until(`${other(m).host.name}'s link-local address`, () => linkLocal(other(m)), 10_000);
      const out = await until(`ff02::1 from ${m.host.name} answered by ${them}`, async () => {
        const o = await sh(m.host, 'ping', ['-6', '-c', '3', '-i', '0.3', '-w', '3', `ff02::1%${dev}`], 10_000).catch((e) => String(e.stdout ?? ''));
        return o.includes(`from ${them}%${dev}:`) && o;
      }, 20_000, 200);
      say(`all-nodes ff02::1%${dev} from ${m.host.name}: ${out.split('\n').filter((l) => l.includes(`from ${them}%`)).length} answers from ${them}`);
    }

    // Broadcast: an IPv4 broadcast ping each way, answered by the other member. Its group
    // (ff:ff:ff:ff:ff:ff, ADI 0) is not one the TAP subscribes to: 1.14.1 adds it to its
    // groups only when announcing all of them (Network::_allMulticastGroups), that is at a
    // member's first full announcement after its config arrived — its upstreams hear it
    // within ZT_MULTICAST_ANNOUNCE_PERIOD (60 s) of the join, a peer whose FRAME passes the
    // gate at once. So this waits for up to ~75 s after the join, both ways at once.
    for (const m of [real, ours]) await sh(m.host, 'sysctl', ['-q', '-w', 'net.ipv4.icmp_echo_ignore_broadcasts=0']);
    const bcast = `${s.v4}.255`;
    await Promise.all(
      [ours, real].map(async (m) => {
        const them = other(m).v4;
        const out = await until(`a broadcast ping from ${m.host.name} answered by ${them}`, async () => {
          const o = await sh(m.host, 'ping', ['-b', '-c', '2', '-i', '0.5', '-w', '2', '-I', dev, bcast], 10_000).catch((e) => String(e.stdout ?? ''));
          return o.includes(`from ${them}:`) && o;
        }, Math.max(20_000, joinedAt + 75_000 - Date.now()), 500);
        say(`broadcast ${m.host.name} → ${bcast}: ${out.split('\n').filter((l) => l.includes(`from ${them}:`)).length} answers from ${them}`);
      }),
    );
  } catch (e) {
    console.error(`--- ${s.label} logs ---\n${s.log().slice(-8000)}`);
    throw e;
  }
}

interop('the Ethernet datapath between a ztkube member and a ZeroTier One member, on a ztkube and on a zerotier-one controller', { skip: !hasNetns() && 'needs root and iproute2', timeout: 180_000, concurrency: 2 }, async (t) => {
  work = mkdtempSync(join(tmpdir(), `ztkube-interop-dp-${process.pid}-`));
  lab = nsLab(['kctl', 'kreal', 'kours', 'rctl', 'rreal', 'rours']);
  const [kctl, kreal, kours, rctl, rreal, rours] = lab.hosts;
  const planetK = makeHomes(join(work, 'K'), ['kctl', 'kreal', 'kours'], 'kctl', `${kctl.ip}/9993`);
  const planetR = makeHomes(join(work, 'R'), ['rctl', 'rreal', 'rours'], 'rctl', `${rctl.ip}/9993`);
  const logs: Record<string, string> = {};
  const spawn = (h: LabHost, cmd: string, args: string[]): void => {
    const c = lab!.spawn(h, cmd, args);
    logs[h.name] = '';
    const keep = (d: Buffer): void => {
      logs[h.name] = (logs[h.name] + d).slice(-20_000);
    };
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
  };
  for (const [h, homes] of [[kreal, planetK], [rctl, planetR], [rreal, planetR]] as const) {
    writeFileSync(join(homes.home(h.name), 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false } }));
  }
  for (const [h, homes] of [[kctl, planetK], [kours, planetK], [rours, planetR]] as const) spawn(h, process.execPath, [cli, 'daemon', '--home', homes.home(h.name), '--port', '9993', '--log-level', 'warn']);
  for (const [h, homes] of [[kreal, planetK], [rctl, planetR], [rreal, planetR]] as const) spawn(h, zt!, ['-p9993', homes.home(h.name)]);

  const theirs = (h: LabHost, homes: Homes, v4: string): Member => {
    const home = homes.home(h.name);
    const cliRun = (...args: string[]): Promise<string> => sh(h, zt!, ['-q', `-D${home}`, '-p9993', ...args]);
    return { host: h, home, addr: homes.addr(h.name), v4, peers: () => cliRun('peers'), networks: async () => JSON.parse(await cliRun('-j', 'listnetworks')), join: (nwid) => cliRun('join', nwid) };
  };
  const ours = (h: LabHost, homes: Homes, v4: string): Member => {
    const home = homes.home(h.name);
    const cliRun = (cmd: string, ...args: string[]): Promise<string> => sh(h, process.execPath, [cli, cmd, '--home', home, ...args]);
    return { host: h, home, addr: homes.addr(h.name), v4, peers: () => cliRun('peers'), networks: async () => JSON.parse(await cliRun('listnetworks', '-j')), join: (nwid) => cliRun('join', nwid) };
  };
  const logOf = (...names: string[]) => () => names.map((n) => `${n}:\n${logs[n]}`).join('\n');
  await Promise.all([
    t.test('on a ztkube controller\'s network', (st) =>
      datapath(st, { label: 'ztkube controller', ctl: kctl, homes: planetK, real: theirs(kreal, planetK, '10.147.30.2'), ours: ours(kours, planetK, '10.147.30.3'), v4: '10.147.30', log: logOf('kctl', 'kreal', 'kours') }),
    ),
    t.test('on a zerotier-one controller\'s network', (st) =>
      datapath(st, { label: 'zerotier-one controller', ctl: rctl, homes: planetR, real: theirs(rreal, planetR, '10.147.31.2'), ours: ours(rours, planetR, '10.147.31.3'), v4: '10.147.31', log: logOf('rctl', 'rreal', 'rours') }),
    ),
  ]);
});

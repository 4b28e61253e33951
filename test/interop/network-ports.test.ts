// Our TAPs next to ZeroTier One 1.14.1's, on the same network (opt-in: ZTKUBE_ZEROTIER_ONE).
//
//   ns sw: br0 ──┬── ctl  10.N.0.1  ztkube: planet root, the network's controller
//                ├── real 10.N.0.2  zerotier-one member (10.147.20.2)
//                └── ours 10.N.0.3  ztkube member       (10.147.20.3)
//
// Both members' TAPs are read with iproute2 and compared: the device name, the MAC rule, the
// MTU, and the managed addresses and routes under the same local settings (default,
// allowDefault=1, allowManaged=0) must be the same lines. Then a ping crosses between the two
// TAPs (static neighbours: our node does not do multicast, so no ARP, yet).
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { cli, ztkube } from '../helpers/zt-homes.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import { tapNameForNetwork } from '../../src/net/tap/names.js';
import { formatMac, macForMember } from '../../src/protocol/member-mac.js';

const zt = zerotierOne;
const interop = interopTests('TAPs next to ZeroTier One 1.14.1');
const skip = !hasNetns() ? 'needs root and iproute2' : false;
let lab: Lab | null = null;
let work = '';

after(() => {
  lab?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Link {
  ifname: string;
  mtu: number;
  address: string;
  flags: string[];
  addr_info: Array<{ family: string; local: string; prefixlen: number }>;
}

interop('a ztkube member’s TAP matches a ZeroTier One member’s: name, MAC, MTU, addresses, routes; a ping crosses between them', { skip, timeout: 180_000 }, async () => {
  work = mkdtempSync(join(tmpdir(), `ztkube-tapinterop-${process.pid}-`));
  lab = nsLab(['ctl', 'real', 'ours']);
  const [ctl, real, ours] = lab.hosts;
  const home = (h: LabHost): string => join(work, h.name);
  for (const h of lab.hosts) {
    mkdirSync(home(h));
    ztkube(['idtool', 'generate', join(home(h), 'identity.secret'), join(home(h), 'identity.public')]);
  }
  const addr = (h: LabHost): string => readFileSync(join(home(h), 'identity.public'), 'utf8').slice(0, 10);
  writeFileSync(join(work, 'roots.json'), JSON.stringify([{ identity: readFileSync(join(home(ctl), 'identity.public'), 'utf8').trim(), stableEndpoints: [`${ctl.ip}/9993`] }]));
  ztkube(['planet', 'create', join(work, 'roots.json'), join(work, 'planet')]);
  for (const h of lab.hosts) writeFileSync(join(home(h), 'planet'), readFileSync(join(work, 'planet')));
  writeFileSync(join(home(real), 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false, allowSecondaryPort: true } }));
  const logs: Record<string, string> = {};
  for (const h of [ctl, ours]) {
    const c = lab.spawn(h, process.execPath, [cli, 'daemon', '--home', home(h), '--port', '9993', '--log-format', 'json']);
    logs[h.name] = '';
    c.stderr!.on('data', (d) => (logs[h.name] += d));
  }
  const zc = lab.spawn(real, zt!, ['-p9993', home(real)]);
  logs.real = '';
  zc.stderr!.on('data', (d) => (logs.real += d));
  zc.stdout!.on('data', (d) => (logs.real += d));

  const api = (h: LabHost, method: string, path: string, body?: unknown): { status: number; json: any } => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const token = readFileSync(join(home(h), 'authtoken.secret'), 'utf8').trim();
    const script =
      'const [m, p, t, b] = process.argv.slice(1);' +
      "const r = await fetch('http://127.0.0.1:9993' + p, { method: m, headers: { 'X-ZT1-Auth': t }, body: b === '' ? undefined : b });" +
      "process.stdout.write(r.status + ' ' + (await r.text()));";
    const out = lab!.exec(h, process.execPath, ['--input-type=module', '-e', script, method, path, token, body === undefined ? '' : JSON.stringify(body)]);
    const sp = out.indexOf(' ');
    return { status: Number(out.slice(0, sp)), json: JSON.parse(out.slice(sp + 1) || 'null') };
  };
  const ztCli = (args: string[]): string => lab!.exec(real, zt!, ['-q', `-D${home(real)}`, '-p9993', ...args]);

  try {
    await waitFor('the APIs up', () => api(ctl, 'GET', '/status').status === 200 && api(ours, 'GET', '/status').status === 200 && /^200 info/.test(ztCli(['info'])), 60_000, 500);
    const nwid = `${addr(ctl)}000001`;
    const dev = tapNameForNetwork(BigInt('0x' + nwid));
    assert.equal(
      api(ctl, 'POST', `/controller/network/${nwid}`, {
        name: 'interop-ports',
        mtu: 2700,
        v4AssignMode: { zt: true },
        routes: [{ target: '10.147.20.0/24' }, { target: '10.99.0.0/16', via: '10.147.20.1' }, { target: '0.0.0.0/0', via: '10.147.20.1' }, { target: '44.0.0.0/8', via: '10.147.20.1' }],
        rules: [{ type: 'ACTION_ACCEPT' }],
      }).status,
      200,
    );
    for (const [h, ip] of [[real, '10.147.20.2'], [ours, '10.147.20.3']] as const) assert.equal(api(ctl, 'POST', `/controller/network/${nwid}/member/${addr(h)}`, { authorized: true, ipAssignments: [ip] }).status, 200);
    ztCli(['join', nwid]);
    api(ours, 'POST', `/network/${nwid}`, {});

    const link = (h: LabHost): Link | null => {
      try {
        return (JSON.parse(lab!.exec(h, 'ip', ['-j', 'addr', 'show', 'dev', dev])) as Link[])[0] ?? null;
      } catch {
        return null;
      }
    };
    const v4 = (h: LabHost): string[] => (link(h)?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
    const routes = (h: LabHost): string[] => {
      const rows = JSON.parse(lab!.exec(h, 'ip', ['-j', 'route', 'show', 'table', 'main', 'dev', dev])) as Array<{ dst: string; gateway?: string; metric?: number; protocol?: string; scope?: string }>;
      // The source address differs per member by design; everything else must match.
      return rows.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} metric ${r.metric ?? 0} proto ${r.protocol ?? 'boot'} scope ${r.scope ?? 'global'}`).sort();
    };
    await waitFor('both TAPs with their addresses', () => v4(real).includes('10.147.20.2/24') && v4(ours).includes('10.147.20.3/24'), 60_000, 500);
    const [lr, lo] = [link(real)!, link(ours)!];
    assert.equal(lo.ifname, lr.ifname, 'the same device name');
    assert.equal(lr.address, formatMac(macForMember(BigInt('0x' + nwid), parseInt(addr(real), 16))), 'their MAC follows the rule we use');
    assert.equal(lo.address, formatMac(macForMember(BigInt('0x' + nwid), parseInt(addr(ours), 16))));
    assert.equal(lo.mtu, lr.mtu);
    assert.deepEqual([...lo.flags].sort(), [...lr.flags].sort());
    const same = async (what: string): Promise<void> => {
      // ZeroTier One syncs routes in its own time (its route cache, the 30 s binder pass).
      await waitFor(`the same routes ${what}`, () => routes(ours).join() === routes(real).join() && v4(ours).length === v4(real).length, 45_000, 500).catch((e: Error) => {
        throw new Error(`${e.message}\nzerotier-one: ${routes(real).join(' | ')} ${v4(real).join(',')}\nztkube:       ${routes(ours).join(' | ')} ${v4(ours).join(',')}`);
      });
    };
    await same('with the default settings');
    assert.ok(routes(ours).includes('10.99.0.0/16 via 10.147.20.1 metric 5000 proto static scope global'), routes(ours).join(' | '));

    ztCli(['set', nwid, 'allowDefault=1']);
    ztCli(['set', nwid, 'allowGlobal=1']);
    api(ours, 'POST', `/network/${nwid}`, { allowDefault: true, allowGlobal: true });
    await same('with allowDefault=1 allowGlobal=1');
    assert.ok(routes(ours).includes('0.0.0.0/1 via 10.147.20.1 metric 5000 proto static scope global'), routes(ours).join(' | '));

    ztCli(['set', nwid, 'allowManaged=0']);
    api(ours, 'POST', `/network/${nwid}`, { allowManaged: false });
    await same('with allowManaged=0');
    assert.deepEqual(v4(ours), []);

    // 1.14.1 caches the device's addresses for 1 s (GETIFADDRS_CACHE_TIME): re-enabling within
    // that second finds the removed address still "there" and never adds it back. Not a
    // behaviour worth copying; the comparison waits it out.
    await new Promise((r) => setTimeout(r, 1500));
    ztCli(['set', nwid, 'allowManaged=1']);
    ztCli(['set', nwid, 'allowDefault=0']);
    ztCli(['set', nwid, 'allowGlobal=0']);
    api(ours, 'POST', `/network/${nwid}`, { allowManaged: true, allowDefault: false, allowGlobal: false });
    await same('back to the defaults');

    lab.exec(ours, 'ip', ['neigh', 'replace', '10.147.20.2', 'lladdr', lr.address, 'dev', dev, 'nud', 'permanent']);
    lab.exec(real, 'ip', ['neigh', 'replace', '10.147.20.3', 'lladdr', lo.address, 'dev', dev, 'nud', 'permanent']);
    await waitFor('ping from our TAP to theirs', () => / [1-9]\d* received/.test(lab!.exec(ours, 'ping', ['-c', '2', '-i', '0.3', '-W', '2', '10.147.20.2'])), 30_000, 500);
    assert.match(lab.exec(real, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', '10.147.20.3']), / 3 received/);
  } catch (e) {
    for (const [n, l] of Object.entries(logs)) console.error(`--- ${n} ---\n${l.slice(-3000)}`);
    throw e;
  }
});

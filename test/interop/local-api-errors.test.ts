// The local API's answers beside ZeroTier One 1.14.1's, request for request (issue #9): the
// same table of error cases and endpoints is sent to a real zerotier-one and to the ztkube
// daemon, each in a namespace of its own with a private planet whose root is a dead address
// on the lab's LAN (nothing answers, nothing leaves), and the status, content type and body
// must match (bodies only where they do not carry the node's own address, clock or keys).
// Opt-in: ZTKUBE_ZEROTIER_ONE names a zerotier-one 1.14.1 binary built elsewhere.
//
//   ns h0: zerotier-one -p9993 ── 10.N.0.1 ┐
//                                          ├─ bridge (ns sw) ── 10.N.0.99: nobody
//   ns h1: ztkube daemon 9993 ─── 10.N.0.2 ┘
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasNetns, nsLab, waitFor, type Lab, type LabHost } from '../helpers/netns.js';
import { cli, makeHomes, makeMoon } from '../helpers/zt-homes.js';
import { repoRoot } from '../helpers/shared.js';
import { interopTests, zerotierOne } from '../helpers/interop.js';
import type { ProbeReply, ProbeRequest } from '../helpers/http-probe.js';

const interop = interopTests('local API error cases beside ZeroTier One 1.14.1');
const probeScript = join(repoRoot, 'dist', 'test', 'helpers', 'http-probe.js');
const NWID = '8056c2e21c000001';
const OTHER = '8056c2e21c000002';

let work = '';
let lab: Lab | null = null;
after(() => {
  lab?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

type Auth = 'token' | 'metrics' | 'none' | 'bearer' | 'query' | 'wrong';

interface Row {
  method: string;
  path: string;
  auth?: Auth;
  body?: string;
  /** 'status': only status and content type are compared (the body names the node or the clock); 'own': the node's own address and MAC set aside. */
  compare?: 'all' | 'status' | 'own';
}

const ROWS: Row[] = [
  { method: 'GET', path: '/status', auth: 'none' },
  { method: 'GET', path: '/status', auth: 'wrong' },
  { method: 'GET', path: '/status', auth: 'bearer', compare: 'status' },
  { method: 'GET', path: '/status', auth: 'query', compare: 'status' },
  { method: 'GET', path: '/status', auth: 'metrics' },
  { method: 'GET', path: '/status?jsonp=cb', auth: 'none' },
  { method: 'GET', path: '/health', auth: 'none', compare: 'status' },
  { method: 'GET', path: '/nothing', auth: 'none' },
  { method: 'GET', path: '/nothing' },
  { method: 'GET', path: '/status/' },
  { method: 'POST', path: '/status' },
  { method: 'HEAD', path: '/status', compare: 'status' },
  { method: 'GET', path: '/network' },
  { method: 'GET', path: `/network/${NWID}` },
  { method: 'GET', path: `/network/${NWID}?jsonp=f` },
  { method: 'GET', path: '/network/8056c2e21c00000' },
  { method: 'GET', path: '/network/8056c2e21c0000011' },
  { method: 'POST', path: '/network/8056c2e21c00000x' },
  { method: 'DELETE', path: `/network/${OTHER}` },
  { method: 'PATCH', path: `/network/${NWID}` },
  { method: 'POST', path: `/network/${NWID}`, body: '{"allowDNS":', compare: 'status' },
  { method: 'PUT', path: `/network/${NWID}`, body: '{"allowGlobal":1,"allowDefault":"true","allowDNS":true}', compare: 'status' },
  { method: 'DELETE', path: `/network/${NWID}` },
  { method: 'DELETE', path: `/network/${NWID}` },
  { method: 'GET', path: '/peer/0123456789' },
  { method: 'GET', path: '/peer/012345678' },
  { method: 'DELETE', path: '/peer' },
  { method: 'GET', path: '/moon' },
  { method: 'GET', path: '/moon/00deadbeef' },
  { method: 'GET', path: '/moon/0000000000deadbeef' },
  { method: 'POST', path: '/moon/00deadbeef', body: '{}' },
  { method: 'POST', path: '/moon/00deadbeef', body: '{"seed":' },
  { method: 'PUT', path: '/moon/00deadbeef', body: '{"seed":"0"}' },
  { method: 'POST', path: '/moon/00DEADBEEF', body: '{"seed":"00deadbeef"}' },
  { method: 'GET', path: '/moon/00deadbeef' },
  { method: 'GET', path: '/moon' },
  { method: 'DELETE', path: '/moon/00deadbeef' },
  { method: 'DELETE', path: '/moon/0000000001' },
  { method: 'GET', path: '/bond/show/0123456789' },
  { method: 'POST', path: '/bond/rotate/0123456789' },
  { method: 'GET', path: '/bond/rotate/0123456789' },
  { method: 'PUT', path: '/bond/setmtu/1500/eth0/10.0.0.1' },
  { method: 'POST', path: '/bond/setmtu/1500/eth-0/10.0.0.1' },
  { method: 'GET', path: '/bond/show/0123456789?jsonp=cb' },
  { method: 'GET', path: '/metrics', auth: 'metrics', compare: 'status' },
  { method: 'GET', path: '/metrics', auth: 'token', compare: 'status' },
  { method: 'GET', path: '/metrics', auth: 'none' },
  { method: 'GET', path: '/metrics', auth: 'wrong' },
];

interface Node {
  host: LabHost;
  home: string;
  token: string;
  metricsToken: string;
}

function ask(node: Node, rows: Row[]): ProbeReply[] {
  const requests: ProbeRequest[] = rows.map((r) => {
    const auth = r.auth ?? 'token';
    const headers: Record<string, string> =
      auth === 'token' ? { 'X-ZT1-Auth': node.token } : auth === 'metrics' ? { 'X-ZT1-Auth': node.metricsToken } : auth === 'bearer' ? { Authorization: `Bearer ${node.token}` } : auth === 'wrong' ? { 'X-ZT1-Auth': 'x'.repeat(24) } : {};
    const path = auth === 'query' ? `${r.path}${r.path.includes('?') ? '&' : '?'}auth=${node.token}` : r.path;
    return { method: r.method, path, headers, body: r.body };
  });
  return JSON.parse(lab!.exec(node.host, process.execPath, [probeScript, '9993', JSON.stringify(requests)])) as ProbeReply[];
}

interop('the same requests get the same answers from ztkube and from zerotier-one 1.14.1', { skip: !hasNetns() && 'needs root and iproute2', timeout: 120_000 }, async () => {
  work = mkdtempSync(join(tmpdir(), `ztkube-api-errors-${process.pid}-`));
  lab = nsLab(['real', 'ours']);
  const [hReal, hOurs] = lab.hosts;
  const homes = makeHomes(join(work, 'homes'), ['root', 'real', 'ours', 'moonroot'], 'root', `10.${hReal.ip.split('.')[1]}.0.99/9993`);
  // One moon held by both (its root silent too): the moon and peer objects must be the same bytes.
  const moon = makeMoon(join(work, 'moon'), join(homes.home('moonroot'), 'identity.secret'), `10.${hReal.ip.split('.')[1]}.0.98/9993`);
  for (const n of ['real', 'ours']) {
    mkdirSync(join(homes.home(n), 'moons.d'), { recursive: true });
    copyFileSync(moon.file, join(homes.home(n), 'moons.d', `${moon.id}.moon`));
  }
  writeFileSync(join(homes.home('real'), 'local.conf'), JSON.stringify({ settings: { allowTcpFallbackRelay: false, portMappingEnabled: false, allowSecondaryPort: false } }));
  lab.spawn(hReal, zerotierOne!, ['-U', '-p9993', homes.home('real')]);
  lab.spawn(hOurs, process.execPath, [cli, 'daemon', '--home', homes.home('ours'), '--port', '9993', '--no-allow-secondary-port', '--no-taps', '--log-level', 'warn'], { ...process.env, ZTKUBE_SAFETY: 'test' });
  const node = (h: LabHost, name: string): Node => ({
    host: h,
    home: homes.home(name),
    token: readFileSync(join(homes.home(name), 'authtoken.secret'), 'utf8').trim(),
    metricsToken: readFileSync(join(homes.home(name), 'metricstoken.secret'), 'utf8').trim(),
  });
  let real: Node | null = null;
  let ours: Node | null = null;
  await waitFor(
    'both APIs up',
    () => {
      try {
        real ??= node(hReal, 'real');
        ours ??= node(hOurs, 'ours');
        return ask(real, [{ method: 'GET', path: '/status' }])[0].status === 200 && ask(ours, [{ method: 'GET', path: '/status' }])[0].status === 200;
      } catch {
        return false; // not started yet: no token file, or the port not open
      }
    },
    30_000,
    500,
  );
  const rows: Row[] = [
    ...ROWS,
    { method: 'GET', path: '/moon' },
    { method: 'GET', path: `/moon/${moon.id.slice(6)}` },
    { method: 'POST', path: `/moon/${moon.id.slice(6)}`, body: '{"seed":"1"}' },
    { method: 'GET', path: '/peer' },
    { method: 'GET', path: `/peer/${homes.addr('root')}` },
    { method: 'GET', path: `/peer/${homes.addr('moonroot')}` },
    { method: 'POST', path: `/network/${NWID}`, compare: 'own' },
    { method: 'GET', path: '/network', compare: 'own' },
    { method: 'DELETE', path: `/moon/${moon.id.slice(6)}` },
    { method: 'GET', path: '/moon' },
  ];
  const theirs = ask(real!, rows);
  const mine = ask(ours!, rows);
  // 'own': the node's address and its MAC on the network (derived from the address) differ.
  const own = (text: string, n: Node): string => text.replace(/"mac":"[0-9a-f:]{17}"/g, '"mac":"<mac>"').split(homes.addr(n === real ? 'real' : 'ours')).join('<node>');
  const differences: string[] = [];
  rows.forEach((r, i) => {
    const a = r.compare === 'own' ? { ...theirs[i], body: own(theirs[i].body, real!) } : theirs[i];
    const b = r.compare === 'own' ? { ...mine[i], body: own(mine[i].body, ours!) } : mine[i];
    const label = `${r.method} ${r.path} (${r.auth ?? 'token'}${r.body !== undefined ? `, body ${r.body}` : ''})`;
    if (a.status !== b.status || a.contentType !== b.contentType || (r.compare !== 'status' && a.body !== b.body)) {
      differences.push(`${label}: 1.14.1 ${a.status} ${a.contentType} ${JSON.stringify(a.body.slice(0, 200))}; ztkube ${b.status} ${b.contentType} ${JSON.stringify(b.body.slice(0, 200))}`);
    }
  });
  assert.deepEqual(differences, []);

  // Metrics: once 1.14.1 has written metrics.prom, the families it declares are ours too,
  // except the summary read of ZeroTier Central's database, which a file controller never makes.
  const metricsOf = (n: Node): string => ask(n, [{ method: 'GET', path: '/metrics', auth: 'metrics' }])[0].body;
  await waitFor('metrics.prom from zerotier-one', () => metricsOf(real!).includes('# TYPE zt_packet '), 30_000, 500);
  const declared = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('# TYPE ')).sort();
  const theirMetrics = metricsOf(real!);
  const ourFamilies = new Set(declared(metricsOf(ours!)));
  assert.deepEqual(declared(theirMetrics).filter((l) => !ourFamilies.has(l)), ['# TYPE controller_db_get_networK_and_member_summary counter']);
});

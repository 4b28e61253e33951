// A root and two nodes as three ztkube processes in three network namespaces:
//
//   [root 10.N.0.1] --+
//   [a    10.N.0.2] --+-- br0 (switch namespace, no route off the machine)
//   [b    10.N.0.3] --+
//
// a keeps contact with b (as with a network anchor). The first packets go through the
// root; the root introduces them (RENDEZVOUS) and `ztkube peers` on a ends up showing b as
// DIRECT on b's own address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../helpers/shared.js';
import { hasNetns, nsLab, waitFor, type Lab } from '../helpers/netns.js';

const cli = join(repoRoot, 'dist', 'cmd', 'ztkube.js');
let lab: Lab | null = null;
let work = '';

function ztkube(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  work = mkdtempSync(join(tmpdir(), `ztkube-netns-${process.pid}-`));
});
after(() => {
  lab?.teardown();
  rmSync(work, { recursive: true, force: true });
});

test('two nodes find each other through a ztkube root and go direct', { skip: !hasNetns() && 'needs root and iproute2' }, async () => {
  lab = nsLab(['root', 'a', 'b']);
  const [rootHost, aHost, bHost] = lab.hosts;
  const homes = Object.fromEntries(lab.hosts.map((h) => [h.name, join(work, h.name)]));
  for (const h of lab.hosts) {
    const r = ztkube(['idtool', 'generate', join(homes[h.name] + '.secret'), join(homes[h.name] + '.public')]);
    assert.equal(r.code, 0, r.err);
  }
  const pub = (n: string): string => readFileSync(homes[n] + '.public', 'utf8');
  writeFileSync(join(work, 'roots.json'), JSON.stringify([{ identity: pub('root'), stableEndpoints: [`${rootHost.ip}/9993`] }]));
  const planet = join(work, 'planet');
  assert.equal(ztkube(['planet', 'create', join(work, 'roots.json'), planet]).code, 0);
  for (const h of lab.hosts) {
    const home = homes[h.name];
    spawnSync('mkdir', ['-p', home]);
    writeFileSync(join(home, 'identity.secret'), readFileSync(home + '.secret'), { mode: 0o600 });
    writeFileSync(join(home, 'planet'), readFileSync(planet));
  }
  const addr = (n: string): string => pub(n).slice(0, 10);
  const logs: Record<string, string> = {};
  const start = (h: typeof rootHost, extra: string[]): void => {
    const c = lab!.spawn(h, process.execPath, [cli, 'daemon', '--home', homes[h.name], '--port', '9993', '--log-format', 'json', ...extra]);
    logs[h.name] = '';
    c.stderr!.on('data', (d) => (logs[h.name] += d));
    c.stdout!.on('data', (d) => (logs[h.name] += d));
  };
  start(rootHost, []);
  start(bHost, []);
  start(aHost, ['--contact', addr('b'), '--log-level', 'debug']);

  // The CLI asks the daemon's API on 127.0.0.1, so it runs in the daemon's namespace.
  const hostOf = (n: string): typeof rootHost => lab!.hosts.find((h) => h.name === n)!;
  const peersOf = (n: string): string => lab!.exec(hostOf(n), process.execPath, [cli, 'peers', '--home', homes[n]]);
  try {
    const line = await waitFor(
      'a to list b as DIRECT',
      () => peersOf('a').split('\n').find((l) => l.startsWith(addr('b')) && l.includes('DIRECT') && l.includes(`${bHost.ip}/`)),
      60_000,
    );
    // Each node has the primary port 9993 and a random secondary port, as ZeroTier One.
    assert.match(line, /^[0-9a-f]{10} 1\.14\.1 LEAF +-?\d+ DIRECT +-?\d+ +-?\d+ +10\.\d+\.0\.3\/\d+$/);
    const aPeers = peersOf('a');
    assert.match(aPeers, new RegExp(`^${addr('root')} 1\\.14\\.1 PLANET .* DIRECT .*${rootHost.ip}/\\d+$`, 'm'));
    await waitFor('b to list a as DIRECT', () => peersOf('b').includes(`${aHost.ip}/`), 30_000);
    const status = JSON.parse(lab.exec(aHost, process.execPath, [cli, 'info', '--home', homes.a, '-j']));
    assert.equal(status.config.settings.listeningOn.length, 2, 'primary and secondary port');
    assert.equal(status.online, true);
    // --log-level debug tells a user how the connection came about. The daemon's output comes
    // through a pipe that is read only while this test yields (the CLI calls above block it),
    // so the line may still be on its way: wait for it, reading complete lines only.
    const said = (m: string, peer: string): boolean =>
      logs.a
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: string; message: string; peer?: string })
        .some((l) => l.level === 'debug' && l.message === m && l.peer === peer);
    await waitFor('a to log the direct path to b', () => said('path learned', addr('b')), 10_000);
    assert.ok(said('whois sent', addr('b')), 'a asked the root who b is');
    assert.ok(said('path learned', addr('root')), 'and learned a direct path to the root');
    assert.doesNotMatch(logs.a, /"message":"internal error"/, 'no internal errors');
  } catch (e) {
    for (const [n, l] of Object.entries(logs)) console.error(`--- ${n} log ---\n${l.slice(-3000)}`);
    throw e;
  }
});
